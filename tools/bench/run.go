package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
)

// NoPython, given as Options.Python, skips the PyTorch side.
const NoPython = "none"

// Options configure Run.
type Options struct {
	// Presets are GPT-2 presets ("gpt2-large", "gpt2", …) measured on random
	// checkpoints of their shape, generated in WorkDir (seeded; reused when
	// present).
	Presets []string
	// Models are checkpoint directories measured as they are.
	Models []string
	// Smoke adds a tiny random checkpoint (SmokeConfig): the run CI does.
	Smoke bool
	// Text is the text to run on; "" means the lesson's (lesson.NietzscheText).
	Text string
	// Warmup and Repeat are the untimed and timed runs of each timed side
	// (Repeat is also the number of warm analysis cells).
	Warmup, Repeat int
	// Threads is GOMAXPROCS for the Go children and the PyTorch thread count;
	// 0 means runtime.NumCPU().
	Threads int
	// Backend is the GoMLX backend of the Go children ("" → GOMLX_BACKEND,
	// else auto).
	Backend string
	// Kernels are the pure-Go backend's float32 matmul kernels to measure
	// side by side (backend.MatmulStock, backend.MatmulSIMD); empty means
	// every kernel available (see Kernels; kernels.go says how they are
	// measured). Given on another backend, they are an error.
	Kernels []string
	// WorkDir holds the generated checkpoints and the scratch files.
	WorkDir string
	// Seed seeds the generated checkpoints.
	Seed int64
	// Python runs the reference; NoPython skips the PyTorch side.
	Python string
	// Reference is the path of reference/gpt2_reference.py.
	Reference string
	// Self is the command that runs one Job: the job and result file paths
	// are appended (e.g. [gpt2taps bench __child]); see ChildMain.
	Self []string
	// CPUProfileDir, if set, receives a pprof CPU profile of each Go child's
	// timed part: <model>-<kind>.pprof.
	CPUProfileDir string
	// NotebookLoop adds the notebook loop (notebookloop.go): Run All of
	// Notebook in Jupyter with GoNB, twice, each with a new text, next to the
	// PyTorch reference on the same text. It needs Jupyter and GoNB
	// (nbtest.Available); off by default.
	NotebookLoop bool
	// NotebookOnly measures the notebook loop and its PyTorch reference
	// alone (implies NotebookLoop).
	NotebookOnly bool
	// Notebook is the notebook the loop runs (DefaultLoopNotebook in the
	// repository).
	Notebook string
	// StopServers, if set, stops the model servers that the notebook loop's
	// cells started with XDG_RUNTIME_DIR=runtimeDir (package modelclient),
	// after the loop; nil leaves them to their idle time-out.
	StopServers func(runtimeDir string) error
	// BuildServer, if set, builds the model server's binary before the loop,
	// as the notebook's first capture after a change of the sources would, so
	// that pass 1 measures a session's first Run All, not that build (whose
	// time the report gives); nil leaves the build to pass 1.
	BuildServer func(log io.Writer) error
	// Log receives progress (nil: discarded).
	Log io.Writer
}

// Run measures every model of o and returns the report.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Threads == 0 {
		o.Threads = runtime.NumCPU()
	}
	if o.Repeat < 1 || o.Warmup < 0 || o.Threads < 1 {
		return nil, fmt.Errorf("repeat %d, warm-up %d, threads %d: need repeat ≥ 1, warm-up ≥ 0, threads ≥ 1", o.Repeat, o.Warmup, o.Threads)
	}
	if len(o.Presets) == 0 && len(o.Models) == 0 && !o.Smoke {
		return nil, errors.New("nothing to measure: give presets, model directories or the smoke run")
	}
	if o.WorkDir == "" {
		return nil, errors.New("no work directory: give one for the checkpoints and scratch files")
	}
	if o.Text == "" {
		o.Text = lesson.NietzscheText
	}
	requested := o.Kernels
	kernels, kernelNote, err := Kernels(o.Kernels)
	if err != nil {
		return nil, err
	}
	if o.Python != NoPython {
		if o.Python == "" || o.Reference == "" {
			return nil, errors.New("the PyTorch side needs a Python and reference/gpt2_reference.py (or skip it with Python \"none\")")
		}
		if !exists(o.Reference) {
			return nil, fmt.Errorf("the PyTorch reference %s does not exist: give the path of reference/gpt2_reference.py", o.Reference)
		}
	}
	for _, p := range o.Presets { // before anything is written
		if _, err := gpt2.Preset(p); err != nil {
			return nil, err
		}
	}
	o.NotebookLoop = o.NotebookLoop || o.NotebookOnly
	if o.NotebookLoop {
		if err := checkNotebookLoop(o.Notebook); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(o.WorkDir, 0o755); err != nil {
		return nil, fmt.Errorf("work directory: %w", err)
	}
	tmp, err := os.MkdirTemp(o.WorkDir, "run-")
	if err != nil {
		return nil, fmt.Errorf("work directory: %w", err)
	}
	defer os.RemoveAll(tmp)

	models, err := o.checkpoints()
	if err != nil {
		return nil, err
	}
	rep := &Report{Machine: DescribeMachine(), Started: time.Now(), Settings: Settings{
		Threads: o.Threads, Warmup: o.Warmup, Repeat: o.Repeat, Backend: o.Backend,
	}}
	if o.Python != NoPython {
		rep.Settings.Python = o.Python
	}
	r := &runner{o: o, tmp: tmp, kernels: kernels}
	if len(requested) > 0 {
		r.asked = kernels
	}
	for _, m := range models {
		mr, err := r.measure(ctx, m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.name, err)
		}
		rep.Models = append(rep.Models, *mr)
		rep.Settings.Tokens = mr.Tokens
		rep.Settings.Kernels = nil
		for _, k := range mr.Kernels {
			if k.Kernel != "" {
				rep.Settings.Kernels = append(rep.Settings.Kernels, k.Kernel)
			}
		}
		if len(rep.Settings.Kernels) > 0 {
			rep.Settings.KernelNote = kernelNote
		}
	}
	rep.Machine.LoadEnd = loadAverage()
	rep.Seconds = seconds(time.Since(rep.Started))
	return rep, nil
}

// checkpoint is one model to measure.
type checkpoint struct {
	name, dir string
}

// checkpoints resolves the presets (generating their random checkpoints),
// the smoke checkpoint and the given directories.
func (o Options) checkpoints() ([]checkpoint, error) {
	var out []checkpoint
	gen := func(name string, cfg gpt2.Config) error {
		dir := filepath.Join(o.WorkDir, name+"-seed"+strconv.FormatInt(o.Seed, 10))
		start := time.Now()
		written, err := EnsureRandomCheckpoint(dir, cfg, o.Seed)
		if err != nil {
			return err
		}
		if written {
			fmt.Fprintf(o.Log, "bench: wrote a random %s checkpoint to %s in %.1fs\n", name, dir, time.Since(start).Seconds())
		}
		out = append(out, checkpoint{name: name, dir: dir})
		return nil
	}
	if o.Smoke {
		if err := gen("smoke", SmokeConfig()); err != nil {
			return nil, err
		}
	}
	for _, p := range o.Presets {
		cfg, err := gpt2.Preset(p)
		if err != nil {
			return nil, err
		}
		if err := gen(p, cfg); err != nil {
			return nil, err
		}
	}
	for _, dir := range o.Models {
		out = append(out, checkpoint{name: filepath.Base(filepath.Clean(dir)), dir: dir})
	}
	return out, nil
}

// runner carries what every measurement of a Run shares.
type runner struct {
	o   Options
	tmp string
	// kernels are the kernels to measure on the pure-Go backend; asked is
	// the same list where the user chose it (an error on another backend),
	// nil for the default (every kernel, on the pure-Go backend only).
	kernels, asked []string
}

// measure runs every side on one model.
func (r *runner) measure(ctx context.Context, m checkpoint) (*ModelReport, error) {
	// The one path from text to taps checks the text against the model and
	// gives the tokens that every side runs on.
	key, err := checkpoints.NewKey(ctx, m.dir, checkpoints.Options{Offline: true}, gpt2.Text(r.o.Text), lesson.Request())
	if err != nil {
		return nil, err
	}
	cfg, T := key.Config, len(key.Tokens.IDs)
	idsPath := filepath.Join(r.tmp, m.name+"-ids.json")
	idsJSON, _ := json.Marshal(key.Tokens.IDs)
	if err := os.WriteFile(idsPath, idsJSON, 0o644); err != nil {
		return nil, err
	}
	mr := &ModelReport{
		Name: m.name, Dir: m.dir, Layers: cfg.NLayer, Width: cfg.NEmbd, Heads: cfg.NHead,
		Params: cfg.NumParams(), F32Bytes: 4 * cfg.NumParams(), Tokens: T,
		GFLOP: gpt2.MatmulFLOPs(cfg, T) / 1e9,
	}
	o := r.o
	if o.NotebookOnly {
		if mr.NotebookLoop, err = r.runNotebookLoop(ctx, m); err != nil {
			return nil, err
		}
		mr.evaluate()
		return mr, nil
	}
	child := Job{Model: m.dir, Text: o.Text, Backend: o.Backend, Warmup: o.Warmup, Repeat: o.Repeat}
	profile := func(k Kind, kernel string) string {
		if o.CPUProfileDir == "" {
			return ""
		}
		name := m.name + "-" + string(k)
		if kernel != "" {
			name += "-" + kernel
		}
		return filepath.Join(o.CPUProfileDir, name+".pprof")
	}

	// The kernels side by side first: the process finds out which backend
	// runs, and so whether there are kernels to choose.
	fmt.Fprintf(o.Log, "bench: %s: matmul floor and capture side by side, kernels %v (%d warm-up, %d timed rounds)\n", m.name, r.kernels, o.Warmup, o.Repeat)
	floorJob := child
	floorJob.Kind, floorJob.CPUProfile, floorJob.Kernels = KindFloor, profile(KindFloor, ""), r.asked
	res, p, err := runGoJob(ctx, o.Self, r.tmp, o.Threads, floorJob, o.Log)
	if err != nil {
		return nil, err
	}
	if len(res.Kernels) == 0 {
		return nil, fmt.Errorf("the %s child measured no kernel", KindFloor)
	}
	for _, k := range res.Kernels {
		mr.Kernels = append(mr.Kernels, KernelReport{Kernel: k.Kernel, Description: k.Description, Floor: floorSide(res, k, p, o.Threads)})
	}

	for i := range mr.Kernels {
		k := &mr.Kernels[i]
		fmt.Fprintf(o.Log, "bench: %s: Go capture%s (%d warm-up, %d timed)\n", m.name, kernelLabel(k.Kernel), o.Warmup, o.Repeat)
		job := child
		job.Kind, job.CPUProfile, job.Matmul = KindCapture, profile(KindCapture, k.Kernel), k.Kernel
		if k.Capture, err = r.goSide(ctx, job); err != nil {
			return nil, err
		}
	}

	if o.Python != NoPython {
		fmt.Fprintf(o.Log, "bench: %s: PyTorch reference (1 warm-up, %d timed)\n", m.name, o.Repeat)
		ref, p, err := runReference(ctx, o.Python, o.Reference, m.dir, idsPath, o.Repeat, o.Threads, o.Log)
		if err != nil {
			return nil, err
		}
		if ref.Tokens != T || ref.NLayer != cfg.NLayer {
			return nil, fmt.Errorf("PyTorch reference ran %d tokens on %d layers, want %d on %d", ref.Tokens, ref.NLayer, T, cfg.NLayer)
		}
		mr.PyTorch = &Side{
			Timing:  Timing{Median: ref.Median, Min: ref.Min, Max: ref.Max},
			PeakRSS: p.peakRSS, Process: NewTiming([]float64{seconds(p.wall)}),
			Backend: "pytorch", Version: ref.Torch, Threads: ref.Threads,
		}
	}

	cache, err := os.MkdirTemp(r.tmp, "taps-cache-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(cache)
	// The notebook path with the kernel a notebook gets by default: the
	// SIMD one, unless it is not measured.
	mr.NotebookKernel = mr.Kernels[len(mr.Kernels)-1].Kernel
	fmt.Fprintf(o.Log, "bench: %s: notebook capture cell on a cold tap cache%s\n", m.name, kernelLabel(mr.NotebookKernel))
	child = Job{Kind: KindNotebookCold, Model: m.dir, Text: o.Text, Backend: o.Backend, CacheDir: cache, Matmul: mr.NotebookKernel}
	if mr.NotebookCold, err = r.goSide(ctx, child); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Log, "bench: %s: notebook analysis cell on a warm tap cache (%d processes)\n", m.name, o.Repeat)
	child.Kind = KindNotebookWarm
	var warm []Side
	for range o.Repeat {
		s, err := r.goSide(ctx, child)
		if err != nil {
			return nil, err
		}
		warm = append(warm, s)
	}
	mr.NotebookWarm = mergeSides(warm)
	if o.NotebookLoop {
		if mr.NotebookLoop, err = r.runNotebookLoop(ctx, m); err != nil {
			return nil, err
		}
	}
	mr.evaluate()
	return mr, nil
}

// goSide runs job in a Go child and describes it as a Side.
func (r *runner) goSide(ctx context.Context, job Job) (Side, error) {
	res, p, err := runGoJob(ctx, r.o.Self, r.tmp, r.o.Threads, job, r.o.Log)
	if err != nil {
		return Side{}, err
	}
	peak := p.peakRSS
	if peak == 0 {
		peak = res.PeakRSS
	}
	return Side{
		Timing: res.Timing, CPU: res.CPU, FirstSeconds: res.FirstSeconds, LoadSeconds: res.LoadSeconds,
		PeakRSS: peak, LoadPeakRSS: res.LoadPeakRSS, Process: NewTiming([]float64{seconds(p.wall)}),
		Backend: res.Backend, Threads: r.o.Threads,
	}, nil
}

// floorSide describes one kernel's rounds of a floor process as a Side; its
// peak RSS, load and process wall time are the whole process's, which ran
// every kernel.
func floorSide(res *JobResult, k KernelRounds, p process, threads int) Side {
	peak := p.peakRSS
	if peak == 0 {
		peak = res.PeakRSS
	}
	return Side{
		Timing: k.Floor, CPU: k.FloorCPU, Beside: &k.Capture, BesideCPU: &k.CaptureCPU, RoundRatios: &k.RoundRatios,
		BesideStockElementwise: k.StockElementwise, Elementwise: k.Elementwise,
		FirstSeconds: k.FloorFirst, LoadSeconds: res.LoadSeconds, PeakRSS: peak, LoadPeakRSS: res.LoadPeakRSS,
		Process: NewTiming([]float64{seconds(p.wall)}), Backend: res.Backend, Threads: threads,
	}
}

// kernelLabel is " with the stock kernel", or "" for no kernel.
func kernelLabel(kernel string) string {
	if kernel == "" {
		return ""
	}
	return " with the " + kernel + " kernel"
}

// mergeSides combines sides measured in separate processes, one run each.
func mergeSides(sides []Side) Side {
	if len(sides) == 0 {
		return Side{}
	}
	var runs, walls []float64
	out := sides[0]
	for _, s := range sides {
		runs = append(runs, s.Timing.Runs...)
		walls = append(walls, s.Process.Runs...)
		out.PeakRSS = max(out.PeakRSS, s.PeakRSS)
	}
	out.Timing = NewTiming(runs)
	out.Process = NewTiming(walls)
	out.FirstSeconds = 0
	return out
}
