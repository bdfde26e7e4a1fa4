package taps_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/internal/stfile"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// fuzzTapsFile writes a small taps file with WriteFile and returns its bytes.
func fuzzTapsFile(f *testing.F, res *taps.Result, meta map[string]string) []byte {
	f.Helper()
	path := filepath.Join(f.TempDir(), "seed.safetensors")
	if err := taps.WriteFile(path, res, meta); err != nil {
		f.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return data
}

// fuzzF32 makes an array of the given shape holding 0, 1, 2, …
func fuzzF32(dims ...int) taps.Array {
	n := 1
	for _, d := range dims {
		n *= d
	}
	vals := make([]float32, n)
	for i := range vals {
		vals[i] = float32(i)
	}
	return taps.Array{Dims: dims, Data: vals}
}

// FuzzReadFile reads arbitrary bytes as a taps file. ReadFile must never panic; it refuses the file with an error,
// or returns a result whose stacks, indices, logits, reductions and ids are consistent with each other: a
// non-negative depth, strictly increasing indices within it, and stacks and logits with one row per token.
func FuzzReadFile(f *testing.F) {
	full := &taps.Result{NLayer: 2, IDs: []int{15496, 995}, Tokens: []string{"Hello", " world"},
		Stacks: map[gpt2.Kind]*taps.Stack{
			gpt2.AttnOut:     {Kind: gpt2.AttnOut, Indices: []int{0, 1}, Array: fuzzF32(2, 2, 3)},
			gpt2.HiddenState: {Kind: gpt2.HiddenState, Indices: []int{0, 1, 2}, Array: fuzzF32(3, 2, 3)},
			gpt2.MLPOut:      {Kind: gpt2.MLPOut, Indices: []int{1}, Array: fuzzF32(1, 2, 3)},
		},
		Reduced: map[string]taps.Array{"cosine": fuzzF32(2, 2)},
		Logits:  ptr(fuzzF32(2, 4)),
	}
	f.Add(fuzzTapsFile(f, full, map[string]string{"model": "gpt2"}))
	f.Add(fuzzTapsFile(f, &taps.Result{IDs: []int{}}, nil))
	// As the PyTorch reference writes them: no metadata, so no checksums or indices.
	refPath := filepath.Join(f.TempDir(), "ref.safetensors")
	ids := binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 1), 2)
	if err := stfile.WriteFile(refPath, []stfile.Entry{
		{Name: "input_ids", DType: "I64", Shape: []int{2}, Data: ids},
		{Name: "hidden_states", DType: "F16", Shape: []int{2, 2, 1}, Data: make([]byte, 8)},
		{Name: "attn.c_proj", DType: "F32", Shape: []int{}, Data: make([]byte, 4)},
		{Name: "mlp.c_proj", DType: "BF16", Shape: []int{0, 2, 1}, Data: []byte{}},
	}, map[string]string{"attn.c_proj.indices": "1,0", "hidden_states.indices": "x"}); err != nil {
		f.Fatal(err)
	}
	data, err := os.ReadFile(refPath)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.safetensors")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tf, err := taps.ReadFile(path)
		if err != nil {
			if msg := err.Error(); msg == "" || !strings.Contains(msg, path) {
				t.Fatalf("error %q does not name the file", msg)
			}
			return
		}
		res := tf.Result
		if res.NLayer < 0 {
			t.Fatalf("NLayer %d < 0", res.NLayer)
		}
		for k, s := range res.Stacks {
			if !k.Valid() || s.Kind != k {
				t.Fatalf("stack %q has kind %q", k, s.Kind)
			}
			dims := s.Dims
			if len(dims) == 0 || len(s.Indices) != dims[0] {
				t.Fatalf("stack %s: %d indices for shape %v", k, len(s.Indices), dims)
			}
			for i, idx := range s.Indices {
				if idx < 0 || idx >= k.Count(res.NLayer) || (i > 0 && idx <= s.Indices[i-1]) {
					t.Fatalf("stack %s: indices %v, not increasing within [0, %d)", k, s.Indices, k.Count(res.NLayer))
				}
			}
			if T := len(res.IDs); (k == gpt2.AttnPattern && (len(dims) != 4 || dims[2] != T || dims[3] != T)) ||
				(k != gpt2.AttnPattern && (len(dims) != 3 || dims[1] != T)) {
				t.Fatalf("stack %s has shape %v for %d tokens", k, dims, T)
			}
			n := 1
			for _, d := range dims {
				n *= d
			}
			if got := len(s.Data); got != n {
				t.Fatalf("stack %s has %d values for shape %v", k, got, dims)
			}
		}
		if len(res.Tokens) != 0 && len(res.Tokens) != len(res.IDs) {
			t.Fatalf("%d tokens for %d ids", len(res.Tokens), len(res.IDs))
		}
		if res.Logits != nil {
			if dims := res.Logits.Dims; len(dims) != 2 || dims[0] != len(res.IDs) {
				t.Fatalf("logits have shape %v for %d tokens", dims, len(res.IDs))
			}
		}
		for name, r := range res.Reduced {
			if name == "input_ids" || name == "logits" || isKind(name) {
				t.Fatalf("tensor %q came back as a reduction", name)
			}
			if got, want := len(r.Data), size(r.Dims); got != want {
				t.Fatalf("reduction %q has %d values for shape %v", name, got, r.Dims)
			}
		}
	})
}

func isKind(name string) bool {
	_, ok := gpt2.KindByName(name)
	return ok
}

func ptr[T any](v T) *T { return &v }

func size(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}
