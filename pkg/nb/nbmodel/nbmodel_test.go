package nbmodel

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/nb"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/tools/testckpt"
)

// capture redirects the cell's outputs for one test.
func capture(t *testing.T) (out, errs *bytes.Buffer) {
	t.Helper()
	out, errs = &bytes.Buffer{}, &bytes.Buffer{}
	oldOut, oldErr := stdout, stderr
	stdout, stderr = out, errs
	t.Cleanup(func() { stdout, stderr = oldOut, oldErr })
	return out, errs
}

// TestRunGoesThroughTheTapCache: the first Run computes, the next loads; the
// notebook's other cells (nb.Taps) and the lesson's own capture (what
// `gpt2taps lesson` runs: model.RunCached with lesson.Request) find the same
// taps.
func TestRunGoesThroughTheTapCache(t *testing.T) {
	capture(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 3)
	t.Setenv(env.Cache, t.TempDir())
	t.Setenv(env.Model, "")
	t.Setenv(env.TextFile, "")
	t.Setenv("GOMLX_BACKEND", "go")
	first := Run(ckpt, "Hello world", lesson.Request())
	second := Run(ckpt, "Hello world", lesson.Request())
	if !first.Info.Computed || second.Info.Computed {
		t.Fatalf("first %v, second %v; want computed, then loaded", first.Info, second.Info)
	}
	if !strings.HasPrefix(first.Info.Backend, "go") {
		t.Errorf("computed on %q, want GOMLX_BACKEND's go", first.Info.Backend)
	}
	if res := nb.Taps(ckpt, "Hello world", lesson.Request()); res.Info.Computed || len(res.IDs) != 2 {
		t.Errorf("nb.Taps after Run: %v, %d tokens", res.Info, len(res.IDs))
	}
	res, err := model.RunCached(context.Background(), model.Source{Model: ckpt, Backend: "go"}, gpt2.Text("Hello world"), lesson.Request(), taps.Cache{})
	if err != nil || res.Info.Computed {
		t.Fatalf("the lesson's capture: %v, computed %v; want the notebook's taps from the cache", err, res != nil && res.Info.Computed)
	}
	if a := nb.Analyze(second); len(a.CosStats.Mean) != 2 {
		t.Errorf("Analyze: %d layers", len(a.CosStats.Mean))
	}
}

// TestRunTakesTheEnvironmentsModelAndText: GPT2TAPS_MODEL and
// GPT2TAPS_TEXT_FILE replace the cell's model and text (quietly: the cell of
// section 2 says so).
func TestRunTakesTheEnvironmentsModelAndText(t *testing.T) {
	_, errs := capture(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 3)
	file := filepath.Join(t.TempDir(), "text.txt")
	if err := os.WriteFile(file, []byte("Hello world, from the file"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(env.Cache, t.TempDir())
	t.Setenv(env.Model, ckpt)
	t.Setenv(env.TextFile, file)
	t.Setenv("GOMLX_BACKEND", "go")
	res := Run("gpt2-large", "the cell's text", lesson.Request())
	if res.Info.Dir != ckpt || strings.Join(res.Tokens, "") != "Hello world, from the file" {
		t.Errorf("ran %s on %q", res.Info.Dir, strings.Join(res.Tokens, ""))
	}
	if strings.Contains(errs.String(), "note:") {
		t.Errorf("Run printed notes: %q", errs.String())
	}
}

// TestRunStopsTheCellOnErrors runs a cell's program (this test binary, in a
// child process) whose model does not exist: it ends with status 1 and one
// line "error: …" naming the model.
func TestRunStopsTheCellOnErrors(t *testing.T) {
	if dir := os.Getenv("NBMODEL_TEST_MISSING"); dir != "" {
		Run(dir, "Hello", lesson.Request())
		os.Exit(3) // Run returned: the test below reports it
	}
	missing := filepath.Join(t.TempDir(), "no-such-model")
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunStopsTheCellOnErrors$")
	cmd.Env = append(os.Environ(), "NBMODEL_TEST_MISSING="+missing, env.Model+"=", env.TextFile+"=", env.Cache+"="+t.TempDir(), "GOMLX_BACKEND=go")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	exitErr, ok := err.(*exec.ExitError)
	if !ok || exitErr.ExitCode() != 1 {
		t.Fatalf("the cell's program ended with %v, want exit status 1; stderr:\n%s", err, stderr.String())
	}
	if got := stderr.String(); !strings.HasPrefix(got, "error: ") || strings.Count(got, "\n") != 1 || !strings.Contains(got, "no-such-model") {
		t.Errorf("stderr %q: want one line naming the model", got)
	}
}
