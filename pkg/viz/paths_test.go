package viz

import (
	"math"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
)

func TestCumulativePaths(t *testing.T) {
	paths, _, _ := testPaths()
	var panels []PathPanel
	for i, p := range paths {
		c, err := analysis.CumulativeOverLayers(p)
		if err != nil {
			t.Fatal(err)
		}
		panels = append(panels, PathPanel{Title: testModels[i].name, Cumulative: c})
	}
	f, err := CumulativePaths(panels, PathOptions{Title: "Cumulative path length of each token (340 tokens)", FirstToken: 1})
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, data, 1710, 450, 50)
	checkSVG(t, f, "Cumulative path length of each token", "gpt2-medium", "gpt2-xl", "Block", "Cumulative path length ‖Δh‖", "one token (tokens 1..)", "mean over tokens")
	saveForInspection(t, "cumulative-paths", f)

	// The plotted values: 339 token lines from 0, the mean of the cumulative sums.
	pl, err := pathPanel(panels[0], 1)
	if err != nil {
		t.Fatal(err)
	}
	c := panels[0].Cumulative
	if len(pl.tokens) != c.Cols-1 {
		t.Fatalf("%d token lines, want %d", len(pl.tokens), c.Cols-1)
	}
	if pt := pl.tokens[4].XYs; len(pt) != c.Rows+1 || pt[0].Y != 0 || pt[3] != (struct{ X, Y float64 }{3, c.At(2, 5)}) {
		t.Errorf("token 5's line %v, want (0,0) then (l+1, C[l,5])", pt[:4])
	}
	for l := range c.Rows {
		var sum float64
		for tk := 1; tk < c.Cols; tk++ {
			sum += c.At(l, tk)
		}
		if got, want := pl.mean.XYs[l+1].Y, sum/float64(c.Cols-1); math.Abs(got-want) > 1e-9*want {
			t.Errorf("mean after block %d = %v, want %v", l+1, got, want)
		}
	}

	// NaN stops a token's line; one layer draws.
	nan := math.NaN()
	pl, err = pathPanel(PathPanel{Cumulative: analysis.Matrix{Rows: 2, Cols: 2, Data: []float64{1, 2, nan, 3}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(pl.tokens[0].XYs) != 2 || len(pl.tokens[1].XYs) != 3 || pl.mean.XYs[2].Y != 3 {
		t.Errorf("NaN handling: lines %v, %v, mean %v", pl.tokens[0].XYs, pl.tokens[1].XYs, pl.mean.XYs)
	}
	if f, err := CumulativePaths([]PathPanel{{Title: "one", Cumulative: analysis.Matrix{Rows: 1, Cols: 1, Data: []float64{2}}}}, PathOptions{}); err != nil {
		t.Fatal(err)
	} else if _, err := f.SVG(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		panels []PathPanel
		first  int
		want   string
	}{
		{"no panels", nil, 0, "no panels"},
		{"empty", []PathPanel{{Title: "e"}}, 0, "panel 0 (e): cumulative path lengths is empty"},
		{"first token", panels[:1], 340, "first token 340 out of range"},
		{"all NaN", []PathPanel{{Cumulative: analysis.Matrix{Rows: 1, Cols: 2, Data: []float64{nan, nan}}}}, 0, "no token has a finite path length"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if f, err := CumulativePaths(tc.panels, PathOptions{FirstToken: tc.first}); err == nil || f != nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("CumulativePaths = %v, %v; want an error containing %q", f, err, tc.want)
			}
		})
	}
}

func TestModelScatter(t *testing.T) {
	_, last, logit := testPaths()
	var panels []ScatterPanel
	for i := range last {
		panels = append(panels, ScatterPanel{Title: testModels[i].name, X: last[i][1:], Y: logit[i][1:]})
	}
	f, err := ModelScatter(panels, ModelScatterOptions{
		Title:  "Last block's path length vs the predicted token's logit (tokens 1..339)",
		XLabel: "Path length of the last transition", YLabel: "Logit of the argmax token",
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, data, 1550, 380, 50)
	r, pr, _ := analysis.Pearson(panels[0].X, panels[0].Y)
	rho, ps, _ := analysis.Spearman(panels[0].X, panels[0].Y)
	if !(r < -0.5) {
		t.Fatalf("test data: gpt2's r = %v, want strongly negative", r)
	}
	checkSVG(t, f, "gpt2 (n = 339)", "r = "+coefficient(r, pr)+", ρ = "+coefficient(rho, ps), "gpt2-xl (n = 339)",
		"Path length of the last transition", "Logit of the argmax token")
	saveForInspection(t, "model-scatter", f)

	ms, err := modelScatterPanel(ScatterPanel{Title: "nan", X: []float64{1, 2, math.NaN(), 4, 5}, Y: []float64{2, 4, 6, 8, 10}}, ModelScatterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms.points.XYs) != 4 || ms.fit == nil || ms.fit.XYs[1] != (struct{ X, Y float64 }{5, 10}) || !strings.Contains(ms.plot.Title.Text, "n = 4") {
		t.Errorf("NaN pair: points %v, fit %v, title %q", ms.points.XYs, ms.fit, ms.plot.Title.Text)
	}
	ms, err = modelScatterPanel(ScatterPanel{Title: "two", X: []float64{1, 2}, Y: []float64{1, 2}}, ModelScatterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ms.fit != nil || !strings.Contains(ms.plot.Title.Text, "r = n/a, ρ = n/a") {
		t.Errorf("two points: fit %v, title %q; want no fit and n/a", ms.fit, ms.plot.Title.Text)
	}
	for _, tc := range []struct {
		name   string
		panels []ScatterPanel
		want   string
	}{
		{"no panels", nil, "no panels"},
		{"lengths", []ScatterPanel{{Title: "m", X: []float64{1}, Y: nil}}, "panel 0 (m): 1 x values but 0 y values"},
	} {
		if f, err := ModelScatter(tc.panels, ModelScatterOptions{}); err == nil || f != nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ModelScatter = %v, %v; want an error containing %q", tc.name, f, err, tc.want)
		}
	}
	// No finite pair at all still draws (an empty panel saying n = 0).
	if f, err := ModelScatter([]ScatterPanel{{Title: "empty", X: []float64{math.NaN()}, Y: []float64{1}}}, ModelScatterOptions{}); err != nil {
		t.Fatal(err)
	} else if _, err := f.PNG(); err != nil {
		t.Fatal(err)
	}
}
