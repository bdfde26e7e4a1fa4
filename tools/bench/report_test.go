package bench

import (
	"math"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
)

// fabricated is a report of a model of the given shape with both kernels of
// the pure-Go backend and PyTorch, with made-up numbers:
//
//	stock: capture 40 s (own process), floor rounds 36, 34, 35 s beside captures 39, 37, 38 s
//	simd:  capture 10 s (own process), floor rounds 6, 5, 7 s beside captures 10, 9, 11 s
//	PyTorch 4 s; F32 weights 1000 bytes; 500 GFLOP of matmuls.
func fabricated(layers, width, heads int) ModelReport {
	floor := func(runs, beside []float64, cpu, besideCPU float64) Side {
		b, bc := NewTiming(beside), Timing{Median: besideCPU}
		ratios := make([]float64, len(runs))
		for i := range runs {
			ratios[i] = beside[i] / runs[i]
		}
		rr := NewTiming(ratios)
		return Side{Timing: NewTiming(runs), CPU: Timing{Median: cpu}, Beside: &b, BesideCPU: &bc, RoundRatios: &rr, Backend: "go"}
	}
	return ModelReport{
		Name: "m", Layers: layers, Width: width, Heads: heads, F32Bytes: 1000, GFLOP: 500,
		Kernels: []KernelReport{
			{Kernel: backend.MatmulStock,
				Capture: Side{Timing: Timing{Median: 40}, CPU: Timing{Median: 80}, PeakRSS: 1200, Backend: "go"},
				Floor:   floor([]float64{36, 34, 35}, []float64{39, 37, 38}, 70, 77)},
			{Kernel: backend.MatmulSIMD, Description: "gpt2taps SIMD GEMM (AVX2+FMA)",
				Capture: Side{Timing: Timing{Median: 10}, CPU: Timing{Median: 19}, PeakRSS: 1350, Backend: "go"},
				Floor:   floor([]float64{6, 5, 7}, []float64{10, 9, 11}, 11, 19)},
		},
		PyTorch:        &Side{Timing: Timing{Median: 4}, PeakRSS: 1500},
		NotebookKernel: backend.MatmulSIMD,
		NotebookWarm:   Side{Timing: Timing{Median: 2.5}},
	}
}

// want is a target as evaluate should compute it.
type want struct {
	value            float64
	met, applies     bool
	stretchMet, note bool // note: whether a note says why it does not apply
}

func checkTargets(t *testing.T, r ModelReport, targets map[[2]string]want) {
	t.Helper()
	if len(r.Targets) != len(targets) {
		t.Errorf("%d targets, want %d: %+v", len(r.Targets), len(targets), r.Targets)
	}
	for _, got := range r.Targets {
		w, ok := targets[[2]string{got.Name, got.Kernel}]
		if !ok {
			t.Errorf("unexpected target %q (kernel %q)", got.Name, got.Kernel)
			continue
		}
		if math.Abs(got.Value-w.value) > 1e-9 || got.Met != w.met || got.Applies != w.applies || got.StretchMet != w.stretchMet || (got.Note != "") != w.note {
			t.Errorf("%s (%s): value %g met %v applies %v stretch met %v note %q; want %g %v %v %v note %v",
				got.Name, got.Kernel, got.Value, got.Met, got.Applies, got.StretchMet, got.Note, w.value, w.met, w.applies, w.stretchMet, w.note)
		}
	}
}

const (
	stock = backend.MatmulStock
	simd  = backend.MatmulSIMD
)

func TestEvaluateBothKernels(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		layers, width, heads int
		large, small         bool
	}{
		{"gpt2-large", 36, 1280, 20, true, false},
		{"gpt2", 12, 768, 12, false, true},
		{"another shape", 2, 64, 4, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := fabricated(tc.layers, tc.width, tc.heads)
			r.evaluate()
			st, sd := r.Kernel(stock), r.Kernel(simd)
			near := func(what string, got, want float64) {
				t.Helper()
				if math.Abs(got-want) > 1e-9 {
					t.Errorf("%s = %g, want %g", what, got, want)
				}
			}
			near("stock Go/PyTorch", st.Ratios.GoOverPyTorch, 10)
			near("simd Go/PyTorch", sd.Ratios.GoOverPyTorch, 2.5)
			near("stock GFLOP/s", st.FloorGFLOPS, 500.0/35)
			near("simd GFLOP/s", sd.FloorGFLOPS, 500.0/6)
			near("stock capture/floor (rounds)", st.Ratios.CaptureOverFloor, 38.0/35) // median of 39/36, 37/34, 38/35
			near("stock capture/floor (separate)", st.Ratios.CaptureOverFloorSeparate, 40.0/35)
			near("stock capture/floor (CPU, side by side)", st.Ratios.CaptureOverFloorCPU, 77.0/70)
			near("simd capture/floor (rounds)", sd.Ratios.CaptureOverFloor, 10.0/6) // 10/6, 9/5, 11/7
			near("stock peak RSS / F32", st.Ratios.PeakRSSOverF32, 1.2)
			near("simd peak RSS / F32", sd.Ratios.PeakRSSOverF32, 1.35)
			near("PyTorch RSS / F32", r.Ratios.PyTorchRSSOverF32, 1.5)
			near("floor SIMD/stock", r.Ratios.FloorSIMDOverStock, 6)       // median of 36/6, 34/5, 35/7
			near("capture stock/SIMD", r.Ratios.CaptureStockOverSIMD, 3.9) // median of 39/10, 37/9, 38/11
			checkTargets(t, r, map[[2]string]want{
				{TargetPeakRSS, stock}:       {value: 1.2, met: true, applies: tc.large, note: !tc.large},
				{TargetPeakRSS, simd}:        {value: 1.35, applies: tc.large, note: !tc.large},
				{TargetFloor, stock}:         {value: 38.0 / 35, met: true, applies: true},
				{TargetFloor, simd}:          {value: 10.0 / 6, note: true},
				{TargetGoPyTorch, stock}:     {value: 10, note: true},
				{TargetGoPyTorch, simd}:      {value: 2.5, met: true, applies: tc.large, note: !tc.large},
				{TargetFloorSpeedup, simd}:   {value: 6, met: true, applies: true},
				{TargetCaptureSpeedup, simd}: {value: 3.9, met: true, applies: tc.small, note: !tc.small},
				{TargetWarmCell, simd}:       {value: 2.5, applies: true},
			})
		})
	}
}

func TestEvaluateStretchAndMisses(t *testing.T) {
	r := fabricated(36, 1280, 20)
	r.PyTorch.Timing.Median = 8                               // simd 10 s: 1.25×, within the stretch
	r.Kernels[1].Floor.Timing = NewTiming([]float64{9, 8, 7}) // 4×, 4.25×, 5×: median 4.25
	r.Kernels[1].Floor.Beside = &Timing{Runs: []float64{40, 38, 39}, Median: 39}
	r.evaluate()
	for _, tg := range r.Targets {
		switch {
		case tg.Name == TargetGoPyTorch && tg.Kernel == simd:
			if tg.Value != 1.25 || !tg.Met || !tg.StretchMet || tg.Stretch != 2 || tg.Limit != 3 {
				t.Errorf("Go/PyTorch with the SIMD kernel: %+v, want 1.25 within the target 3 and the stretch 2", tg)
			}
		case tg.Name == TargetFloorSpeedup:
			if tg.Value != 4.25 || tg.Met || !tg.AtLeast || !tg.Applies {
				t.Errorf("floor speed-up %+v: want 4.25, not met (≥ 5)", tg)
			}
		case tg.Name == TargetCaptureSpeedup:
			if tg.Value >= 1 || tg.Met { // 39/40, 37/38, 38/39
				t.Errorf("capture speed-up %+v: want below 1, not met", tg)
			}
		}
	}
}

func TestEvaluateOtherBackend(t *testing.T) {
	r := fabricated(36, 1280, 20)
	r.Kernels = r.Kernels[:1]
	r.Kernels[0].Kernel, r.Kernels[0].Capture.Backend, r.NotebookKernel = "", "xla:cpu", ""
	r.evaluate()
	checkTargets(t, r, map[[2]string]want{
		{TargetPeakRSS, ""}:   {value: 1.2, met: true, applies: true},
		{TargetFloor, ""}:     {value: 38.0 / 35, met: true, note: true},
		{TargetGoPyTorch, ""}: {value: 10, applies: true},
		{TargetWarmCell, ""}:  {value: 2.5, applies: true},
	})
	if r.Ratios.FloorSIMDOverStock != 0 || r.Ratios.CaptureStockOverSIMD != 0 {
		t.Errorf("kernel ratios %+v with one kernel", r.Ratios)
	}
}

func TestEvaluateStockOnlyWithoutPyTorch(t *testing.T) {
	r := fabricated(12, 768, 12)
	r.Kernels, r.PyTorch, r.NotebookKernel = r.Kernels[:1], nil, stock
	r.Kernels[0].Floor.RoundRatios, r.Kernels[0].Floor.BesideCPU = nil, nil
	r.evaluate()
	k := r.Kernels[0]
	if k.Ratios.CaptureOverFloor != 40.0/35 || k.Ratios.GoOverPyTorch != 0 || k.Ratios.CaptureOverFloorCPU != 80.0/70 {
		t.Errorf("ratios %+v: want capture/floor from the medians, CPU from the separate processes, and no Go/PyTorch", k.Ratios)
	}
	checkTargets(t, r, map[[2]string]want{
		{TargetPeakRSS, stock}:  {value: 1.2, met: true, note: true},
		{TargetFloor, stock}:    {value: 40.0 / 35, met: true, applies: true},
		{TargetWarmCell, stock}: {value: 2.5, applies: true},
	})
}

func TestPairedRatio(t *testing.T) {
	for _, tc := range []struct {
		num, den Timing
		want     float64
	}{
		{NewTiming([]float64{4, 9, 2}), NewTiming([]float64{2, 3, 2}), 2},           // 2, 3, 1
		{NewTiming([]float64{4, 9}), NewTiming([]float64{2, 3, 2}), 6.5 / 2},        // unpaired: medians
		{NewTiming([]float64{4}), Timing{}, 0},                                      // missing
		{Timing{Median: 6}, Timing{Median: 3}, 2},                                   // medians only
		{NewTiming([]float64{4, 9}), Timing{Runs: []float64{0, 3}, Median: 1.5}, 0}, // a zero run
	} {
		if got := pairedRatio(tc.num, tc.den); got != tc.want {
			t.Errorf("pairedRatio(%v, %v) = %g, want %g", tc.num.Runs, tc.den.Runs, got, tc.want)
		}
	}
}
