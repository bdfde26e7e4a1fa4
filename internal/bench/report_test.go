package bench

import (
	"testing"
)

func TestEvaluate(t *testing.T) {
	base := func(backend string) ModelReport {
		return ModelReport{
			F32Bytes:     1000,
			Capture:      Side{Timing: Timing{Median: 12}, CPU: Timing{Median: 22}, PeakRSS: 1200, Backend: backend},
			PyTorch:      &Side{Timing: Timing{Median: 4}, PeakRSS: 1500},
			Floor:        Side{Timing: Timing{Median: 10}, CPU: Timing{Median: 20}, RoundRatios: &Timing{Median: 1.1}},
			NotebookWarm: Side{Timing: Timing{Median: 2.5}},
		}
	}
	type want struct {
		value   float64
		met     bool
		applies bool
	}
	for _, tc := range []struct {
		name    string
		backend string
		targets map[string]want
	}{
		{"pure Go", "go", map[string]want{
			TargetPeakRSS:   {1.2, true, true},
			TargetFloor:     {1.1, true, true},
			TargetWarmCell:  {2.5, false, true},
			TargetGoPyTorch: {3, false, false},
		}},
		{"XLA", "xla:cpu", map[string]want{
			TargetPeakRSS:   {1.2, true, true},
			TargetFloor:     {1.1, true, false},
			TargetWarmCell:  {2.5, false, true},
			TargetGoPyTorch: {3, false, true},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := base(tc.backend)
			r.evaluate()
			if r.Ratios.GoOverPyTorch != 3 || r.Ratios.CaptureOverFloor != 1.1 || r.Ratios.CaptureOverFloorSeparate != 1.2 ||
				r.Ratios.CaptureOverFloorCPU != 1.1 || r.Ratios.PeakRSSOverF32 != 1.2 || r.Ratios.PyTorchRSSOverF32 != 1.5 {
				t.Errorf("ratios %+v", r.Ratios)
			}
			if len(r.Targets) != len(tc.targets) {
				t.Fatalf("%d targets, want %d: %+v", len(r.Targets), len(tc.targets), r.Targets)
			}
			for _, got := range r.Targets {
				w, ok := tc.targets[got.Name]
				if !ok {
					t.Errorf("unexpected target %q", got.Name)
					continue
				}
				if got.Value != w.value || got.Met != w.met || got.Applies != w.applies {
					t.Errorf("%s: value %g met %v applies %v; want %g %v %v", got.Name, got.Value, got.Met, got.Applies, w.value, w.met, w.applies)
				}
			}
		})
	}
}

func TestEvaluateWithoutPyTorchOrRoundRatios(t *testing.T) {
	r := ModelReport{F32Bytes: 100, Capture: Side{Timing: Timing{Median: 3}, PeakRSS: 120, Backend: "go"},
		Floor: Side{Timing: Timing{Median: 2}}, NotebookWarm: Side{Timing: Timing{Median: 0.5}}}
	r.evaluate()
	if r.Ratios.CaptureOverFloor != 1.5 || r.Ratios.GoOverPyTorch != 0 {
		t.Errorf("ratios %+v: want capture/floor from the medians and no Go/PyTorch", r.Ratios)
	}
	for _, tg := range r.Targets {
		if tg.Name == TargetGoPyTorch {
			t.Error("a Go/PyTorch target without a PyTorch side")
		}
	}
}
