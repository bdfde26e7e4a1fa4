package analysis

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Correlation methods accepted by Correlate.
const (
	MethodPearson  = "pearson"
	MethodSpearman = "spearman"
)

// Pearson returns Pearson's product-moment correlation r between x and y and
// its two-sided p-value for the null hypothesis of no correlation, as
// scipy.stats.pearsonr does: t = r·√((n−2)/(1−r²)) follows Student's t with
// n−2 degrees of freedom, and p = 2·P(T > |t|). For r = ±1, p is 0.
//
// Where the coefficient is undefined, r and p are both NaN and err is nil, so
// that one undefined layer does not hide the others: fewer than 3 pairs (two
// points always give r = ±1 and leave no degrees of freedom), a constant x or
// y (r = 0/0), or a NaN in either input. err is non-nil only when x and y
// differ in length.
func Pearson(x, y []float64) (r, p float64, err error) {
	if len(x) != len(y) {
		return math.NaN(), math.NaN(), fmt.Errorf("pearson correlation of %d x values with %d y values: pass paired samples of equal length", len(x), len(y))
	}
	if !correlatable(x, y) {
		return math.NaN(), math.NaN(), nil
	}
	r = stat.Correlation(x, y, nil)
	return clampUnit(r), tTestP(r, len(x)), nil
}

// Spearman returns Spearman's rank correlation between x and y (Pearson's r
// of their ranks, with tied values given the average of the ranks they span)
// and its two-sided p-value from the same Student's t approximation with n−2
// degrees of freedom that scipy.stats.spearmanr uses. Undefined cases and
// errors are as for Pearson.
func Spearman(x, y []float64) (r, p float64, err error) {
	if len(x) != len(y) {
		return math.NaN(), math.NaN(), fmt.Errorf("spearman correlation of %d x values with %d y values: pass paired samples of equal length", len(x), len(y))
	}
	if !correlatable(x, y) {
		return math.NaN(), math.NaN(), nil
	}
	r = stat.Correlation(ranks(x), ranks(y), nil)
	return clampUnit(r), tTestP(r, len(x)), nil
}

// Correlate correlates, in every layer, the attention and the MLP step
// lengths with the hidden-state step lengths over tokens firstToken…T−1, with
// method MethodPearson or MethodSpearman, and marks as Significant the layers
// that the Benjamini–Hochberg procedure rejects at false discovery rate q.
//
// Attention and MLP are two separate families: each gets its own
// Benjamini–Hochberg pass across its layers. Layers whose p-value is NaN
// (layer 0, whose sub-block step lengths are undefined, or any layer with a
// constant series) have R and P NaN, are never significant and do not count
// towards the number of tests. Each Correlation's N is the number of tokens
// used, T − firstToken. firstToken = 1 drops the first token, whose
// activations are typically outliers (the attention sink).
func Correlate(s StepLengths, method string, firstToken int, q float64) (CorrelationSet, error) {
	var corr func(x, y []float64) (float64, float64, error)
	switch method {
	case MethodPearson:
		corr = Pearson
	case MethodSpearman:
		corr = Spearman
	default:
		return CorrelationSet{}, fmt.Errorf("unknown correlation method %q: use %q or %q", method, MethodPearson, MethodSpearman)
	}
	h := s.Hidden
	for _, m := range []struct {
		name string
		m    Matrix
	}{{"attention", s.Attn}, {"MLP", s.MLP}, {"hidden", s.Hidden}} {
		if m.m.Rows != h.Rows || m.m.Cols != h.Cols || len(m.m.Data) != h.Rows*h.Cols {
			return CorrelationSet{}, fmt.Errorf("%s step lengths are %d×%d with %d values, hidden are %d×%d: build all three with ComputeStepLengths", m.name, m.m.Rows, m.m.Cols, len(m.m.Data), h.Rows, h.Cols)
		}
	}
	if firstToken < 0 || firstToken >= h.Cols {
		return CorrelationSet{}, fmt.Errorf("first token %d is outside the %d tokens: use 0 to keep every token or 1 to drop the first", firstToken, h.Cols)
	}
	if !(q > 0 && q < 1) {
		return CorrelationSet{}, fmt.Errorf("false discovery rate %v is not in (0, 1): use a level such as 0.05", q)
	}
	set := CorrelationSet{Method: method, FirstToken: firstToken, Q: q}
	for _, blk := range []struct {
		m   Matrix
		out *[]Correlation
	}{{s.Attn, &set.Attn}, {s.MLP, &set.MLP}} {
		cs := make([]Correlation, h.Rows)
		ps := make([]float64, h.Rows)
		for l := range h.Rows {
			r, p, err := corr(blk.m.Row(l)[firstToken:], h.Row(l)[firstToken:])
			if err != nil {
				return CorrelationSet{}, fmt.Errorf("layer %d: %w", l, err)
			}
			cs[l] = Correlation{Layer: l, R: r, P: p, N: h.Cols - firstToken}
			ps[l] = p
		}
		for l, sig := range BenjaminiHochberg(ps, q) {
			cs[l].Significant = sig
		}
		*blk.out = cs
	}
	return set, nil
}

// correlatable reports whether a correlation coefficient and its p-value are
// defined for x and y (equal lengths assumed): at least 3 pairs, no NaN, and
// neither series constant.
func correlatable(x, y []float64) bool {
	if len(x) < 3 {
		return false
	}
	for _, s := range [][]float64{x, y} {
		constant := true
		for _, v := range s {
			if math.IsNaN(v) {
				return false
			}
			constant = constant && v == s[0]
		}
		if constant {
			return false
		}
	}
	return true
}

// tTestP is the two-sided p-value of correlation r over n pairs under
// Student's t with n−2 degrees of freedom.
func tTestP(r float64, n int) float64 {
	r = clampUnit(r)
	if math.Abs(r) == 1 {
		return 0
	}
	df := float64(n - 2)
	t := math.Abs(r) * math.Sqrt(df/((1-r)*(1+r)))
	return 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Survival(t)
}

// clampUnit clips r to [−1, 1], undoing rounding that pushes |r| just past 1.
func clampUnit(r float64) float64 {
	return max(-1, min(1, r))
}

// ranks returns the 1-based ranks of x, giving tied values the average of the
// ranks they span (scipy.stats.rankdata's "average" method).
func ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	rk := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && x[idx[j]] == x[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // mean of ranks i+1 … j
		for _, k := range idx[i:j] {
			rk[k] = avg
		}
		i = j
	}
	return rk
}
