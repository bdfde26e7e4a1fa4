package viz

import (
	"fmt"
	"image/color"
	"math"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Scatter grid layout: at most scatterCols panels per row, each
// scatterPanelW×scatterPanelH.
const (
	scatterCols   = 4
	scatterPanelW = 3.8 * vg.Inch
	scatterPanelH = 3 * vg.Inch
	scatterRadius = 1.8
	// scatterMinWidth keeps the title and key of a grid of one or two
	// panels readable.
	scatterMinWidth = 6.5 * vg.Inch
)

// Semi-transparent attention and MLP colours, so overlapping points show.
var (
	attnPointColor = color.NRGBA{R: 31, G: 119, B: 180, A: 170}
	mlpPointColor  = color.NRGBA{R: 255, G: 127, B: 14, A: 170}
)

// maxScatterPanels bounds ScatterLayers' choice.
const maxScatterPanels = 12

// ScatterLayers returns the layers ScatterGrid shows for a model of nLayer
// layers: every step-th layer from layer 1 (layer 0 has no attention or
// MLP step length), with step = ⌈(nLayer−1)/12⌉, so at most 12 panels
// spread over the depth. For GPT-2 Large (36 layers) that is 1, 4, 7, …,
// 34, like the lesson; for 12 layers it is 1..11. It returns nil for
// nLayer < 2.
func ScatterLayers(nLayer int) []int {
	if nLayer < 2 {
		return nil
	}
	step := (nLayer - 1 + maxScatterPanels - 1) / maxScatterPanels
	var layers []int
	for l := 1; l < nLayer; l += step {
		layers = append(layers, l)
	}
	return layers
}

// ScatterGrid draws one small scatter plot per layer in layers (in rows of
// up to 4): for every token from firstToken on, the sub-block step length
// (x; attention in blue, MLP in orange, both from s) against the
// hidden-state step length (y) of that layer. Each panel's title gives the
// Pearson r of both sub-blocks over the plotted tokens (analysis.Pearson;
// "n/a" where undefined, e.g. layer 0). Tokens with a NaN step length are
// left out. Use ScatterLayers to pick layers as the lesson does.
func ScatterGrid(s analysis.StepLengths, layers []int, firstToken int) (*Figure, error) {
	if err := s.Check(); err != nil {
		return nil, fmt.Errorf("viz: scatter grid: %w", err)
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("viz: scatter grid: no layers: pass some, e.g. viz.ScatterLayers(%d)", s.Attn.Rows)
	}
	if firstToken < 0 || firstToken >= s.Attn.Cols {
		return nil, fmt.Errorf("viz: scatter grid: first token %d out of range: use 0..%d (0 keeps token 0, 1 drops it)", firstToken, s.Attn.Cols-1)
	}
	cols := min(len(layers), scatterCols)
	rows := (len(layers) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
	}
	for i, l := range layers {
		if l < 0 || l >= s.Attn.Rows {
			return nil, fmt.Errorf("viz: scatter grid: layer %d out of range: use 0..%d", l, s.Attn.Rows-1)
		}
		p, err := scatterPanel(s, l, firstToken)
		if err != nil {
			return nil, fmt.Errorf("viz: scatter grid: layer %d: %w", l, err)
		}
		r, c := i/cols, i%cols
		if i+cols < len(layers) { // a panel below shows the x label
			p.X.Label.Text = ""
		}
		if c != 0 {
			p.Y.Label.Text = ""
		}
		grid[r][c] = p
	}
	key := []keyEntry{
		{draw.GlyphStyle{Color: attnColor, Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}, "Attention: ‖a(l) − a(l−1)‖"},
		{draw.GlyphStyle{Color: mlpColor, Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}, "MLP: ‖m(l) − m(l−1)‖"},
	}
	title := fmt.Sprintf("Sub-block step length vs hidden-state step length ‖h(l+1) − h(l)‖, tokens %d..%d", firstToken, s.Attn.Cols-1)
	width := max(vg.Length(cols)*scatterPanelW, scatterMinWidth) + 0.3*vg.Inch
	height := vg.Length(rows)*scatterPanelH + 0.8*vg.Inch
	return NewFigure(width, height, func(c draw.Canvas) {
		c = draw.Crop(c, margin, -margin, margin, -margin)
		c = drawFigureTitle(c, title)
		c = drawKey(c, key)
		drawPanels(c, grid, 0.3*vg.Inch, 0.25*vg.Inch)
	}), nil
}

// scatterPanel builds the panel of one layer.
func scatterPanel(s analysis.StepLengths, layer, firstToken int) (*plot.Plot, error) {
	T := s.Attn.Cols
	row := func(m analysis.Matrix) []float64 { return m.Data[layer*T+firstToken : (layer+1)*T] }
	hidden := row(s.Hidden)
	p := newPlot("", "Sub-block step length", "Hidden step length")
	p.Title.TextStyle.Font = font.From(sans, axisLabelSize)
	p.Title.Padding = vg.Points(4)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, tickLabelSize+1)
		a.Tick.Label.Font = font.From(sans, tickLabelSize-1)
	}
	var rs [2]string
	for i, sub := range []struct {
		m   analysis.Matrix
		col color.Color
	}{{s.Attn, attnPointColor}, {s.MLP, mlpPointColor}} {
		xs, ys := finitePairs(row(sub.m), hidden)
		rs[i] = "n/a"
		if len(xs) >= 3 {
			if r, _, err := analysis.Pearson(xs, ys); err == nil && !math.IsNaN(r) {
				rs[i] = fmt.Sprintf("%.2f", r)
			}
		}
		pts := make(plotter.XYs, len(xs))
		for j := range xs {
			pts[j] = plotter.XY{X: xs[j], Y: ys[j]}
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: sub.col, Radius: vg.Points(scatterRadius), Shape: draw.CircleGlyph{}}
		p.Add(sc)
	}
	p.Title.Text = fmt.Sprintf("Layer %d: r(attn) = %s, r(MLP) = %s", layer, rs[0], rs[1])
	return p, nil
}

// finitePairs returns the pairs (x[i], y[i]) where both are finite.
func finitePairs(x, y []float64) (xs, ys []float64) {
	for i := range x {
		if math.IsNaN(x[i]) || math.IsInf(x[i], 0) || math.IsNaN(y[i]) || math.IsInf(y[i], 0) {
			continue
		}
		xs = append(xs, x[i])
		ys = append(ys, y[i])
	}
	return xs, ys
}
