package lesson

import (
	"fmt"
	"math"
	"slices"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// FDRLevel is the Benjamini–Hochberg level of the lesson's part 2.
const FDRLevel = 0.05

// Analysis holds every number of the lesson for one capture of Request, as
// computed by the analysis package.
type Analysis struct {
	Result *taps.Result // the taps it was computed from

	// Part 1.
	Cosine    analysis.Matrix     // [L,T] cosine(attention adjustment, MLP adjustment)
	CosStats  analysis.LayerStats // per layer across tokens
	Histogram analysis.Histogram  // 80 bins over all L·T values
	NullStd   float64             // std of the cosine of random directions in R^D

	// Part 2.
	Steps analysis.StepLengths
	// Correlations of each sub-block's step lengths with the hidden-state step
	// lengths, per layer: Pearson over tokens 1…T−1 (the lesson), Pearson with
	// token 0 kept, Spearman with token 0 kept (the remedy), Spearman over 1….
	Correlations []analysis.CorrelationSet

	Claims Claims
}

// CorrelationSets are the part-2 analyses, in this order: Pearson over tokens
// 1…T−1 (the lesson), Pearson with token 0 kept, Spearman with token 0 kept
// (the remedy), Spearman over tokens 1…. The figure shows the first three.
var CorrelationSets = []struct {
	Method     string
	FirstToken int
}{{analysis.MethodPearson, 1}, {analysis.MethodPearson, 0}, {analysis.MethodSpearman, 0}, {analysis.MethodSpearman, 1}}

// Analyze computes the lesson's numbers from a result holding Request's taps
// (of any request that includes them).
func Analyze(res *taps.Result) (*Analysis, error) {
	cfg := res.Config
	L, T, D := cfg.NLayer, len(res.IDs), cfg.NEmbd
	if L == 0 {
		return nil, fmt.Errorf("analyze: the taps do not record their model's configuration")
	}
	get := func(name string, dims ...int) ([]float32, error) {
		a, err := res.Get(name)
		if err != nil {
			return nil, fmt.Errorf("analyze: the lesson needs %s %v: %w", name, dims, err)
		}
		if !slices.Equal(a.Dims, dims) {
			return nil, fmt.Errorf("analyze: the lesson needs %s %v, the taps hold %v", name, dims, a.Dims)
		}
		return a.Data, nil
	}
	attn, err := get("h.*.attn.c_proj", L, T, D)
	if err != nil {
		return nil, err
	}
	mlp, err := get("h.*.mlp.c_proj", L, T, D)
	if err != nil {
		return nil, err
	}
	hidden, err := get("hidden_states", L+1, T, D)
	if err != nil {
		return nil, err
	}
	cos, err := analysis.CosineMatrix(attn, mlp, L, T, D)
	if err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	a := &Analysis{Result: res, Cosine: cos, CosStats: analysis.PerLayer(cos), NullStd: analysis.NullCosineStd(D)}
	if a.Histogram, err = analysis.NewHistogram(cos.Data, analysis.HistogramBins); err != nil {
		return nil, fmt.Errorf("analyze: histogram: %w", err)
	}
	if a.Steps, err = analysis.ComputeStepLengths(attn, mlp, hidden, L, T, D); err != nil {
		return nil, fmt.Errorf("analyze: step lengths: %w", err)
	}
	if T >= 4 { // correlations over tokens 1… need at least 3 tokens
		for _, c := range CorrelationSets {
			set, err := analysis.Correlate(a.Steps, c.Method, c.FirstToken, FDRLevel)
			if err != nil {
				return nil, fmt.Errorf("analyze: %s correlations: %w", c.Method, err)
			}
			a.Correlations = append(a.Correlations, set)
		}
	}
	a.Claims = checkClaims(a)
	return a, nil
}

// Correlation returns the set for method and first token, if computed.
func (a *Analysis) Correlation(method string, firstToken int) (analysis.CorrelationSet, bool) {
	for _, s := range a.Correlations {
		if s.Method == method && s.FirstToken == firstToken {
			return s, true
		}
	}
	return analysis.CorrelationSet{}, false
}

// Claims are the lesson's statements, checked on this model and text.
type Claims struct {
	// Part 1: "near zero (orthogonal) in the middle layers, slightly positive at
	// the very first and last layers".
	MiddleLayers     [2]int `json:"middle_layers"`       // [from, to): the middle half of the layers
	MiddleMean       Num    `json:"middle_mean"`         // mean of the middle layers' mean cosines
	MiddleMaxAbsMean Num    `json:"middle_max_abs_mean"` // largest |mean cosine| among the middle layers
	NearZeroBound    Num    `json:"near_zero_bound"`     // |mean| below this counts as near zero
	FirstLayerMean   Num    `json:"first_layer_mean"`
	LastLayerMean    Num    `json:"last_layer_mean"`
	MiddleNearZero   bool   `json:"middle_near_zero"` // every middle layer's |mean| < NearZeroBound
	EdgesHigher      bool   `json:"edges_higher"`     // first and last layers' means > the middle mean
	Holds            bool   `json:"holds"`            // both

	// Part 2: token 0 is an extreme outlier of the hidden-state step lengths.
	Token0StepRatio Num  `json:"token0_step_ratio"` // median over layers of ‖h_{l+1}−h_l‖ at token 0 ÷ median over the other tokens
	Token0Outlier   bool `json:"token0_outlier"`    // Token0StepRatio ≥ OutlierRatio
	// How many layers stay significant after BH at FDRLevel, per correlation
	// set (in the order of Correlations), for the attention and the MLP.
	SignificantAttn []int `json:"significant_attn"`
	SignificantMLP  []int `json:"significant_mlp"`
	// How much keeping token 0 moves the per-layer correlations: the mean over
	// layers and both sub-blocks of |r(with token 0) − r(tokens 1…)|, for
	// Pearson and for Spearman. Spearman, working on ranks, should move less:
	// that is the lesson's remedy.
	PearsonShiftToken0  Num  `json:"pearson_shift_token0"`
	SpearmanShiftToken0 Num  `json:"spearman_shift_token0"`
	SpearmanMoreRobust  bool `json:"spearman_more_robust"` // SpearmanShiftToken0 < PearsonShiftToken0
}

// OutlierRatio is the factor by which token 0's hidden-state step length must
// exceed the median of the other tokens' to count as an extreme outlier.
const OutlierRatio = 3.0

// NearZero is the bound on |mean cosine| under which a layer counts as
// orthogonal on average: 0.05, about 1.8 times the null spread 1/√1280 of
// GPT-2 Large (documented so that readers can judge it).
const NearZero = 0.05

func checkClaims(a *Analysis) Claims {
	L := len(a.CosStats.Mean)
	c := Claims{NearZeroBound: NearZero}
	from, to := L/4, L-L/4
	if to <= from {
		from, to = 0, L
	}
	c.MiddleLayers = [2]int{from, to}
	sum, maxAbs := 0.0, 0.0
	for l := from; l < to; l++ {
		m := a.CosStats.Mean[l]
		sum += m
		maxAbs = math.Max(maxAbs, math.Abs(m))
	}
	c.MiddleMean = Num(sum / float64(to-from))
	c.MiddleMaxAbsMean = Num(maxAbs)
	c.FirstLayerMean = Num(a.CosStats.Mean[0])
	c.LastLayerMean = Num(a.CosStats.Mean[L-1])
	c.MiddleNearZero = maxAbs < NearZero
	c.EdgesHigher = c.FirstLayerMean > c.MiddleMean && c.LastLayerMean > c.MiddleMean
	c.Holds = c.MiddleNearZero && c.EdgesHigher

	// Token 0's hidden-state step length relative to the others, per layer.
	h := a.Steps.Hidden
	var ratios []float64
	for l := range h.Rows {
		row := h.Row(l)
		if len(row) < 2 {
			break
		}
		others := append([]float64(nil), row[1:]...)
		if med := analysis.Median(others); med > 0 {
			ratios = append(ratios, row[0]/med)
		}
	}
	c.Token0StepRatio = Num(math.NaN())
	if len(ratios) > 0 {
		c.Token0StepRatio = Num(analysis.Median(ratios))
	}
	c.Token0Outlier = float64(c.Token0StepRatio) >= OutlierRatio
	for _, set := range a.Correlations {
		c.SignificantAttn = append(c.SignificantAttn, countSignificant(set.Attn))
		c.SignificantMLP = append(c.SignificantMLP, countSignificant(set.MLP))
	}
	c.PearsonShiftToken0 = Num(a.shift(analysis.MethodPearson))
	c.SpearmanShiftToken0 = Num(a.shift(analysis.MethodSpearman))
	c.SpearmanMoreRobust = c.SpearmanShiftToken0 < c.PearsonShiftToken0
	return c
}

// shift is the mean |r(first token 0) − r(first token 1)| over layers and
// both sub-blocks for one method (NaN if not computed).
func (a *Analysis) shift(method string) float64 {
	with, ok1 := a.Correlation(method, 0)
	without, ok2 := a.Correlation(method, 1)
	if !ok1 || !ok2 {
		return math.NaN()
	}
	sum, n := 0.0, 0
	for _, pair := range [][2][]analysis.Correlation{{with.Attn, without.Attn}, {with.MLP, without.MLP}} {
		for l := range pair[0] {
			d := math.Abs(pair[0][l].R - pair[1][l].R)
			if !math.IsNaN(d) {
				sum += d
				n++
			}
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

func countSignificant(cs []analysis.Correlation) int {
	n := 0
	for _, c := range cs {
		if c.Significant {
			n++
		}
	}
	return n
}
