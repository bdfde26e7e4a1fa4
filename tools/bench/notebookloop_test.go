package bench

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/modelclient"
	"github.com/gpt2taps/gpt2taps/tools/nbtest"
)

const loopFixture = "testdata/notebookloop.executed.ipynb"

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

// TestReadNotebookPass reads the cells' times of a saved executed notebook:
// the client's clock to the microsecond, the empty cell skipped, the roles
// from the run cell.
func TestReadNotebookPass(t *testing.T) {
	p, err := ReadNotebookPass(loopFixture)
	if err != nil {
		t.Fatal(err)
	}
	if p.Clock != ClockClient {
		t.Errorf("clock %q, want %q (every code cell has the client's stamps)", p.Clock, ClockClient)
	}
	var ids, roles []string
	for _, c := range p.Cells {
		ids, roles = append(ids, c.ID), append(roles, c.Role)
	}
	if got := strings.Join(ids, " "); got != "setup checkpoint run cosine cosine-table claims" {
		t.Errorf("cells %s, want the non-empty code cells", got)
	}
	if got := strings.Join(roles, " "); got != "setup setup run analysis analysis analysis" {
		t.Errorf("roles %s", got)
	}
	if !near(p.RunAll, 17.35) || !near(p.Setup, 2.0) || !near(p.RunCell, 12.25) {
		t.Errorf("Run All %g s, set-up %g s, run cell %g s; want 17.35, 2.0, 12.25", p.RunAll, p.Setup, p.RunCell)
	}
	if a := p.Analysis; !near(a.Median, 0.7) || !near(a.Min, 0.4) || !near(a.Max, 2.0) || len(a.Runs) != 3 {
		t.Errorf("analysis cells %+v, want median 0.7 [0.4–2.0] over 3 cells", a)
	}
	if !p.Computed {
		t.Error("the run cell printed \"computed in\": want Computed")
	}
	if c := p.Cells[2]; c.Index != 5 || !near(c.Seconds, 12.25) || c.Start.Format(time.RFC3339Nano) != "2026-12-04T10:00:02.1Z" {
		t.Errorf("run cell %+v", c)
	}
}

// TestReadNotebookPassKernelClock falls back to nbconvert's stamps of the
// kernel's messages (whole seconds with GoNB) when a cell lacks the client's.
func TestReadNotebookPassKernelClock(t *testing.T) {
	path := rewriteFixture(t, func(cells []map[string]any) {
		delete(cells[6]["metadata"].(map[string]any), clockKey) // the cosine cell
	})
	p, err := ReadNotebookPass(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.Clock != ClockKernel || !near(p.RunAll, 18) || !near(p.Setup, 3) || !near(p.RunCell, 12) || !near(p.Analysis.Median, 1) {
		t.Errorf("%s clock: Run All %g, set-up %g, run %g, analysis median %g; want the kernel's 18, 3, 12, 1", p.Clock, p.RunAll, p.Setup, p.RunCell, p.Analysis.Median)
	}
}

func TestReadNotebookPassErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(cells []map[string]any)
		want   string
	}{
		{"no run cell", func(cells []map[string]any) {
			cells[5]["id"] = "renamed"
			delete(cells[5]["metadata"].(map[string]any), "tags")
		}, `no code cell with id or tag "run"`},
		{"nothing after the run cell", func(cells []map[string]any) {
			for _, i := range []int{6, 7, 8} {
				cells[i]["source"] = []any{}
			}
		}, "no code cell after the run cell"},
		{"no times", func(cells []map[string]any) {
			cells[7]["metadata"] = map[string]any{}
		}, "has no execution times"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadNotebookPass(rewriteFixture(t, tc.change))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
	p, err := ReadNotebookPass(rewriteFixture(t, func(cells []map[string]any) {
		cells[5]["outputs"] = []any{map[string]any{"name": "stdout", "output_type": "stream", "text": "loaded from the tap cache in 0.10 s\n"}}
	}))
	if err != nil || p.Computed {
		t.Errorf("a run cell that loaded its taps: computed %v, error %v; want not computed", p != nil && p.Computed, err)
	}
}

// rewriteFixture writes a changed copy of the fixture.
func rewriteFixture(t *testing.T, change func(cells []map[string]any)) string {
	t.Helper()
	data, err := os.ReadFile(loopFixture)
	if err != nil {
		t.Fatal(err)
	}
	var nb map[string]any
	if err := json.Unmarshal(data, &nb); err != nil {
		t.Fatal(err)
	}
	var cells []map[string]any
	for _, c := range nb["cells"].([]any) {
		cells = append(cells, c.(map[string]any))
	}
	change(cells)
	out, err := json.Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "changed.executed.ipynb")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestNotebookLoopMarkdown renders the loop's section from passes read from
// the fixture, with the targets of gpt2-large and the ratio to PyTorch.
func TestNotebookLoopMarkdown(t *testing.T) {
	p1, err := ReadNotebookPass(loopFixture)
	if err != nil {
		t.Fatal(err)
	}
	p1.Tokens, p1.Process, p1.LoadStart, p1.LoadEnd = 360, 19.5, "1.50 1.20 1.00", "1.90 1.30 1.00"
	p2 := *p1
	p2.RunAll, p2.RunCell = 25.5, 20.4
	p2.Analysis = NewTiming([]float64{0.9, 1.2, 1.5})
	large := fabricated(36, 1280, 20)
	large.Name, large.Params, large.F32Bytes = "gpt2-large", 774e6, 3096e6
	large.NotebookLoop = &NotebookLoop{Notebook: "/repo/notebooks/01_attention_vs_mlp_cosine.ipynb", SHA256: "0123456789ab", Kernel: "gonb",
		Passes: []NotebookPass{*p1, p2}, PyTorch: &Side{Timing: Timing{Median: 5, Min: 4.9, Max: 5.2}}}
	large.evaluate()
	if r := large.NotebookLoop.RunAllOverPyTorch; len(r) != 2 || !near(r[0], 17.35/5) || !near(r[1], 25.5/5) {
		t.Errorf("Run All / PyTorch %v, want 3.47 and 5.1", r)
	}
	want := map[string]bool{ // name → met
		loopTarget(TargetLoopRunAll, 0): true, loopTarget(TargetLoopAnalysis, 0): true,
		loopTarget(TargetLoopRunAll, 1): false, loopTarget(TargetLoopAnalysis, 1): false,
	}
	found := 0
	for _, tg := range large.Targets {
		if met, ok := want[tg.Name]; ok {
			found++
			if tg.Met != met || !tg.Applies {
				t.Errorf("target %+v: want met %v, applying", tg, met)
			}
		}
	}
	if found != len(want) {
		t.Errorf("%d of the loop's %d targets in %+v", found, len(want), large.Targets)
	}
	r := &Report{Settings: Settings{Threads: 2, Warmup: 1, Repeat: 3, Tokens: 341, Kernels: []string{stock, simd}}, Models: []ModelReport{large}}
	var b strings.Builder
	if err := Markdown(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, w := range []string{
		"| **stock kernel: GoMLX simplego's own** |", // the main table first
		"The notebook loop: Run All of 01_attention_vs_mlp_cosine.ipynb (SHA-256 0123456789ab…) in Jupyter with the gonb kernel",
		"| | gpt2-large |\n|---|---|\n| model | 36 layers × 1280, 774 M params, F32 3.10 GB |\n",
		"| PyTorch reference forward pass, pass 1's text, same run | 5.00 s [4.90–5.20 s] |",
		"| **pass 1: Run All with a new text** (cold tap cache, no model server) | |",
		"| load average before → after | 1.50 1.20 1.00 → 1.90 1.30 1.00 |",
		"| **Run All** (first code cell's start → last one's end) | 17.4 s (target ≤ 20: met) |",
		"| **Run All / PyTorch forward pass** | 3.5× |",
		"| set-up cells (before the run cell); run cell | 2.00 s; 12.2 s |",
		"| **analysis cells, median** [min–max] of the cells after the run cell | 0.70 s (target ≤ 1: met) [0.400–2.00 s], 3 cells |",
		"| tokens; clock; nbconvert process (kernel start included) | 360; client; 19.5 s |",
		"| **pass 2: the text edited, Run All again** (cold tap cache for it) | |",
		"| 25.5 s (target ≤ 20: **not met**) |",
		"| **Run All / PyTorch forward pass** | 5.1× |",
		"| 1.20 s (target ≤ 1: **not met**) [0.900–1.50 s], 3 cells |",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("the table lacks %q:\n%s", w, out)
		}
	}
	if strings.Index(out, "analysis cell, warm cache") > strings.Index(out, "The notebook loop") {
		t.Error("the loop's section should follow the main table")
	}

	// The loop alone (Options.NotebookOnly): no main table, no other target.
	alone := ModelReport{Name: "smoke", Layers: 2, Width: 64, Heads: 4, Params: 1e5, F32Bytes: 4e5, NotebookLoop: large.NotebookLoop}
	alone.evaluate()
	if len(alone.Targets) != 4 {
		t.Errorf("targets %+v: want the loop's 4 alone", alone.Targets)
	}
	for _, tg := range alone.Targets {
		if strings.HasPrefix(tg.Name, TargetLoopRunAll) && (tg.Applies || tg.Note == "") {
			t.Errorf("target %+v: the Run All target is set for gpt2-large; want it recorded with a note", tg)
		}
	}
	b.Reset()
	if err := Markdown(&b, &Report{Models: []ModelReport{alone}}); err != nil {
		t.Fatal(err)
	}
	out = b.String()
	if strings.Contains(out, "capture / floor") || strings.Contains(out, "analysis cell, warm cache") || !strings.Contains(out, "| **Run All** (first code cell's start → last one's end) | 17.4 s (no target here) |") {
		t.Errorf("the loop alone should print its section only:\n%s", out)
	}
	// Without the loop, nothing of it.
	b.Reset()
	large.NotebookLoop = nil
	large.evaluate()
	if err := Markdown(&b, &Report{Models: []ModelReport{large}}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "notebook loop") {
		t.Errorf("a run without the loop prints its section:\n%s", b.String())
	}
}

func TestLoopText(t *testing.T) {
	a, b := loopText("A text.\n", "run1", 1), loopText("A text.\n", "run1", 2)
	if a == b || !strings.HasPrefix(a, "A text.\n\n") || !strings.Contains(a, "run1, pass 1") || len(a) != len(b) {
		t.Errorf("texts %q and %q: want the base, then a line naming the run and the pass, equally long", a, b)
	}
}

// TestNotebookLoopSmoke runs the loop on a tiny random checkpoint: notebook
// 01 as it is on disk, twice, in Jupyter with GoNB, and the PyTorch reference
// where Python is there. Skipped, with the reason, without Jupyter and GoNB —
// except on CI (CI=true), where the notebook tests must run.
func TestNotebookLoopSmoke(t *testing.T) {
	if err := nbtest.Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and Jupyter with the GoNB kernel is missing: %v", err)
		}
		t.Skipf("Jupyter with the GoNB kernel is needed: %v", err)
	}
	if testing.Short() {
		t.Skip("-short: the notebook loop runs notebook 01 twice in Jupyter (a minute or more)")
	}
	python, reference := "/usr/bin/python3", "../../reference/gpt2_reference.py"
	if _, err := os.Stat(python); err != nil {
		python = NoPython
	}
	notebook, err := filepath.Abs("../../" + DefaultLoopNotebook)
	if err != nil {
		t.Fatal(err)
	}
	var stopped []string
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	var log strings.Builder
	rep, err := Run(ctx, Options{
		Models: []string{smokeCheckpoint(t)}, Repeat: 2, Threads: 2, Backend: "go", WorkDir: t.TempDir(),
		Python: python, Reference: reference, NotebookOnly: true, Notebook: notebook, Log: &log,
		StopServers: func(dir string) error {
			stopped = append(stopped, dir)
			socks, _ := filepath.Glob(filepath.Join(dir, "gpt2taps", "model-*.sock"))
			var errs []error
			for _, sock := range socks {
				_, err := modelclient.Ask(ctx, sock, modelclient.Request{V: modelclient.Version, Op: modelclient.OpStop})
				errs = append(errs, err)
			}
			return errors.Join(errs...)
		},
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	t.Logf("progress:\n%s", log.String())
	m := rep.Models[0]
	loop := m.NotebookLoop
	if loop == nil || len(loop.Passes) != LoopPasses {
		t.Fatalf("notebook loop %+v: want %d passes", loop, LoopPasses)
	}
	if len(m.Kernels) != 0 || m.NotebookCold.Timing.Median != 0 {
		t.Errorf("the loop alone measured more: kernels %+v, notebook path %+v", m.Kernels, m.NotebookCold)
	}
	if loop.Notebook != notebook || len(loop.SHA256) != 12 || loop.Kernel != nbtest.DefaultKernel {
		t.Errorf("loop %q %q %q: want the notebook, its hash and the kernel", loop.Notebook, loop.SHA256, loop.Kernel)
	}
	for i, p := range loop.Passes {
		if p.Clock != ClockClient {
			t.Errorf("pass %d: clock %q, want the client's (the bench's nbconvert hooks)", i+1, p.Clock)
		}
		if !p.Computed || p.RunAll <= 0 || p.RunCell <= 0 || p.RunCell > p.RunAll || p.Analysis.Median <= 0 || len(p.Analysis.Runs) < 3 {
			t.Errorf("pass %d: %+v: want the taps computed, a Run All holding the run cell, analysis cells timed", i+1, p)
		}
		if p.Process < p.RunAll || p.Tokens <= m.Tokens || p.LoadStart == "" || p.LoadEnd == "" {
			t.Errorf("pass %d: nbconvert %gs for a Run All of %gs, %d tokens (the lesson's: %d), load %q → %q", i+1, p.Process, p.RunAll, p.Tokens, m.Tokens, p.LoadStart, p.LoadEnd)
		}
		var sum float64
		for _, c := range p.Cells {
			sum += c.Seconds
		}
		if sum > p.RunAll+1e-6 {
			t.Errorf("pass %d: the cells took %gs together, more than Run All's %gs", i+1, sum, p.RunAll)
		}
	}
	if python != NoPython {
		if loop.PyTorch == nil || loop.PyTorch.Timing.Median <= 0 || len(loop.RunAllOverPyTorch) != LoopPasses || loop.RunAllOverPyTorch[0] <= 1 {
			t.Errorf("PyTorch %+v, Run All / PyTorch %v: want the reference's forward pass and a ratio per pass", loop.PyTorch, loop.RunAllOverPyTorch)
		}
	}
	if len(stopped) != 1 {
		t.Errorf("StopServers called with %v, want once, with the loop's runtime directory", stopped)
	}
	if len(m.Targets) != 2*LoopPasses {
		t.Errorf("targets %+v: want the loop's, two per pass", m.Targets)
	}
	var b strings.Builder
	if err := Markdown(&b, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "The notebook loop: Run All of 01_attention_vs_mlp_cosine.ipynb") {
		t.Errorf("the table lacks the loop's section:\n%s", b.String())
	}
	t.Logf("\n%s", b.String())
}
