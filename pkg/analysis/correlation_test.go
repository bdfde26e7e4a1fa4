package analysis

import (
	"math"
	"slices"
	"testing"
)

// pTwoSided1 is the two-sided p-value of Student's t with 1 degree of
// freedom (Cauchy): 1 − (2/π)·atan|t|.
func pTwoSided1(t float64) float64 { return 1 - 2/math.Pi*math.Atan(math.Abs(t)) }

// pTwoSided2 is the two-sided p-value of Student's t with 2 degrees of
// freedom: 1 − |t|/√(t²+2).
func pTwoSided2(t float64) float64 { return 1 - math.Abs(t)/math.Sqrt(t*t+2) }

// pTwoSided3 is the two-sided p-value of Student's t with 3 degrees of
// freedom: 1 − (2/π)·(atan u + u/(1+u²)), u = |t|/√3.
func pTwoSided3(t float64) float64 {
	u := math.Abs(t) / math.Sqrt(3)
	return 1 - 2/math.Pi*(math.Atan(u)+u/(1+u*u))
}

// tOf is the t statistic of correlation r over n pairs.
func tOf(r float64, n int) float64 { return r * math.Sqrt(float64(n-2)/(1-r*r)) }

func TestPearson(t *testing.T) {
	tests := []struct {
		name  string
		x, y  []float64
		r, p  float64
		check float64 // tolerance on p
	}{
		// dx = (−1,0,1), dy = (−1,1,0): r = 1/√(2·2) = 0.5; 1 df: p = 1 − (2/π)·asin(0.5) = 2/3.
		{"n=3 r=.5", []float64{1, 2, 3}, []float64{1, 3, 2}, 0.5, 2.0 / 3, 1e-12},
		{"n=3 r=.5 formula", []float64{1, 2, 3}, []float64{1, 3, 2}, 0.5, pTwoSided1(tOf(0.5, 3)), 1e-12},
		// dx = (−1.5,−.5,.5,1.5), dy = (−1.5,.5,−.5,1.5): sxy = 4, sxx = syy = 5, r = 0.8.
		// 2 df: p = 1 − |t|/√(t²+2), which simplifies to 1 − |r| for n = 4.
		{"n=4 r=.8", []float64{1, 2, 3, 4}, []float64{1, 3, 2, 4}, 0.8, 0.2, 1e-12},
		{"n=4 r=.6", []float64{1, 2, 3, 4}, []float64{2, 1, 4, 3}, 0.6, pTwoSided2(tOf(0.6, 4)), 1e-12},
		{"n=4 r=-.8", []float64{1, 2, 3, 4}, []float64{4, 3, 1, 2}, -0.8, 0.2, 1e-12},
		// dx = (−2..2), dy = (−1,−2,1,0,2): sxy = 8, sxx = syy = 10, r = 0.8;
		// 3 df, u = t/√3 = 4/3: p = 1 − (2/π)(atan(4/3) + 0.48) = 0.104088…
		{"n=5 r=.8", []float64{1, 2, 3, 4, 5}, []float64{2, 1, 4, 3, 5}, 0.8, pTwoSided3(tOf(0.8, 5)), 1e-12},
		{"n=5 r=.8 value", []float64{1, 2, 3, 4, 5}, []float64{2, 1, 4, 3, 5}, 0.8, 0.104088, 1e-6},
		{"scale invariant", []float64{10, 20, 30, 40}, []float64{-5, -15, -10, -20}, -0.8, 0.2, 1e-12},
		{"perfect", []float64{1, 2, 3, 4}, []float64{2, 4, 6, 8}, 1, 0, 0},
		{"perfect negative", []float64{1, 2, 3, 4, 5}, []float64{5, 4, 3, 2, 1}, -1, 0, 0},
		{"uncorrelated", []float64{1, 2, 3, 4}, []float64{1, -1, -1, 1}, 0, 1, 1e-12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, p, err := Pearson(tc.x, tc.y)
			if err != nil {
				t.Fatalf("Pearson: %v", err)
			}
			if math.Abs(r-tc.r) > 1e-12 {
				t.Errorf("r = %v, want %v", r, tc.r)
			}
			if math.Abs(p-tc.p) > tc.check {
				t.Errorf("p = %v, want %v", p, tc.p)
			}
		})
	}
}

// TestTTestPCriticalValue checks the p-value at a tabulated critical value:
// Student's t with 8 df has two-sided 5% critical value 2.306004, i.e. for
// n = 10 pairs r_crit = t/√(t²+8) = 0.631897, the textbook table value.
func TestTTestPCriticalValue(t *testing.T) {
	const tc = 2.306004
	r := tc / math.Sqrt(tc*tc+8)
	if p := tTestP(r, 10); math.Abs(p-0.05) > 1e-6 {
		t.Errorf("p at r = %v, n = 10 is %v, want 0.05", r, p)
	}
	if p := tTestP(-r, 10); math.Abs(p-0.05) > 1e-6 {
		t.Errorf("p at r = %v, n = 10 is %v, want 0.05", -r, p)
	}
}

func TestCorrelationUndefined(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
	}{
		{"n=2", []float64{1, 2}, []float64{3, 5}},
		{"n=0", nil, nil},
		{"constant x", []float64{0.1, 0.1, 0.1, 0.1}, []float64{1, 2, 3, 4}},
		{"constant y", []float64{1, 2, 3, 4}, []float64{7, 7, 7, 7}},
		{"NaN", []float64{math.NaN(), 2, 3, 4}, []float64{1, 2, 3, 5}},
	}
	for _, f := range []struct {
		name string
		fn   func(x, y []float64) (float64, float64, error)
	}{{"Pearson", Pearson}, {"Spearman", Spearman}} {
		for _, tc := range tests {
			t.Run(f.name+"/"+tc.name, func(t *testing.T) {
				r, p, err := f.fn(tc.x, tc.y)
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				if !math.IsNaN(r) || !math.IsNaN(p) {
					t.Errorf("r, p = %v, %v, want NaN, NaN", r, p)
				}
			})
		}
		t.Run(f.name+"/length mismatch", func(t *testing.T) {
			if _, _, err := f.fn([]float64{1, 2, 3}, []float64{1, 2}); err == nil {
				t.Error("want an error")
			}
		})
	}
}

func TestSpearman(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
		r, p float64
	}{
		// Ranks x: (1, 2.5, 2.5, 4), y: (1, 2, 3, 4); Pearson of ranks:
		// sxy = 4.5, sxx = 4.5, syy = 5 → r = 3/√10; n = 4 → p = 1 − r.
		{"ties", []float64{1, 2, 2, 3}, []float64{10, 20, 30, 40}, 3 / math.Sqrt(10), 1 - 3/math.Sqrt(10)},
		// Rank differences (0,−1,1,−1,1): r = 1 − 6·4/(5·24) = 0.8.
		{"no ties", []float64{10, 20, 30, 40, 50}, []float64{1, 3, 2, 5, 4}, 0.8, pTwoSided3(tOf(0.8, 5))},
		{"monotone nonlinear", []float64{1, 2, 3, 4, 5, 6}, []float64{math.Exp(1), math.Exp(2), math.Exp(3), math.Exp(4), math.Exp(5), math.Exp(6)}, 1, 0},
		{"monotone decreasing", []float64{-3, -1, 0, 2, 9}, []float64{1000, 10, 1, 0.1, -50}, -1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, p, err := Spearman(tc.x, tc.y)
			if err != nil {
				t.Fatalf("Spearman: %v", err)
			}
			if math.Abs(r-tc.r) > 1e-12 {
				t.Errorf("r = %v, want %v", r, tc.r)
			}
			if math.Abs(p-tc.p) > 1e-12 {
				t.Errorf("p = %v, want %v", p, tc.p)
			}
		})
	}
}

func TestRanks(t *testing.T) {
	got := ranks([]float64{3, 1, 4, 1, 5, 9, 2, 6, 5})
	want := []float64{4, 1.5, 5, 1.5, 6.5, 9, 3, 8, 6.5}
	if !slices.Equal(got, want) {
		t.Errorf("ranks = %v, want %v", got, want)
	}
}

// stepFixture builds 3 layers × 8 tokens of step lengths. Over tokens 1…7
// the attention steps fall as the hidden steps rise in every layer ≥ 1; token 0
// holds value t0 in both, so a large t0 makes the all-token correlation
// positive.
func stepFixture(t0 float64) StepLengths {
	const layers, tokens = 3, 8
	s := StepLengths{Attn: NewMatrix(layers, tokens), MLP: NewMatrix(layers, tokens), Hidden: NewMatrix(layers, tokens)}
	attn := []float64{t0, 1, 2, 3, 4, 5, 6, 7}
	hidden := []float64{t0, 5, 7, 4, 6, 2, 3, 1}
	mlp := []float64{3, 1, 4, 1, 5, 9, 2, 6}
	for l := range layers {
		copy(s.Hidden.Row(l), hidden)
		if l == 0 {
			for c := range tokens {
				s.Attn.Row(0)[c], s.MLP.Row(0)[c] = math.NaN(), math.NaN()
			}
			continue
		}
		copy(s.Attn.Row(l), attn)
		copy(s.MLP.Row(l), mlp)
		s.MLP.Row(l)[l] += 0.5 // make the layers differ a little
	}
	return s
}

func TestCorrelate(t *testing.T) {
	for _, method := range []string{MethodPearson, MethodSpearman} {
		corr := map[string]func(x, y []float64) (float64, float64, error){MethodPearson: Pearson, MethodSpearman: Spearman}[method]
		for _, first := range []int{0, 1} {
			s := stepFixture(100)
			set, err := Correlate(s, method, first, 0.05)
			if err != nil {
				t.Fatalf("Correlate(%s, %d): %v", method, first, err)
			}
			if set.Method != method || set.FirstToken != first || set.Q != 0.05 {
				t.Errorf("set header = %q, %d, %v; want %q, %d, 0.05", set.Method, set.FirstToken, set.Q, method, first)
			}
			if len(set.Attn) != 3 || len(set.MLP) != 3 {
				t.Fatalf("%d attention and %d MLP correlations, want 3 each", len(set.Attn), len(set.MLP))
			}
			for _, blk := range []struct {
				name string
				cs   []Correlation
				m    Matrix
			}{{"attn", set.Attn, s.Attn}, {"mlp", set.MLP, s.MLP}} {
				ps := make([]float64, len(blk.cs))
				for l, c := range blk.cs {
					ps[l] = c.P
					if c.Layer != l || c.N != 8-first {
						t.Errorf("%s %s first=%d layer %d: Layer=%d N=%d, want %d and %d", method, blk.name, first, l, c.Layer, c.N, l, 8-first)
					}
					r, p, _ := corr(blk.m.Row(l)[first:], s.Hidden.Row(l)[first:])
					if !near(c.R, r, 0) || !near(c.P, p, 0) {
						t.Errorf("%s %s first=%d layer %d: R, P = %v, %v, want %v, %v", method, blk.name, first, l, c.R, c.P, r, p)
					}
				}
				if c := blk.cs[0]; !math.IsNaN(c.R) || !math.IsNaN(c.P) || c.Significant {
					t.Errorf("%s %s layer 0 = %+v, want R and P NaN and not significant", method, blk.name, c)
				}
				bh := BenjaminiHochberg(ps, 0.05)
				for l, c := range blk.cs {
					if c.Significant != bh[l] {
						t.Errorf("%s %s first=%d layer %d: Significant = %v, BH says %v", method, blk.name, first, l, c.Significant, bh[l])
					}
				}
			}
		}
	}
}

// TestCorrelateFirstToken: an outlier at token 0 flips the attention Pearson
// correlation when token 0 is kept (and moves the Spearman one), and changes
// nothing when it is dropped.
func TestCorrelateFirstToken(t *testing.T) {
	for _, method := range []string{MethodPearson, MethodSpearman} {
		big, small := stepFixture(100), stepFixture(4)
		with0, err := Correlate(big, method, 0, 0.05)
		if err != nil {
			t.Fatal(err)
		}
		without0, err := Correlate(big, method, 1, 0.05)
		if err != nil {
			t.Fatal(err)
		}
		control, err := Correlate(small, method, 1, 0.05)
		if err != nil {
			t.Fatal(err)
		}
		for l := 1; l < 3; l++ {
			if r := with0.Attn[l].R; method == MethodPearson && !(r > 0) {
				t.Errorf("%s layer %d with token 0: R = %v, want > 0 (outlier dominates)", method, l, r)
			}
			if with0.Attn[l].R == without0.Attn[l].R {
				t.Errorf("%s layer %d: R = %v with and without token 0, want a difference", method, l, with0.Attn[l].R)
			}
			if r := without0.Attn[l].R; !(r < -0.5) {
				t.Errorf("%s layer %d without token 0: R = %v, want < -0.5", method, l, r)
			}
			if without0.Attn[l] != control.Attn[l] || without0.MLP[l] != control.MLP[l] {
				t.Errorf("%s layer %d without token 0 depends on token 0: %+v vs %+v", method, l, without0.Attn[l], control.Attn[l])
			}
		}
	}
}

func TestCorrelateErrors(t *testing.T) {
	good := stepFixture(1)
	bad := stepFixture(1)
	bad.MLP = NewMatrix(3, 7)
	tests := []struct {
		name   string
		s      StepLengths
		method string
		first  int
		q      float64
	}{
		{"unknown method", good, "kendall", 0, 0.05},
		{"capitalised method", good, "Pearson", 0, 0.05},
		{"negative first token", good, MethodPearson, -1, 0.05},
		{"first token past end", good, MethodPearson, 8, 0.05},
		{"q zero", good, MethodPearson, 0, 0},
		{"q one", good, MethodPearson, 0, 1},
		{"q NaN", good, MethodPearson, 0, math.NaN()},
		{"shape mismatch", bad, MethodSpearman, 1, 0.05},
		{"empty", StepLengths{}, MethodPearson, 0, 0.05},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Correlate(tc.s, tc.method, tc.first, tc.q); err == nil {
				t.Error("want an error")
			}
		})
	}
}

// TestPearsonCollinearClamped: for exactly collinear data rounding can push the
// computed r just past ±1 (e.g. n = 3, x = 0.13 + 0.1·i, y = 3.7·x + 0.71 gives
// 1.0000000000000002 before clamping); r must stay in [−1, 1] and p near 0.
func TestPearsonCollinearClamped(t *testing.T) {
	for n := 3; n < 12; n++ {
		for a := 1; a < 40; a++ {
			for _, sign := range []float64{1, -1} {
				x, y := make([]float64, n), make([]float64, n)
				for i := range x {
					x[i] = float64(i)*0.1 + 0.013*float64(a)
					y[i] = sign*x[i]*float64(a)*0.37 + 0.71
				}
				r, p, err := Pearson(x, y)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(r) > 1 || math.Abs(r-sign) > 1e-12 || !(p >= 0 && p < 1e-6) {
					t.Errorf("n=%d a=%d sign=%v: r, p = %v, %v; want r = %v within [−1, 1] and p ≈ 0", n, a, sign, r, p, sign)
				}
			}
		}
	}
}
