package nbrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/compare"
	"github.com/gpt2taps/gpt2taps/pkg/modelclient"
	"github.com/gpt2taps/gpt2taps/pkg/nb/internal/cell"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// Notebook 03 (the lesson across texts and models), on top of pkg/compare:
// the notebook's lists with the environment's overrides applied — and said
// so —, the plan, the run, and the comparison again for the cells after the
// run. GoNB runs every cell as a new program: the cells after the run get the
// comparison again through the tap cache, where every forward pass of the run
// was kept (Results), in well under a second per (model, text). No cell links
// GoMLX: the forward passes run in the model server of each checkpoint (one
// in memory at a time, as for Run), the plan's rate probe in a one-shot
// `gpt2taps rate` process.

// Builtin returns the built-in text of that name (compare.Builtin), or stops the cell.
func Builtin(name string) compare.Text { return must(compare.Builtin(name)) }

// lists applies the environment's overrides to the notebook's lists (GPT2TAPS_MODELS or GPT2TAPS_MODEL for the
// models, GPT2TAPS_TEXTS_DIR or GPT2TAPS_TEXT_FILE for the texts), printing a note for each that applies when
// note is set.
func lists(models []string, texts []compare.Text, note bool) ([]string, []compare.Text) {
	models, mnote := compare.ModelsFromEnv(models)
	texts, tnote, err := compare.TextsFromEnv(texts)
	check(err)
	for _, n := range []string{mnote, tnote} {
		if n != "" && note {
			fmt.Fprintln(cell.Stderr, "note:", n)
		}
	}
	return models, texts
}

// plan checks the lists and returns the plan; log receives the run's progress.
func plan(models []string, texts []compare.Text, random, note bool, log io.Writer) *compare.Plan {
	models, texts = lists(models, texts, note)
	opts := serverOptions(log)
	capture := func(ctx context.Context, key taps.Key, cache taps.Cache) (*taps.Result, error) {
		return modelclient.Capture(ctx, key, cache, opts)
	}
	return must(compare.NewPlan(context.Background(), models, texts, compare.Options{Random: random, Log: log, Capture: capture}))
}

// probeRate measures the backend's matrix-product rate ($GOMLX_BACKEND, else
// automatic) in a one-shot `gpt2taps rate` process of the binary the model
// server runs (modelclient.BuiltBinary), so that the cell links no GoMLX.
func probeRate(log io.Writer) (compare.Rate, error) {
	serverBuildEnv() // the same build as the server's, not the cells' settings
	bin, err := modelclient.BuiltBinary(log)
	if err != nil {
		return compare.Rate{}, err
	}
	var out, errs bytes.Buffer
	cmd := exec.Command(bin, "rate")
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil {
		return compare.Rate{}, fmt.Errorf("gpt2taps rate: %v: %s", err, strings.TrimSpace(errs.String()))
	}
	var r compare.Rate
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || r.FLOPS <= 0 {
		return compare.Rate{}, fmt.Errorf("gpt2taps rate printed %q, not a rate", strings.TrimSpace(out.String()))
	}
	return r, nil
}

// ShowTexts prints the texts (after the environment's overrides) with their GPT-2 token counts and how each
// begins.
func ShowTexts(texts []compare.Text) {
	texts, note, err := compare.TextsFromEnv(texts)
	check(err)
	if note != "" {
		fmt.Fprintln(cell.Stderr, "note:", note)
	}
	for _, t := range texts {
		enc := must(t.Encode())
		begin := t.Text
		if t.IDs != nil {
			begin = strings.Join(enc.Tokens[:min(12, len(enc.Tokens))], "|") + "|…"
		}
		fmt.Fprintf(cell.Stdout, "%-20s %4d tokens  %s\n%-20s             %s\n", t.Name, len(enc.IDs), t.About, "", beginning(begin, 72))
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
	p := plan(models, texts, random, true, cell.Stderr)
	p.Forecast(probeRate(cell.Stderr))
	p.Write(cell.Stdout)
}

// Compare runs the comparison — the forward passes not yet in the tap cache — with a progress line per (model,
// text) and its time, and returns it.
func Compare(models []string, texts []compare.Text, random bool) *compare.Comparison {
	start := time.Now()
	c := must(plan(models, texts, random, false, cell.Stdout).Run(context.Background()))
	computed := 0
	for _, r := range c.Rows {
		if r.Computed {
			computed++
		}
	}
	fmt.Fprintf(cell.Stdout, "%d (model, text) pairs in %.1fs: %d computed now, %d from the tap cache\n",
		len(c.Rows), time.Since(start).Seconds(), computed, len(c.Rows)-computed)
	return c
}

// Results returns the comparison quietly, for the cells after Compare: from the tap cache, computing (with
// progress lines) only what is not there.
func Results(models []string, texts []compare.Text, random bool) *compare.Comparison {
	p := plan(models, texts, random, false, io.Discard)
	if missing := p.Missing(); missing > 0 {
		fmt.Fprintf(cell.Stderr, "note: %d forward passes are not in the tap cache yet (run the cell of section 4 first); computing them\n", missing)
		p.Options.Log = cell.Stdout
	}
	return must(p.Run(context.Background()))
}

// ShowTable prints the comparison's table: one line per (model, weights, text).
func ShowTable(c *compare.Comparison) { check(c.WriteTable(cell.Stdout)) }

// ShowByModel prints one line per (model, weights) summing up its texts.
func ShowByModel(c *compare.Comparison) { check(c.WriteByModel(cell.Stdout)) }
