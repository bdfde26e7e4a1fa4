package nb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/tools/testckpt"
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
	t.Setenv(env.TextFile, file)
	t.Setenv(env.Model, "/models/small")
	if got := Text("from the cell"); got != "from the file" || errs.Len() != 0 {
		t.Errorf("Text = %q, notes %q; want the file's text, quietly", got, errs.String())
	}
	if got := ModelName("gpt2-large"); got != "/models/small" || errs.Len() != 0 {
		t.Errorf("ModelName = %q, notes %q; want the environment's model, quietly", got, errs.String())
	}
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
	t.Setenv(env.TextFile, "")
	t.Setenv(env.Model, "")
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

func TestUnreadableTextFileStopsTheCell(t *testing.T) {
	_, errs, status := capture(t)
	missing := filepath.Join(t.TempDir(), "missing.txt")
	t.Setenv(env.TextFile, missing)
	if code := status(func() { Text("cell") }); code != 1 {
		t.Fatalf("an unreadable text file ended the cell with %d, want 1", code)
	}
	if got := errs.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "error: "+env.TextFile+": ") ||
		!strings.Contains(got, missing) || !strings.Contains(got, "unset it") {
		t.Errorf("stderr %q, want one line naming %s and the file", got, env.TextFile)
	}
}

func TestMaxAbsDiff(t *testing.T) {
	m := analysis.Matrix{Rows: 1, Cols: 3, Data: []float64{0.5, -0.25, 1}}
	a := analysis.Matrix{Rows: 1, Cols: 3, Data: []float64{0.5, -0.5, 1}}
	if got := MaxAbsDiff(m, a); got != 0.25 {
		t.Errorf("MaxAbsDiff = %v, want 0.25", got)
	}
	if got := MaxAbsDiff(m, m); got != 0 {
		t.Errorf("MaxAbsDiff of a matrix with itself = %v, want 0", got)
	}
	if got := MaxAbsDiff(m, analysis.Matrix{Rows: 3, Cols: 1, Data: a.Data}); !math.IsInf(got, 1) {
		t.Errorf("shapes [1 3] and [3 1]: %v, want +Inf", got)
	}
	nan := analysis.Matrix{Rows: 1, Cols: 2, Data: []float64{math.NaN(), 1}}
	if got := MaxAbsDiff(nan, nan); got != 0 {
		t.Errorf("NaN where both are NaN: %v, want 0", got)
	}
	if got := MaxAbsDiff(nan, analysis.Matrix{Rows: 1, Cols: 2, Data: []float64{0, 1}}); !math.IsInf(got, 1) {
		t.Errorf("NaN on one side only: %v, want +Inf", got)
	}
}

// TestTokenLabels: the labels the cells put on axes (res.TokenLabels, since
// nb.TokenLabels is gone) and in the token explorer (lesson.ExplorerTokens).
func TestTokenLabels(t *testing.T) {
	res := &taps.Result{IDs: []int{15496, 220, 198}, Tokens: []string{"Hello", " ", "\n"}}
	if got := strings.Join(res.TokenLabels(), "|"); got != "Hello|␣|↵" {
		t.Errorf("labels %q", got)
	}
	if e := lesson.ExplorerTokens(res); !slices.Equal(e.IDs, res.IDs) || !slices.Equal(e.Texts, res.Tokens) ||
		strings.Join(e.Labels, "|") != "Hello|␣|↵" {
		t.Errorf("explorer tokens %+v", e)
	}
}

// TestCheckpointSaysWhatItKnows: Find reads the config without loading
// weights, and String names the backend that will run without starting one.
func TestCheckpointSaysWhatItKnows(t *testing.T) {
	_, errs, status := capture(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 3)
	t.Setenv(env.Model, "")
	var c *Checkpoint
	if code := status(func() { c = Find(ckpt) }); code != -1 {
		t.Fatalf("Find ended the cell with %d: %s", code, errs.String())
	}
	if c.Dir != ckpt || c.Config.NLayer != 2 || c.Config.NEmbd != 32 {
		t.Errorf("Find = %+v", c)
	}
	for backendName, want := range map[string]string{"go": "backend: go (GOMLX_BACKEND=go)", "": "backend: automatic", "auto": "backend: automatic"} {
		t.Setenv("GOMLX_BACKEND", backendName)
		s := c.String()
		if !strings.Contains(s, "model:   "+ckpt+" — 2 blocks, width 32, 4 heads") || !strings.Contains(s, want) ||
			!strings.Contains(s, "the run cell says what ran") {
			t.Errorf("GOMLX_BACKEND=%q: String() =\n%s\nwant %q", backendName, s, want)
		}
	}
	if enc := c.Tokens("Hello world"); len(enc.IDs) != 2 {
		t.Errorf("Tokens: %v", enc.IDs)
	}
	if code := status(func() { c.Tokens("") }); code != 1 {
		t.Errorf("an empty text ended the cell with %d, want 1", code)
	}
}

// TestTapsComeFromTheCache: Taps finds what the run cell put in the tap cache
// (the same key as model.RunCached, which nbmodel.Run calls), and when the
// cache lacks it, stops the cell with one line naming the run cell.
func TestTapsComeFromTheCache(t *testing.T) {
	_, errs, status := capture(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 3)
	t.Setenv(env.Cache, t.TempDir())
	t.Setenv(env.Model, "")
	t.Setenv(env.TextFile, "")
	if code := status(func() { Taps(ckpt, "Hello world", lesson.Request()) }); code != 1 {
		t.Fatalf("Taps before the run cell ended the cell with %d, want 1", code)
	}
	if got := errs.String(); strings.Count(got, "\n") != 1 || !strings.HasPrefix(got, "error: ") ||
		!strings.Contains(got, `run the cell under "Run GPT-2 once" first`) || !strings.Contains(got, ckpt) {
		t.Errorf("stderr %q: want one line naming the model and the run cell", got)
	}
	computed, err := model.RunCached(context.Background(), model.Source{Model: ckpt, Backend: "go"}, taps.Text("Hello world"),
		lesson.Request(), taps.Cache{})
	if err != nil || !computed.Info.Computed {
		t.Fatalf("model.RunCached: %v", err)
	}
	errs.Reset()
	var res *taps.Result
	if code := status(func() { res = Taps(ckpt, "Hello world", lesson.Request()) }); code != -1 {
		t.Fatalf("Taps after the run ended the cell with %d: %s", code, errs.String())
	}
	if res.Info.Computed || res.Info.CachePath == "" || !slices.Equal(res.IDs, computed.IDs) || !slices.Equal(res.Tokens, computed.Tokens) {
		t.Fatalf("Taps: %+v, want the cached taps of %v", res.Info, computed.IDs)
	}
	for _, name := range lesson.Request().Points {
		if got, want := Get(res, name), Get(computed, name); !slices.Equal(got.Dims, want.Dims) || !slices.Equal(got.Data, want.Data) {
			t.Errorf("%s from the cache differs from the computed one", name)
		}
	}
	if a := Analyze(res); len(a.CosStats.Mean) != 2 {
		t.Errorf("Analyze: %d layers", len(a.CosStats.Mean))
	}
	errs.Reset()
	if code := status(func() { Taps(ckpt, "Another text", lesson.Request()) }); code != 1 || !strings.Contains(errs.String(), "Run GPT-2 once") {
		t.Errorf("a text the run cell has not seen: exit %d, stderr %q", code, errs.String())
	}
	errs.Reset()
	if code := status(func() { Taps(filepath.Join(t.TempDir(), "missing"), "Hello", lesson.Request()) }); code != 1 || !strings.HasPrefix(errs.String(), "error: ") {
		t.Errorf("a missing model: exit %d, stderr %q; want 1 and an error", code, errs.String())
	}
}

// TestServerIdle: the model server's idle time-out comes from
// GPT2TAPS_SERVER_IDLE, else ServerIdle; a bad value is an error naming it.
func TestServerIdle(t *testing.T) {
	t.Setenv(env.ServerIdle, "")
	if d, err := serverIdle(); d != ServerIdle || err != nil {
		t.Errorf("unset: %v, %v; want %v", d, err, ServerIdle)
	}
	t.Setenv(env.ServerIdle, "30s")
	if d, err := serverIdle(); d != 30*time.Second || err != nil {
		t.Errorf("30s: %v, %v", d, err)
	}
	for _, bad := range []string{"soon", "-1m", "0s"} {
		t.Setenv(env.ServerIdle, bad)
		if _, err := serverIdle(); err == nil || !strings.Contains(err.Error(), env.ServerIdle) {
			t.Errorf("%q: %v, want an error naming %s", bad, err, env.ServerIdle)
		}
	}
}

// TestRunFindsTheCache: Run returns the taps from the tap cache without a
// model server or a one-shot process (GPT2TAPS_SERVER=off, and no gpt2taps
// binary is built: a cache hit asks nobody), removes the cells' build
// settings from what a server would inherit, and stops the cell with one
// line when the model does not exist.
func TestRunFindsTheCache(t *testing.T) {
	_, errs, status := capture(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 3)
	cache := t.TempDir()
	t.Setenv(env.Cache, cache)
	t.Setenv(env.Model, "")
	t.Setenv(env.TextFile, "")
	t.Setenv(env.Server, "off")
	t.Setenv(env.ServerIdle, "")
	t.Setenv("CGO_ENABLED", "0")
	computed, err := model.RunCached(context.Background(), model.Source{Model: ckpt, Backend: "go"}, taps.Text("Hello world"), lesson.Request(), taps.Cache{Dir: cache})
	if err != nil {
		t.Fatal(err)
	}
	var res *taps.Result
	if code := status(func() { res = Run(ckpt, "Hello world", lesson.Request()) }); code != -1 {
		t.Fatalf("Run ended the cell with %d: %s", code, errs.String())
	}
	if res.Info.Computed || !slices.Equal(res.IDs, computed.IDs) || !strings.Contains(res.Info.String(), "loaded from the tap cache") {
		t.Errorf("Run: %v (ids %v), want the cached taps of %v", res.Info, res.IDs, computed.IDs)
	}
	if got, want := Get(res, "hidden_states"), Get(computed, "hidden_states"); !slices.Equal(got.Data, want.Data) {
		t.Error("Run's hidden states differ from the computed ones")
	}
	if v, set := os.LookupEnv("CGO_ENABLED"); set {
		t.Errorf("CGO_ENABLED=%q is still set: the model server would be built without cgo", v)
	}
	errs.Reset()
	missing := filepath.Join(t.TempDir(), "no-such-model")
	if code := status(func() { Run(missing, "Hello", lesson.Request()) }); code != 1 ||
		!strings.HasPrefix(errs.String(), "error: ") || !strings.Contains(errs.String(), "no-such-model") || strings.Count(errs.String(), "\n") != 1 {
		t.Errorf("a missing model: exit %d, stderr %q; want 1 and one line naming it", code, errs.String())
	}
	t.Setenv(env.ServerIdle, "soon")
	errs.Reset()
	if code := status(func() { Run(ckpt, "Hello world", lesson.Request()) }); code != 1 || !strings.Contains(errs.String(), env.ServerIdle) {
		t.Errorf("a bad %s: exit %d, stderr %q", env.ServerIdle, code, errs.String())
	}
}
