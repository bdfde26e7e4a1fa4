package viz

import (
	"fmt"
	"math"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ScatterPanel is one panel of ModelScatter: paired values of one model,
// e.g. every token's last-transition path length (X) and the logit of the
// predicted next token (Y).
type ScatterPanel struct {
	Title string // the model, e.g. "gpt2-medium"
	X, Y  []float64
}

// ModelScatterOptions adjust ModelScatter.
type ModelScatterOptions struct {
	Title          string // drawn above the panels when not empty
	XLabel, YLabel string
}

// ModelScatter draws one scatter plot per panel (model), up to four in a
// row like ScatterGrid, each with its least-squares line (dashed) and, in its
// title, the number of pairs and Pearson's r and Spearman's ρ with their
// two-sided p-values (analysis.Pearson, analysis.Spearman; "n/a" where
// undefined, e.g. fewer than 3 pairs or a constant series). Pairs with a NaN
// or infinite value are left out of the drawing and the coefficients. Panels
// keep their own axes (models differ in scale). Each panel is 3.8×3.2 inches.
//
// It returns an error for no panels or a panel whose X and Y differ in
// length.
func ModelScatter(panels []ScatterPanel, opts ModelScatterOptions) (*Figure, error) {
	if len(panels) == 0 {
		return nil, fmt.Errorf("viz: model scatter: no panels: pass one ScatterPanel per model")
	}
	cols := min(len(panels), scatterCols)
	rows := (len(panels) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
	}
	for i, sp := range panels {
		p, err := modelScatterPanel(sp, opts)
		if err != nil {
			return nil, fmt.Errorf("viz: model scatter: panel %d (%s): %w", i, sp.Title, err)
		}
		if i%cols != 0 {
			p.plot.Y.Label.Text = ""
		}
		grid[i/cols][i%cols] = p.plot
	}
	width := max(vg.Length(cols)*scatterPanelW, scatterMinWidth) + 0.3*vg.Inch
	height := vg.Length(rows)*(scatterPanelH+0.2*vg.Inch) + 0.2*vg.Inch
	return panelsFigure(width, height, opts.Title, nil, grid, 0.3*vg.Inch, 0.3*vg.Inch), nil
}

// modelScatter is one panel of ModelScatter and its plotters (exposed to
// tests).
type modelScatter struct {
	plot   *plot.Plot
	points *plotter.Scatter
	fit    *plotter.Line // nil when the coefficients are undefined
}

// modelScatterPanel builds one panel of ModelScatter.
func modelScatterPanel(sp ScatterPanel, opts ModelScatterOptions) (modelScatter, error) {
	if len(sp.X) != len(sp.Y) {
		return modelScatter{}, fmt.Errorf("%d x values but %d y values: pass paired values", len(sp.X), len(sp.Y))
	}
	xs, ys := finitePairs(sp.X, sp.Y)
	p := newPlot("", opts.XLabel, opts.YLabel)
	p.Title.TextStyle.Font = font.From(sans, axisLabelSize)
	p.Title.Padding = vg.Points(4)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, tickLabelSize+1)
		a.Tick.Label.Font = font.From(sans, tickLabelSize-1)
		a.Tick.Marker = niceTicks{maxLabels: 5}
	}
	ms := modelScatter{plot: p}
	pts := make(plotter.XYs, len(xs))
	for i := range xs {
		pts[i] = plotter.XY{X: xs[i], Y: ys[i]}
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return ms, err
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: attnPointColor, Radius: vg.Points(scatterRadius), Shape: draw.CircleGlyph{}}
	p.Add(sc)
	ms.points = sc
	r, pr, _ := analysis.Pearson(xs, ys)
	rho, ps, _ := analysis.Spearman(xs, ys)
	p.Title.Text = fmt.Sprintf("%s (n = %d)\nr = %s, ρ = %s", sp.Title, len(xs), coefficient(r, pr), coefficient(rho, ps))
	if !math.IsNaN(r) {
		alpha, beta := stat.LinearRegression(xs, ys, nil, false)
		lo, hi := xs[0], xs[0]
		for _, x := range xs {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
		fit, err := plotter.NewLine(plotter.XYs{{X: lo, Y: alpha + beta*lo}, {X: hi, Y: alpha + beta*hi}})
		if err != nil {
			return ms, err
		}
		fit.LineStyle = draw.LineStyle{Color: meanPathColor, Width: vg.Points(1.5), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}
		p.Add(fit)
		ms.fit = fit
	}
	return ms, nil
}

// coefficient prints a correlation and its p-value, "−0.31 (p = 2.1e-09)",
// or "n/a" where undefined.
func coefficient(r, p float64) string {
	if math.IsNaN(r) {
		return "n/a"
	}
	if p < 0.001 {
		return fmt.Sprintf("%.2f (p = %.1e)", r, p)
	}
	return fmt.Sprintf("%.2f (p = %.3f)", r, p)
}
