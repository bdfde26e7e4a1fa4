package stfile_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gpt2taps/gpt2taps/internal/stfile"
)

func ExampleWriteFile() {
	dir, err := os.MkdirTemp("", "stfile-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "taps.safetensors")

	values := []float32{0.5, -1, 2}
	data := make([]byte, 2*len(values))
	if err := stfile.FromFloat32("F16", values, data); err != nil {
		log.Fatal(err)
	}
	entries := []stfile.Entry{{Name: "h.0.mlp.c_proj", DType: "F16", Shape: []int{1, 3}, Data: data}}
	if err := stfile.WriteFile(path, entries, map[string]string{"format": "pt"}); err != nil {
		log.Fatal(err)
	}

	f, err := stfile.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	dtype, shape, _ := f.Info("h.0.mlp.c_proj")
	got := make([]float32, 3)
	if err := f.Float32s("h.0.mlp.c_proj", got); err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Names(), dtype, shape, got, f.Metadata())
	// Output: [h.0.mlp.c_proj] F16 [1 3] [0.5 -1 2] map[format:pt]
}
