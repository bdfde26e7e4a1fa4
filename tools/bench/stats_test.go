package bench

import (
	"math"
	"slices"
	"testing"
)

func TestNewTiming(t *testing.T) {
	for _, tc := range []struct {
		name             string
		runs             []float64
		median, min, max float64
		spread           float64
	}{
		{"empty", nil, 0, 0, 0, 0},
		{"one", []float64{2}, 2, 2, 2, 0},
		{"odd", []float64{3, 1, 2}, 2, 1, 3, 1},
		{"even", []float64{4, 1, 3, 2}, 2.5, 1, 4, 1.2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := NewTiming(tc.runs)
			if got.Median != tc.median || got.Min != tc.min || got.Max != tc.max {
				t.Errorf("NewTiming(%v) = median %g min %g max %g, want %g %g %g", tc.runs, got.Median, got.Min, got.Max, tc.median, tc.min, tc.max)
			}
			if math.Abs(got.Spread()-tc.spread) > 1e-12 {
				t.Errorf("Spread = %g, want %g", got.Spread(), tc.spread)
			}
			if !slices.Equal(got.Runs, tc.runs) {
				t.Errorf("Runs = %v, want the runs in their order %v", got.Runs, tc.runs)
			}
		})
	}
}

func TestNewTimingKeepsTheCallersSlice(t *testing.T) {
	runs := []float64{3, 1, 2}
	NewTiming(runs)
	if !slices.Equal(runs, []float64{3, 1, 2}) {
		t.Errorf("NewTiming reordered its argument: %v", runs)
	}
}
