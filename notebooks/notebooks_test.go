// Package notebooks_test executes the lesson notebooks in real Jupyter with the
// GoNB kernel and checks what a student would see: no errors, the figures, the
// Markdown, and the same numbers as `gpt2taps lesson`'s summary.json.
package notebooks_test

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gpt2taps/gpt2taps/internal/nbtest"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
)

const (
	part1 = "01_attention_vs_mlp_cosine.ipynb"
	part2 = "02_path_length_decomposition.ipynb"
)

// fixture is a generated checkpoint, a short text and the CLI's summary of them.
type fixture struct {
	ckpt, textFile, cache string
	report                string // the folder gpt2taps lesson wrote (figures, summary.json, explorer.html)
	summary               lesson.Summary
}

func setup(t *testing.T) fixture {
	t.Helper()
	if err := nbtest.Available(); err != nil {
		t.Fatalf("Jupyter with the GoNB kernel is needed: %v", err)
	}
	dir := t.TempDir()
	cfg, err := gpt2.Preset("gpt2")
	if err != nil {
		t.Fatal(err)
	}
	cfg.NLayer, cfg.NEmbd, cfg.NHead, cfg.NInner = 6, 64, 4, 256
	f := fixture{ckpt: filepath.Join(dir, "ckpt"), textFile: filepath.Join(dir, "text.txt"), cache: filepath.Join(dir, "cache")}
	if err := gpt2.WriteRandomCheckpoint(f.ckpt, cfg, gpt2.RandomOptions{Seed: 5}); err != nil {
		t.Fatal(err)
	}
	text := "Nietzsche was born in Röcken in 1844. He taught philology in Basel, wrote Thus Spoke Zarathustra, and collapsed in Turin in 1889."
	if err := os.WriteFile(f.textFile, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	// The command line's numbers, with a cache of its own so that the notebook computes its taps itself.
	out := filepath.Join(dir, "lesson")
	cmd := exec.Command("go", "run", "../cmd/gpt2taps", "lesson", "--model", f.ckpt, "--backend", "go",
		"--text-file", f.textFile, "--out", out, "--cache", filepath.Join(dir, "cli-cache"))
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gpt2taps lesson: %v\n%s", err, msg)
	}
	f.report = out
	if f.summary, err = lesson.ReadSummary(filepath.Join(out, "summary.json")); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f fixture) env(extra ...string) []string {
	return append([]string{
		"GPT2TAPS_MODEL=" + f.ckpt, "GPT2TAPS_TEXT_FILE=" + f.textFile, "GPT2TAPS_CACHE=" + f.cache, "GOMLX_BACKEND=go",
	}, extra...)
}

func execute(t *testing.T, notebook string, env []string) *nbtest.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	start := time.Now()
	r, err := nbtest.Execute(ctx, notebook, nbtest.Options{Env: env, WorkDir: t.TempDir(), Timeout: 10 * time.Minute})
	if err != nil {
		t.Fatalf("execute %s: %v", notebook, err)
	}
	var times []string
	for _, c := range r.CodeCells() {
		if d, ok := c.Duration(); ok {
			times = append(times, fmt.Sprintf("%d:%.0fs", c.Index, d.Seconds()))
		}
	}
	t.Logf("%s executed in %.1fs; per code cell (index:seconds, GoNB stamps whole seconds): %s",
		notebook, time.Since(start).Seconds(), strings.Join(times, " "))
	return r
}

// cellWith returns the first code cell whose source contains s.
func cellWith(t *testing.T, r *nbtest.Result, s string) nbtest.Cell {
	t.Helper()
	for _, c := range r.CodeCells() {
		if strings.Contains(c.Source, s) {
			return c
		}
	}
	t.Fatalf("%s has no code cell containing %q", r.Path, s)
	return nbtest.Cell{}
}

// checkClean asserts no problems, at least minImages PNG images and some Markdown.
func checkClean(t *testing.T, r *nbtest.Result, minImages, minMarkdown int) {
	t.Helper()
	if p := r.Problems(); len(p) > 0 {
		t.Fatalf("%s: problems in the executed notebook:\n%s", r.Path, strings.Join(p, "\n"))
	}
	images, err := r.Images()
	if err != nil {
		t.Fatal(err)
	}
	png := 0
	for _, im := range images {
		if im.MIME == "image/png" && len(im.Data) > 1000 {
			png++
		}
	}
	if png < minImages {
		t.Errorf("%s shows %d PNG figures, want at least %d", r.Path, png, minImages)
	}
	if n := len(r.MarkdownCells()); n < minMarkdown {
		t.Errorf("%s has %d Markdown cells, want at least %d", r.Path, n, minMarkdown)
	}
	for _, c := range r.CodeCells() {
		if c.ExecutionCount == 0 && strings.TrimSpace(c.Source) != "" {
			t.Errorf("%s: code cell %d did not run", r.Path, c.Index)
		}
	}
}

// table parses the rows of a printed table: lines whose first field is an
// integer, into layer → the remaining fields.
func table(text string) map[int][]string {
	rows := map[int][]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		if l, err := strconv.Atoi(fields[0]); err == nil {
			rows[l] = fields[1:]
		}
	}
	return rows
}

// near compares a printed number with a summary value to the printed precision.
func near(t *testing.T, what, printed string, want lesson.Num, tol float64) {
	t.Helper()
	w := float64(want)
	if math.IsNaN(w) {
		if printed != "NaN" {
			t.Errorf("%s: notebook printed %s, summary.json has null", what, printed)
		}
		return
	}
	got, err := strconv.ParseFloat(printed, 64)
	if err != nil || math.Abs(got-w) > tol {
		t.Errorf("%s: notebook printed %s, summary.json has %v", what, printed, w)
	}
}

func TestLessonNotebooks(t *testing.T) {
	f := setup(t)
	L := f.summary.NLayer

	// Part 1, first run: computes the taps.
	r1 := execute(t, part1, f.env())
	checkClean(t, r1, 2, 10)
	capture := cellWith(t, r1, "t := capture()").Text()
	if !strings.Contains(capture, "computed:") {
		t.Errorf("first run's capture cell should say it computed the taps:\n%s", capture)
	}
	rows := table(cellWith(t, r1, "a.CosStats.Mean[l]").Text())
	if len(rows) != L {
		t.Fatalf("the cosine table has %d layers, want %d", len(rows), L)
	}
	for l := range L {
		near(t, fmt.Sprintf("layer %d mean cosine", l), rows[l][0], f.summary.Cosine.PerLayerMean[l], 6e-7)
		near(t, fmt.Sprintf("layer %d cosine std", l), rows[l][1], f.summary.Cosine.PerLayerStd[l], 6e-7)
	}
	claim := cellWith(t, r1, "analyze().Claims").Text()
	want := "does NOT hold"
	if f.summary.Claims.Holds {
		want = "HOLDS"
	}
	if !strings.Contains(claim, want) {
		t.Errorf("the claim cell should say %q (summary.json: holds = %v):\n%s", want, f.summary.Claims.Holds, claim)
	}

	// Part 2: step lengths and correlations, from the cache part 1 filled.
	r2 := execute(t, part2, f.env())
	checkClean(t, r2, 3, 10)
	steps := table(cellWith(t, r2, "sum := a.Summary()").Text())
	for l := range L {
		near(t, fmt.Sprintf("layer %d attn step mean", l), steps[l][0], f.summary.StepLengths.AttnMean[l], 6e-5)
		near(t, fmt.Sprintf("layer %d mlp step mean", l), steps[l][1], f.summary.StepLengths.MLPMean[l], 6e-5)
		near(t, fmt.Sprintf("layer %d hidden step mean", l), steps[l][2], f.summary.StepLengths.HiddenMean[l], 6e-5)
	}
	for i, src := range []string{`Correlation("pearson", 1)`, `Correlation("pearson", 0)`, `Correlation("spearman", 0)`} {
		set := f.summary.Correlations[i]
		rows := table(cellWith(t, r2, src).Text())
		for l := range L {
			near(t, fmt.Sprintf("%s/%d layer %d attn r", set.Method, set.FirstToken, l), rows[l][0], set.Attn[l].R, 6e-5)
		}
	}

	// Part 1 again: the capture cell now loads the cache.
	again := execute(t, part1, f.env())
	checkClean(t, again, 2, 10)
	if c := cellWith(t, again, "t := capture()").Text(); !strings.Contains(c, "loaded from the tap cache") {
		t.Errorf("second run's capture cell should say it loaded the tap cache:\n%s", c)
	}
}

// TestNotebookShowsRuntimeErrors: a cell whose Go code fails at run time (here,
// a model that does not exist) shows the error in that cell's output, and the
// harness reports it.
func TestNotebookShowsRuntimeErrors(t *testing.T) {
	if err := nbtest.Available(); err != nil {
		t.Fatalf("Jupyter with the GoNB kernel is needed: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "no-such-model")
	r := execute(t, part1, []string{"GPT2TAPS_MODEL=" + missing, "GPT2TAPS_CACHE=" + t.TempDir(), "GOMLX_BACKEND=go"})
	out := cellWith(t, r, "t := capture()").Text()
	if !strings.Contains(out, "error:") || !strings.Contains(out, "no-such-model") {
		t.Errorf("the capture cell should show the error naming the model:\n%s", out)
	}
	if len(r.Problems()) == 0 {
		t.Error("the failing cell was not reported as a problem")
	}
}
