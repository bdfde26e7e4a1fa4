package analysis

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// pcaData is the 10×3 matrix of TestFitPCA. Its reference values were
// computed with numpy 1.24:
//
//	mean = X.mean(0)
//	U, S, Vt = np.linalg.svd(X - mean, full_matrices=False)
//	idx = np.argmax(np.abs(Vt), axis=1)
//	Vt *= np.sign(Vt[np.arange(3), idx])[:, None]   # largest |loading| positive
//	var = S**2/(len(X)-1); ratio = var/var.sum()
//	scores = (X - mean) @ Vt.T
var pcaData = Matrix{Rows: 10, Cols: 3, Data: []float64{
	2.5, 2.4, 0.5, 0.5, 0.7, 1.1, 2.2, 2.9, 0.3, 1.9, 2.2, 0.8, 3.1, 3.0, 0.1,
	2.3, 2.7, 0.9, 2.0, 1.6, 1.5, 1.0, 1.1, 0.7, 1.5, 1.6, 1.2, 1.1, 0.9, 1.0,
}}

func TestFitPCA(t *testing.T) {
	p, err := FitPCA(pcaData, 3)
	if err != nil {
		t.Fatal(err)
	}
	const tol = 1e-12
	for i, w := range []float64{1.81, 1.91, 0.81} {
		if !near(p.Mean[i], w, tol) {
			t.Errorf("Mean[%d] = %v, want %v", i, p.Mean[i], w)
		}
	}
	wantComp := []float64{
		0.6532660076497931, 0.7149473726866657, -0.2491862306343081,
		0.40953811316733535, -0.05685504926006069, 0.9105196523068434,
		-0.6368061377787112, 0.6968627968704242, 0.3299396690688928,
	}
	for i, w := range wantComp {
		if !near(p.Components.Data[i], w, 1e-10) {
			t.Errorf("component %d, loading %d = %v, want %v", i/3, i%3, p.Components.Data[i], w)
		}
	}
	for k, w := range []float64{1.362203699613245, 0.1109143665336653, 0.04099304496420107} {
		if !near(p.Variance[k], w, tol) {
			t.Errorf("Variance[%d] = %v, want %v", k, p.Variance[k], w)
		}
	}
	for k, w := range []float64{0.8996722166668527, 0.07325378284310469, 0.02707400049004253} {
		if !near(p.Ratio[k], w, tol) {
			t.Errorf("Ratio[%d] = %v, want %v", k, p.Ratio[k], w)
		}
	}
	scores, err := p.Project(pcaData)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []float64{
		0.8783254893914592, -0.02753876826708998, -0.20021476201215951,
		-1.7931287978560437, -0.20364961947555135, 0.08669456030687747,
		1.089656619566716, -0.3609316573086896, 0.27327054394288725,
	} {
		if !near(scores.Data[i], w, 1e-10) {
			t.Errorf("score of observation %d on PC%d = %v, want %v", i/3, i%3+1, scores.Data[i], w)
		}
	}
	// A new observation, never seen by the fit.
	out, err := p.Project(Matrix{Rows: 1, Cols: 3, Data: []float64{1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []float64{-1.010518047743667, 1.6571952124530398, 1.3010984985799698} {
		if !near(out.Data[i], w, 1e-10) {
			t.Errorf("new observation on PC%d = %v, want %v", i+1, out.Data[i], w)
		}
	}
	// Fewer components: the same first ones.
	p1, err := FitPCA(pcaData, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p1.Components.Rows != 1 || len(p1.Variance) != 1 || !near(p1.Components.Data[0], wantComp[0], 1e-10) || p1.TotalVariance != p.TotalVariance {
		t.Errorf("k=1: %+v", p1)
	}
}

// TestFitPCAProperties checks on random wide data (N < D, as for few
// sentences of a wide model) that the components are orthonormal, the
// variance of the scores along each component is its Variance, the ratios
// sum to 1 when every component is kept, and the sign rule holds; and that
// flipping the data's sign, which flips every axis, gives the same
// components (the sign convention makes the fit deterministic).
func TestFitPCAProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n, d = 12, 30
	x := NewMatrix(n, d)
	for i := range x.Data {
		x.Data[i] = rng.NormFloat64() * (1 + float64(i%d)/5)
	}
	p, err := FitPCA(x, n)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		ri := p.Components.Row(i)
		big := 0
		for c := range ri {
			if math.Abs(ri[c]) > math.Abs(ri[big]) {
				big = c
			}
		}
		if ri[big] <= 0 {
			t.Errorf("component %d: largest |loading| %v is not positive", i, ri[big])
		}
		for j := range n {
			var dot float64
			for c := range d {
				dot += ri[c] * p.Components.At(j, c)
			}
			want := 0.0
			if i == j {
				want = 1
			}
			if i < n-1 && j < n-1 && math.Abs(dot-want) > 1e-10 { // the last has zero variance: any direction
				t.Errorf("component %d · component %d = %v, want %v", i, j, dot, want)
			}
		}
	}
	scores, err := p.Project(x)
	if err != nil {
		t.Fatal(err)
	}
	var sumRatio float64
	for k := range n {
		var ss float64
		for r := range n {
			ss += scores.At(r, k) * scores.At(r, k)
		}
		if v := ss / (n - 1); math.Abs(v-p.Variance[k]) > 1e-9*max(1, p.Variance[k]) {
			t.Errorf("score variance on PC%d = %v, Variance = %v", k+1, v, p.Variance[k])
		}
		if k > 0 && p.Variance[k] > p.Variance[k-1]*(1+1e-12) {
			t.Errorf("Variance not decreasing at %d: %v > %v", k, p.Variance[k], p.Variance[k-1])
		}
		sumRatio += p.Ratio[k]
	}
	if math.Abs(sumRatio-1) > 1e-12 {
		t.Errorf("ratios sum to %v with all components, want 1", sumRatio)
	}
	neg := NewMatrix(n, d)
	for i, v := range x.Data {
		neg.Data[i] = -v
	}
	q, err := FitPCA(neg, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 * d {
		if math.Abs(q.Components.Data[i]-p.Components.Data[i]) > 1e-10 {
			t.Fatalf("negated data: loading %d = %v, want %v (same as the original)", i, q.Components.Data[i], p.Components.Data[i])
		}
	}
}

func TestFitPCAEdgeCases(t *testing.T) {
	// D = 1: the component is +1, the variance the sample variance.
	p, err := FitPCA(Matrix{Rows: 4, Cols: 1, Data: []float64{1, 2, 3, 4}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p.Components.Data[0] != 1 || !near(p.Variance[0], 5.0/3, 1e-12) || p.Ratio[0] != 1 {
		t.Errorf("D=1: component %v, variance %v, ratio %v; want 1, 5/3, 1", p.Components.Data[0], p.Variance[0], p.Ratio[0])
	}
	// Identical observations: zero variance, ratio 0 (not NaN).
	p, err = FitPCA(Matrix{Rows: 3, Cols: 2, Data: []float64{1, 2, 1, 2, 1, 2}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if p.TotalVariance != 0 || p.Variance[0] != 0 || p.Ratio[0] != 0 {
		t.Errorf("constant data: total %v, variance %v, ratio %v; want 0", p.TotalVariance, p.Variance, p.Ratio)
	}
	for _, tc := range []struct {
		name string
		x    Matrix
		k    int
		want string
	}{
		{"one observation", Matrix{Rows: 1, Cols: 3, Data: []float64{1, 2, 3}}, 1, "at least 2 observations"},
		{"k too big", pcaData, 4, "use 1 to 3"},
		{"k zero", pcaData, 0, "use 1 to 3"},
		{"NaN", Matrix{Rows: 2, Cols: 2, Data: []float64{1, math.NaN(), 3, 4}}, 1, "observation 0, value 1 is NaN"},
		{"malformed", Matrix{Rows: 2, Cols: 2, Data: []float64{1}}, 1, "build it with NewMatrix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := FitPCA(tc.x, tc.k); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
	p, _ = FitPCA(pcaData, 2)
	if _, err := p.Project(Matrix{Rows: 1, Cols: 2, Data: []float64{1, 2}}); err == nil {
		t.Error("projecting rows of the wrong width: want an error")
	}
	if _, err := (PCA{}).Project(pcaData); err == nil {
		t.Error("projecting with an empty PCA: want an error")
	}
}
