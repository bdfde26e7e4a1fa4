package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestNullCosineStd(t *testing.T) {
	tests := []struct {
		d    int
		want float64
	}{
		{1, 1},
		{4, 0.5},
		{64, 0.125},
		{1280, 0.027950849718747371}, // GPT-2 Large: 1/√1280
	}
	for _, tc := range tests {
		if got := NullCosineStd(tc.d); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("NullCosineStd(%d) = %v, want %v", tc.d, got, tc.want)
		}
	}
	for _, d := range []int{0, -1} {
		if got := NullCosineStd(d); !math.IsNaN(got) {
			t.Errorf("NullCosineStd(%d) = %v, want NaN", d, got)
		}
	}
}

// TestNullCosineStdMonteCarlo draws 20000 pairs of independent uniformly
// random directions in R^64 (normalised Gaussian vectors) with a fixed seed
// and checks the empirical std of their cosine against 1/√64. The sampling
// error of the std is about 1/√(2·20000) ≈ 0.5%, so the 3% tolerance is ~6σ.
func TestNullCosineStdMonteCarlo(t *testing.T) {
	const d, pairs = 64, 20000
	rng := rand.New(rand.NewPCG(20240601, 1280))
	u, v := make([]float64, d), make([]float64, d)
	cos := make([]float64, pairs)
	for i := range cos {
		var uv, uu, vv float64
		for j := range d {
			u[j], v[j] = rng.NormFloat64(), rng.NormFloat64()
			uv += u[j] * v[j]
			uu += u[j] * u[j]
			vv += v[j] * v[j]
		}
		cos[i] = uv / math.Sqrt(uu*vv)
	}
	var mean, sq float64
	for _, c := range cos {
		mean += c
	}
	mean /= pairs
	for _, c := range cos {
		sq += (c - mean) * (c - mean)
	}
	std := math.Sqrt(sq / pairs)
	want := NullCosineStd(d)
	if rel := math.Abs(std-want) / want; rel > 0.03 {
		t.Errorf("empirical std %v differs from 1/√%d = %v by %.1f%%, want ≤ 3%%", std, d, want, 100*rel)
	}
	if lim := 5 * want / math.Sqrt(pairs); math.Abs(mean) > lim {
		t.Errorf("empirical mean %v, want |mean| ≤ %v (5 standard errors of 0)", mean, lim)
	}
}
