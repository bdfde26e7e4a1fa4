package nb

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/nb/internal/cell"
	"github.com/gpt2taps/gpt2taps/pkg/nb/internal/celltest"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/tools/testckpt"
)

func capture(t *testing.T) (out, errs *bytes.Buffer, status func(func()) int) {
	return celltest.Capture(t)
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
	if got := cell.Text("from the cell", true); got != "from the file" {
		t.Errorf("text = %q", got)
	}
	if got := cell.ModelName("gpt2-large", true); got != "/models/small" {
		t.Errorf("modelName = %q", got)
	}
	for _, want := range []string{"GPT2TAPS_TEXT_FILE=" + file, "not from the text cell", `GPT2TAPS_MODEL=/models/small replaces modelName "gpt2-large"`} {
		if !strings.Contains(errs.String(), want) {
			t.Errorf("notes %q lack %q", errs.String(), want)
		}
	}
	errs.Reset()
	cell.Text("x", false)
	cell.ModelName("gpt2-large", false)
	if errs.Len() != 0 {
		t.Errorf("quiet calls printed %q", errs.String())
	}
	t.Setenv(env.TextFile, "")
	t.Setenv(env.Model, "")
	if cell.Text("cell", true) != "cell" || cell.ModelName("gpt2", true) != "gpt2" || errs.Len() != 0 {
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
	computed, err := model.RunCached(context.Background(), model.Source{Model: ckpt, Backend: "go"}, gpt2.Text("Hello world"),
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
