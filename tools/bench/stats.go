package bench

import (
	"slices"
	"time"
)

// Timing summarizes repeated measurements of one thing, in seconds.
type Timing struct {
	Median float64   `json:"median_s"`
	Min    float64   `json:"min_s"`
	Max    float64   `json:"max_s"`
	Runs   []float64 `json:"runs_s"`
}

// NewTiming summarizes runs (seconds). An empty slice gives the zero Timing.
func NewTiming(runs []float64) Timing {
	if len(runs) == 0 {
		return Timing{}
	}
	s := slices.Clone(runs)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return Timing{Median: med, Min: s[0], Max: s[n-1], Runs: slices.Clone(runs)}
}

// Spread is (max − min) / median, the relative spread of the runs; 0 for
// fewer than two runs.
func (t Timing) Spread() float64 {
	if len(t.Runs) < 2 || t.Median == 0 {
		return 0
	}
	return (t.Max - t.Min) / t.Median
}

// seconds converts d to float seconds.
func seconds(d time.Duration) float64 { return d.Seconds() }
