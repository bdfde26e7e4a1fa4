package viz

import (
	"math"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"gonum.org/v1/plot"
)

func TestCorrelationPlot(t *testing.T) {
	sets := []analysis.CorrelationSet{
		testCorrelationSet("pearson", 1),
		testCorrelationSet("pearson", 0),
		testCorrelationSet("spearman", 0),
	}
	f, err := CorrelationPlot(sets...)
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, data, 1680, 460, 50)
	checkSVG(t, f, "Pearson r, tokens 1.. (n = 59)", "Pearson r, with token 0 (n = 60)", "Spearman ρ, with token 0 (n = 60)",
		"Transformer layer", "Correlation with hidden-state step length",
		"Attention step length", "MLP step length", "FDR-significant (Benjamini–Hochberg, q = 0.05)", "not significant")
	saveForInspection(t, "correlation", f)

	one, err := CorrelationPlot(sets[0])
	if err != nil {
		t.Fatal(err)
	}
	data, err = one.PNG()
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, data, 580, 460, 50)
	saveForInspection(t, "correlation-one", one)
}

func TestCorrelationSeries(t *testing.T) {
	cs := []analysis.Correlation{
		{Layer: 0, R: math.NaN()},
		{Layer: 1, R: 0.9, Significant: true},
		{Layer: 2, R: 0.1},
		{Layer: 3, R: math.NaN()},
		{Layer: 4, R: -0.4, Significant: true},
	}
	s, err := addCorrelationSeries(plot.New(), cs, attnColor)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		x, y float64
		big  bool
	}{{1, 0.9, true}, {2, 0.1, false}, {4, -0.4, true}}
	if len(s.XYs) != len(want) {
		t.Fatalf("series has %d points, want %d (NaN layers left out)", len(s.XYs), len(want))
	}
	for i, w := range want {
		if s.XYs[i].X != w.x || s.XYs[i].Y != w.y {
			t.Errorf("point %d = %v, want (%g, %g)", i, s.XYs[i], w.x, w.y)
		}
		big := s.GlyphStyleFunc(i).Radius == correlationGlyph(attnColor, true).Radius
		if big != w.big {
			t.Errorf("layer %g: big marker = %v, want %v (significant)", w.x, big, w.big)
		}
	}
	if correlationGlyph(attnColor, true).Radius <= 2*correlationGlyph(attnColor, false).Radius {
		t.Error("significant markers are not clearly bigger than the others")
	}
	if s, err := addCorrelationSeries(plot.New(), cs[:1], attnColor); err != nil || s != nil {
		t.Errorf("all-NaN series = (%v, %v), want no markers and no error", s, err)
	}
}

func TestCorrelationPlotErrors(t *testing.T) {
	good := testCorrelationSet("pearson", 1)
	short := good
	short.MLP = good.MLP[:5]
	tests := []struct {
		name    string
		sets    []analysis.CorrelationSet
		wantErr string
	}{
		{"no sets", nil, "no correlation sets"},
		{"empty set", []analysis.CorrelationSet{good, {Method: "spearman"}}, "set 1 (spearman): no layers"},
		{"length mismatch", []analysis.CorrelationSet{short}, "36 attention layers but 5 MLP layers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := CorrelationPlot(tt.sets...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
			if f != nil {
				t.Error("returned a figure with its error")
			}
		})
	}
}
