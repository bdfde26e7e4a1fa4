package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// PCA is a principal component analysis fitted once on a set of
// observations; Project maps any rows of the same width into its components.
// Fit it on everything that is to share one coordinate system (in lesson 4:
// every sentence × word version × layer together, never one fit per layer,
// which would give every layer its own unrelated axes).
type PCA struct {
	// Mean is the mean observation (length D) that is subtracted before
	// projecting.
	Mean []float64
	// Components is K×D: row k is the unit-length k-th principal axis, in
	// order of decreasing variance, the rows orthonormal.
	Components Matrix
	// Variance[k] is the variance of the observations along component k,
	// with divisor N−1 (scikit-learn's explained_variance_).
	Variance []float64
	// Ratio[k] is Variance[k] / TotalVariance, the fraction of the variance
	// that component k explains (explained_variance_ratio_).
	Ratio []float64
	// TotalVariance is the sum of the D coordinates' variances (divisor N−1),
	// i.e. of the variance along all components, kept or not.
	TotalVariance float64
}

// FitPCA fits a PCA with k components to x, an N×D Matrix whose rows are
// observations (N ≥ 2, 1 ≤ k ≤ min(N, D)). It centres the columns and takes
// the thin singular value decomposition x − mean = U·S·Vᵀ (gonum's
// mat.SVD with SVDThin): the components are the first k rows of Vᵀ and
// Variance[k] = S[k]²/(N−1).
//
// The sign of a principal axis is arbitrary; FitPCA fixes it so results are
// deterministic: in every component the loading with the largest absolute
// value is positive (the first such loading on a tie), the rule of
// scikit-learn's svd_flip(u_based_decision=False). Components with zero
// variance (when k ≥ rank) have an arbitrary, but still unit-length and
// orthogonal, direction.
//
// It returns an error for a malformed x, N < 2, k out of range, or a NaN or
// infinite value (the decomposition is undefined with them).
func FitPCA(x Matrix, k int) (PCA, error) {
	n, d := x.Rows, x.Cols
	if len(x.Data) != n*d {
		return PCA{}, fmt.Errorf("pca of a %d×%d matrix with %d values: build it with NewMatrix", n, d, len(x.Data))
	}
	if n < 2 || d < 1 {
		return PCA{}, fmt.Errorf("pca of %d observations of %d values: pass at least 2 observations (rows) of at least 1 value", n, d)
	}
	if k < 1 || k > min(n, d) {
		return PCA{}, fmt.Errorf("pca with %d components of %d×%d data: use 1 to %d (at most min(observations, dimensions))", k, n, d, min(n, d))
	}
	for i, v := range x.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return PCA{}, fmt.Errorf("pca: observation %d, value %d is %v: drop or fill non-finite values first", i/d, i%d, v)
		}
	}
	mean := make([]float64, d)
	for r := range n {
		for c, v := range x.Row(r) {
			mean[c] += v
		}
	}
	for c := range mean {
		mean[c] /= float64(n)
	}
	centred := mat.NewDense(n, d, nil)
	for r := range n {
		for c, v := range x.Row(r) {
			centred.Set(r, c, v-mean[c])
		}
	}
	var svd mat.SVD
	if !svd.Factorize(centred, mat.SVDThinV) {
		return PCA{}, fmt.Errorf("pca: the singular value decomposition of the %d×%d data did not converge", n, d)
	}
	s := svd.Values(nil)
	var v mat.Dense
	svd.VTo(&v) // D × min(N, D); column j is axis j
	p := PCA{Mean: mean, Components: NewMatrix(k, d), Variance: make([]float64, k), Ratio: make([]float64, k)}
	for _, sv := range s {
		p.TotalVariance += sv * sv / float64(n-1)
	}
	for j := range k {
		row := p.Components.Row(j)
		big := 0
		for c := range d {
			row[c] = v.At(c, j)
			if math.Abs(row[c]) > math.Abs(row[big]) {
				big = c
			}
		}
		if row[big] < 0 {
			for c := range row {
				row[c] = -row[c]
			}
		}
		p.Variance[j] = s[j] * s[j] / float64(n-1)
		if p.TotalVariance > 0 {
			p.Ratio[j] = p.Variance[j] / p.TotalVariance
		}
	}
	return p, nil
}

// Project maps the rows of x (M×D, the width the PCA was fitted on) to their
// coordinates along the components: row i of the result (M×K) is
// (x_i − Mean)·Componentsᵀ. Projecting the fitted data gives scores whose
// variance along component k is Variance[k]. NaN propagates into the rows
// that hold it.
func (p PCA) Project(x Matrix) (Matrix, error) {
	d, k := len(p.Mean), p.Components.Rows
	if d == 0 || p.Components.Cols != d {
		return Matrix{}, fmt.Errorf("pca project: the PCA is empty or malformed: fit it with FitPCA")
	}
	if x.Cols != d || len(x.Data) != x.Rows*x.Cols {
		return Matrix{}, fmt.Errorf("pca project: rows of %d values, the PCA was fitted on %d: pass observations of the same width", x.Cols, d)
	}
	out := NewMatrix(x.Rows, k)
	for r := range x.Rows {
		obs := x.Row(r)
		for j := range k {
			var sum float64
			for c, w := range p.Components.Row(j) {
				sum += (obs[c] - p.Mean[c]) * w
			}
			out.Data[r*k+j] = sum
		}
	}
	return out, nil
}
