package notebooks_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/compare"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/tools/nbtest"
)

const part3 = "03_across_texts_and_models.ipynb"

// acrossFixture is what notebook 03 runs on in the test: two generated checkpoints of different depth, two short
// texts, a tap cache, and the gpt2taps binary to check its numbers with.
type acrossFixture struct {
	models          map[string]string // label (directory base name) → checkpoint directory
	configs         map[string]gpt2.Config
	texts           map[string]string // name → file
	textsDir, cache string
	bin             string
}

func acrossSetup(t *testing.T) acrossFixture {
	t.Helper()
	if err := nbtest.Available(); err != nil {
		t.Fatalf("Jupyter with the GoNB kernel is needed: %v", err)
	}
	dir := t.TempDir()
	f := acrossFixture{models: map[string]string{}, configs: map[string]gpt2.Config{}, texts: map[string]string{},
		textsDir: filepath.Join(dir, "texts"), cache: filepath.Join(dir, "cache"), bin: filepath.Join(dir, "gpt2taps")}
	for label, layers := range map[string]int{"small": 2, "deeper": 4} {
		cfg, err := gpt2.Preset("gpt2")
		if err != nil {
			t.Fatal(err)
		}
		cfg.NLayer, cfg.NEmbd, cfg.NHead, cfg.NInner = layers, 48, 4, 192
		f.models[label], f.configs[label] = filepath.Join(dir, label), cfg
		if err := checkpoints.WriteRandom(f.models[label], cfg, checkpoints.RandomOptions{Seed: 8}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(f.textsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{
		"ferry": "The old ferry crosses the grey river twice every morning, and once more when the lamps are lit.",
		"sums":  "2021-03-04  12.4  1017\n2021-03-05  10.9  1021\nMean 11.65, min 10.9, max 12.4.",
	} {
		f.texts[name] = filepath.Join(f.textsDir, name+".txt")
		if err := os.WriteFile(f.texts[name], []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("go", "build", "-o", f.bin, "../cmd/gpt2taps").CombinedOutput(); err != nil {
		t.Fatalf("build gpt2taps: %v\n%s", err, out)
	}
	return f
}

func (f acrossFixture) env() []string {
	return []string{
		env.Models + "=" + f.models["small"] + "," + f.models["deeper"], env.TextsDir + "=" + f.textsDir,
		env.Model + "=", env.TextFile + "=", env.Cache + "=" + f.cache, "GOMLX_BACKEND=go",
	}
}

// lessonSummary runs `gpt2taps lesson` on a checkpoint and text file, with a tap cache of its own, and returns its
// summary.json.
func (f acrossFixture) lessonSummary(t *testing.T, ckpt, textFile string) lesson.Summary {
	t.Helper()
	out := t.TempDir()
	cmd := exec.Command(f.bin, "lesson", "--model", ckpt, "--backend", "go", "--text-file", textFile, "--out", out,
		"--cache", filepath.Join(filepath.Dir(f.cache), "cli-cache"))
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gpt2taps lesson --model %s --text-file %s: %v\n%s", ckpt, textFile, err, msg)
	}
	s, err := lesson.ReadSummary(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAcrossNotebook executes notebook 03 on two generated checkpoints of different depth and two short texts:
// no problems, the plan and the progress lines, the figure, and every number of its table equal to what
// `gpt2taps lesson` computes for the same (checkpoint, text) — for the trained checkpoints and for the random
// checkpoints of the training control.
func TestAcrossNotebook(t *testing.T) {
	f := acrossSetup(t)
	r := execute(t, part3, f.env())
	checkClean(t, r, 1, 10)

	plan := cell(t, r, "plan")
	for _, want := range []string{"note: " + env.Models + " is set", "note: " + env.TextsDir + " is set",
		"Plan: 2 model(s) × 2 text(s), each also with random weights", "ferry", "sums", "4 layers × 48", "Time, roughly"} {
		if !strings.Contains(plan, want) {
			t.Errorf("the plan cell lacks %q:\n%s", want, plan)
		}
	}
	run := cell(t, r, "run")
	if !strings.Contains(run, "[8/8] deeper, random weights, sums") || !strings.Contains(run, "8 computed now, 0 from the tap cache") {
		t.Errorf("the run cell should show a progress line per pair and compute all 8:\n%s", run)
	}
	if c, _ := r.Cell("figure"); !hasImage(c) {
		t.Errorf("the figure cell shows no image:\n%s", c.Text())
	}

	rows := acrossTable(t, cell(t, r, "table"))
	if len(rows) != 8 {
		t.Fatalf("the table has %d rows, want 8:\n%s", len(rows), cell(t, r, "table"))
	}
	for _, row := range rows {
		label, weights, text := row[0], row[1], row[2]
		ckpt, ok := f.models[label]
		if !ok {
			t.Fatalf("table row for an unknown model %q", label)
		}
		if weights == "random" {
			var err error
			if ckpt, err = compare.RandomCheckpointDir(compare.RandomDir(f.cache), f.configs[label], compare.RandomSeed); err != nil {
				t.Fatal(err)
			}
		}
		s := f.lessonSummary(t, ckpt, f.texts[text])
		c := s.Claims
		what := fmt.Sprintf("%s/%s/%s", label, weights, text)
		if row[3] != strconv.Itoa(s.NTokens) || row[4] != strconv.Itoa(s.NLayer) {
			t.Errorf("%s: %s tokens × %s layers, summary.json %d × %d", what, row[3], row[4], s.NTokens, s.NLayer)
		}
		near(t, what+" middle mean", row[5], c.MiddleMean, 6e-7)
		near(t, what+" middle max |mean|", row[6], c.MiddleMaxAbsMean, 6e-7)
		near(t, what+" first layer mean", row[7], c.FirstLayerMean, 6e-7)
		near(t, what+" last layer mean", row[8], c.LastLayerMean, 6e-7)
		if want := map[bool]string{true: "yes", false: "no"}[c.Holds]; row[9] != want {
			t.Errorf("%s: claim holds %s, summary.json %v", what, row[9], c.Holds)
		}
	}
	if lines := strings.Count(strings.TrimSpace(cell(t, r, "by-model")), "\n"); lines != 4 {
		t.Errorf("the by-model cell has %d lines after its header, want 4 (2 models × trained, random)", lines)
	}
}

// acrossTable parses the table cell: the lines after the header, split into their 10 fields (model, weights,
// text, tokens, layers, middle mean, middle max |mean|, first, last, claim holds).
func acrossTable(t *testing.T, text string) [][]string {
	t.Helper()
	var rows [][]string
	for i, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if i == 0 {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 10 {
			t.Fatalf("table line %q has %d fields, want 10", line, len(fields))
		}
		rows = append(rows, fields)
	}
	return rows
}

// hasImage reports whether a cell's outputs hold a PNG image.
func hasImage(c nbtest.Cell) bool {
	for _, o := range c.Outputs {
		if len(o.MIME["image/png"]) > 1000 {
			return true
		}
	}
	return false
}
