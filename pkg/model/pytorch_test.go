package model

// The independent PyTorch reference, for this package's internal tests and,
// through the test build of the package, its external ones
// (reference_test.go).

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/internal/stfile"
)

// referencePython is the interpreter with PyTorch (Debian's python3-torch).
// GPT2TAPS_PYTHON overrides it.
func referencePython() string {
	if p := os.Getenv("GPT2TAPS_PYTHON"); p != "" {
		return p
	}
	return "/usr/bin/python3"
}

// PyTorchReference runs reference/gpt2_reference.py on a checkpoint and ids and
// returns its output tensors as float32.
func PyTorchReference(t *testing.T, dir string, ids []int, logits bool) map[string][]float32 {
	t.Helper()
	script, err := filepath.Abs("../../reference/gpt2_reference.py")
	if err != nil {
		t.Fatal(err)
	}
	strs := make([]string, len(ids))
	for i, id := range ids {
		strs[i] = strconv.Itoa(id)
	}
	out := filepath.Join(t.TempDir(), "ref.safetensors")
	args := []string{script, "--model", dir, "--ids", strings.Join(strs, ","), "--out", out, "--threads", "1"}
	if logits {
		args = append(args, "--logits")
	}
	cmd := exec.Command(referencePython(), args...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		// Never skipped: the reference is how this package's numbers are checked.
		t.Fatalf("PyTorch reference failed (install Debian's python3-torch, or run scripts/install.sh): %v\n%s", err, msg)
	}
	return readF32File(t, out)
}

// readF32File reads every F32 tensor of a safetensors file.
func readF32File(t *testing.T, path string) map[string][]float32 {
	t.Helper()
	f, err := stfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res := map[string][]float32{}
	for _, name := range f.Names() {
		dtype, shape, _ := f.Info(name)
		if dtype != "F32" {
			continue
		}
		n := 1
		for _, d := range shape {
			n *= d
		}
		vals := make([]float32, n)
		if err := f.Float32s(name, vals); err != nil {
			t.Fatal(err)
		}
		res[name] = vals
	}
	return res
}
