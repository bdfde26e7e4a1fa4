package compare

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2/tokenizer"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// tinyCheckpoint writes a random checkpoint of the given depth (width 32) into parent/name.
func tinyCheckpoint(t *testing.T, parent, name string, layers, positions int) string {
	t.Helper()
	cfg, err := gpt2.Preset("gpt2")
	if err != nil {
		t.Fatal(err)
	}
	cfg.NLayer, cfg.NEmbd, cfg.NHead, cfg.NInner, cfg.NPositions = layers, 32, 4, 128, positions
	dir := filepath.Join(parent, name)
	if err := checkpoints.WriteRandom(dir, cfg, checkpoints.RandomOptions{Seed: 7}); err != nil {
		t.Fatal(err)
	}
	return dir
}

var tinyTexts = []Text{
	{Name: "short", About: "a sentence", Source: "test", Text: "The ferry crosses the river twice every morning, and once at night."},
	{Name: "ids", About: "token ids", Source: "test", IDs: []int{464, 1578, 318, 257, 1332, 13, 198, 40, 1101}},
}

// TestRun: every row equals the lesson's own analysis of the same (checkpoint, text); the training control runs
// on a random checkpoint of each shape, generated once; a second run comes from the tap cache; each checkpoint
// is loaded once for all its texts.
func TestRun(t *testing.T) {
	root := t.TempDir()
	a, b := tinyCheckpoint(t, root, "two", 2, 1024), tinyCheckpoint(t, root, "four", 4, 1024)
	cache := filepath.Join(root, "cache")
	var log bytes.Buffer
	o := Options{Backend: "go", CacheDir: cache, Random: true, Log: &log, Capture: runCached(&log)}
	ctx := context.Background()
	p, err := NewPlan(ctx, []string{a, b}, tinyTexts, o)
	if err != nil {
		t.Fatal(err)
	}
	var plan bytes.Buffer
	p.Forecast(testRate, nil)
	p.Write(&plan)
	t.Logf("the plan:\n%s", plan.String())
	for _, want := range []string{"2 model(s) × 2 text(s), each also with random weights", "8 forward passes",
		"short", "ids", "local directory " + a, "2 layers × 32", "4 layers × 32", "to generate once",
		"forward passes: 0 of 4 in the tap cache", "Time, roughly:", "GFLOP/s measured just now"} {
		if !strings.Contains(plan.String(), want) {
			t.Errorf("the plan lacks %q", want)
		}
	}
	if n := p.Missing(); n != 8 {
		t.Errorf("Missing() = %d before the run, want 8", n)
	}
	c, err := p.Run(ctx)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	t.Logf("the run's log:\n%s", log.String())
	if len(c.Rows) != 8 || len(c.Models) != 2 || len(c.Texts) != 2 {
		t.Fatalf("%d rows, %d models, %d texts; want 8, 2, 2", len(c.Rows), len(c.Models), len(c.Texts))
	}
	if n := strings.Count(log.String(), "loaded "); n != 8 {
		t.Errorf("%d model loads, want 8 (runCached loads for each pass; inprocess.Capturer keeps them)", n)
	}
	if n := strings.Count(log.String(), "generated a random checkpoint"); n != 2 {
		t.Errorf("%d random checkpoints generated, want 2", n)
	}
	if n := strings.Count(log.String(), "] "); n != 8 {
		t.Errorf("%d progress lines, want 8", n)
	}
	for _, m := range c.Models {
		for _, trained := range []bool{true, false} {
			dir := m.Dir
			if !trained {
				dir = m.RandomCheckpoint
			}
			for _, tx := range tinyTexts {
				r, ok := c.Row(m.Label, trained, tx.Name)
				if !ok {
					t.Fatalf("no row for %s, trained %v, %s", m.Label, trained, tx.Name)
				}
				if !r.Computed || r.Checkpoint != dir || r.Layers != m.NLayer {
					t.Errorf("%s/%v/%s: computed %v, checkpoint %s (want %s), %d layers", m.Label, trained, tx.Name, r.Computed, r.Checkpoint, dir, r.Layers)
				}
				checkAgainstLesson(t, r, dir, tx, cache)
			}
		}
	}

	// Again: all from the tap cache, the random checkpoints reused.
	log.Reset()
	p2, err := NewPlan(ctx, []string{a, b}, tinyTexts, o)
	if err != nil {
		t.Fatal(err)
	}
	plan.Reset()
	p2.Write(&plan)
	if n := p2.Missing(); n != 0 {
		t.Errorf("Missing() = %d after the run, want 0", n)
	}
	if n := strings.Count(plan.String(), "forward passes: 4 of 4 in the tap cache"); n != 2 || !strings.Contains(plan.String(), "generated already") {
		t.Errorf("the second plan should find everything cached and generated:\n%s", plan.String())
	}
	c2, err := p2.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), "loaded ") || strings.Contains(log.String(), "generated a random") {
		t.Errorf("the second run loaded a model or generated a checkpoint:\n%s", log.String())
	}
	for i := range c.Rows {
		r1, r2 := c.Rows[i], c2.Rows[i]
		if r2.Computed {
			t.Errorf("row %d was computed again", i)
		}
		r1.Computed, r1.Seconds, r2.Computed, r2.Seconds = false, 0, false, 0
		if !reflect.DeepEqual(r1, r2) {
			t.Errorf("row %d differs when loaded from the tap cache:\n%+v\n%+v", i, r1, r2)
		}
	}

	// The report: the figure and compare.json, which reads back equal.
	out := filepath.Join(root, "out")
	written, err := c.WriteReport(out, []string{"png", "svg"})
	if err != nil || len(written) != 3 {
		t.Fatalf("WriteReport: %v, %v", written, err)
	}
	back, err := ReadJSON(filepath.Join(out, JSONName))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("compare.json reads back different:\n%+v\n%+v", back, c)
	}
	var table bytes.Buffer
	if err := c.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(table.String()), "\n"); len(lines) != 9 || !strings.Contains(lines[0], "middle max |mean|") {
		t.Errorf("table:\n%s", table.String())
	}
	var byModel bytes.Buffer
	if err := c.WriteByModel(&byModel); err != nil {
		t.Fatal(err)
	}
	t.Logf("by model:\n%s", byModel.String())
	lines := strings.Split(strings.TrimSpace(byModel.String()), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[1], "two ") || !strings.Contains(lines[1], "trained") || !strings.Contains(lines[2], "random") {
		t.Fatalf("by model:\n%s", byModel.String())
	}
	r0, r1 := c.Rows[0], c.Rows[1] // "two", trained, both texts
	lo, hi := min(r0.MiddleMean, r1.MiddleMean), max(r0.MiddleMean, r1.MiddleMean)
	holds := 0
	for _, r := range c.Rows[:2] {
		if r.Holds {
			holds++
		}
	}
	if want := fmt.Sprintf("%d of 2 texts  %+.6f … %+.6f", holds, float64(lo), float64(hi)); !strings.Contains(lines[1], want) {
		t.Errorf("by model, first line %q lacks %q", lines[1], want)
	}
}

// testRate is a rate for the plans' forecasts (inprocess.ProbeRate measures real ones).
var testRate = Rate{Backend: "test", FLOPS: 5e9, Probe: "fixed"}

// runCached is the simplest Options.Capture: the model opened for each pass the cache does not hold.
func runCached(log io.Writer) CaptureFunc {
	return func(ctx context.Context, key taps.Key, cache taps.Cache) (*taps.Result, error) {
		return model.RunCached(ctx, model.Source{Model: key.Dir, Backend: "go", Log: log}, gpt2.Tokens(key.Tokens), key.Request, cache)
	}
}

// TestRunNeedsCapture: without Options.Capture, Run says what is missing.
func TestRunNeedsCapture(t *testing.T) {
	dir := tinyCheckpoint(t, t.TempDir(), "two", 2, 1024)
	p, err := NewPlan(context.Background(), []string{dir}, tinyTexts, Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "Options.Capture is not set") {
		t.Errorf("Run without Capture: %v", err)
	}
}

// checkAgainstLesson compares a row with lesson.Analyze of the same checkpoint and tokens, through the same cache.
func checkAgainstLesson(t *testing.T, r Row, dir string, tx Text, cache string) {
	t.Helper()
	s := tx.Text
	if tx.IDs != nil {
		tok, _ := tokenizer.New()
		s, _ = tok.Decode(tx.IDs) // these ids re-tokenize to themselves
	}
	res, err := model.RunCached(context.Background(), model.Source{Model: dir, Backend: "go"}, gpt2.Text(s), lesson.Request(), taps.Cache{Dir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if res.Info.Computed {
		t.Errorf("%s on %s: the lesson computed the taps again instead of sharing the comparison's cache", tx.Name, dir)
	}
	a, err := lesson.Analyze(res)
	if err != nil {
		t.Fatal(err)
	}
	want := newRow(a)
	want.Model, want.Label, want.Trained, want.Checkpoint, want.Text = r.Model, r.Label, r.Trained, r.Checkpoint, r.Text
	want.Computed, want.Seconds = r.Computed, r.Seconds
	if !reflect.DeepEqual(r, want) {
		t.Errorf("%s on %s: row differs from the lesson's analysis:\n%+v\n%+v", tx.Name, dir, r, want)
	}
	c := a.Claims
	if r.MiddleMean != c.MiddleMean || r.FirstLayerMean != c.FirstLayerMean || r.LastLayerMean != c.LastLayerMean ||
		r.MiddleMaxAbsMean != c.MiddleMaxAbsMean || r.Holds != c.Holds || len(r.PerLayerMean) != len(a.CosStats.Mean) {
		t.Errorf("%s on %s: claims differ", tx.Name, dir)
	}
}

// TestPlanErrors: faults found before anything runs, each one error naming what to fix.
func TestPlanErrors(t *testing.T) {
	root := t.TempDir()
	small := tinyCheckpoint(t, root, "small", 2, 16)
	ok := tinyCheckpoint(t, root, "ok", 2, 1024)
	long := Text{Name: "long", Text: strings.Repeat(" word", 20)}
	o := Options{Backend: "go", CacheDir: filepath.Join(root, "cache")}
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		models []string
		texts  []Text
		want   string
	}{
		{"no models", nil, tinyTexts, "no models"},
		{"no texts", []string{ok}, nil, "no texts"},
		{"empty text", []string{ok}, []Text{{Name: "empty"}}, "text empty: the text has no tokens"},
		{"same name", []string{ok}, []Text{tinyTexts[0], tinyTexts[0]}, `two texts are named "short"`},
		{"same model", []string{ok, ok}, tinyTexts, "listed twice"},
		{"too long", []string{ok, small}, []Text{long}, "text long (20 tokens) on model " + small + ": the text has 20 tokens but the model takes at most 16"},
		{"missing dir", []string{filepath.Join(root, "missing")}, tinyTexts, "no such directory"},
		{"not a model", []string{"not a model"}, tinyTexts, "neither an existing directory nor a valid"},
	} {
		_, err := NewPlan(ctx, tc.models, tc.texts, o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(root, "cache")); len(entries) != 0 {
		t.Errorf("a failed plan left %d entries in the cache", len(entries))
	}
}

// TestPlanOffline: a Hub model that is not cached and can't be downloaded is planned with its known size and
// GPT-2's preset shape, without failing; an unknown one is planned without a shape.
func TestPlanOffline(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	o := Options{Backend: "go", CacheDir: t.TempDir(), HFCache: t.TempDir(), Random: true}
	p, err := NewPlan(context.Background(), []string{"gpt2-xl", "someone/tiny"}, tinyTexts, o)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	p.Forecast(testRate, nil)
	p.Write(&buf)
	t.Logf("offline plan:\n%s", buf.String())
	for _, want := range []string{"48 layers × 1600, 1.56 B parameters", "offline mode is on", "about 6.43 GB",
		"shape unknown until its config.json is downloaded", "time not forecast", "for the models of known shape",
		"to generate once (6.23 GB on disk)"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("the plan lacks %q", want)
		}
	}
}
