package viz

import (
	"fmt"
	"math"
	"strconv"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ErrorBar selects what the error bars of LessonFigure's left panel show.
type ErrorBar int

const (
	// StdDev draws ±1 standard deviation across tokens (LayerStats.Std),
	// as the lesson does.
	StdDev ErrorBar = iota
	// StdErr draws ±1 standard error of the mean (LayerStats.SEM).
	StdErr
)

// LessonOptions adjusts LessonFigure. The zero value reproduces the
// lesson's figure.
type LessonOptions struct {
	// ErrorBars selects standard deviation (default) or standard error.
	ErrorBars ErrorBar
	// NullSigmas is the half-width of the shaded band of random directions,
	// in units of nullStd; 0 means 1 (the band is ±1σ).
	NullSigmas float64
	// Title, if not empty, is drawn above both panels (e.g. the model and
	// prompt).
	Title string
}

// lessonSize is the lesson figure's size: 14×5 inches, 1400×500 pixels at
// DefaultDPI. A Title adds lessonTitleHeight.
const (
	lessonWidth       = 14 * vg.Inch
	lessonHeight      = 5 * vg.Inch
	lessonTitleHeight = 0.4 * vg.Inch
)

// LessonFigure draws the lesson's figure: two panels side by side.
//
// Left, "Average (±std) across all tokens": for every layer l = 0..L−1 the
// mean cosine similarity across tokens (grey squares) with ±1 standard
// deviation error bars (±1 standard error with opts.ErrorBars = StdErr; the
// title then says "(±s.e.)"), a dashed zero line, and a lightly shaded band
// ±opts.NullSigmas·nullStd where the cosine of two random directions falls
// (nullStd is analysis.NullCosineStd(d) ≈ 1/√d; nullStd = 0 draws no band).
// Layers whose mean is NaN are left out.
//
// Right, "Distribution of all tokens and layers": the histogram hist drawn
// bar by bar from its Edges and Counts, without re-binning.
//
// The figure is 14×5 inches (1400×500 pixels as PNG at DefaultDPI), 0.4
// inch taller with a title.
func LessonFigure(stats analysis.LayerStats, hist analysis.Histogram, nullStd float64, opts LessonOptions) (*Figure, error) {
	left, err := lessonMeanPlot(stats, nullStd, opts)
	if err != nil {
		return nil, fmt.Errorf("viz: lesson figure: %w", err)
	}
	right, err := lessonHistPlot(hist)
	if err != nil {
		return nil, fmt.Errorf("viz: lesson figure: %w", err)
	}
	height := vg.Length(lessonHeight)
	if opts.Title != "" {
		height += lessonTitleHeight
	}
	return NewFigure(lessonWidth, height, func(c draw.Canvas) {
		c = draw.Crop(c, margin, -margin, margin, -margin)
		c = drawFigureTitle(c, opts.Title)
		drawPanels(c, [][]*plot.Plot{{left.plot, right}}, 0.5*vg.Inch, 0)
	}), nil
}

// meanPanel is the left panel of the lesson figure and the plotters that
// carry its data (exposed to tests).
type meanPanel struct {
	plot   *plot.Plot
	points *plotter.Scatter    // (layer, mean) for every layer with a finite mean
	bars   *plotter.YErrorBars // the same points with their ± error
	band   *plotter.Polygon    // null band; nil when nullStd is 0
}

// lessonMeanPlot builds the left panel of the lesson figure.
func lessonMeanPlot(stats analysis.LayerStats, nullStd float64, opts LessonOptions) (meanPanel, error) {
	if len(stats.Mean) == 0 {
		return meanPanel{}, fmt.Errorf("layer stats are empty: compute them with analysis.PerLayer from at least one layer")
	}
	var errs []float64
	var errName string
	switch opts.ErrorBars {
	case StdDev:
		errs, errName = stats.Std, "std"
	case StdErr:
		errs, errName = stats.SEM, "s.e."
	default:
		return meanPanel{}, fmt.Errorf("unknown error bar kind %d: use viz.StdDev or viz.StdErr", opts.ErrorBars)
	}
	if len(errs) != len(stats.Mean) {
		return meanPanel{}, fmt.Errorf("layer stats have %d means but %d %s values: use the LayerStats returned by analysis.PerLayer", len(stats.Mean), len(errs), errName)
	}
	if math.IsNaN(nullStd) || math.IsInf(nullStd, 0) || nullStd < 0 {
		return meanPanel{}, fmt.Errorf("null std %g is invalid: pass analysis.NullCosineStd(d), or 0 for no band", nullStd)
	}
	sigmas := opts.NullSigmas
	if sigmas == 0 {
		sigmas = 1
	}
	if math.IsNaN(sigmas) || math.IsInf(sigmas, 0) || sigmas < 0 {
		return meanPanel{}, fmt.Errorf("NullSigmas %g is invalid: use a positive number of standard deviations, or 0 for 1", opts.NullSigmas)
	}

	var pts plotter.XYs
	var yerrs plotter.YErrors
	for l, m := range stats.Mean {
		if math.IsNaN(m) || math.IsInf(m, 0) {
			continue
		}
		e := errs[l]
		if math.IsNaN(e) || math.IsInf(e, 0) {
			e = 0
		}
		pts = append(pts, plotter.XY{X: float64(l), Y: m})
		yerrs = append(yerrs, struct{ Low, High float64 }{e, e})
	}
	if len(pts) == 0 {
		return meanPanel{}, fmt.Errorf("all %d layer means are NaN: check the cosine matrix passed to analysis.PerLayer", len(stats.Mean))
	}

	p := newPlot(fmt.Sprintf("Average (±%s) across all tokens", errName), "Transformer layer", "Cosine similarity")
	xMin, xMax := -1.0, float64(len(stats.Mean))
	p.X.Padding = 0
	p.X.Tick.Marker = integerTicks{maxLabels: 8}

	var mp meanPanel
	mp.plot = p
	halfBand := sigmas * nullStd
	if halfBand > 0 {
		band, err := plotter.NewPolygon(plotter.XYs{{X: xMin, Y: -halfBand}, {X: xMax, Y: -halfBand}, {X: xMax, Y: halfBand}, {X: xMin, Y: halfBand}})
		if err != nil {
			return meanPanel{}, fmt.Errorf("null band: %w", err)
		}
		band.Color = nullBandColor
		band.LineStyle.Width = 0
		p.Add(band)
		p.Legend.Add(fmt.Sprintf("Random directions ±%sσ (σ ≈ 1/√d = %.3g)", strconv.FormatFloat(sigmas, 'g', 3, 64), nullStd), band)
		mp.band = band
	}
	zero, err := dashedHLine(0, xMin, xMax)
	if err != nil {
		return meanPanel{}, fmt.Errorf("zero line: %w", err)
	}
	p.Add(zero)

	bars, err := plotter.NewYErrorBars(struct {
		plotter.XYs
		plotter.YErrors
	}{pts, yerrs})
	if err != nil {
		return meanPanel{}, fmt.Errorf("error bars: %w", err)
	}
	bars.LineStyle = draw.LineStyle{Color: markerGrey, Width: vg.Points(1)}
	bars.CapWidth = vg.Points(5)
	points, err := plotter.NewScatter(pts)
	if err != nil {
		return meanPanel{}, fmt.Errorf("layer means: %w", err)
	}
	points.GlyphStyle = draw.GlyphStyle{Color: markerGrey, Radius: vg.Points(3.5), Shape: draw.BoxGlyph{}}
	p.Add(bars, points)
	p.Legend.Add(fmt.Sprintf("Layer mean ± %s", errName), points)
	p.Legend.Top = true
	mp.points, mp.bars = points, bars

	// Leave headroom at the top for the legend.
	lo, hi := math.Min(-halfBand, 0), math.Max(halfBand, 0)
	for i, pt := range pts {
		lo = math.Min(lo, pt.Y-yerrs[i].Low)
		hi = math.Max(hi, pt.Y+yerrs[i].High)
	}
	span := hi - lo
	if span == 0 {
		span = 1
	}
	p.X.Min, p.X.Max = xMin, xMax
	p.Y.Min, p.Y.Max = lo-0.05*span, hi+0.3*span
	return mp, nil
}

// lessonHistPlot builds the right panel of the lesson figure.
func lessonHistPlot(hist analysis.Histogram) (*plot.Plot, error) {
	if len(hist.Counts) == 0 {
		return nil, fmt.Errorf("histogram has no bins: build it with analysis.NewHistogram(values, 80)")
	}
	if len(hist.Edges) != len(hist.Counts)+1 {
		return nil, fmt.Errorf("histogram has %d edges for %d bins, want %d: build it with analysis.NewHistogram", len(hist.Edges), len(hist.Counts), len(hist.Counts)+1)
	}
	bins := make([]plotter.HistogramBin, len(hist.Counts))
	for i, n := range hist.Counts {
		lo, hi := hist.Edges[i], hist.Edges[i+1]
		if math.IsNaN(lo) || math.IsInf(lo, 0) || math.IsNaN(hi) || math.IsInf(hi, 0) || !(hi >= lo) {
			return nil, fmt.Errorf("histogram bin %d has edges [%g, %g]: edges must be finite and increasing", i, lo, hi)
		}
		if n < 0 {
			return nil, fmt.Errorf("histogram bin %d has a negative count %d", i, n)
		}
		bins[i] = plotter.HistogramBin{Min: lo, Max: hi, Weight: float64(n)}
	}
	p := newPlot("Distribution of all tokens and layers", "Cosine similarity", "Count")
	h := &plotter.Histogram{
		Bins:      bins,
		Width:     hist.Edges[1] - hist.Edges[0],
		FillColor: histBlue,
		LineStyle: draw.LineStyle{Color: histEdge, Width: vg.Points(0.4)},
	}
	p.Add(h)
	return p, nil
}
