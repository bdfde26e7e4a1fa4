package analysis

import (
	"math"
	"sort"
)

// BenjaminiHochberg applies the Benjamini–Hochberg step-up procedure, which
// controls the false discovery rate at level q for independent (or positively
// dependent) tests, and reports which hypotheses are rejected.
//
// NaN p-values are excluded: they are never rejected and do not count in m,
// the number of tests. With the m remaining p-values sorted as
// p_(1) ≤ … ≤ p_(m), let k be the largest rank with p_(k) ≤ k·q/m; the
// hypotheses with the k smallest p-values are rejected (all of them, even
// those that miss their own threshold k'·q/m for k' < k), and none if no
// such k exists. The threshold is computed as (k/m)·q, as statsmodels'
// multipletests(method="fdr_bh") does, so ties at a threshold resolve the same
// way. The result is
// monotone: any p-value no larger than a rejected one is rejected too.
func BenjaminiHochberg(p []float64, q float64) []bool {
	reject := make([]bool, len(p))
	var idx []int
	for i, v := range p {
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	m := float64(len(idx))
	k := 0
	for rank := len(idx); rank >= 1; rank-- {
		if p[idx[rank-1]] <= float64(rank)/m*q {
			k = rank
			break
		}
	}
	for _, i := range idx[:k] {
		reject[i] = true
	}
	return reject
}
