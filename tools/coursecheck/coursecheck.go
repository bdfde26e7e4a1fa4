// Package coursecheck is the course tests' independent arithmetic: the
// statistics of pkg/course's lessons recomputed in plain float64 loops,
// written apart from pkg/analysis, so that the command line's and the
// notebooks' tests check the lessons' numbers against something else.
package coursecheck

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/gpt2taps/gpt2taps/pkg/course"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// Summary is the mean, population std, SEM (sample std over √n) and count of xs, NaN skipped.
func Summary(xs []float64) (mean, std, sem float64, n int) {
	var vals []float64
	for _, x := range xs {
		if !math.IsNaN(x) {
			vals = append(vals, x)
		}
	}
	n = len(vals)
	if n == 0 {
		return math.NaN(), math.NaN(), math.NaN(), 0
	}
	for _, x := range vals {
		mean += x / float64(n)
	}
	var ss float64
	for _, x := range vals {
		ss += (x - mean) * (x - mean)
	}
	std, sem = math.Sqrt(ss/float64(n)), math.NaN()
	if n > 1 {
		sem = math.Sqrt(ss/float64(n-1)) / math.Sqrt(float64(n))
	}
	return mean, std, sem, n
}

// CloseTo fails t unless got is within tol (relative, absolute below 1) of want; NaN only matches NaN.
func CloseTo(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) != math.IsNaN(want) || math.Abs(got-want) > tol*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.12g, independent computation %.12g", what, got, want)
	}
}

// CheckStats checks per-row statistics of rows[r][c] (NaN skipped).
func CheckStats(t *testing.T, what string, got course.Stats, rows [][]float64) {
	t.Helper()
	if len(got.Mean) != len(rows) || len(got.Std) != len(rows) || len(got.SEM) != len(rows) || len(got.Count) != len(rows) {
		t.Fatalf("%s: %d/%d/%d/%d rows of statistics, want %d", what, len(got.Mean), len(got.Std), len(got.SEM), len(got.Count), len(rows))
	}
	for r, row := range rows {
		mean, std, sem, n := Summary(row)
		CloseTo(t, fmt.Sprintf("%s mean[%d]", what, r), got.Mean[r], mean, 1e-9)
		CloseTo(t, fmt.Sprintf("%s std[%d]", what, r), got.Std[r], std, 1e-9)
		CloseTo(t, fmt.Sprintf("%s sem[%d]", what, r), got.SEM[r], sem, 1e-9)
		if got.Count[r] != n {
			t.Errorf("%s count[%d] = %d, want %d", what, r, got.Count[r], n)
		}
	}
}

// WordAt is the index of the one token equal to word.
func WordAt(t *testing.T, res *taps.Result, word string) int {
	t.Helper()
	at := -1
	for i, tk := range res.Tokens {
		if tk == word {
			if at >= 0 {
				t.Fatalf("%q twice in %q", word, res.Tokens)
			}
			at = i
		}
	}
	if at < 1 {
		t.Fatalf("%q not found after the first token in %q", word, res.Tokens)
	}
	return at
}

// DrawPairs draws pairs as analysis.RandomPairs documents it: math/rand/v2's PCG seeded (seed, 0x9e3779b97f4a7c15),
// A then B uniform in [0, count), redrawn when equal or not kept.
func DrawPairs(n, count int, seed uint64, keep func(a, b int) bool) [][2]int {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	var out [][2]int
	for len(out) < n {
		a, b := rng.IntN(count), rng.IntN(count)
		if a != b && (keep == nil || keep(a, b)) {
			out = append(out, [2]int{a, b})
		}
	}
	return out
}

// Median is the median of xs (the mean of the middle two for an even count).
func Median(xs []float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Welch is Welch's t-test: t, the Welch–Satterthwaite df and the two-sided p.
func Welch(a, b []float64) (tt, df, p float64) {
	ma, _, _, na := Summary(a)
	mb, _, _, nb := Summary(b)
	var va, vb float64
	for _, x := range a {
		va += (x - ma) * (x - ma) / float64(na-1)
	}
	for _, x := range b {
		vb += (x - mb) * (x - mb) / float64(nb-1)
	}
	ea, eb := va/float64(na), vb/float64(nb)
	tt = (ma - mb) / math.Sqrt(ea+eb)
	df = (ea + eb) * (ea + eb) / (ea*ea/float64(na-1) + eb*eb/float64(nb-1))
	return tt, df, 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Survival(math.Abs(tt))
}

// BH is the Benjamini–Hochberg step-up procedure at level q.
func BH(p []float64, q float64) []bool {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	k := 0
	for rank := len(p); rank >= 1; rank-- {
		if p[idx[rank-1]] <= float64(rank)/float64(len(p))*q {
			k = rank
			break
		}
	}
	out := make([]bool, len(p))
	for _, i := range idx[:k] {
		out[i] = true
	}
	return out
}

// Pearson is Pearson's r of x and y.
func Pearson(x, y []float64) float64 {
	n := float64(len(x))
	var mx, my float64
	for i := range x {
		mx, my = mx+x[i]/n, my+y[i]/n
	}
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

// Ranks are 1-based ranks, ties given their average rank.
func Ranks(x []float64) []float64 {
	r := make([]float64, len(x))
	for i := range x {
		less, equal := 0, 0
		for j := range x {
			if x[j] < x[i] {
				less++
			} else if x[j] == x[i] {
				equal++
			}
		}
		r[i] = float64(less) + float64(equal+1)/2
	}
	return r
}

// CorrP is the two-sided p of a correlation r of n pairs under Student's t with n−2 degrees of freedom.
func CorrP(r float64, n int) float64 {
	df := float64(n - 2)
	return 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Survival(math.Abs(r)*math.Sqrt(df/(1-r*r)))
}
