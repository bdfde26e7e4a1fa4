package analysis

import "math"

// NullCosineStd is the standard deviation of the cosine between two
// independent uniformly random directions in R^d: exactly 1/√d
// (0.02795 for GPT-2 Large's d = 1280). It returns NaN for d < 1.
//
// Derivation: let u and v be independent and uniform on the unit sphere
// S^{d−1}. The distribution is rotation invariant, so condition on v and
// rotate it to e_1; then cos(u, v) = u·e_1 = u_1. The map u ↦ −u preserves the
// distribution, so E[u_1] = 0. The coordinates are exchangeable and
// u_1² + … + u_d² = 1, so d·E[u_1²] = 1 and Var[u_1] = E[u_1²] = 1/d exactly,
// for every d (not only asymptotically). Hence std = 1/√d. (In fact
// (u_1+1)/2 ~ Beta((d−1)/2, (d−1)/2), and √d·u_1 → N(0, 1) as d grows, so
// ±1/√d and ±2/√d bound about 68% and 95% of the null cosines for large d.)
//
// Cosines between the attention and MLP adjustments that stay inside a few
// multiples of this band are what unrelated directions would give.
func NullCosineStd(d int) float64 {
	if d < 1 {
		return math.NaN()
	}
	return 1 / math.Sqrt(float64(d))
}
