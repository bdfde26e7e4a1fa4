package viz

import (
	"fmt"
	"image/color"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// PathPanel is one panel of CumulativePaths: one model on one text.
type PathPanel struct {
	Title string
	// Cumulative is [layers, tokens], e.g. analysis.CumulativeOverLayers of
	// analysis.PathLengths: row l is the distance travelled after block l+1.
	Cumulative analysis.Matrix
}

// PathOptions adjust CumulativePaths.
type PathOptions struct {
	Title string // drawn above the panels when not empty
	// FirstToken is the first token drawn and averaged: 1 leaves out token 0,
	// whose path (the attention sink's) is often far longer than the others'
	// and squeezes them against the axis; 0 keeps every token.
	FirstToken int
}

// Colours of CumulativePaths: thin, translucent token lines and the mean.
var (
	tokenPathColor = color.NRGBA{R: 31, G: 119, B: 180, A: 45}
	meanPathColor  = color.RGBA{R: 214, G: 39, B: 40, A: 255}
)

// CumulativePaths draws, per panel (model), the cumulative path length of
// every token from opts.FirstToken on against the block: one thin
// translucent line per token starting at 0 before block 1 (x = 0, the
// embeddings) and reaching Cumulative[l, t] after block l+1 (x = l+1), and
// the mean over those tokens as a thick line on top. A token with a NaN in
// its column is left out of the mean from there on and its line stops. Each
// panel is 4.2×3.6 inches, up to four in a row; panels keep their own
// axes, since models differ in depth and scale.
func CumulativePaths(panels []PathPanel, opts PathOptions) (*Figure, error) {
	if len(panels) == 0 {
		return nil, fmt.Errorf("viz: cumulative paths: no panels: pass one PathPanel per model")
	}
	cols := min(len(panels), 4)
	rows := (len(panels) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
	}
	for i, pp := range panels {
		p, err := pathPanel(pp, opts.FirstToken)
		if err != nil {
			return nil, fmt.Errorf("viz: cumulative paths: panel %d (%s): %w", i, pp.Title, err)
		}
		if i%cols != 0 {
			p.plot.Y.Label.Text = ""
		}
		grid[i/cols][i%cols] = p.plot
	}
	key := []keyEntry{
		{lineGlyph(draw.LineStyle{Color: color.NRGBA{R: 31, G: 119, B: 180, A: 160}, Width: vg.Points(1)}), fmt.Sprintf("one token (tokens %d..)", opts.FirstToken)},
		{lineGlyph(draw.LineStyle{Color: meanPathColor, Width: vg.Points(2.5)}), "mean over tokens"},
	}
	width := max(vg.Length(cols)*4.2*vg.Inch, scatterMinWidth) + 0.3*vg.Inch
	height := vg.Length(rows)*3.6*vg.Inch + 0.5*vg.Inch
	return panelsFigure(width, height, opts.Title, key, grid, 0.4*vg.Inch, 0.35*vg.Inch), nil
}

// pathPlot is one panel of CumulativePaths and its plotters (exposed to
// tests).
type pathPlot struct {
	plot   *plot.Plot
	tokens []*plotter.Line // one per drawn token
	mean   *plotter.Line
}

// pathPanel builds one panel of CumulativePaths.
func pathPanel(pp PathPanel, firstToken int) (pathPlot, error) {
	m := pp.Cumulative
	if err := m.Check("cumulative path lengths"); err != nil {
		return pathPlot{}, err
	}
	if firstToken < 0 || firstToken >= m.Cols {
		return pathPlot{}, fmt.Errorf("first token %d out of range: use 0..%d (0 keeps token 0, 1 drops it)", firstToken, m.Cols-1)
	}
	p := newPlot(pp.Title, "Block", "Cumulative path length ‖Δh‖")
	p.X.Tick.Marker = integerTicks{maxLabels: 6}
	pl := pathPlot{plot: p}
	sum := make([]float64, m.Rows+1)
	n := make([]int, m.Rows+1)
	for t := firstToken; t < m.Cols; t++ {
		pts := plotter.XYs{{X: 0, Y: 0}}
		n[0]++
		for l := range m.Rows {
			v := m.Data[l*m.Cols+t]
			if !isFinite(v) {
				break
			}
			pts = append(pts, plotter.XY{X: float64(l + 1), Y: v})
			sum[l+1] += v
			n[l+1]++
		}
		if len(pts) < 2 {
			continue
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return pl, err
		}
		line.LineStyle = draw.LineStyle{Color: tokenPathColor, Width: vg.Points(0.8)}
		p.Add(line)
		pl.tokens = append(pl.tokens, line)
	}
	var mean plotter.XYs
	for l := range sum {
		if n[l] > 0 {
			mean = append(mean, plotter.XY{X: float64(l), Y: sum[l] / float64(n[l])})
		}
	}
	if len(pl.tokens) == 0 {
		return pl, fmt.Errorf("no token has a finite path length in block 1: check the path lengths")
	}
	line, err := plotter.NewLine(mean)
	if err != nil {
		return pl, err
	}
	line.LineStyle = draw.LineStyle{Color: meanPathColor, Width: vg.Points(2.5)}
	p.Add(line)
	pl.mean = line
	p.X.Min, p.X.Max = 0, float64(m.Rows)
	p.Y.Min = 0
	p.Y.Tick.Marker = niceTicks{maxLabels: 6}
	return pl, nil
}
