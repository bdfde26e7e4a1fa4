package nbrun

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/compare"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// TestNotebookFlow: the environment's lists replace the notebook's, with notes; the plan is printed with its time;
// Compare prints a progress line per pair and a summary; Results gives the same rows quietly, from the tap cache.
func TestNotebookFlow(t *testing.T) {
	out, errs, _ := capture(t)
	root := t.TempDir()
	var models []string
	for _, l := range []int{2, 3} {
		cfg, err := gpt2.Preset("gpt2")
		if err != nil {
			t.Fatal(err)
		}
		cfg.NLayer, cfg.NEmbd, cfg.NHead, cfg.NInner = l, 32, 4, 128
		dir := filepath.Join(root, "m"+string(rune('0'+l)))
		if err := checkpoints.WriteRandom(dir, cfg, checkpoints.RandomOptions{Seed: 9}); err != nil {
			t.Fatal(err)
		}
		models = append(models, dir)
	}
	texts := filepath.Join(root, "texts")
	if err := os.MkdirAll(texts, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"one.txt": "A first short text.\nWith\ttwo lines.", "two.txt": "And another one, a little longer than the first."} {
		if err := os.WriteFile(filepath.Join(texts, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(env.Models, strings.Join(models, ","))
	t.Setenv(env.TextsDir, texts)
	t.Setenv(env.Model, "")
	t.Setenv(env.TextFile, "")
	t.Setenv(env.Cache, filepath.Join(root, "cache"))
	t.Setenv("GOMLX_BACKEND", "go")
	builtin, err := compare.DefaultTexts()
	if err != nil {
		t.Fatal(err)
	}

	ShowTexts(builtin)
	if s := out.String(); !strings.Contains(s, "one                    11 tokens") || !strings.Contains(s, "A first short text.↵With→two lines.") {
		t.Errorf("ShowTexts:\n%s", s)
	}
	if !strings.Contains(errs.String(), "note: GPT2TAPS_TEXTS_DIR is set") {
		t.Errorf("ShowTexts notes: %q", errs.String())
	}
	out.Reset()
	errs.Reset()
	ShowPlan(compare.DefaultModels(), builtin, true)
	for _, want := range []string{"Plan: 2 model(s) × 2 text(s)", "m2 ", "m3 ", "Time, roughly"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the plan lacks %q:\n%s", want, out.String())
		}
	}
	for _, want := range []string{"note: GPT2TAPS_MODELS is set", "note: GPT2TAPS_TEXTS_DIR is set"} {
		if !strings.Contains(errs.String(), want) {
			t.Errorf("the plan's notes lack %q: %q", want, errs.String())
		}
	}
	out.Reset()
	errs.Reset()
	c := Compare(compare.DefaultModels(), builtin, true)
	if !strings.Contains(out.String(), "[8/8] m3, random weights, two") || !strings.Contains(out.String(), "8 (model, text) pairs in") ||
		!strings.Contains(out.String(), "8 computed now, 0 from the tap cache") {
		t.Errorf("Compare's output:\n%s", out.String())
	}
	out.Reset()
	again := Results(compare.DefaultModels(), builtin, true)
	if out.Len() != 0 || errs.Len() != 0 {
		t.Errorf("Results after Compare printed %q, %q; want nothing", out.String(), errs.String())
	}
	for i := range c.Rows {
		a, b := c.Rows[i], again.Rows[i]
		if b.Computed {
			t.Errorf("row %d computed again", i)
		}
		a.Computed, a.Seconds, b.Computed, b.Seconds = false, 0, false, 0
		if !reflect.DeepEqual(a, b) {
			t.Errorf("row %d differs from the cache:\n%+v\n%+v", i, a, b)
		}
	}
	ShowTable(again)
	ShowByModel(again)
	if lines := strings.Count(out.String(), "\n"); lines != 1+8+1+4 {
		t.Errorf("table and summary have %d lines, want 14:\n%s", lines, out.String())
	}
}
