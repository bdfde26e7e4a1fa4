package nb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/tools/testckpt"
	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// capture redirects the cell's outputs and exit for one test; exit panics
// with the status so that the code after it does not run, as in a cell.
func capture(t *testing.T) (out, errs *bytes.Buffer, status func(func()) int) {
	t.Helper()
	out, errs = &bytes.Buffer{}, &bytes.Buffer{}
	oldOut, oldErr, oldExit := stdout, stderr, exit
	stdout, stderr = out, errs
	type exited int
	exit = func(code int) { panic(exited(code)) }
	t.Cleanup(func() { stdout, stderr, exit = oldOut, oldErr, oldExit })
	status = func(f func()) (code int) {
		code = -1
		defer func() {
			if r := recover(); r != nil {
				e, ok := r.(exited)
				if !ok {
					panic(r)
				}
				code = int(e)
			}
		}()
		f()
		return code
	}
	return out, errs, status
}

func TestCheckStopsTheCellWithOneLine(t *testing.T) {
	_, errs, status := capture(t)
	if code := status(func() { Check(nil) }); code != -1 {
		t.Fatalf("Check(nil) exited with %d", code)
	}
	if code := status(func() { Must(0, errors.New("the text has no tokens")) }); code != 1 {
		t.Fatalf("Must with an error exited with %d, want 1", code)
	}
	if got := errs.String(); got != "error: the text has no tokens\n" {
		t.Errorf("stderr %q", got)
	}
}

func TestModelErrorsGetTheNotebooksHint(t *testing.T) {
	offline := fmt.Errorf("gpt2-large is not in the cache: %w: %w", checkpoints.ErrModelNotCached, checkpoints.ErrOffline)
	unreachable := fmt.Errorf("gpt2-large: %w: %w", checkpoints.ErrModelNotCached, checkpoints.ErrHubUnreachable)
	other := errors.New("config.json: bad JSON")
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{offline, []string{"unset HF_HUB_OFFLINE", "modelName", "GPT2TAPS_MODEL", "random-checkpoint"}},
		{unreachable, []string{"modelName", "GPT2TAPS_MODEL", "random-checkpoint"}},
	} {
		got := withHint(tc.err).Error()
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("withHint(%v) = %q, want it to mention %q", tc.err, got, w)
			}
		}
		if !errors.Is(withHint(tc.err), checkpoints.ErrModelNotCached) {
			t.Error("the hint hides the error it wraps")
		}
	}
	if got := withHint(other); got != other {
		t.Errorf("an error with no notebook remedy got a hint: %v", got)
	}
}

func TestOverridesSaySo(t *testing.T) {
	_, errs, _ := capture(t)
	file := filepath.Join(t.TempDir(), "text.txt")
	if err := os.WriteFile(file, []byte("from the file"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GPT2TAPS_TEXT_FILE", file)
	t.Setenv("GPT2TAPS_MODEL", "/models/small")
	if got := text("from the cell", true); got != "from the file" {
		t.Errorf("text = %q", got)
	}
	if got := modelName("gpt2-large", true); got != "/models/small" {
		t.Errorf("modelName = %q", got)
	}
	for _, want := range []string{"GPT2TAPS_TEXT_FILE=" + file, "not from the text cell", `GPT2TAPS_MODEL=/models/small replaces modelName "gpt2-large"`} {
		if !strings.Contains(errs.String(), want) {
			t.Errorf("notes %q lack %q", errs.String(), want)
		}
	}
	errs.Reset()
	text("x", false)
	modelName("gpt2-large", false)
	if errs.Len() != 0 {
		t.Errorf("quiet calls printed %q", errs.String())
	}
	t.Setenv("GPT2TAPS_TEXT_FILE", "")
	t.Setenv("GPT2TAPS_MODEL", "")
	if text("cell", true) != "cell" || modelName("gpt2", true) != "gpt2" || errs.Len() != 0 {
		t.Errorf("without overrides: notes %q", errs.String())
	}
}

func TestNeedTokensEndsTheCellWithANote(t *testing.T) {
	out, errs, status := capture(t)
	res := &taps.Result{IDs: []int{1, 2}}
	if code := status(func() { NeedTokens(res, 2, "tokens 1… are plotted") }); code != -1 {
		t.Fatalf("enough tokens, but the cell ended with %d", code)
	}
	if code := status(func() { NeedTokens(res, 4, "a correlation over tokens 1… needs 3 of them") }); code != 0 {
		t.Fatalf("too few tokens ended the cell with %d, want 0 (a note, not an error)", code)
	}
	want := "not computed: a correlation over tokens 1… needs 3 of them, so it needs a text of at least 4 tokens; this text has 2\n"
	if out.String() != want || errs.Len() != 0 {
		t.Errorf("stdout %q, stderr %q; want stdout %q", out.String(), errs.String(), want)
	}
}

func TestMaxAbsDiff(t *testing.T) {
	m := analysis.Matrix{Rows: 1, Cols: 3, Data: []float64{0.5, -0.25, 1}}
	a := taps.Array{Dims: []int{1, 3}, Data: []float32{0.5, -0.5, 1}}
	if got := MaxAbsDiff(m, a); got != 0.25 {
		t.Errorf("MaxAbsDiff = %v, want 0.25", got)
	}
	if got := MaxAbsDiff(m, taps.Array{Dims: []int{3, 1}, Data: a.Data}); !math.IsInf(got, 1) {
		t.Errorf("shapes [1 3] and [3 1]: %v, want +Inf", got)
	}
}

func TestTokenLabels(t *testing.T) {
	res := &taps.Result{Tokens: []string{"Hello", " ", "\n"}}
	if got := strings.Join(TokenLabels(res), "|"); got != "Hello|␣|↵" {
		t.Errorf("labels %q", got)
	}
}

// TestRunGoesThroughTheTapCache: the first Run computes, the next loads; the
// lesson's own capture finds the same taps.
func TestRunGoesThroughTheTapCache(t *testing.T) {
	_, _, status := capture(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 3)
	t.Setenv("GPT2TAPS_CACHE", t.TempDir())
	t.Setenv("GOMLX_BACKEND", "go")
	var first, second *taps.Result
	if code := status(func() { first = Run(ckpt, "Hello world", lesson.Request()) }); code != -1 {
		t.Fatalf("Run ended the cell with %d", code)
	}
	status(func() { second = Run(ckpt, "Hello world", lesson.Request()) })
	if !first.Info.Computed || second.Info.Computed {
		t.Fatalf("first %v, second %v; want computed, then loaded", first.Info, second.Info)
	}
	tp, err := lesson.Capture(context.Background(), "Hello world", lesson.Options{Model: ckpt, Backend: "go"})
	if err != nil || tp.Info.Computed {
		t.Fatalf("lesson.Capture: %v, computed %v; want the notebook's taps from the cache", err, tp != nil && tp.Info.Computed)
	}
	if a := Analyze(second); len(a.CosStats.Mean) != 2 {
		t.Errorf("Analyze: %d layers", len(a.CosStats.Mean))
	}
	if code := status(func() { Run(filepath.Join(t.TempDir(), "missing"), "Hello", lesson.Request()) }); code != 1 {
		t.Errorf("a missing model ended the cell with %d, want 1", code)
	}
}
