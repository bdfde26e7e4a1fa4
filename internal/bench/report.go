package bench

import (
	"strings"
	"time"
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
}

// Side is one measured program: its timed runs and its processes' peak memory.
type Side struct {
	// Timing holds the timed runs, measured inside the process.
	Timing Timing `json:"timing"`
	// CPU is the process's CPU time (user + system) during each timed run:
	// less sensitive than wall time to other programs on the machine.
	CPU Timing `json:"cpu"`
	// Beside holds, for the matmul floor, the captures timed in the same
	// process, alternating with the floor runs; RoundRatios their ratios
	// capture / floor, round by round.
	Beside      *Timing `json:"capture_beside,omitempty"`
	RoundRatios *Timing `json:"round_ratios,omitempty"`
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

	Capture      Side  `json:"go_capture"`             // Go: taps capture with the lesson's request
	PyTorch      *Side `json:"pytorch,omitempty"`      // the reference's forward pass; nil when skipped
	Floor        Side  `json:"matmul_floor"`           // Go: the forward pass's matmuls alone
	NotebookCold Side  `json:"notebook_capture_cold"`  // the capture cell on a cold tap cache
	NotebookWarm Side  `json:"notebook_analysis_warm"` // an analysis cell on a warm tap cache

	Ratios  Ratios   `json:"ratios"`
	Targets []Target `json:"targets"`
}

// Ratios compare the measurements (0 where a side is missing).
type Ratios struct {
	GoOverPyTorch float64 `json:"go_over_pytorch,omitempty"` // capture median / reference median
	// CaptureOverFloor is the median of capture/floor over rounds run side by
	// side in one process (the target's measure); CaptureOverFloorCPU the same
	// comparison in CPU time; CaptureOverFloorSeparate compares the separate
	// capture process's median with the floor's.
	CaptureOverFloor         float64 `json:"capture_over_floor"`
	CaptureOverFloorCPU      float64 `json:"capture_over_floor_cpu"`
	CaptureOverFloorSeparate float64 `json:"capture_over_floor_separate"`
	PeakRSSOverF32           float64 `json:"peak_rss_over_f32"`              // capture's peak RSS / F32 weights
	PyTorchRSSOverF32        float64 `json:"pytorch_rss_over_f32,omitempty"` // the reference's peak RSS / F32 weights
}

// Target is one of the goals, as measured.
type Target struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Limit float64 `json:"limit"` // Value ≤ Limit is met
	Met   bool    `json:"met"`
	// Applies is false where the target is not set for this run, e.g. the
	// Go/PyTorch ratio on the pure-Go backend (recorded, not a goal).
	Applies bool   `json:"applies"`
	Note    string `json:"note,omitempty"`
}

// Target names.
const (
	TargetPeakRSS   = "peak RSS of capture / F32 weights"
	TargetFloor     = "capture / matmul floor"
	TargetWarmCell  = "analysis cell, warm cache (s)"
	TargetGoPyTorch = "Go / PyTorch"
)

// evaluate fills r.Ratios and r.Targets from the measurements.
func (r *ModelReport) evaluate() {
	if r.PyTorch != nil && r.PyTorch.Timing.Median > 0 {
		r.Ratios.GoOverPyTorch = r.Capture.Timing.Median / r.PyTorch.Timing.Median
	}
	if r.Floor.Timing.Median > 0 {
		r.Ratios.CaptureOverFloorSeparate = r.Capture.Timing.Median / r.Floor.Timing.Median
		r.Ratios.CaptureOverFloor = r.Ratios.CaptureOverFloorSeparate
		if r.Floor.RoundRatios != nil && r.Floor.RoundRatios.Median > 0 {
			r.Ratios.CaptureOverFloor = r.Floor.RoundRatios.Median
		}
	}
	if r.Floor.CPU.Median > 0 && r.Capture.CPU.Median > 0 {
		r.Ratios.CaptureOverFloorCPU = r.Capture.CPU.Median / r.Floor.CPU.Median
	}
	if r.F32Bytes > 0 {
		r.Ratios.PeakRSSOverF32 = float64(r.Capture.PeakRSS) / float64(r.F32Bytes)
		if r.PyTorch != nil {
			r.Ratios.PyTorchRSSOverF32 = float64(r.PyTorch.PeakRSS) / float64(r.F32Bytes)
		}
	}
	pureGo := r.Capture.Backend == "go" || strings.HasPrefix(r.Capture.Backend, "go:")
	add := func(name string, value, limit float64, applies bool, note string) {
		r.Targets = append(r.Targets, Target{Name: name, Value: value, Limit: limit, Met: value <= limit, Applies: applies, Note: note})
	}
	add(TargetPeakRSS, r.Ratios.PeakRSSOverF32, 1.3, r.Capture.PeakRSS > 0, "")
	floorNote := ""
	if !pureGo {
		floorNote = "the target is set for the pure-Go backend (simplego)"
	}
	add(TargetFloor, r.Ratios.CaptureOverFloor, 1.15, pureGo && r.Floor.Timing.Median > 0, floorNote)
	add(TargetWarmCell, r.NotebookWarm.Timing.Median, 2, r.NotebookWarm.Timing.Median > 0, "")
	if r.PyTorch != nil {
		note := "recorded; the target ≤ 1 is set for XLA (CPU plugin or GPU)"
		if !pureGo {
			note = ""
		}
		add(TargetGoPyTorch, r.Ratios.GoOverPyTorch, 1, !pureGo, note)
	}
}
