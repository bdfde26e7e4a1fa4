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

// LayerSeries is one named curve over layers: a mean per layer and, if
// Spread is not nil, its ± spread (e.g. analysis.PerLayer's Std or SEM of
// angles over sentences).
type LayerSeries struct {
	Name string
	// Mean holds one value per layer; NaN layers are left out and break
	// the line.
	Mean []float64
	// Spread, if not nil, holds the half-length of each layer's error bar
	// (len(Mean) values); a NaN spread draws no bar at that layer.
	Spread []float64
}

// LayerLinesOptions adjust LayerLines.
type LayerLinesOptions struct {
	Title  string // drawn above the panel when not empty
	XLabel string // "" → "Layer"
	YLabel string
	// FirstLayer is the x value of index 0 (e.g. 1 when index l is the
	// transition made by block l+1).
	FirstLayer int
	// HLines are dashed grey reference lines (e.g. 90 for orthogonal).
	HLines []float64
	// Marks, if not nil (one per layer of the longest series), puts a
	// black triangle above every marked layer, e.g. the layers where a
	// t-test survives FDR correction (analysis.LayerWelch.Significant).
	Marks []bool
	// MarksLabel explains the triangles in the key; "" → "marked layer".
	MarksLabel string
}

// Layer-line figure size.
const (
	layerLinesW = 8.5 * vg.Inch
	layerLinesH = 5.2 * vg.Inch
)

// LayerLines draws several named series of per-layer values on one axis:
// each a line with round markers in its own colour (matplotlib's tab10
// order) and, where Spread is given, ± error bars with caps, e.g. the
// rotation angle of the target and of its neighbour per block. When two or
// more series have error bars, series are shifted sideways by up to ±0.15
// layer so that their bars do not hide each other (the shift is visual
// only; ticks stay on whole layers). A key under the panel names the series
// and, with Marks, the marked layers. The figure is 8.5×5.2 inches, 0.4
// inch taller with a title.
//
// It returns an error for no series, a series without finite means, or a
// Spread or Marks of the wrong length.
func LayerLines(series []LayerSeries, opts LayerLinesOptions) (*Figure, error) {
	colors := make([]color.Color, len(series))
	for i := range colors {
		colors[i] = depthColors[i%len(depthColors)]
	}
	lp, err := layerLinesPlot(series, colors, opts)
	if err != nil {
		return nil, fmt.Errorf("viz: layer lines: %w", err)
	}
	key := make([]keyEntry, 0, len(series)+1)
	for i, s := range series {
		key = append(key, keyEntry{lineGlyph(draw.LineStyle{Color: colors[i], Width: vg.Points(2)}), s.Name})
	}
	if opts.Marks != nil {
		label := opts.MarksLabel
		if label == "" {
			label = "marked layer"
		}
		key = append(key, keyEntry{markGlyph, label})
	}
	return singlePanelFigure(layerLinesW, layerLinesH, opts.Title, lp.plot, key), nil
}

// singlePanelFigure draws one plot with an optional title above and key below.
func singlePanelFigure(width, height vg.Length, title string, p *plot.Plot, key []keyEntry) *Figure {
	return panelsFigure(width, height, title, key, [][]*plot.Plot{{p}}, 0, 0)
}

// panelsFigure draws a grid of plots (drawPanels) with an optional title
// above, which adds 0.4 inch to height, and an optional key below.
func panelsFigure(width, height vg.Length, title string, key []keyEntry, grid [][]*plot.Plot, padX, padY vg.Length) *Figure {
	if title != "" {
		height += 0.4 * vg.Inch
	}
	return NewFigure(width, height, func(c draw.Canvas) {
		c = draw.Crop(c, margin, -margin, margin, -margin)
		c = drawFigureTitle(c, title)
		c = drawKey(c, key)
		drawPanels(c, grid, padX, padY)
	})
}

// markGlyph marks a layer of LayerLines' Marks.
var markGlyph = draw.GlyphStyle{Color: black, Radius: vg.Points(3.5), Shape: draw.PyramidGlyph{}}

// layerLines is the panel of LayerLines and the plotters that carry its
// data (exposed to tests).
type layerLines struct {
	plot   *plot.Plot
	points []*plotter.Scatter    // per series: (x, mean) at finite layers, x shifted by the dodge
	bars   []*plotter.YErrorBars // per series: nil without Spread
	marks  *plotter.Scatter      // nil without marked layers
}

// layerLinesPlot builds the panel of LayerLines (and of PositionPairLines)
// with the given series colours.
func layerLinesPlot(series []LayerSeries, colors []color.Color, opts LayerLinesOptions) (layerLines, error) {
	if len(series) == 0 {
		return layerLines{}, fmt.Errorf("no series: pass at least one LayerSeries")
	}
	layers, withBars := 0, 0
	for i, s := range series {
		if err := checkLayerSeries(s); err != nil {
			return layerLines{}, fmt.Errorf("series %d (%s): %w", i, s.Name, err)
		}
		layers = max(layers, len(s.Mean))
		if s.Spread != nil {
			withBars++
		}
	}
	if opts.Marks != nil && len(opts.Marks) != layers {
		return layerLines{}, fmt.Errorf("%d marks for %d layers: give one per layer of the longest series, or nil", len(opts.Marks), layers)
	}
	for _, h := range opts.HLines {
		if !isFinite(h) {
			return layerLines{}, fmt.Errorf("reference line at %v: give finite values", h)
		}
	}
	xLabel := opts.XLabel
	if xLabel == "" {
		xLabel = "Layer"
	}
	p := newPlot("", xLabel, opts.YLabel)
	p.X.Tick.Marker = integerTicks{maxLabels: 12}
	p.Y.Tick.Marker = niceTicks{maxLabels: 8}
	x0 := float64(opts.FirstLayer)
	xMin, xMax := x0-0.6, x0+float64(layers-1)+0.6
	p.X.Min, p.X.Max, p.X.Padding = xMin, xMax, 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, h := range opts.HLines {
		line, err := dashedHLine(h, xMin, xMax)
		if err != nil {
			return layerLines{}, err
		}
		p.Add(line)
		lo, hi = math.Min(lo, h), math.Max(hi, h)
	}
	lp := layerLines{plot: p, points: make([]*plotter.Scatter, len(series)), bars: make([]*plotter.YErrorBars, len(series))}
	for i, s := range series {
		dodge := 0.0
		if withBars > 1 {
			dodge = 0.3 * (float64(i)/float64(len(series)-1) - 0.5)
		}
		var pts, segment plotter.XYs
		var errs plotter.YErrors
		flush := func() error {
			if len(segment) > 1 {
				l, err := plotter.NewLine(segment)
				if err != nil {
					return err
				}
				l.LineStyle = draw.LineStyle{Color: colors[i], Width: vg.Points(1.6)}
				p.Add(l)
			}
			segment = nil
			return nil
		}
		for l, m := range s.Mean {
			if !isFinite(m) {
				if err := flush(); err != nil {
					return lp, err
				}
				continue
			}
			pt := plotter.XY{X: x0 + float64(l) + dodge, Y: m}
			e := 0.0
			if s.Spread != nil {
				e = finiteOr0(s.Spread[l])
			}
			pts = append(pts, pt)
			segment = append(segment, pt)
			errs = append(errs, struct{ Low, High float64 }{e, e})
			lo, hi = math.Min(lo, m-e), math.Max(hi, m+e)
		}
		if err := flush(); err != nil {
			return lp, err
		}
		if s.Spread != nil {
			bars, err := plotter.NewYErrorBars(struct {
				plotter.XYs
				plotter.YErrors
			}{pts, errs})
			if err != nil {
				return lp, fmt.Errorf("error bars of %s: %w", s.Name, err)
			}
			bars.LineStyle = draw.LineStyle{Color: colors[i], Width: vg.Points(0.9)}
			bars.CapWidth = vg.Points(4)
			p.Add(bars)
			lp.bars[i] = bars
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return lp, fmt.Errorf("points of %s: %w", s.Name, err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: colors[i], Radius: vg.Points(2.6), Shape: draw.CircleGlyph{}}
		p.Add(sc)
		lp.points[i] = sc
	}
	span := hi - lo
	if span == 0 {
		span = math.Max(1, math.Abs(hi))
	}
	p.Y.Min, p.Y.Max = lo-0.05*span, hi+0.05*span
	var marked plotter.XYs
	for l, m := range opts.Marks {
		if m {
			marked = append(marked, plotter.XY{X: x0 + float64(l), Y: hi + 0.07*span})
		}
	}
	if len(marked) > 0 {
		sc, err := plotter.NewScatter(marked)
		if err != nil {
			return lp, err
		}
		sc.GlyphStyle = markGlyph
		p.Add(sc)
		lp.marks = sc
		p.Y.Max = hi + 0.12*span
	}
	return lp, nil
}

// checkLayerSeries reports a series without finite means or with a Spread
// of the wrong length.
func checkLayerSeries(s LayerSeries) error {
	if s.Spread != nil && len(s.Spread) != len(s.Mean) {
		return fmt.Errorf("%d means but %d spreads: give one spread per layer, or nil for no error bars", len(s.Mean), len(s.Spread))
	}
	for _, m := range s.Mean {
		if isFinite(m) {
			return nil
		}
	}
	return fmt.Errorf("no finite mean among its %d layers", len(s.Mean))
}
