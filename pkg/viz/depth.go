package viz

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// DepthSeries is one model's per-layer mean of a quantity across tokens, with its standard deviation, on one
// text: a curve of DepthFigure.
type DepthSeries struct {
	// Model names the model: the series of one model share a colour in every panel and one key entry.
	Model string
	// Random marks the training control (random weights of the model's shape): drawn dashed over a lighter band.
	Random bool
	// Mean and Std hold one value per layer; layers whose mean is NaN are left out, a NaN std draws no band there.
	Mean, Std []float64
}

// DepthPanel is one panel of DepthFigure: one text, every model.
type DepthPanel struct {
	Title  string
	Series []DepthSeries
}

// DepthOptions adjust DepthFigure.
type DepthOptions struct {
	Title    string  // drawn above the panels when not empty
	YLabel   string  // "" → "Mean cosine across tokens (± std)"
	NearZero float64 // > 0: a grey band |y| < NearZero marks what counts as near zero
	Columns  int     // panels per row; 0 → 3 (fewer when there are fewer panels)
}

// depthColors tell the models apart (matplotlib's tab10 order).
var depthColors = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255}, {148, 103, 189, 255},
	{140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255}, {188, 189, 34, 255}, {23, 190, 207, 255},
}

// Band opacities: the trained model's ± std band, and the lighter one of the training control.
const (
	trainedBandAlpha = 55
	randomBandAlpha  = 28
)

// nearZeroColor shades the band |y| < NearZero.
var nearZeroColor = color.NRGBA{R: 120, G: 120, B: 120, A: 40}

// relDepth is layer l's relative depth l/(L−1) in a model of L layers (0 for a one-layer model).
func relDepth(l, layers int) float64 {
	if layers < 2 {
		return 0
	}
	return float64(l) / float64(layers-1)
}

// DepthFigure draws small multiples, one panel per text: in each, every model's per-layer mean (a line with
// markers) and its ± std band against the relative depth layer/(L−1), so that models of different depth share
// the axis (0 = first layer, 1 = last). A model keeps its colour in every panel; the training control of a model
// (Random) is dashed over a lighter band. All panels share one y range, a dashed zero line and, with
// opts.NearZero, a grey band of what counts as near zero. The key under the panels names the models and the line
// styles. Each panel is 5.2×3.9 inches; three to a row unless opts.Columns says otherwise.
func DepthFigure(panels []DepthPanel, opts DepthOptions) (*Figure, error) {
	if len(panels) == 0 {
		return nil, fmt.Errorf("viz: depth figure: no panels: pass one DepthPanel per text")
	}
	if math.IsNaN(opts.NearZero) || math.IsInf(opts.NearZero, 0) || opts.NearZero < 0 {
		return nil, fmt.Errorf("viz: depth figure: NearZero %g is invalid: use a positive bound, or 0 for no band", opts.NearZero)
	}
	cols := opts.Columns
	if cols <= 0 {
		cols = 3
	}
	cols = min(cols, len(panels))
	rows := (len(panels) + cols - 1) / cols
	colors := map[string]color.RGBA{}
	var models []string
	anyRandom := false
	lo, hi := -opts.NearZero, opts.NearZero
	for i, p := range panels {
		if len(p.Series) == 0 {
			return nil, fmt.Errorf("viz: depth figure: panel %d (%s) has no series", i, p.Title)
		}
		for j, s := range p.Series {
			if err := checkDepthSeries(s); err != nil {
				return nil, fmt.Errorf("viz: depth figure: panel %d (%s), series %d (%s): %w", i, p.Title, j, s.Model, err)
			}
			if _, ok := colors[s.Model]; !ok {
				colors[s.Model] = depthColors[len(models)%len(depthColors)]
				models = append(models, s.Model)
			}
			anyRandom = anyRandom || s.Random
			for l, m := range s.Mean {
				if isFinite(m) {
					e := finiteOr0(s.Std[l])
					lo, hi = math.Min(lo, m-e), math.Max(hi, m+e)
				}
			}
		}
	}
	span := hi - lo
	if span == 0 {
		span = 1
	}
	yMin, yMax := lo-0.05*span, hi+0.05*span
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
	}
	for i, p := range panels {
		dp, err := depthPanelPlot(p, colors, opts, yMin, yMax)
		if err != nil {
			return nil, fmt.Errorf("viz: depth figure: panel %d (%s): %w", i, p.Title, err)
		}
		if i%cols != 0 {
			dp.plot.Y.Label.Text = ""
		}
		if i+cols < len(panels) { // a panel below shows the label
			dp.plot.X.Label.Text = ""
		}
		grid[i/cols][i%cols] = dp.plot
	}
	key := depthKey(models, colors, anyRandom, opts.NearZero)
	const panelW, panelH = 5.2 * vg.Inch, 3.9 * vg.Inch
	width := vg.Length(cols)*panelW + 0.3*vg.Inch
	height := vg.Length(rows)*panelH + 0.5*vg.Inch
	if opts.Title != "" {
		height += 0.4 * vg.Inch
	}
	return NewFigure(width, height, func(c draw.Canvas) {
		c = draw.Crop(c, margin, -margin, margin, -margin)
		c = drawFigureTitle(c, opts.Title)
		c = drawKey(c, key)
		drawPanels(c, grid, 0.4*vg.Inch, 0.35*vg.Inch)
	}), nil
}

// checkDepthSeries reports a series without layers or with mismatched lengths.
func checkDepthSeries(s DepthSeries) error {
	if len(s.Mean) == 0 {
		return fmt.Errorf("no layers: Mean is empty")
	}
	if len(s.Std) != len(s.Mean) {
		return fmt.Errorf("%d means but %d standard deviations: give one of each per layer", len(s.Mean), len(s.Std))
	}
	for _, m := range s.Mean {
		if isFinite(m) {
			return nil
		}
	}
	return fmt.Errorf("all %d layer means are NaN or infinite", len(s.Mean))
}

// depthPanel is one panel of DepthFigure and the plotters that carry its data (exposed to tests).
type depthPanel struct {
	plot   *plot.Plot
	lines  []*plotter.Line    // one per series: (relative depth, mean) at the finite layers
	points []*plotter.Scatter // the same points as markers
	bands  []*plotter.Polygon // one per series: mean ± std; nil where a series has no finite layer with a std
}

// depthPanelPlot builds one panel.
func depthPanelPlot(p DepthPanel, colors map[string]color.RGBA, opts DepthOptions, yMin, yMax float64) (depthPanel, error) {
	yLabel := opts.YLabel
	if yLabel == "" {
		yLabel = "Mean cosine across tokens (± std)"
	}
	pl := newPlot(p.Title, "Relative depth: layer / (L − 1)", yLabel)
	const xMin, xMax = -0.04, 1.04
	pl.X.Min, pl.X.Max, pl.Y.Min, pl.Y.Max = xMin, xMax, yMin, yMax
	pl.X.Padding, pl.Y.Padding = 0, 0
	dp := depthPanel{plot: pl}
	if opts.NearZero > 0 {
		band, err := plotter.NewPolygon(plotter.XYs{{X: xMin, Y: -opts.NearZero}, {X: xMax, Y: -opts.NearZero}, {X: xMax, Y: opts.NearZero}, {X: xMin, Y: opts.NearZero}})
		if err != nil {
			return dp, fmt.Errorf("near-zero band: %w", err)
		}
		band.Color, band.LineStyle.Width = nearZeroColor, 0
		pl.Add(band)
	}
	zero, err := dashedHLine(0, xMin, xMax)
	if err != nil {
		return dp, fmt.Errorf("zero line: %w", err)
	}
	pl.Add(zero)
	// Bands first, so that every line is drawn over every band; the training control under the trained models.
	order := make([]int, 0, len(p.Series))
	for i, s := range p.Series {
		if s.Random {
			order = append(order, i)
		}
	}
	for i, s := range p.Series {
		if !s.Random {
			order = append(order, i)
		}
	}
	dp.lines = make([]*plotter.Line, len(p.Series))
	dp.points = make([]*plotter.Scatter, len(p.Series))
	dp.bands = make([]*plotter.Polygon, len(p.Series))
	for _, i := range order {
		s := p.Series[i]
		var upper, lower plotter.XYs
		for l, m := range s.Mean {
			if isFinite(m) && isFinite(s.Std[l]) {
				x := relDepth(l, len(s.Mean))
				upper = append(upper, plotter.XY{X: x, Y: m + s.Std[l]})
				lower = append(lower, plotter.XY{X: x, Y: m - s.Std[l]})
			}
		}
		if len(upper) == 0 {
			continue
		}
		for j := len(lower) - 1; j >= 0; j-- {
			upper = append(upper, lower[j])
		}
		band, err := plotter.NewPolygon(upper)
		if err != nil {
			return dp, fmt.Errorf("band of %s: %w", s.Model, err)
		}
		c := colors[s.Model]
		alpha := uint8(trainedBandAlpha)
		if s.Random {
			alpha = randomBandAlpha
		}
		band.Color = color.NRGBA{R: c.R, G: c.G, B: c.B, A: alpha}
		band.LineStyle.Width = 0
		pl.Add(band)
		dp.bands[i] = band
	}
	for _, i := range order {
		s := p.Series[i]
		var pts plotter.XYs
		for l, m := range s.Mean {
			if isFinite(m) {
				pts = append(pts, plotter.XY{X: relDepth(l, len(s.Mean)), Y: m})
			}
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return dp, fmt.Errorf("line of %s: %w", s.Model, err)
		}
		line.LineStyle = depthLineStyle(colors[s.Model], s.Random)
		points, err := plotter.NewScatter(pts)
		if err != nil {
			return dp, fmt.Errorf("points of %s: %w", s.Model, err)
		}
		points.GlyphStyle = draw.GlyphStyle{Color: colors[s.Model], Radius: vg.Points(2), Shape: draw.CircleGlyph{}}
		if s.Random {
			points.GlyphStyle.Shape = draw.RingGlyph{}
		}
		pl.Add(line, points)
		dp.lines[i], dp.points[i] = line, points
	}
	return dp, nil
}

// depthLineStyle is a series' line: solid for trained weights, dashed for the training control.
func depthLineStyle(c color.Color, random bool) draw.LineStyle {
	ls := draw.LineStyle{Color: c, Width: vg.Points(1.6)}
	if random {
		ls.Width = vg.Points(1.3)
		ls.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	return ls
}

// depthKey lists the models by colour, then the line styles and bands.
func depthKey(models []string, colors map[string]color.RGBA, anyRandom bool, nearZero float64) []keyEntry {
	var key []keyEntry
	for _, m := range models {
		key = append(key, keyEntry{lineGlyph(depthLineStyle(colors[m], false)), m})
	}
	grey := color.Gray{Y: 60}
	if anyRandom {
		key = append(key,
			keyEntry{lineGlyph(depthLineStyle(grey, false)), "trained weights"},
			keyEntry{lineGlyph(depthLineStyle(grey, true)), "random weights, same shape (training control)"})
	}
	key = append(key, keyEntry{draw.GlyphStyle{Color: color.NRGBA{R: 60, G: 60, B: 60, A: trainedBandAlpha}, Radius: vg.Points(5), Shape: draw.BoxGlyph{}}, "band: ± std across tokens"})
	if nearZero > 0 {
		key = append(key, keyEntry{draw.GlyphStyle{Color: nearZeroColor, Radius: vg.Points(5), Shape: draw.BoxGlyph{}},
			fmt.Sprintf("|mean| < %g: near zero", nearZero)})
	}
	return key
}

// lineGlyph draws a short horizontal sample of a line style as a key marker.
func lineGlyph(ls draw.LineStyle) draw.GlyphStyle {
	return draw.GlyphStyle{Color: ls.Color, Radius: vg.Points(7), Shape: lineSample{ls}}
}

// lineSample is a draw.GlyphDrawer that strokes a horizontal segment of its style, 2·radius long.
type lineSample struct{ style draw.LineStyle }

// DrawGlyph implements draw.GlyphDrawer.
func (s lineSample) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.StrokeLine2(s.style, pt.X-sty.Radius, pt.Y, pt.X+sty.Radius, pt.Y)
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func finiteOr0(x float64) float64 {
	if isFinite(x) {
		return x
	}
	return 0
}
