package viz

import (
	"fmt"
	"math"
	"strings"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// DistributionOptions adjust Distribution.
type DistributionOptions struct {
	Title  string // drawn above the panel when not empty
	XLabel string // "" → "Value"
	// Bins is the number of histogram bins; 0 → 60.
	Bins int
	// VLines are dashed grey reference lines, e.g. 90 (orthogonal) for
	// angles in degrees or π/2 in radians.
	VLines []float64
}

// distributionBins is Distribution's default bin count.
const distributionBins = 60

// Distribution draws the histogram of values (analysis.NewHistogram, e.g.
// the angles between random pairs of hidden vectors) with a solid line at
// their mean and a dashed one at their median, both named in the key with
// their value, and n. NaN values are left out (the key says how many);
// an infinite value, or no finite value at all, is an error. The figure is
// 7.5×4.8 inches, 0.4 inch taller with a title.
func Distribution(values []float64, opts DistributionOptions) (*Figure, error) {
	bins := opts.Bins
	if bins == 0 {
		bins = distributionBins
	}
	finite := make([]float64, 0, len(values))
	for _, v := range values {
		if !math.IsNaN(v) {
			finite = append(finite, v)
		}
	}
	for _, x := range opts.VLines {
		if !isFinite(x) {
			return nil, fmt.Errorf("viz: distribution: reference line at %v: give finite values", x)
		}
	}
	hist, err := analysis.NewHistogram(finite, bins)
	if err != nil {
		return nil, fmt.Errorf("viz: distribution of %d values (%d NaN left out): %w", len(values), len(values)-len(finite), err)
	}
	p, err := lessonHistPlot(hist)
	if err != nil {
		return nil, fmt.Errorf("viz: distribution: %w", err)
	}
	p.Title.Text = ""
	p.X.Label.Text = opts.XLabel
	if p.X.Label.Text == "" {
		p.X.Label.Text = "Value"
	}
	p.X.Tick.Marker = niceTicks{maxLabels: 10}
	top := 0
	for _, c := range hist.Counts {
		top = max(top, c)
	}
	p.Y.Min, p.Y.Max = 0, float64(top)*1.05
	vline := func(x float64, ls draw.LineStyle) error {
		l, err := plotter.NewLine(plotter.XYs{{X: x, Y: 0}, {X: x, Y: float64(top) * 1.05}})
		if err != nil {
			return err
		}
		l.LineStyle = ls
		p.Add(l)
		return nil
	}
	grey := draw.LineStyle{Color: zeroLineGrey, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(5), vg.Points(4)}}
	for _, x := range opts.VLines {
		if err := vline(x, grey); err != nil {
			return nil, fmt.Errorf("viz: distribution: %w", err)
		}
	}
	mean, median := stat.Mean(finite, nil), analysis.Median(finite)
	meanStyle := draw.LineStyle{Color: mlpColor, Width: vg.Points(2)}
	medianStyle := draw.LineStyle{Color: black, Width: vg.Points(1.5), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
	if err := vline(mean, meanStyle); err != nil {
		return nil, fmt.Errorf("viz: distribution: %w", err)
	}
	if err := vline(median, medianStyle); err != nil {
		return nil, fmt.Errorf("viz: distribution: %w", err)
	}
	n := fmt.Sprintf("n = %d", len(finite))
	if nan := len(values) - len(finite); nan > 0 {
		n += fmt.Sprintf(" (%d NaN left out)", nan)
	}
	key := []keyEntry{
		{draw.GlyphStyle{Color: histBlue, Radius: vg.Points(5), Shape: draw.BoxGlyph{}}, n},
		{lineGlyph(meanStyle), "mean " + formatValue(mean)},
		{lineGlyph(medianStyle), "median " + formatValue(median)},
	}
	if len(opts.VLines) > 0 {
		var at []string
		for _, x := range opts.VLines {
			at = append(at, formatValue(x))
		}
		key = append(key, keyEntry{lineGlyph(grey), "reference at " + strings.Join(at, ", ")})
	}
	return singlePanelFigure(7.5*vg.Inch, 4.8*vg.Inch, opts.Title, p, key), nil
}

// formatValue prints a statistic with three significant digits, more for
// large values (74.3, 1.27, 0.0312, 1234).
func formatValue(v float64) string {
	if math.Abs(v) >= 1000 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}
