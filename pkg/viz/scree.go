package viz

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ScreeOptions adjust Scree.
type ScreeOptions struct {
	Title string // drawn above the panel when not empty
	// Components is how many components to show; 0 → all, at most 20.
	Components int
}

// Scree draws a scree plot of a PCA's explained-variance ratios
// (analysis.PCA.Ratio, fractions in [0, 1] in decreasing order): one bar per
// component k = 1, 2, … with its percentage written above the first five,
// and the cumulative percentage as a line with markers on the same 0–100%
// axis. The figure is 7.5×4.8 inches, 0.4 inch taller with a title.
//
// It returns an error for no ratios, a NaN, negative or >1 ratio, ratios
// summing to more than 1, or a negative Components.
func Scree(ratio []float64, opts ScreeOptions) (*Figure, error) {
	if len(ratio) == 0 {
		return nil, fmt.Errorf("viz: scree: no components: pass analysis.PCA's Ratio")
	}
	if opts.Components < 0 {
		return nil, fmt.Errorf("viz: scree: %d components: use a positive count, or 0 for all", opts.Components)
	}
	var sum float64
	for k, r := range ratio {
		if !(r >= 0 && r <= 1) {
			return nil, fmt.Errorf("viz: scree: component %d explains %v of the variance: ratios must be in [0, 1]", k+1, r)
		}
		sum += r
	}
	if sum > 1+1e-9 {
		return nil, fmt.Errorf("viz: scree: ratios sum to %.4g > 1: pass explained-variance ratios of one PCA", sum)
	}
	n := len(ratio)
	if opts.Components > 0 {
		n = min(n, opts.Components)
	}
	n = min(n, 20)
	pct := make(plotter.Values, n)
	cum := make(plotter.XYs, n)
	var run float64
	for k := range n {
		pct[k] = 100 * ratio[k]
		run += 100 * ratio[k]
		cum[k] = plotter.XY{X: float64(k + 1), Y: run}
	}
	p := newPlot("", "Principal component", "Variance explained (%)")
	bars, err := plotter.NewBarChart(pct, vg.Points(float64(300/max(n, 6))))
	if err != nil {
		return nil, fmt.Errorf("viz: scree: %w", err)
	}
	bars.XMin = 1
	bars.Color = histBlue
	bars.LineStyle = draw.LineStyle{Color: histEdge, Width: vg.Points(0.5)}
	line, err := plotter.NewLine(cum)
	if err != nil {
		return nil, fmt.Errorf("viz: scree: %w", err)
	}
	cumStyle := draw.LineStyle{Color: mlpColor, Width: vg.Points(1.8)}
	line.LineStyle = cumStyle
	marks, err := plotter.NewScatter(cum)
	if err != nil {
		return nil, fmt.Errorf("viz: scree: %w", err)
	}
	marks.GlyphStyle = draw.GlyphStyle{Color: mlpColor, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
	p.Add(bars, line, marks)
	var labels plotter.XYLabels
	for k := range min(n, 5) {
		labels.XYs = append(labels.XYs, plotter.XY{X: float64(k + 1), Y: pct[k]})
		labels.Labels = append(labels.Labels, fmt.Sprintf("%.1f%%", pct[k]))
	}
	lab, err := plotter.NewLabels(labels)
	if err != nil {
		return nil, fmt.Errorf("viz: scree: %w", err)
	}
	for i := range lab.TextStyle {
		lab.TextStyle[i] = textStyle(tickLabelSize, draw.XCenter, draw.YBottom)
		lab.Offset = vg.Point{Y: vg.Points(6)} // clear of the cumulative marker at k = 1
	}
	p.Add(lab)
	p.X.Tick.Marker = integerTicks{maxLabels: 10}
	p.X.Min, p.X.Max, p.X.Padding = 0.4, float64(n)+0.6, 0
	p.Y.Min, p.Y.Max = 0, math.Max(100, run)*1.04
	p.Y.Tick.Marker = niceTicks{maxLabels: 6}
	key := []keyEntry{
		{draw.GlyphStyle{Color: histBlue, Radius: vg.Points(5), Shape: draw.BoxGlyph{}}, "explained by the component"},
		{lineGlyph(cumStyle), "cumulative"},
	}
	return singlePanelFigure(7.5*vg.Inch, 4.8*vg.Inch, opts.Title, p, key), nil
}
