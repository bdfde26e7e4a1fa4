package viz

import (
	"image/color"
	"math"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
)

// lessonOneSeries is lesson 1's figure data: the mean ± std rotation of the
// target and of its neighbour per block, and the layers where Welch's test
// survives FDR correction.
func lessonOneSeries(t *testing.T) ([]LayerSeries, []bool) {
	t.Helper()
	target, neighbour := testRotations()
	ts, ns := analysis.PerLayer(target), analysis.PerLayer(neighbour)
	tests, err := analysis.WelchPerLayer(target, neighbour, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	marks := make([]bool, len(tests))
	for l, r := range tests {
		marks[l] = r.Significant
	}
	return []LayerSeries{
		{Name: `target " her"`, Mean: ts.Mean, Spread: ts.Std},
		{Name: "token before the target", Mean: ns.Mean, Spread: ns.Std},
	}, marks
}

func TestLayerLines(t *testing.T) {
	series, marks := lessonOneSeries(t)
	opts := LayerLinesOptions{
		Title: "Rotation of the hidden state per block (GPT-2 XL, 54 sentences; mean ± std)", XLabel: "Block", YLabel: "Angle between h(l−1) and h(l) (degrees)",
		FirstLayer: 1, HLines: []float64{90}, Marks: marks, MarksLabel: "target ≠ neighbour (Welch, BH q = 0.05)",
	}
	f, err := LayerLines(series, opts)
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, data, 850, 560, 50)
	checkSVG(t, f, "Rotation of the hidden state per block", "Block", "Angle between h(l−1) and h(l) (degrees)",
		"target &#34; her&#34;", "token before the target", "target ≠ neighbour (Welch, BH q = 0.05)")
	saveForInspection(t, "layerlines-rotations", f)

	lp, err := layerLinesPlot(series, []color.Color{attnColor, mlpColor}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range series {
		pts := lp.points[i].XYs
		if len(pts) != courseBlocks {
			t.Fatalf("series %d: %d points, want %d", i, len(pts), courseBlocks)
		}
		for l, pt := range pts {
			if pt.Y != s.Mean[l] || math.Abs(pt.X-float64(l+1)) > 0.151 {
				t.Errorf("series %d, layer %d plotted at (%g, %g), want (%d ± 0.15, %g)", i, l, pt.X, pt.Y, l+1, s.Mean[l])
			}
			if e := lp.bars[i].YErrors[l]; e.Low != s.Spread[l] || e.High != s.Spread[l] {
				t.Errorf("series %d, layer %d: bar ±(%g, %g), want ±%g", i, l, e.Low, e.High, s.Spread[l])
			}
		}
	}
	if lp.points[0].XYs[0].X == lp.points[1].XYs[0].X {
		t.Error("two series with error bars are not shifted apart")
	}
	nMarked := 0
	for _, m := range marks {
		if m {
			nMarked++
		}
	}
	if nMarked == 0 || lp.marks == nil || len(lp.marks.XYs) != nMarked {
		t.Errorf("%d marked layers, %v drawn", nMarked, lp.marks)
	}

	// Without spreads: no bars, no shift; NaN means leave gaps.
	nan := math.NaN()
	lp, err = layerLinesPlot([]LayerSeries{{Name: "a", Mean: []float64{1, nan, 3}}, {Name: "b", Mean: []float64{2, 2, 2}}}, []color.Color{attnColor, mlpColor}, LayerLinesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if lp.bars[0] != nil || len(lp.points[0].XYs) != 2 || lp.points[0].XYs[1].X != 2 || lp.points[1].XYs[0].X != 0 {
		t.Errorf("without spreads: bars %v, points %v", lp.bars[0], lp.points[0].XYs)
	}
}

func TestLayerLinesErrors(t *testing.T) {
	nan := math.NaN()
	ok := LayerSeries{Name: "ok", Mean: []float64{1, 2, 3}}
	for _, tc := range []struct {
		name   string
		series []LayerSeries
		opts   LayerLinesOptions
		want   string
	}{
		{"no series", nil, LayerLinesOptions{}, "no series"},
		{"all NaN", []LayerSeries{{Name: "x", Mean: []float64{nan, nan}}}, LayerLinesOptions{}, "series 0 (x): no finite mean among its 2 layers"},
		{"empty", []LayerSeries{ok, {Name: "e"}}, LayerLinesOptions{}, "series 1 (e): no finite mean"},
		{"spread length", []LayerSeries{{Name: "s", Mean: []float64{1, 2}, Spread: []float64{1}}}, LayerLinesOptions{}, "2 means but 1 spreads"},
		{"marks length", []LayerSeries{ok}, LayerLinesOptions{Marks: []bool{true}}, "1 marks for 3 layers"},
		{"NaN reference", []LayerSeries{ok}, LayerLinesOptions{HLines: []float64{nan}}, "reference line at NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := LayerLines(tc.series, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) || f != nil {
				t.Fatalf("LayerLines = %v, %v; want no figure and an error containing %q", f, err, tc.want)
			}
		})
	}
}

// TestLayerLinesOneLayer: a single layer (and a constant series) draws.
func TestLayerLinesOneLayer(t *testing.T) {
	f, err := LayerLines([]LayerSeries{{Name: "one", Mean: []float64{5}, Spread: []float64{math.NaN()}}}, LayerLinesOptions{Marks: []bool{true}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, data, 850, 520, 10)
}
