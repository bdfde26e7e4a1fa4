package analysis

import (
	"math"
	"strings"
	"testing"
)

// The reference values of TestWelchTTest were computed at 30 digits with
// mpmath 1.2 (scipy is not at hand), the p-value from the regularized
// incomplete beta function:
//
//	from mpmath import mp, mpf, sqrt, betainc
//	mp.dps = 30
//	def welch(a, b):
//	    a = [mpf(x) for x in a]; b = [mpf(x) for x in b]
//	    n1, n2 = len(a), len(b)
//	    m1, m2 = sum(a)/n1, sum(b)/n2
//	    v1 = sum((x-m1)**2 for x in a)/(n1-1); v2 = sum((x-m2)**2 for x in b)/(n2-1)
//	    e1, e2 = v1/n1, v2/n2
//	    t = (m1-m2)/sqrt(e1+e2)
//	    df = (e1+e2)**2/(e1**2/(n1-1)+e2**2/(n2-1))
//	    p = betainc(df/2, mpf(1)/2, 0, df/(df+t*t), regularized=True)  # P(|T| > |t|)
//	    return t, df, p
//
// "wikipedia" is the first example of Wikipedia's article on Welch's t-test
// (t = −2.46, df = 25.0, p = 0.021 there).
func TestWelchTTest(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name     string
		a, b     []float64
		t, df, p float64
	}{
		{"wikipedia",
			[]float64{27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4},
			[]float64{27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4},
			-2.4553563982860045, 24.988529290231414, 0.02137800146286706},
		{"unequal n",
			[]float64{17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8},
			[]float64{21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8},
			-1.5654335235985055, 9.9047412486508292, 0.14884169660532791},
		// Means 2 and 7, variances 1 and 26/3: t = −5/√(1/3 + 13/6) = −√10; df = 2.5²/((1/3)²/2 + (13/6)²/3) = 27/7.
		{"small", []float64{1, 2, 3}, []float64{4, 6, 11, 7}, -3.1622776601683793, 27.0 / 7, 0.035878270783039914},
		// One constant sample: df = n2 − 1 = 3 exactly, p from the closed form for 3 df.
		{"one constant", []float64{5, 5, 5}, []float64{1, 2, 3, 4}, 3.8729833462074169, 3, pTwoSided3(3.8729833462074169)},
		{"NaN dropped", []float64{1, nan, 2, 3}, []float64{nan, 4, 6, 11, 7}, -3.1622776601683793, 27.0 / 7, 0.035878270783039914},
		{"identical samples", []float64{1, 2, 3}, []float64{1, 2, 3}, 0, 4, 1},
		{"n=2", []float64{0, 2}, []float64{1, 3}, -1 / math.Sqrt(2), 2, pTwoSided2(-1 / math.Sqrt(2))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := WelchTTest(tc.a, tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if !near(r.T, tc.t, 1e-12) || !near(r.DF, tc.df, 1e-10) || !near(r.P, tc.p, 1e-10) {
				t.Errorf("t, df, p = %.17g, %.17g, %.17g; want %.17g, %.17g, %.17g", r.T, r.DF, r.P, tc.t, tc.df, tc.p)
			}
		})
	}
	// Swapping the samples flips t and keeps df and p.
	a, b := tests[0].a, tests[0].b
	r1, _ := WelchTTest(a, b)
	r2, _ := WelchTTest(b, a)
	if r1.T != -r2.T || r1.DF != r2.DF || r1.P != r2.P {
		t.Errorf("swapped: %+v vs %+v", r1, r2)
	}
	if r1.N1 != 15 || r1.N2 != 15 || !near(r1.Mean1, 20.82, 1e-12) {
		t.Errorf("sizes and mean: %+v", r1)
	}
}

func TestWelchTTestDegenerate(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b []float64
		t, p float64
	}{
		{"both constant, means differ", []float64{1, 1, 1}, []float64{2, 2}, math.Inf(-1), 0},
		{"both constant, means differ (+)", []float64{3, 3}, []float64{2, 2, 2}, math.Inf(1), 0},
		{"both constant and equal", []float64{2, 2}, []float64{2, 2, 2}, math.NaN(), math.NaN()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := WelchTTest(tc.a, tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if (r.T != tc.t && !(math.IsNaN(r.T) && math.IsNaN(tc.t))) || !near(r.P, tc.p, 0) || !math.IsNaN(r.DF) {
				t.Errorf("t, df, p = %v, %v, %v; want %v, NaN, %v", r.T, r.DF, r.P, tc.t, tc.p)
			}
		})
	}
	for _, tc := range []struct {
		name string
		a, b []float64
	}{
		{"n=1", []float64{1}, []float64{1, 2, 3}},
		{"empty", nil, []float64{1, 2}},
		{"too few after NaN", []float64{1, 2}, []float64{math.NaN(), 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := WelchTTest(tc.a, tc.b); err == nil || !strings.Contains(err.Error(), "at least 2") {
				t.Errorf("err = %v, want one saying each sample needs at least 2 values", err)
			}
		})
	}
}

func TestWelchPerLayer(t *testing.T) {
	// Layer 0 differs strongly, layer 1 not at all, layer 2 both constant and equal (P NaN).
	a := Matrix{Rows: 3, Cols: 4, Data: []float64{
		10, 11, 12, 13,
		1, 2, 3, 4,
		5, 5, 5, 5,
	}}
	b := Matrix{Rows: 3, Cols: 3, Data: []float64{
		1, 2, 3,
		1.5, 2.5, 3.5,
		5, 5, 5,
	}}
	res, err := WelchPerLayer(a, b, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 {
		t.Fatalf("%d layers, want 3", len(res))
	}
	ps := make([]float64, 3)
	for l, r := range res {
		want, err := WelchTTest(a.Row(l), b.Row(l))
		if err != nil {
			t.Fatal(err)
		}
		if r.Layer != l || !near(r.T, want.T, 0) || !near(r.P, want.P, 0) {
			t.Errorf("layer %d: %+v, want %+v", l, r, want)
		}
		ps[l] = r.P
	}
	bh := BenjaminiHochberg(ps, 0.05)
	for l, r := range res {
		if r.Significant != bh[l] {
			t.Errorf("layer %d: Significant = %v, BH says %v", l, r.Significant, bh[l])
		}
	}
	if !res[0].Significant || res[1].Significant || res[2].Significant {
		t.Errorf("significance %v %v %v, want true false false", res[0].Significant, res[1].Significant, res[2].Significant)
	}
	for _, tc := range []struct {
		name string
		a, b Matrix
		q    float64
		want string
	}{
		{"rows differ", a, Matrix{Rows: 2, Cols: 3, Data: make([]float64, 6)}, 0.05, "3 layers against 2"},
		{"q", a, b, 1, "not in (0, 1)"},
		{"malformed", a, Matrix{Rows: 3, Cols: 3, Data: make([]float64, 2)}, 0.05, "build it with NewMatrix"},
		{"too few in a layer", a, Matrix{Rows: 3, Cols: 1, Data: make([]float64, 3)}, 0.05, "layer 0:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := WelchPerLayer(tc.a, tc.b, tc.q); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
