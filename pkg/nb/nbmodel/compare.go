package nbmodel

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/compare"
	"github.com/gpt2taps/gpt2taps/pkg/nb"
)

// Notebook 03 (the lesson across texts and models), on top of pkg/compare:
// the notebook's lists with the environment's overrides applied — and said
// so —, the plan, the run, and the comparison again for the cells after the
// run. GoNB runs every cell as a new program: the cells after the run get the
// comparison again through the tap cache, where every forward pass of the run
// was kept (Results), in well under a second per (model, text).

// Builtin returns the built-in text of that name (compare.Builtin), or stops the cell.
func Builtin(name string) compare.Text { return nb.Must(compare.Builtin(name)) }

// lists applies the environment's overrides to the notebook's lists (GPT2TAPS_MODELS or GPT2TAPS_MODEL for the
// models, GPT2TAPS_TEXTS_DIR or GPT2TAPS_TEXT_FILE for the texts), printing a note for each that applies when
// note is set.
func lists(models []string, texts []compare.Text, note bool) ([]string, []compare.Text) {
	models, mnote := compare.ModelsFromEnv(models)
	texts, tnote, err := compare.TextsFromEnv(texts)
	nb.Check(err)
	for _, n := range []string{mnote, tnote} {
		if n != "" && note {
			fmt.Fprintln(stderr, "note:", n)
		}
	}
	return models, texts
}

// plan checks the lists and returns the plan; log receives the run's progress.
func plan(models []string, texts []compare.Text, random, note bool, log io.Writer) *compare.Plan {
	models, texts = lists(models, texts, note)
	return nb.Must(compare.NewPlan(context.Background(), models, texts, compare.Options{Random: random, Log: log}))
}

// ShowTexts prints the texts (after the environment's overrides) with their GPT-2 token counts and how each
// begins.
func ShowTexts(texts []compare.Text) {
	texts, note, err := compare.TextsFromEnv(texts)
	nb.Check(err)
	if note != "" {
		fmt.Fprintln(stderr, "note:", note)
	}
	for _, t := range texts {
		enc := nb.Must(t.Encode())
		begin := t.Text
		if t.IDs != nil {
			begin = strings.Join(enc.Tokens[:min(12, len(enc.Tokens))], "|") + "|…"
		}
		fmt.Fprintf(stdout, "%-20s %4d tokens  %s\n%-20s             %s\n", t.Name, len(enc.IDs), t.About, "", beginning(begin, 72))
	}
}

// beginning is the start of s on one line: newlines and tabs shown as ↵ and →, cut to n characters.
func beginning(s string, n int) string {
	s = strings.NewReplacer("\r\n", "↵", "\n", "↵", "\t", "→").Replace(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// ShowPlan prints, before anything runs, what the comparison of these models and texts (with the training control
// when random is set) will download, generate and compute, and roughly how long it will take here.
func ShowPlan(models []string, texts []compare.Text, random bool) {
	p := plan(models, texts, random, true, stderr)
	p.Forecast()
	p.Write(stdout)
}

// Compare runs the comparison — the forward passes not yet in the tap cache — with a progress line per (model,
// text) and its time, and returns it.
func Compare(models []string, texts []compare.Text, random bool) *compare.Comparison {
	start := time.Now()
	c := nb.Must(plan(models, texts, random, false, stdout).Run(context.Background()))
	computed := 0
	for _, r := range c.Rows {
		if r.Computed {
			computed++
		}
	}
	fmt.Fprintf(stdout, "%d (model, text) pairs in %.1fs: %d computed now, %d from the tap cache\n",
		len(c.Rows), time.Since(start).Seconds(), computed, len(c.Rows)-computed)
	return c
}

// Results returns the comparison quietly, for the cells after Compare: from the tap cache, computing (with
// progress lines) only what is not there.
func Results(models []string, texts []compare.Text, random bool) *compare.Comparison {
	p := plan(models, texts, random, false, io.Discard)
	if missing := p.Missing(); missing > 0 {
		fmt.Fprintf(stderr, "note: %d forward passes are not in the tap cache yet (run the cell of section 4 first); computing them\n", missing)
		p.Options.Log = stdout
	}
	return nb.Must(p.Run(context.Background()))
}

// ShowTable prints the comparison's table: one line per (model, weights, text).
func ShowTable(c *compare.Comparison) { nb.Check(c.WriteTable(stdout)) }

// ShowByModel prints one line per (model, weights) summing up its texts.
func ShowByModel(c *compare.Comparison) { nb.Check(c.WriteByModel(stdout)) }
