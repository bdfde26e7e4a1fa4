//go:build unix

package stfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFloat32sFault checks that a file shrinking while open gives an error that says so, not a crash.
func TestFloat32sFault(t *testing.T) {
	const n = 1 << 16
	path := filepath.Join(t.TempDir(), "x.safetensors")
	if err := WriteFile(path, []Entry{{Name: "w", DType: "F32", Shape: []int{n}, Data: make([]byte, 4*n)}}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.Truncate(path, 64); err != nil {
		t.Fatal(err)
	}
	err = f.Float32s("w", make([]float32, n))
	if err == nil || !strings.Contains(err.Error(), `read tensor "w" from `+path) ||
		!strings.Contains(err.Error(), "the file changed or shrank while in use; "+corrupt) {
		t.Errorf("Float32s on a shrunk file: error = %v, want one saying the file changed or shrank", err)
	}
}
