package nbtest

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// update makes TestExecute rewrite testdata/executed, which TestRead and the
// example read, from its runs: go test ./tools/nbtest -run TestExecute -update
var update = flag.Bool("update", false, "rewrite testdata/executed/*.ipynb from the notebooks' runs")

// TestExecute runs the testdata notebooks with the GoNB kernel. It fails,
// rather than skips, where Jupyter or GoNB is missing: run scripts/install.sh.
// The first GoNB cell of a cold build cache takes about 20 s to compile.
func TestExecute(t *testing.T) {
	for _, tt := range notebookCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			start := time.Now()
			r, err := Execute(t.Context(), filepath.Join("testdata", tt.name+".ipynb"), Options{Env: notebookEnv, WorkDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("executed %s in %v", tt.name, time.Since(start).Round(time.Millisecond))
			if want := filepath.Join(dir, tt.name+".executed.ipynb"); r.Path != want {
				t.Errorf("Path = %q, want %q", r.Path, want)
			}
			tt.check(t, r)
			if *update {
				data, err := os.ReadFile(r.Path)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join("testdata", "executed", tt.name+".ipynb"), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestExecuteTimeout checks that a cell over Options.Timeout ends the run with
// an error that says so.
func TestExecuteTimeout(t *testing.T) {
	start := time.Now()
	_, err := Execute(t.Context(), filepath.Join("testdata", "sleep.ipynb"), Options{Timeout: time.Second, WorkDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "Cell execution timed out") {
		t.Fatalf("Execute(sleep.ipynb) = %v, want nbconvert's time-out error", err)
	}
	if elapsed := time.Since(start); elapsed > 50*time.Second {
		t.Errorf("Execute took %v, want it stopped soon after the 1 s cell limit", elapsed)
	}
}

// TestExecuteErrors covers runs that cannot start.
func TestExecuteErrors(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name     string
		ctx      context.Context
		notebook string
		opts     Options
		want     string
	}{
		{"not a notebook", context.Background(), filepath.Join("testdata", "nbhello", "nbhello.go"), Options{}, "must end in .ipynb"},
		{"missing file", context.Background(), filepath.Join("testdata", "missing.ipynb"), Options{}, "no such file"},
		{"unknown kernel", context.Background(), filepath.Join("testdata", "exit.ipynb"), Options{KernelName: "no-such-kernel-nbtest"}, installHint},
		{"cancelled", cancelled, filepath.Join("testdata", "exit.ipynb"), Options{}, "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Execute(tt.ctx, tt.notebook, tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Execute() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
