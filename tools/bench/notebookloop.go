package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/tools/nbtest"
)

// The notebook loop is what a student does with notebook 01: Run All with a
// text of their own (the tap cache is cold for it), read the figures, edit the
// text, Run All again. Run executes the notebook file as it is on disk, twice,
// in real Jupyter with the GoNB kernel (package nbtest), each pass with a new
// text, and reads the cells' times from the executed notebooks, next to the
// PyTorch reference's forward pass on the same text in the same run.

// DefaultLoopNotebook is the notebook the loop runs, relative to the
// repository's root.
const DefaultLoopNotebook = "notebooks/01_attention_vs_mlp_cosine.ipynb"

// LoopPasses is how many times the loop runs the notebook: the first Run All
// with a new text, then again with another (the edit-and-rerun of a student,
// with whatever the first pass left warm: a model server, GoNB's build cache).
const LoopPasses = 2

// runCellName is the id or tag of the notebook's one cell that runs the
// model; the code cells before it set up, the code cells after it analyze.
const runCellName = "run"

// clockKey is the cell metadata key under which the bench's nbconvert hooks
// (loopConfig) record, in the client, when a cell's execute request was sent
// (start) and its reply received (end), to the microsecond. nbconvert's own
// stamps (metadata.execution) come from the kernel's messages, which GoNB
// dates in whole seconds.
const clockKey = "gpt2taps_bench"

// Clocks the cell times come from.
const (
	ClockClient = "client"       // clockKey: the client's time, microseconds
	ClockKernel = "kernel (1 s)" // metadata.execution: the kernel's whole seconds
)

// loopConfig is a jupyter_nbconvert_config.py, found through
// JUPYTER_CONFIG_PATH, that records the client's clock around every cell.
const loopConfig = `# Written by gpt2taps bench (tools/bench/notebookloop.go) for its notebook loop.
import datetime

def _gpt2taps_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ')

def _gpt2taps_start(cell, cell_index, **kwargs):
    cell.metadata.setdefault('` + clockKey + `', {})['start'] = _gpt2taps_now()

def _gpt2taps_end(cell, cell_index, **kwargs):
    cell.metadata.setdefault('` + clockKey + `', {})['end'] = _gpt2taps_now()

c = get_config()
c.ExecutePreprocessor.on_cell_execute = _gpt2taps_start
c.ExecutePreprocessor.on_cell_executed = _gpt2taps_end
`

// Cell roles in a pass.
const (
	RoleSetup    = "setup"    // a code cell before the run cell
	RoleRun      = "run"      // the run cell
	RoleAnalysis = "analysis" // a code cell after the run cell
)

// CellTime is one executed code cell's time.
type CellTime struct {
	Index   int     `json:"index"` // position among all the notebook's cells
	ID      string  `json:"id,omitempty"`
	Role    string  `json:"role"`
	Seconds float64 `json:"seconds"`
	// Start and End are when the cell started and ended, on the pass's clock.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// NotebookPass is one Run All of the notebook.
type NotebookPass struct {
	Tokens int `json:"tokens"` // of the pass's text
	// Clock is where the times come from: ClockClient, else ClockKernel.
	Clock string `json:"clock"`
	// RunAll is the first code cell's start to the last one's end: what a
	// student waits for after choosing Run All (the kernel already started).
	RunAll float64 `json:"run_all_s"`
	// Setup is the code cells before the run cell, together; RunCell the run
	// cell; Analysis the code cells after it, one run per cell.
	Setup    float64 `json:"setup_s"`
	RunCell  float64 `json:"run_cell_s"`
	Analysis Timing  `json:"analysis_cells"`
	// Computed is whether the run cell said it computed the taps ("computed
	// in …", taps.Info) rather than reading them from the tap cache.
	Computed bool `json:"computed"`
	// RunNotes are the run cell's lines starting "note:" (a model server
	// built or started, the environment replacing a setting).
	RunNotes []string   `json:"run_notes,omitempty"`
	Cells    []CellTime `json:"cells"`
	// Process is nbconvert's wall time, the kernel's start and the notebook's
	// writing included.
	Process float64 `json:"process_s"`
	// LoadStart and LoadEnd are the load averages before and after the pass.
	LoadStart string `json:"load_start,omitempty"`
	LoadEnd   string `json:"load_end,omitempty"`
}

// NotebookLoop is the notebook loop on one model.
type NotebookLoop struct {
	// Notebook is the notebook file run, and SHA256 the first 12 hex digits
	// of its SHA-256 when the run started (the notebook being what is
	// measured, the report says which one).
	Notebook string         `json:"notebook"`
	SHA256   string         `json:"sha256"`
	Kernel   string         `json:"kernel"` // the Jupyter kernel (GoNB)
	Passes   []NotebookPass `json:"passes"`
	// PyTorch is the reference's forward pass on the first pass's text, in
	// the same run; nil when the PyTorch side is skipped.
	PyTorch *Side `json:"pytorch,omitempty"`
	// RunAllOverPyTorch is each pass's Run All over PyTorch's median.
	RunAllOverPyTorch []float64 `json:"run_all_over_pytorch,omitempty"`
	// ServerBuild is the time Options.BuildServer took before pass 1 (0:
	// not called; a few hundredths of a second: the binary was up to date).
	ServerBuild float64 `json:"server_build_s,omitempty"`
}

// loopText is the text of pass (1, 2, …): base with a suffix naming the run
// and the pass, so that no tap cache holds it. Passes of one run have the
// same number of tokens (only a digit differs).
func loopText(base, run string, pass int) string {
	return strings.TrimRight(base, "\n") + fmt.Sprintf("\n\n(Benchmark run %s, pass %d.)\n", run, pass)
}

// checkNotebookLoop checks, before anything is written, that the loop can
// run: the notebook exists, and Jupyter with the GoNB kernel is installed.
func checkNotebookLoop(notebook string) error {
	if notebook == "" {
		return errors.New("the notebook loop needs the notebook to run (" + DefaultLoopNotebook + ")")
	}
	if _, err := os.Stat(notebook); err != nil {
		return fmt.Errorf("the notebook loop: %w", err)
	}
	if err := nbtest.Available(); err != nil {
		return fmt.Errorf("the notebook loop needs Jupyter with the GoNB kernel: %w", err)
	}
	return nil
}

// runNotebookLoop runs the loop on model dir: the PyTorch reference on the
// first pass's text, then LoopPasses Run Alls, each with a new text, all
// sharing one tap cache (empty at the start) and one directory for model
// servers (empty at the start: no server of an earlier session is warm).
func (r *runner) runNotebookLoop(ctx context.Context, m checkpoint) (*NotebookLoop, error) {
	o := r.o
	data, err := os.ReadFile(o.Notebook)
	if err != nil {
		return nil, fmt.Errorf("the notebook loop: %w", err)
	}
	sum := sha256.Sum256(data)
	loop := &NotebookLoop{Notebook: o.Notebook, SHA256: hex.EncodeToString(sum[:])[:12], Kernel: nbtest.DefaultKernel}
	dir, err := os.MkdirTemp(r.tmp, "notebook-loop-")
	if err != nil {
		return nil, err
	}
	cache := filepath.Join(dir, "taps")
	configDir := filepath.Join(dir, "jupyter-config")
	if err := os.MkdirAll(configDir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(configDir, "jupyter_nbconvert_config.py"), []byte(loopConfig), 0o644); err != nil {
		return nil, err
	}
	// The model servers' sockets (package modelclient: $XDG_RUNTIME_DIR/gpt2taps)
	// in a directory of the run's own, short (a socket's path has at most
	// 108 bytes), private.
	runtimeDir, err := os.MkdirTemp("", "gpt2taps-bench-xdg-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(runtimeDir)
	defer func() {
		if o.StopServers != nil {
			if err := o.StopServers(runtimeDir); err != nil {
				fmt.Fprintf(o.Log, "bench: %s: stopping the notebook's model servers: %v\n", m.name, err)
			}
		}
	}()

	runID := strconv.FormatInt(time.Now().UnixNano(), 36)
	texts := make([]string, LoopPasses)
	files := make([]string, LoopPasses)
	tokens := make([]int, LoopPasses)
	for i := range texts {
		texts[i] = loopText(o.Text, runID, i+1)
		files[i] = filepath.Join(dir, fmt.Sprintf("text-%d.txt", i+1))
		if err := os.WriteFile(files[i], []byte(texts[i]), 0o644); err != nil {
			return nil, err
		}
		key, err := checkpoints.NewKey(ctx, m.dir, checkpoints.Options{Offline: true}, gpt2.Text(texts[i]), lesson.Request())
		if err != nil {
			return nil, fmt.Errorf("the notebook loop's text: %w", err)
		}
		tokens[i] = len(key.Tokens.IDs)
		if i == 0 && o.Python != NoPython {
			idsPath := filepath.Join(dir, "ids.json")
			ids, _ := json.Marshal(key.Tokens.IDs)
			if err := os.WriteFile(idsPath, ids, 0o644); err != nil {
				return nil, err
			}
			fmt.Fprintf(o.Log, "bench: %s: PyTorch reference on the notebook loop's text, %d tokens (1 warm-up, %d timed)\n", m.name, tokens[0], o.Repeat)
			ref, p, err := runReference(ctx, o.Python, o.Reference, m.dir, idsPath, o.Repeat, o.Threads, o.Log)
			if err != nil {
				return nil, err
			}
			if ref.Tokens != tokens[0] {
				return nil, fmt.Errorf("PyTorch reference ran %d tokens, want the loop text's %d", ref.Tokens, tokens[0])
			}
			loop.PyTorch = &Side{
				Timing:  Timing{Median: ref.Median, Min: ref.Min, Max: ref.Max},
				PeakRSS: p.peakRSS, Process: NewTiming([]float64{seconds(p.wall)}),
				Backend: "pytorch", Version: ref.Torch, Threads: ref.Threads,
			}
		}
	}

	// The notebook's settings, as internal/env names them (GPT2TAPS_MODEL,
	// GPT2TAPS_CACHE, GPT2TAPS_TEXT_FILE), which this package may not import.
	vars := []string{
		"GPT2TAPS_MODEL=" + m.dir, "GPT2TAPS_CACHE=" + cache, "GOMAXPROCS=" + strconv.Itoa(o.Threads),
		"XDG_RUNTIME_DIR=" + runtimeDir, "JUPYTER_CONFIG_PATH=" + joinPath(configDir, os.Getenv("JUPYTER_CONFIG_PATH")),
	}
	if o.Backend != "" {
		vars = append(vars, "GOMLX_BACKEND="+o.Backend)
	}
	if o.BuildServer != nil {
		start := time.Now()
		if err := o.BuildServer(o.Log); err != nil {
			return nil, fmt.Errorf("the notebook loop: %w", err)
		}
		loop.ServerBuild = seconds(time.Since(start))
	}
	for i := range LoopPasses {
		fmt.Fprintf(o.Log, "bench: %s: notebook loop pass %d/%d: Run All of %s with a new text (%d tokens)\n", m.name, i+1, LoopPasses, filepath.Base(o.Notebook), tokens[i])
		work := filepath.Join(dir, fmt.Sprintf("pass-%d", i+1))
		if err := os.MkdirAll(work, 0o755); err != nil {
			return nil, err
		}
		loadStart := loadAverage()
		start := time.Now()
		res, err := nbtest.Execute(ctx, o.Notebook, nbtest.Options{Env: append(vars, "GPT2TAPS_TEXT_FILE="+files[i]), WorkDir: work})
		if err != nil {
			return nil, fmt.Errorf("notebook loop pass %d: %w", i+1, err)
		}
		process := seconds(time.Since(start))
		if p := res.Problems(); len(p) > 0 {
			return nil, fmt.Errorf("notebook loop pass %d: %s failed: %s", i+1, filepath.Base(o.Notebook), strings.Join(p, "; "))
		}
		pass, err := ReadNotebookPass(res.Path)
		if err != nil {
			return nil, fmt.Errorf("notebook loop pass %d: %w", i+1, err)
		}
		if !pass.Computed {
			return nil, fmt.Errorf("notebook loop pass %d: the run cell did not compute the taps of the new text (its output has no \"computed in\"): the tap cache %s was not cold", i+1, cache)
		}
		pass.Tokens, pass.Process, pass.LoadStart, pass.LoadEnd = tokens[i], process, loadStart, loadAverage()
		fmt.Fprintf(o.Log, "bench: %s: pass %d: Run All %.1fs (run cell %.1fs, analysis cells median %.2fs; clock: %s; nbconvert %.1fs; load %s → %s)\n",
			m.name, i+1, pass.RunAll, pass.RunCell, pass.Analysis.Median, pass.Clock, pass.Process, pass.LoadStart, pass.LoadEnd)
		for _, note := range pass.RunNotes {
			fmt.Fprintf(o.Log, "bench: %s: pass %d: the run cell said: %s\n", m.name, i+1, note)
		}
		loop.Passes = append(loop.Passes, *pass)
	}
	loop.evaluate()
	return loop, nil
}

// The notebook loop's targets (issue 17), per pass: loopTarget names them.
const (
	// TargetLoopRunAll: Run All with a new text ≤ 20 s on gpt2-large.
	TargetLoopRunAll = "notebook Run All, new text (s)"
	// TargetLoopAnalysis: the analysis cells' median ≤ 1 s (warm tap cache).
	TargetLoopAnalysis = "notebook analysis cells, median (s)"
)

// The limits of the notebook loop's targets.
const (
	limitLoopRunAll   = 20
	limitLoopAnalysis = 1.0
)

// loopTarget is the name of target for pass i (from 0).
func loopTarget(name string, i int) string { return fmt.Sprintf("%s, pass %d", name, i+1) }

// loopTargets are the targets of the notebook loop on r.
func (r *ModelReport) loopTargets() []Target {
	loop := r.NotebookLoop
	if loop == nil {
		return nil
	}
	large := r.isPreset("gpt2-large")
	var out []Target
	for i, p := range loop.Passes {
		all := Target{Name: loopTarget(TargetLoopRunAll, i), Value: p.RunAll, Limit: limitLoopRunAll, Applies: large}
		if !large {
			all.Note = "recorded; the target ≤ 20 s is set for gpt2-large"
		}
		out = append(out, all,
			Target{Name: loopTarget(TargetLoopAnalysis, i), Value: p.Analysis.Median, Limit: limitLoopAnalysis, Applies: p.Analysis.Median > 0})
	}
	for i := range out {
		out[i].Met = out[i].Value <= out[i].Limit
	}
	return out
}

// evaluate fills loop.RunAllOverPyTorch.
func (loop *NotebookLoop) evaluate() {
	loop.RunAllOverPyTorch = nil
	if loop.PyTorch == nil || loop.PyTorch.Timing.Median <= 0 {
		return
	}
	for _, p := range loop.Passes {
		loop.RunAllOverPyTorch = append(loop.RunAllOverPyTorch, p.RunAll/loop.PyTorch.Timing.Median)
	}
}

// joinPath joins a directory before a PATH-like list.
func joinPath(dir, list string) string {
	if list == "" {
		return dir
	}
	return dir + string(os.PathListSeparator) + list
}

// ReadNotebookPass reads the cells' times of an executed notebook (the file
// nbconvert wrote): the client's clock (clockKey) where every code cell has
// it, else nbconvert's stamps of the kernel's messages (GoNB's are whole
// seconds). The run cell is the cell with id or tag "run"; the code cells
// before it are the set-up, those after it the analysis.
func ReadNotebookPass(path string) (*NotebookPass, error) {
	res, err := nbtest.Read(path)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw struct {
		Cells []struct {
			Metadata map[string]json.RawMessage `json:"metadata"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("parse notebook %s: %w", path, err)
	}
	if len(raw.Cells) != len(res.Cells) {
		return nil, fmt.Errorf("parse notebook %s: %d cells, then %d", path, len(res.Cells), len(raw.Cells))
	}
	client := func(i int) (start, end time.Time, ok bool) {
		m, found := raw.Cells[i].Metadata[clockKey]
		if !found {
			return
		}
		var stamps struct{ Start, End string }
		if json.Unmarshal(m, &stamps) != nil {
			return
		}
		s, err1 := time.Parse(time.RFC3339Nano, stamps.Start)
		e, err2 := time.Parse(time.RFC3339Nano, stamps.End)
		return s, e, err1 == nil && err2 == nil
	}

	run, ok := res.Cell(runCellName)
	if !ok || run.Type != "code" {
		return nil, fmt.Errorf("%s has no code cell with id or tag %q: the loop times the run cell and the cells after it", path, runCellName)
	}
	var code []nbtest.Cell
	for _, c := range res.CodeCells() {
		if strings.TrimSpace(c.Source) != "" {
			code = append(code, c) // nbclient skips empty cells
		}
	}
	pass := &NotebookPass{Clock: ClockClient}
	for _, c := range code {
		if _, _, ok := client(c.Index); !ok {
			pass.Clock = ClockKernel
		}
	}
	var analysis []float64
	for _, c := range code {
		ct := CellTime{Index: c.Index, ID: c.ID, Role: RoleSetup}
		switch {
		case c.Index == run.Index:
			ct.Role = RoleRun
		case c.Index > run.Index:
			ct.Role = RoleAnalysis
		}
		if pass.Clock == ClockClient {
			ct.Start, ct.End, _ = client(c.Index)
		} else {
			ct.Start, ct.End = c.Start, c.End
		}
		if ct.Start.IsZero() || ct.End.IsZero() {
			return nil, fmt.Errorf("%s: code cell %d (%s) has no execution times: was it executed with nbconvert's record_timing?", path, c.Index, c.ID)
		}
		if ct.End.Before(ct.Start) {
			return nil, fmt.Errorf("%s: code cell %d (%s) ends before it starts", path, c.Index, c.ID)
		}
		ct.Seconds = seconds(ct.End.Sub(ct.Start))
		switch ct.Role {
		case RoleSetup:
			pass.Setup += ct.Seconds
		case RoleRun:
			pass.RunCell = ct.Seconds
			pass.Computed = strings.Contains(c.Text(), "computed in")
			for line := range strings.Lines(c.Text()) {
				if line = strings.TrimSpace(line); strings.HasPrefix(line, "note:") {
					pass.RunNotes = append(pass.RunNotes, line)
				}
			}
		case RoleAnalysis:
			analysis = append(analysis, ct.Seconds)
		}
		pass.Cells = append(pass.Cells, ct)
	}
	if len(analysis) == 0 {
		return nil, fmt.Errorf("%s has no code cell after the run cell: nothing analyzes the taps", path)
	}
	pass.Analysis = NewTiming(analysis)
	first, last := pass.Cells[0], pass.Cells[len(pass.Cells)-1]
	pass.RunAll = seconds(last.End.Sub(first.Start))
	return pass, nil
}

// hasNotebookLoop reports whether a model of r ran the notebook loop.
func hasNotebookLoop(r *Report) bool {
	for _, mr := range r.Models {
		if mr.NotebookLoop != nil {
			return true
		}
	}
	return false
}

// notebookLoopMarkdown writes the section of the notebook loop: a table with
// a column per model that ran it. Nothing when none did.
func notebookLoopMarkdown(w io.Writer, r *Report) error {
	var models []ModelReport
	for _, mr := range r.Models {
		if mr.NotebookLoop != nil {
			models = append(models, mr)
		}
	}
	if len(models) == 0 {
		return nil
	}
	var b strings.Builder
	first := models[0].NotebookLoop
	fmt.Fprintf(&b, "\nThe notebook loop: Run All of %s (SHA-256 %s…) in Jupyter with the %s kernel, as it is on disk, %d passes, each with a new text (the lesson's text and a line naming the run and the pass: the tap cache is cold for it), one tap cache and one model-server directory for both passes, empty at the start; cell times from the executed notebook.\n\n",
		filepath.Base(first.Notebook), first.SHA256, first.Kernel, LoopPasses)
	row := func(label string, cell func(mr ModelReport) string) {
		b.WriteString("| " + label + " |")
		for _, mr := range models {
			if c := cell(mr); c != "" {
				b.WriteString(" " + c + " |")
			} else {
				b.WriteString(" |")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("| |")
	for _, mr := range models {
		b.WriteString(" " + mr.Name + " |")
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(models)) + "\n")
	row("model", func(mr ModelReport) string {
		return fmt.Sprintf("%d layers × %d, %.0f M params, F32 %s", mr.Layers, mr.Width, float64(mr.Params)/1e6, formatBytes(mr.F32Bytes))
	})
	row("PyTorch reference forward pass, pass 1's text, same run", func(mr ModelReport) string {
		l := mr.NotebookLoop
		if l.PyTorch == nil {
			return "—"
		}
		return formatTiming(l.PyTorch.Timing)
	})
	row("model server's binary built before pass 1 (once per change of the sources)", func(mr ModelReport) string {
		if b := mr.NotebookLoop.ServerBuild; b > 0 {
			return fmt.Sprintf("%.2f s", b)
		}
		return "—"
	})
	for i := range LoopPasses {
		pass := func(mr ModelReport) *NotebookPass {
			if i < len(mr.NotebookLoop.Passes) {
				return &mr.NotebookLoop.Passes[i]
			}
			return nil
		}
		pr := func(cell func(mr ModelReport, p *NotebookPass) string) func(mr ModelReport) string {
			return func(mr ModelReport) string {
				if p := pass(mr); p != nil {
					return cell(mr, p)
				}
				return "—"
			}
		}
		title := "**pass 1: Run All with a new text** (cold tap cache, no model server)"
		if i > 0 {
			title = fmt.Sprintf("**pass %d: the text edited, Run All again** (cold tap cache for it)", i+1)
		}
		row(title, func(ModelReport) string { return "" })
		row("load average before → after", pr(func(_ ModelReport, p *NotebookPass) string {
			return orDash(p.LoadStart) + " → " + orDash(p.LoadEnd)
		}))
		row("**Run All** (first code cell's start → last one's end)", func(mr ModelReport) string {
			return targetCell(mr, loopTarget(TargetLoopRunAll, i), "", "%.1f s")
		})
		row("**Run All / PyTorch forward pass**", pr(func(mr ModelReport, _ *NotebookPass) string {
			if i >= len(mr.NotebookLoop.RunAllOverPyTorch) {
				return "—"
			}
			return fmt.Sprintf("%.1f×", mr.NotebookLoop.RunAllOverPyTorch[i])
		}))
		row("set-up cells (before the run cell); run cell", pr(func(_ ModelReport, p *NotebookPass) string {
			return formatSeconds(p.Setup) + "; " + formatSeconds(p.RunCell)
		}))
		row("**analysis cells, median** [min–max] of the cells after the run cell", func(mr ModelReport) string {
			p := pass(mr)
			if p == nil {
				return "—"
			}
			return targetCell(mr, loopTarget(TargetLoopAnalysis, i), "", "%.2f s") +
				fmt.Sprintf(" [%s–%s], %d cells", trimUnit(formatSeconds(p.Analysis.Min)), formatSeconds(p.Analysis.Max), len(p.Analysis.Runs))
		})
		row("tokens; clock; nbconvert process (kernel start included)", pr(func(_ ModelReport, p *NotebookPass) string {
			return fmt.Sprintf("%d; %s; %s", p.Tokens, p.Clock, formatSeconds(p.Process))
		}))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
