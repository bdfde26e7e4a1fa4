package viz

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Marker radii of CorrelationPlot: FDR-significant layers get big markers.
const (
	significantRadius    = 4.5
	notSignificantRadius = 2
)

// CorrelationPlot draws, for each set, the per-layer correlation r between
// each sub-block's step lengths (attention in blue, MLP in orange) and the
// hidden-state step lengths, one panel per set side by side (e.g. Pearson
// on tokens 1.., Pearson with token 0, Spearman with token 0). Layers that
// are significant after Benjamini–Hochberg FDR correction (Correlation.
// Significant) get big markers, the others small ones; layers with NaN r
// (layer 0) are left out. Each panel has a dashed zero line and a title
// naming the method, the tokens used and n; the key under the panels
// explains colours and marker sizes. Each panel is 5.5×4.6 inches.
func CorrelationPlot(sets ...analysis.CorrelationSet) (*Figure, error) {
	if len(sets) == 0 {
		return nil, fmt.Errorf("viz: correlation plot: no correlation sets: pass at least one from analysis.Correlate")
	}
	plots := make([]*plot.Plot, len(sets))
	for i, set := range sets {
		p, err := correlationPanel(set)
		if err != nil {
			return nil, fmt.Errorf("viz: correlation plot: set %d (%s): %w", i, set.Method, err)
		}
		if i > 0 {
			p.Y.Label.Text = ""
		}
		plots[i] = p
	}
	key := []keyEntry{
		{correlationGlyph(attnColor, true), "Attention step length"},
		{correlationGlyph(mlpColor, true), "MLP step length"},
		{correlationGlyph(markerGrey, true), "FDR-significant (Benjamini–Hochberg, q = " + qLabel(sets) + ")"},
		{correlationGlyph(markerGrey, false), "not significant"},
	}
	width := vg.Length(len(sets))*5.5*vg.Inch + 0.3*vg.Inch
	height := 4.6 * vg.Inch
	return NewFigure(width, height, func(c draw.Canvas) {
		c = draw.Crop(c, margin, -margin, margin, -margin)
		c = drawFigureTitle(c, "Correlation across tokens of sub-block and hidden-state step lengths, per layer")
		c = drawKey(c, key)
		drawPanels(c, [][]*plot.Plot{plots}, 0.4*vg.Inch, 0)
	}), nil
}

// correlationTicks labels r at −1, −0.5, 0, 0.5, 1 with minor ticks every 0.1.
var correlationTicks = plot.TickerFunc(func(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for i := -10; i <= 10; i++ {
		t := plot.Tick{Value: float64(i) / 10}
		if i%5 == 0 {
			t.Label = strconv.FormatFloat(t.Value, 'g', -1, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
})

// correlationPanel builds one panel of CorrelationPlot.
func correlationPanel(set analysis.CorrelationSet) (*plot.Plot, error) {
	if len(set.Attn) == 0 {
		return nil, fmt.Errorf("no layers: pass the CorrelationSet returned by analysis.Correlate")
	}
	if len(set.Attn) != len(set.MLP) {
		return nil, fmt.Errorf("%d attention layers but %d MLP layers: pass the CorrelationSet returned by analysis.Correlate", len(set.Attn), len(set.MLP))
	}
	p := newPlot(correlationTitle(set), "Transformer layer", "Correlation with hidden-state step length")
	p.X.Tick.Marker = integerTicks{maxLabels: 8}
	xMin, xMax := math.Inf(1), math.Inf(-1)
	for _, cs := range [][]analysis.Correlation{set.Attn, set.MLP} {
		for _, c := range cs {
			xMin, xMax = math.Min(xMin, float64(c.Layer)), math.Max(xMax, float64(c.Layer))
		}
	}
	xMin, xMax = xMin-1, xMax+1
	zero, err := dashedHLine(0, xMin, xMax)
	if err != nil {
		return nil, err
	}
	p.Add(zero)
	for _, series := range []struct {
		name  string
		cs    []analysis.Correlation
		color color.Color
	}{{"attention", set.Attn, attnColor}, {"MLP", set.MLP, mlpColor}} {
		if _, err := addCorrelationSeries(p, series.cs, series.color); err != nil {
			return nil, fmt.Errorf("%s: %w", series.name, err)
		}
	}
	p.X.Min, p.X.Max = xMin, xMax
	p.X.Padding = 0
	p.Y.Min, p.Y.Max = -1, 1
	p.Y.Tick.Marker = correlationTicks
	return p, nil
}

// addCorrelationSeries adds one sub-block's r per layer to p: a thin line
// through consecutive defined layers and a marker per defined layer, big
// where significant. It returns the markers (nil if no layer has a finite r).
func addCorrelationSeries(p *plot.Plot, cs []analysis.Correlation, col color.Color) (*plotter.Scatter, error) {
	var pts, segment plotter.XYs
	var sig []bool
	flush := func() error {
		if len(segment) > 1 {
			l, err := plotter.NewLine(segment)
			if err != nil {
				return err
			}
			l.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(0.8)}
			p.Add(l)
		}
		segment = nil
		return nil
	}
	for _, c := range cs {
		if math.IsNaN(c.R) || math.IsInf(c.R, 0) {
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		}
		pt := plotter.XY{X: float64(c.Layer), Y: c.R}
		pts = append(pts, pt)
		sig = append(sig, c.Significant)
		segment = append(segment, pt)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if len(pts) == 0 {
		return nil, nil
	}
	s, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, err
	}
	s.GlyphStyleFunc = func(i int) draw.GlyphStyle { return correlationGlyph(col, sig[i]) }
	p.Add(s)
	return s, nil
}

// correlationGlyph is the marker of one layer: big if significant.
func correlationGlyph(col color.Color, significant bool) draw.GlyphStyle {
	r := vg.Points(notSignificantRadius)
	if significant {
		r = vg.Points(significantRadius)
	}
	return draw.GlyphStyle{Color: col, Radius: r, Shape: draw.CircleGlyph{}}
}

// correlationTitle names the method, the tokens used and n, e.g.
// "Pearson r, tokens 1.. (n = 59)" or "Spearman ρ, with token 0 (n = 60)".
func correlationTitle(set analysis.CorrelationSet) string {
	var method string
	switch strings.ToLower(set.Method) {
	case "pearson":
		method = "Pearson r"
	case "spearman":
		method = "Spearman ρ"
	default:
		method = set.Method
	}
	tokens := "with token 0"
	if set.FirstToken > 0 {
		tokens = fmt.Sprintf("tokens %d..", set.FirstToken)
	}
	n := 0
	for _, c := range append(append([]analysis.Correlation(nil), set.Attn...), set.MLP...) {
		n = max(n, c.N)
	}
	if n > 0 {
		return fmt.Sprintf("%s, %s (n = %d)", method, tokens, n)
	}
	return method + ", " + tokens
}

// qLabel returns the FDR level shared by the sets, or the list of levels
// when they differ.
func qLabel(sets []analysis.CorrelationSet) string {
	var qs []string
	seen := map[float64]bool{}
	for _, s := range sets {
		if !seen[s.Q] {
			seen[s.Q] = true
			qs = append(qs, strconv.FormatFloat(s.Q, 'g', 3, 64))
		}
	}
	return strings.Join(qs, ", ")
}
