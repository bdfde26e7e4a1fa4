package bench

import (
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// Report is the outcome of a benchmark run.
type Report struct {
	Machine  Machine       `json:"machine"`
	Settings Settings      `json:"settings"`
	Models   []ModelReport `json:"models"`
	Started  time.Time     `json:"started"`
	Seconds  float64       `json:"duration_s"`
}

// Settings are the parameters every measurement shared.
type Settings struct {
	Threads int    `json:"threads"` // GOMAXPROCS of the Go children, torch.set_num_threads of the reference
	Warmup  int    `json:"warmup"`  // untimed runs before the timed ones (the reference always does 1)
	Repeat  int    `json:"repeat"`  // timed runs (and warm analysis cells)
	Backend string `json:"backend"` // GoMLX backend requested ("" → GOMLX_BACKEND, else auto)
	Tokens  int    `json:"tokens"`  // tokens of the text
	Python  string `json:"python,omitempty"`
	// Kernels are the pure-Go backend's float32 matmul kernels measured
	// (backend.MatmulStock, backend.MatmulSIMD), side by side; empty on
	// another backend. KernelNote says why one is missing (e.g. "the SIMD
	// kernel is not measured: built without GOEXPERIMENT=simd").
	Kernels    []string `json:"kernels,omitempty"`
	KernelNote string   `json:"kernel_note,omitempty"`
}

// Side is one measured program: its timed runs and its processes' peak memory.
type Side struct {
	// Timing holds the timed runs, measured inside the process.
	Timing Timing `json:"timing"`
	// CPU is the process's CPU time (user + system) during each timed run:
	// less sensitive than wall time to other programs on the machine.
	CPU Timing `json:"cpu"`
	// Beside holds, for the matmul floor, the captures timed in the same
	// process, alternating with the floor runs (BesideCPU their CPU times);
	// RoundRatios their ratios capture / floor, round by round.
	Beside      *Timing `json:"capture_beside,omitempty"`
	BesideCPU   *Timing `json:"capture_beside_cpu,omitempty"`
	RoundRatios *Timing `json:"round_ratios,omitempty"`
	// BesideStockElementwise holds, for the SIMD kernel's floor, captures in
	// the same rounds with GoMLX's stock elementwise code (Elementwise
	// describes the other captures' elementwise kernels).
	BesideStockElementwise *Timing `json:"capture_beside_stock_elementwise,omitempty"`
	Elementwise            string  `json:"elementwise,omitempty"`
	// FirstSeconds is the first run, including graph building and compilation
	// (Go) — 0 where not measured.
	FirstSeconds float64 `json:"first_run_s,omitempty"`
	// LoadSeconds is the model load (Go).
	LoadSeconds float64 `json:"load_s,omitempty"`
	// PeakRSS is the largest maxrss of the side's processes, in bytes.
	PeakRSS int64 `json:"peak_rss_bytes"`
	// LoadPeakRSS is the Go process's peak RSS right after loading the model.
	LoadPeakRSS int64 `json:"load_peak_rss_bytes,omitempty"`
	// Process is the wall time of the side's whole processes, start to exit
	// (one entry per process).
	Process Timing `json:"process_wall"`
	Backend string `json:"backend,omitempty"` // GoMLX backend that ran, or "pytorch"
	Version string `json:"version,omitempty"` // PyTorch version for the reference
	Threads int    `json:"threads"`
}

// ModelReport holds every measurement on one model.
type ModelReport struct {
	Name     string  `json:"name"` // preset name, "smoke", or the directory's base name
	Dir      string  `json:"dir"`
	Layers   int     `json:"layers"`
	Width    int     `json:"width"`
	Heads    int     `json:"heads"`
	Params   int64   `json:"params"`
	F32Bytes int64   `json:"f32_bytes"` // the weights' size in float32
	Tokens   int     `json:"tokens"`
	GFLOP    float64 `json:"matmul_gflop"` // matmul work of one forward pass

	// Kernels holds the Go side with each matmul kernel of the pure-Go
	// backend, stock first; one entry (Kernel "") on another backend.
	Kernels []KernelReport `json:"kernels"`
	PyTorch *Side          `json:"pytorch,omitempty"` // the reference's forward pass; nil when skipped
	// NotebookKernel is the kernel of the notebook path: the SIMD one when
	// measured (what a notebook gets by default), else the stock one.
	NotebookKernel string `json:"notebook_kernel,omitempty"`
	NotebookCold   Side   `json:"notebook_capture_cold"`  // the capture cell on a cold tap cache
	NotebookWarm   Side   `json:"notebook_analysis_warm"` // an analysis cell on a warm tap cache
	// NotebookLoop is Run All of the notebook in Jupyter, twice, each with a
	// new text (Options.NotebookLoop); nil when not asked for.
	NotebookLoop *NotebookLoop `json:"notebook_loop,omitempty"`

	Ratios  ModelRatios `json:"ratios"`
	Targets []Target    `json:"targets"`
}

// KernelReport is the Go side of a model with one matmul kernel.
type KernelReport struct {
	// Kernel is backend.MatmulStock or backend.MatmulSIMD; "" on a backend
	// other than the pure-Go one.
	Kernel      string `json:"kernel"`
	Description string `json:"description,omitempty"` // backend.MatmulDescription
	// Capture is the capture in a process of its own with this kernel
	// (GPT2TAPS_MATMUL): timed runs, load, first run, peak RSS.
	Capture Side `json:"go_capture"`
	// Floor is this kernel's matmul floor, with the captures beside it, from
	// the process that alternates every kernel round by round; its peak RSS
	// is that whole process's.
	Floor Side `json:"matmul_floor"`
	// FloorGFLOPS is the model's matmul work over the floor's median time.
	FloorGFLOPS float64 `json:"matmul_floor_gflops"`
	Ratios      Ratios  `json:"ratios"`
}

// Ratios compare the measurements of one kernel (0 where a side is missing).
type Ratios struct {
	GoOverPyTorch float64 `json:"go_over_pytorch,omitempty"` // capture median / reference median
	// CaptureOverFloor is the median of capture/floor over rounds run side by
	// side in one process (the target's measure); CaptureOverFloorCPU the same
	// comparison in CPU time; CaptureOverFloorSeparate compares the separate
	// capture process's median with the floor's.
	CaptureOverFloor         float64 `json:"capture_over_floor"`
	CaptureOverFloorCPU      float64 `json:"capture_over_floor_cpu"`
	CaptureOverFloorSeparate float64 `json:"capture_over_floor_separate"`
	PeakRSSOverF32           float64 `json:"peak_rss_over_f32"` // capture's peak RSS / F32 weights
	// ElementwiseStockOverSIMD is capture time with the stock elementwise
	// code over that with the SIMD elementwise kernels, median of the rounds.
	ElementwiseStockOverSIMD float64 `json:"elementwise_stock_over_simd,omitempty"`
}

// ModelRatios compare the sides of one model (0 where a side is missing).
type ModelRatios struct {
	PyTorchRSSOverF32 float64 `json:"pytorch_rss_over_f32,omitempty"` // the reference's peak RSS / F32 weights
	// FloorSIMDOverStock is the SIMD kernel's floor GFLOP/s over the stock
	// kernel's, and CaptureStockOverSIMD the stock kernel's capture time over
	// the SIMD kernel's: medians of the rounds' ratios, both kernels timed in
	// the same round of the same process.
	FloorSIMDOverStock   float64 `json:"floor_simd_over_stock,omitempty"`
	CaptureStockOverSIMD float64 `json:"capture_stock_over_simd,omitempty"`
}

// Target is one of the issues' goals, as measured.
type Target struct {
	Name string `json:"name"`
	// Kernel is the matmul kernel it was measured with ("" for none or
	// another backend).
	Kernel string  `json:"kernel,omitempty"`
	Value  float64 `json:"value"`
	// Limit is met by Value ≤ Limit, or Value ≥ Limit where AtLeast.
	Limit   float64 `json:"limit"`
	AtLeast bool    `json:"at_least,omitempty"`
	Met     bool    `json:"met"`
	// Stretch, if set, is a harder limit in the same direction.
	Stretch    float64 `json:"stretch,omitempty"`
	StretchMet bool    `json:"stretch_met,omitempty"`
	// Applies is false where the target is not set for this run, e.g. the
	// Go/PyTorch ratio of the stock kernel (recorded, not a goal).
	Applies bool   `json:"applies"`
	Note    string `json:"note,omitempty"`
}

// Target names.
const (
	// TargetPeakRSS (issues 6 and 11): ≤ 1.3 on gpt2-large, each kernel.
	TargetPeakRSS = "peak RSS of capture / F32 weights"
	// TargetFloor (issue 6): ≤ 1.15 on the pure-Go backend's stock kernel;
	// recorded for the SIMD kernel (see evaluate).
	TargetFloor = "capture / matmul floor"
	// TargetWarmCell (issue 6): ≤ 2 s.
	TargetWarmCell = "analysis cell, warm cache (s)"
	// TargetGoPyTorch: ≤ 3, stretch 2, for gpt2-large with the SIMD kernel
	// (issue 11); ≤ 1 with XLA (issue 6); recorded otherwise.
	TargetGoPyTorch = "Go / PyTorch"
	// TargetFloorSpeedup (issue 11): the SIMD kernel's floor GFLOP/s ≥ 5×
	// the stock kernel's, in the same run.
	TargetFloorSpeedup = "matmul floor GFLOP/s, SIMD / stock"
	// TargetCaptureSpeedup (issue 11): gpt2 (small) no slower than with the
	// stock kernel: stock / SIMD capture time ≥ 1, in the same run.
	TargetCaptureSpeedup = "capture time, stock / SIMD"
)

// The limits of the targets.
const (
	limitPeakRSS        = 1.3
	limitFloor          = 1.15
	limitWarmCell       = 2
	limitGoPyTorchXLA   = 1
	limitGoPyTorchSIMD  = 3
	stretchGoPyTorch    = 2
	limitFloorSpeedup   = 5
	limitCaptureSpeedup = 1
)

// Kernel returns the report of kernel, or nil.
func (r *ModelReport) Kernel(kernel string) *KernelReport {
	for i := range r.Kernels {
		if r.Kernels[i].Kernel == kernel {
			return &r.Kernels[i]
		}
	}
	return nil
}

// isPreset reports whether the model has the shape of a GPT-2 preset.
func (r *ModelReport) isPreset(name string) bool {
	cfg, err := gpt2.Preset(name)
	return err == nil && r.Layers == cfg.NLayer && r.Width == cfg.NEmbd && r.Heads == cfg.NHead
}

// evaluate fills the ratios and r.Targets from the measurements.
//
// The issue-6 target capture / floor ≤ 1.15 was set, and met, with the stock
// kernel, whose matrix products were ~90% of a capture. The SIMD kernel makes
// them several times faster while the rest of the capture (layer norms,
// softmax, GELU, the taps) stays as it was, so its
// capture / floor is much larger by construction, although the capture is
// faster: the target stays with the stock kernel, and the SIMD kernel's value
// is recorded without one. Its goals are the issue-11 targets instead.
func (r *ModelReport) evaluate() {
	r.Targets = nil
	if r.PyTorch != nil && r.F32Bytes > 0 {
		r.Ratios.PyTorchRSSOverF32 = float64(r.PyTorch.PeakRSS) / float64(r.F32Bytes)
	}
	for i := range r.Kernels {
		r.Kernels[i].evaluate(r)
	}
	add := func(t Target) {
		t.Met = t.Value <= t.Limit
		if t.AtLeast {
			t.Met = t.Value >= t.Limit
		}
		if t.Stretch != 0 {
			t.StretchMet = t.Value <= t.Stretch
			if t.AtLeast {
				t.StretchMet = t.Value >= t.Stretch
			}
		}
		r.Targets = append(r.Targets, t)
	}
	large, small := r.isPreset("gpt2-large"), r.isPreset("gpt2")
	for _, k := range r.Kernels {
		rss := Target{Name: TargetPeakRSS, Kernel: k.Kernel, Value: k.Ratios.PeakRSSOverF32, Limit: limitPeakRSS, Applies: large && k.Capture.PeakRSS > 0}
		if !large {
			rss.Note = "recorded; the target is set for gpt2-large (smaller models' fixed costs weigh more)"
		}
		add(rss)
		floor := Target{Name: TargetFloor, Kernel: k.Kernel, Value: k.Ratios.CaptureOverFloor, Limit: limitFloor,
			Applies: k.Kernel == backend.MatmulStock && k.Floor.Timing.Median > 0}
		switch k.Kernel {
		case backend.MatmulSIMD:
			floor.Note = "set for the stock kernel (issue 6); the SIMD kernel's faster products leave the rest of the capture a larger share"
		case "":
			floor.Note = "the target is set for the pure-Go backend's stock kernel"
		}
		add(floor)
		if r.PyTorch == nil {
			continue
		}
		gp := Target{Name: TargetGoPyTorch, Kernel: k.Kernel, Value: k.Ratios.GoOverPyTorch, Limit: limitGoPyTorchXLA}
		switch {
		case k.Kernel == "":
			gp.Applies = true
		case k.Kernel == backend.MatmulSIMD:
			gp.Limit, gp.Stretch, gp.Applies = limitGoPyTorchSIMD, stretchGoPyTorch, large
			if !large {
				gp.Note = "recorded; the target ≤ 3 is set for gpt2-large"
			}
		default:
			gp.Note = "recorded; the targets are set for the SIMD kernel (≤ 3 on gpt2-large) and for XLA (≤ 1)"
		}
		add(gp)
	}
	stock, simd := r.Kernel(backend.MatmulStock), r.Kernel(backend.MatmulSIMD)
	if stock != nil && simd != nil {
		r.Ratios.FloorSIMDOverStock = pairedRatio(stock.Floor.Timing, simd.Floor.Timing)
		if stock.Floor.Beside != nil && simd.Floor.Beside != nil {
			r.Ratios.CaptureStockOverSIMD = pairedRatio(*stock.Floor.Beside, *simd.Floor.Beside)
		}
		add(Target{Name: TargetFloorSpeedup, Kernel: backend.MatmulSIMD, Value: r.Ratios.FloorSIMDOverStock,
			Limit: limitFloorSpeedup, AtLeast: true, Applies: r.Ratios.FloorSIMDOverStock > 0})
		cs := Target{Name: TargetCaptureSpeedup, Kernel: backend.MatmulSIMD, Value: r.Ratios.CaptureStockOverSIMD,
			Limit: limitCaptureSpeedup, AtLeast: true, Applies: small && r.Ratios.CaptureStockOverSIMD > 0}
		if !small {
			cs.Note = "recorded; the target (no slower) is set for gpt2"
		}
		add(cs)
	}
	if r.NotebookLoop != nil {
		r.NotebookLoop.evaluate()
		r.Targets = append(r.Targets, r.loopTargets()...)
		if len(r.Kernels) == 0 { // the notebook loop alone (Options.NotebookOnly)
			return
		}
	}
	add(Target{Name: TargetWarmCell, Kernel: r.NotebookKernel, Value: r.NotebookWarm.Timing.Median, Limit: limitWarmCell,
		Applies: r.NotebookWarm.Timing.Median > 0})
}

// evaluate fills k.FloorGFLOPS and k.Ratios.
func (k *KernelReport) evaluate(r *ModelReport) {
	k.Ratios = Ratios{}
	if r.PyTorch != nil && r.PyTorch.Timing.Median > 0 {
		k.Ratios.GoOverPyTorch = k.Capture.Timing.Median / r.PyTorch.Timing.Median
	}
	if f := k.Floor.Timing.Median; f > 0 {
		k.FloorGFLOPS = r.GFLOP / f
		k.Ratios.CaptureOverFloorSeparate = k.Capture.Timing.Median / f
		k.Ratios.CaptureOverFloor = k.Ratios.CaptureOverFloorSeparate
		if k.Floor.RoundRatios != nil && k.Floor.RoundRatios.Median > 0 {
			k.Ratios.CaptureOverFloor = k.Floor.RoundRatios.Median
		}
	}
	if k.Floor.BesideStockElementwise != nil && k.Floor.Beside != nil {
		k.Ratios.ElementwiseStockOverSIMD = pairedRatio(*k.Floor.BesideStockElementwise, *k.Floor.Beside)
	}
	if k.Floor.CPU.Median > 0 && k.Floor.BesideCPU != nil && k.Floor.BesideCPU.Median > 0 {
		k.Ratios.CaptureOverFloorCPU = k.Floor.BesideCPU.Median / k.Floor.CPU.Median
	} else if k.Floor.CPU.Median > 0 && k.Capture.CPU.Median > 0 {
		k.Ratios.CaptureOverFloorCPU = k.Capture.CPU.Median / k.Floor.CPU.Median
	}
	if r.F32Bytes > 0 {
		k.Ratios.PeakRSSOverF32 = float64(k.Capture.PeakRSS) / float64(r.F32Bytes)
	}
}

// pairedRatio is the median over rounds of num / den, where both were timed
// in the same rounds (the same number of runs, in order); else the ratio of
// the medians; 0 where one is missing.
func pairedRatio(num, den Timing) float64 {
	if len(num.Runs) > 0 && len(num.Runs) == len(den.Runs) {
		ratios := make([]float64, len(num.Runs))
		for i := range ratios {
			if den.Runs[i] <= 0 {
				return 0
			}
			ratios[i] = num.Runs[i] / den.Runs[i]
		}
		return NewTiming(ratios).Median
	}
	if num.Median <= 0 || den.Median <= 0 {
		return 0
	}
	return num.Median / den.Median
}
