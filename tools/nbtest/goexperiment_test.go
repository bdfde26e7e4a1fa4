package nbtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gpt2taps/gpt2taps/internal/goexp"
)

// TestExecuteBuildsWithSIMD checks that GoNB builds the cells with the
// GOEXPERIMENT that Execute gives the kernel: simd added to this process's.
func TestExecuteBuildsWithSIMD(t *testing.T) {
	r, err := Execute(t.Context(), filepath.Join("testdata", "goexperiment.ipynb"), Options{WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	want := goexp.Value(goexp.WithSIMD(os.Environ()))
	if p := r.Problems(); len(p) > 0 {
		t.Fatalf("problems: %q", p)
	}
	if got := r.Cells[1].Text(); got != "GOEXPERIMENT = "+want+"\n" {
		t.Errorf("the cell printed %q, want %q", got, "GOEXPERIMENT = "+want+"\n")
	}
}
