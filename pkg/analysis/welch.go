package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// WelchResult is the outcome of Welch's unequal-variances t-test of two
// independent samples.
type WelchResult struct {
	// T is the statistic (Mean1 − Mean2)/√(s1²/n1 + s2²/n2), with s² the
	// sample variances (divisor n−1).
	T float64
	// DF is the Welch–Satterthwaite degrees of freedom,
	// (s1²/n1 + s2²/n2)² / ((s1²/n1)²/(n1−1) + (s2²/n2)²/(n2−1)), not
	// necessarily a whole number.
	DF float64
	// P is the two-sided p-value 2·P(T_DF > |T|) under Student's t with DF
	// degrees of freedom.
	P float64
	// Mean1, Mean2 and N1, N2 are the means and sizes of the samples after
	// NaN values were dropped.
	Mean1, Mean2 float64
	N1, N2       int
}

// WelchTTest compares the means of two independent samples without
// assuming equal variances (Welch's t-test), as
// scipy.stats.ttest_ind(a, b, equal_var=False, nan_policy="omit") does: NaN
// values are dropped from each sample first.
//
// It returns an error when either sample has fewer than 2 values left (its
// variance is undefined). When both samples have zero variance the test is
// degenerate: T is ±Inf and P is 0 if the means differ (scipy's values), T
// and P are NaN if they are equal, and DF is NaN in both cases (scipy
// reports a placeholder 1); err is nil. When only one sample is constant
// the test is well defined: DF is n−1 of the other sample.
func WelchTTest(a, b []float64) (WelchResult, error) {
	x, y := dropNaN(a), dropNaN(b)
	if len(x) < 2 || len(y) < 2 {
		return WelchResult{T: math.NaN(), DF: math.NaN(), P: math.NaN()}, fmt.Errorf("welch t-test of samples with %d and %d values (NaN dropped): each sample needs at least 2", len(x), len(y))
	}
	n1, n2 := float64(len(x)), float64(len(y))
	m1, v1 := stat.MeanVariance(x, nil)
	m2, v2 := stat.MeanVariance(y, nil)
	r := WelchResult{Mean1: m1, Mean2: m2, N1: len(x), N2: len(y)}
	e1, e2 := v1/n1, v2/n2
	se := math.Sqrt(e1 + e2)
	r.T = (m1 - m2) / se
	if e1+e2 == 0 {
		r.DF = math.NaN()
		r.P = math.NaN()
		if m1 != m2 {
			r.P = 0
		}
		return r, nil
	}
	r.DF = (e1 + e2) * (e1 + e2) / (e1*e1/(n1-1) + e2*e2/(n2-1))
	r.P = 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: r.DF}.Survival(math.Abs(r.T))
	return r, nil
}

// LayerWelch is Welch's t-test of one layer, with the Benjamini–Hochberg
// decision across layers.
type LayerWelch struct {
	Layer int
	WelchResult
	// Significant is true where BenjaminiHochberg rejects the layer's null
	// hypothesis (equal means) at the false discovery rate passed to
	// WelchPerLayer.
	Significant bool
}

// WelchPerLayer runs WelchTTest on every layer: row l of a against row l of
// b (rows are layers, columns are samples, e.g. sentences; a and b must have
// the same number of rows, not of columns), then marks as Significant the
// layers that the Benjamini–Hochberg procedure (BenjaminiHochberg) rejects at
// false discovery rate q, as one family of tests across layers. Layers whose
// P is NaN (both samples constant and equal) are never significant and do not
// count towards the number of tests. A layer with fewer than 2 non-NaN values
// in either row is an error naming the layer.
//
// In lesson 1 the two rows are the target's and its neighbour's rotations in
// the same sentences, so the samples are in truth paired; the lesson uses the
// independent-samples test like the original analysis, which is the more
// conservative choice when the pairs are positively correlated.
func WelchPerLayer(a, b Matrix, q float64) ([]LayerWelch, error) {
	if a.Rows != b.Rows {
		return nil, fmt.Errorf("welch t-test per layer: %d layers against %d: give both matrices one row per layer", a.Rows, b.Rows)
	}
	for _, m := range []struct {
		name string
		m    Matrix
	}{{"first", a}, {"second", b}} {
		if len(m.m.Data) != m.m.Rows*m.m.Cols {
			return nil, fmt.Errorf("welch t-test per layer: %s matrix is %d×%d with %d values: build it with NewMatrix", m.name, m.m.Rows, m.m.Cols, len(m.m.Data))
		}
	}
	if !(q > 0 && q < 1) {
		return nil, fmt.Errorf("welch t-test per layer: false discovery rate %v is not in (0, 1): use a level such as 0.05", q)
	}
	out := make([]LayerWelch, a.Rows)
	ps := make([]float64, a.Rows)
	for l := range a.Rows {
		r, err := WelchTTest(a.Row(l), b.Row(l))
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", l, err)
		}
		out[l] = LayerWelch{Layer: l, WelchResult: r}
		ps[l] = r.P
	}
	for l, sig := range BenjaminiHochberg(ps, q) {
		out[l].Significant = sig
	}
	return out, nil
}

// dropNaN returns the non-NaN values of xs (a new slice).
func dropNaN(xs []float64) []float64 {
	out := make([]float64, 0, len(xs))
	for _, v := range xs {
		if !math.IsNaN(v) {
			out = append(out, v)
		}
	}
	return out
}
