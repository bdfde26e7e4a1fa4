package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/compare"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
)

// compareCheckpoint writes a random checkpoint of the given depth and width 32 into dir.
func compareCheckpoint(t *testing.T, dir string, layers int) string {
	t.Helper()
	cfg, err := gpt2.Preset("gpt2")
	if err != nil {
		t.Fatal(err)
	}
	cfg.NLayer, cfg.NEmbd, cfg.NHead, cfg.NInner = layers, 32, 4, 128
	if err := checkpoints.WriteRandom(dir, cfg, checkpoints.RandomOptions{Seed: 3}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writeText writes a text file and returns its path.
func writeText(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCompareMatchesLesson: every number of compare.json — trained and random weights — equals what
// `gpt2taps lesson` writes to summary.json for the same checkpoint and text, on two checkpoints of different depth.
func TestCompareMatchesLesson(t *testing.T) {
	e := newFaultEnv(t)
	root := t.TempDir()
	models := []string{compareCheckpoint(t, filepath.Join(root, "two"), 2), compareCheckpoint(t, filepath.Join(root, "four"), 4)}
	texts := map[string]string{
		"ferry": writeText(t, root, "ferry.txt", "The old ferry crosses the grey river twice every morning, and once more at night."),
		"code":  writeText(t, root, "code.txt", "for i := range n {\n\tsum += x[i] * y[i]\n}\nreturn sum"),
	}
	out := filepath.Join(root, "out")
	start := time.Now()
	r := e.run(t, nil, "compare", "--model", models[0], "--model", models[1], "--text-file", texts["ferry"],
		"--text-file", texts["code"], "--out", out, "--format", "png,svg")
	expectSuccess(t, r)
	t.Logf("gpt2taps compare, 2 models × 2 texts with the control: %.1fs\n%s", time.Since(start).Seconds(), r.stderr)
	for _, want := range []string{"Plan: 2 model(s) × 2 text(s)", "[8/8] four, random weights, code", "claim holds"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("standard error lacks %q", want)
		}
	}
	wantFiles := []string{filepath.Join(out, compare.FigureName+".png"), filepath.Join(out, compare.FigureName+".svg"), filepath.Join(out, compare.JSONName)}
	if got := strings.Fields(r.stdout); !slices.Equal(got, wantFiles) {
		t.Errorf("standard output %q, want the files written %q", got, wantFiles)
	}
	data, err := os.ReadFile(wantFiles[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(data)); err != nil {
		t.Errorf("the figure is not a PNG: %v", err)
	}
	c, err := compare.ReadJSON(wantFiles[2])
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Rows) != 8 {
		t.Fatalf("compare.json has %d rows, want 8", len(c.Rows))
	}
	for i, row := range c.Rows {
		// The lesson on the same checkpoint (for the control, the random one) and text, with a tap cache of its own.
		dir := filepath.Join(root, "lesson", strings.ReplaceAll(row.Label, "/", "_"), row.Weights(), row.Text)
		lr := e.run(t, nil, "lesson", "--model", row.Checkpoint, "--text-file", texts[row.Text], "--out", dir, "--cache", filepath.Join(root, "lesson-cache"))
		expectSuccess(t, lr)
		s, err := lesson.ReadSummary(filepath.Join(dir, "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		cl := s.Claims
		if row.MiddleMean != cl.MiddleMean || row.MiddleMaxAbsMean != cl.MiddleMaxAbsMean || row.FirstLayerMean != cl.FirstLayerMean ||
			row.LastLayerMean != cl.LastLayerMean || row.Holds != cl.Holds || row.MiddleNearZero != cl.MiddleNearZero ||
			row.EdgesHigher != cl.EdgesHigher || row.MiddleLayers != cl.MiddleLayers {
			t.Errorf("row %d (%s, %s, %s): compare.json %+v\nsummary.json claims %+v", i, row.Label, row.Weights(), row.Text, row, cl)
		}
		if !slices.Equal(row.PerLayerMean, s.Cosine.PerLayerMean) || !slices.Equal(row.PerLayerStd, s.Cosine.PerLayerStd) {
			t.Errorf("row %d: per-layer means or stds differ from summary.json", i)
		}
		if row.Tokens != s.NTokens || row.Layers != s.NLayer {
			t.Errorf("row %d: %d tokens × %d layers, summary.json %d × %d", i, row.Tokens, row.Layers, s.NTokens, s.NLayer)
		}
	}
	// The control's checkpoints were generated once into the tap cache's folder and are reused.
	again := e.run(t, nil, "compare", "--model", models[0], "--model", models[1], "--text-file", texts["ferry"],
		"--text-file", texts["code"], "--out", out)
	expectSuccess(t, again)
	if strings.Contains(again.stderr, "generated a random") || strings.Count(again.stderr, "from the tap cache in") != 8 {
		t.Errorf("the second run should take everything from the tap cache and generate nothing:\n%s", again.stderr)
	}
}

// TestCompareFaults: bad inputs are found before anything runs — one line, a non-zero exit, no output folder.
func TestCompareFaults(t *testing.T) {
	e := newFaultEnv(t)
	root := t.TempDir()
	good := compareCheckpoint(t, filepath.Join(root, "good"), 2)
	short := faultCheckpoint(t) // n_positions 24
	text := writeText(t, root, "t.txt", "A short text.")
	long := writeText(t, root, "long.txt", strings.Repeat(" word", 30))
	empty := writeText(t, root, "empty.txt", "")
	out := filepath.Join(root, "out")
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		progress bool
		wants    []string
	}{
		{"missing text file", []string{"--model", good, "--text-file", filepath.Join(root, "missing.txt")}, 1, false, []string{"read text file", "missing.txt"}},
		{"empty text", []string{"--model", good, "--text-file", empty}, 1, false, []string{"empty.txt is empty", "no tokens"}},
		{"too long for one model", []string{"--model", good, "--model", short, "--text-file", long}, 1, false,
			[]string{"text long (30 tokens) on model", "at most 24 (n_positions)"}},
		{"unknown model directory", []string{"--model", filepath.Join(root, "nope"), "--text-file", text}, 1, false, []string{"no such directory", "nope"}},
		{"unknown model id", []string{"--model", "someone/no-such-gpt", "--model", good, "--text-file", text}, 1, true,
			[]string{"someone/no-such-gpt", "can't be reached", "--model DIR"}},
		{"unknown built-in", []string{"--model", good, "--builtin", "poetry"}, 2, false, []string{`no built-in text "poetry"`, "go-source"}},
		{"empty model", []string{"--model", "", "--text-file", text}, 2, false, []string{"--model was given an empty value"}},
		{"bad format", []string{"--model", good, "--text-file", text, "--format", "jpg"}, 2, false, []string{`unknown figure format "jpg"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.run(t, nil, append(append([]string{"compare"}, tc.args...), "--out", out)...)
			expectFailure(t, r, tc.progress, tc.wants...)
			if r.code != tc.code {
				t.Errorf("exit status %d, want %d", r.code, tc.code)
			}
			expectNothingLeft(t, []string{root, e.root}, out)
		})
	}
	r := e.run(t, nil, "compare", "--model", good)
	expectFailure(t, r, false, "no output: give --out DIR")
	if r.code != 2 {
		t.Errorf("no --out: exit %d, want 2", r.code)
	}
}

// TestComparePlanOnly: --plan prints the plan (texts and token counts, models, the control, the time) and
// computes nothing.
func TestComparePlanOnly(t *testing.T) {
	e := newFaultEnv(t)
	good := compareCheckpoint(t, filepath.Join(t.TempDir(), "good"), 2)
	r := e.run(t, nil, "compare", "--plan", "--model", good, "--model", "gpt2-large", "--builtin", "nietzsche,nietzsche-shuffled")
	expectSuccess(t, r)
	t.Logf("the plan:\n%s", r.stderr)
	for _, want := range []string{"nietzsche             341", "nietzsche-shuffled    341", "36 layers × 1280, 774 M parameters",
		"not in the Hugging Face cache and the Hub can't be reached", "about 3.25 GB", "random weights of the same shape",
		"to generate once (3.1 GB on disk)", "Time, roughly:"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the plan lacks %q", want)
		}
	}
	if strings.Contains(r.stderr, "loaded ") || strings.Contains(r.stderr, "[1/") {
		t.Error("--plan ran something")
	}
	if entries, _ := os.ReadDir(e.tapCache); len(entries) != 0 {
		t.Errorf("--plan wrote %d entries into the tap cache", len(entries))
	}
}
