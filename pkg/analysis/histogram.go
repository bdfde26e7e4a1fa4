package analysis

import (
	"fmt"
	"math"
)

// HistogramBins is the number of bins the lesson uses for the histogram of
// all layer × token cosine similarities.
const HistogramBins = 80

// NewHistogram bins values the way numpy.histogram(values, bins=bins) does.
//
// The range is [min, max] of the values, widened to [min−0.5, max+0.5] when
// all values are equal. The bins+1 edges are numpy.linspace(lo, hi, bins+1):
// edge i is lo + i·(hi−lo)/bins, and the last edge is exactly hi. Every bin
// [e_i, e_{i+1}) is half-open except the last, [e_{bins−1}, e_bins], which is
// closed, so the maximum lands in the last bin and Counts sum to len(values).
// A value is placed by comparing it with the computed edges (as numpy does),
// so a value equal to an edge that rounding put slightly above its ideal
// position falls in the lower bin.
//
// It returns an error for bins < 1, no values, or a NaN or infinite value
// (numpy cannot derive a finite range from those either).
func NewHistogram(values []float64, bins int) (Histogram, error) {
	if bins < 1 {
		return Histogram{}, fmt.Errorf("histogram needs at least 1 bin, got %d: pass a positive bin count such as HistogramBins", bins)
	}
	if len(values) == 0 {
		return Histogram{}, fmt.Errorf("histogram of no values: pass at least one value")
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Histogram{}, fmt.Errorf("histogram value %d is %v: drop non-finite values before binning", i, v)
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}

	// numpy.linspace(lo, hi, bins+1) with endpoint=True.
	edges := make([]float64, bins+1)
	step := (hi - lo) / float64(bins)
	for i := range edges {
		edges[i] = float64(i)*step + lo
	}
	edges[bins] = hi

	// numpy's fast path for equal-width bins: estimate the index, then
	// correct it against the actual edges.
	counts := make([]int, bins)
	norm := float64(bins) / (hi - lo)
	for _, v := range values {
		i := int((v - lo) * norm)
		i = min(max(i, 0), bins-1)
		if v < edges[i] {
			i--
		} else if v >= edges[i+1] && i != bins-1 {
			i++
		}
		counts[i]++
	}
	return Histogram{Edges: edges, Counts: counts}, nil
}
