package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestNewHistogram(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		bins   int
		edges  []float64
		counts []int
	}{
		// A value on an inner edge goes to the bin above; the maximum to the closed last bin.
		{"edges and max", []float64{0, 1, 2, 3, 4}, 4, []float64{0, 1, 2, 3, 4}, []int{1, 1, 1, 2}},
		{"order irrelevant", []float64{4, 3, 2, 1, 0, 4}, 4, []float64{0, 1, 2, 3, 4}, []int{1, 1, 1, 3}},
		// numpy.histogram([5, 5, 5], bins=2) -> ([0, 3], [4.5, 5, 5.5]).
		{"min equals max", []float64{5, 5, 5}, 2, []float64{4.5, 5, 5.5}, []int{0, 3}},
		{"single value one bin", []float64{-2}, 1, []float64{-2.5, -1.5}, []int{1}},
		{"negative range", []float64{-3, -1, -2, -1.5}, 2, []float64{-3, -2, -1}, []int{1, 3}},
		// linspace(0, 1, 11)[3] = 3*0.1 = 0.30000000000000004 > 0.3, so numpy puts
		// 0.3 in bin 2 after correcting its index estimate (0.3*10 = 3) against the edges.
		// (-0.9 − −1)·80/2 = 3.9999999999999996 truncates to 3, but -0.9 equals
		// edge 4 (4·0.025 − 1), so numpy corrects it into bin 4 (edges not compared).
		{"estimate below edge", []float64{-1, -0.9, 1}, 80, nil, countsAt(80, map[int]int{0: 1, 4: 1, 79: 1})},
		{"rounded edge", []float64{0, 0.3, 1}, 10, []float64{0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001, 0.7000000000000001, 0.8, 0.9, 1}, []int{1, 0, 1, 0, 0, 0, 0, 0, 0, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := NewHistogram(tc.values, tc.bins)
			if err != nil {
				t.Fatalf("NewHistogram: %v", err)
			}
			if len(h.Edges) != tc.bins+1 || tc.edges != nil && !slices.Equal(h.Edges, tc.edges) {
				t.Errorf("Edges = %v, want %v", h.Edges, tc.edges)
			}
			if !slices.Equal(h.Counts, tc.counts) {
				t.Errorf("Counts = %v, want %v", h.Counts, tc.counts)
			}
		})
	}
}

// countsAt returns bins counts, zero except at the given bins.
func countsAt(bins int, at map[int]int) []int {
	c := make([]int, bins)
	for i, n := range at {
		c[i] = n
	}
	return c
}

func TestNewHistogramErrors(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		bins   int
	}{
		{"zero bins", []float64{1, 2}, 0},
		{"negative bins", []float64{1, 2}, -3},
		{"no values", nil, 10},
		{"NaN", []float64{1, math.NaN(), 2}, 10},
		{"+Inf", []float64{1, math.Inf(1)}, 10},
		{"-Inf", []float64{math.Inf(-1), 1}, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if h, err := NewHistogram(tc.values, tc.bins); err == nil {
				t.Errorf("NewHistogram(%v, %d) = %+v, want an error", tc.values, tc.bins, h)
			}
		})
	}
}

// TestNewHistogramLessonShape bins a GPT-2 Large sized matrix (36 layers × 340
// tokens) of cosine-like values into HistogramBins bins and checks every value
// against the edges by brute force.
func TestNewHistogramLessonShape(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	values := make([]float64, 36*340)
	for i := range values {
		values[i] = math.Tanh(0.3 * rng.NormFloat64())
	}
	h, err := NewHistogram(values, HistogramBins)
	if err != nil {
		t.Fatalf("NewHistogram: %v", err)
	}
	if len(h.Edges) != HistogramBins+1 || len(h.Counts) != HistogramBins {
		t.Fatalf("%d edges and %d counts, want %d and %d", len(h.Edges), len(h.Counts), HistogramBins+1, HistogramBins)
	}
	if lo, hi := slices.Min(values), slices.Max(values); h.Edges[0] != lo || h.Edges[HistogramBins] != hi {
		t.Errorf("range [%v, %v], want [min, max] = [%v, %v]", h.Edges[0], h.Edges[HistogramBins], lo, hi)
	}
	want := make([]int, HistogramBins)
	for _, v := range values {
		for i := range HistogramBins {
			last := i == HistogramBins-1
			if v >= h.Edges[i] && (v < h.Edges[i+1] || last && v <= h.Edges[i+1]) {
				want[i]++
				break
			}
		}
	}
	if !slices.Equal(h.Counts, want) {
		t.Errorf("Counts = %v, brute force gives %v", h.Counts, want)
	}
	total := 0
	for _, c := range h.Counts {
		total += c
	}
	if total != len(values) {
		t.Errorf("Counts sum to %d, want %d", total, len(values))
	}
	width := (h.Edges[HistogramBins] - h.Edges[0]) / HistogramBins
	for i := range HistogramBins {
		if w := h.Edges[i+1] - h.Edges[i]; math.Abs(w-width) > 1e-12 {
			t.Errorf("bin %d has width %v, want %v", i, w, width)
		}
	}
}
