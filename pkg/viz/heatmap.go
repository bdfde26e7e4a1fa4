package viz

import (
	"fmt"
	"math"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// cells is a plot.Plotter drawing an analysis.Matrix (rows = layers,
// columns = tokens) as coloured unit cells centred on integer positions:
// tokens on x, layers on y, NaN in grey. Unlike plotter.HeatMap it places
// cells with cellGrid, so anti-aliasing leaves no white seams between them.
type cells struct {
	m     analysis.Matrix
	scale colorScale
}

// Plot implements plot.Plotter.
func (h cells) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	grid := newCellGrid(c)
	for r := range h.m.Rows {
		y0, y1 := trY(float64(r)-0.5), trY(float64(r)+0.5)
		for col := range h.m.Cols {
			x0, x1 := trX(float64(col)-0.5), trX(float64(col)+0.5)
			fill := h.scale.at(h.m.Data[r*h.m.Cols+col])
			if fill == nil {
				fill = nanGrey
			}
			c.FillPolygon(fill, grid.rect(x0, x1, y0, y1, col < h.m.Cols-1, r < h.m.Rows-1))
		}
	}
}

// DataRange implements plot.DataRanger.
func (h cells) DataRange() (xmin, xmax, ymin, ymax float64) {
	return -0.5, float64(h.m.Cols) - 0.5, -0.5, float64(h.m.Rows) - 0.5
}

// hasNaN reports whether any of the slices holds a NaN (drawn as a grey
// cell; ±Inf take the colour at the end of the scale).
func hasNaN(values ...[]float64) bool {
	for _, vs := range values {
		for _, v := range vs {
			if math.IsNaN(v) {
				return true
			}
		}
	}
	return false
}

// checkTokenLabels reports labels that do not name every token; nil
// labels are allowed (token indices are shown).
func checkTokenLabels(labels []string, tokens int) error {
	if labels != nil && len(labels) != tokens {
		return fmt.Errorf("got %d token labels for %d tokens: pass one label per token, or nil for token indices", len(labels), tokens)
	}
	return nil
}

// heatmapPlot returns a layer (y) × token (x) heat map of m coloured by s,
// NaN cells in grey. dataWidth is the expected width of the data area,
// used to decide how many token labels fit.
func heatmapPlot(m analysis.Matrix, s colorScale, title string, labels []string, dataWidth vg.Length) *plot.Plot {
	p := newPlot(title, "Token", "Transformer layer")
	p.Add(cells{m: m, scale: s})
	p.X.Padding, p.Y.Padding = 0, 0
	p.Y.Tick.Marker = integerTicks{maxLabels: 8}
	p.X.Tick.Marker = tokenTicks(labels, m.Cols, dataWidth)
	if labels != nil {
		p.X.Label.Text = ""
		p.X.Tick.Label.Rotation = math.Pi / 2
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	return p
}

// heatmapsFigure lays out plots in one row, sharing the colour bar of s
// on the right, with an optional figure title and note at the bottom.
func heatmapsFigure(width, height vg.Length, title, note string, plots []*plot.Plot, s colorScale, barLabel string) *Figure {
	return NewFigure(width, height, func(c draw.Canvas) {
		c = draw.Crop(c, margin, -margin, margin, -margin)
		c = drawFigureTitle(c, title)
		c = drawNote(c, note)
		left := draw.Crop(c, 0, -colorBarWidth, 0, 0)
		data := drawPanels(left, [][]*plot.Plot{plots}, 0.35*vg.Inch, 0)
		ref := data[0][0]
		strip := draw.Crop(c, left.Max.X-c.Min.X, 0, 0, 0)
		drawColorBar(strip, ref.Min.Y, ref.Max.Y, s, barLabel)
	})
}

// CosineHeatmap draws the cosine similarity of every (layer, token) cell of
// m (rows = layers, columns = tokens, e.g. analysis cosines between the
// attention and MLP outputs) as a heat map: tokens on x, labelled with
// tokenLabels where they fit (every k-th label otherwise, rotated; nil
// labels show token indices), layers on y (layer 0 at the bottom), a
// blue–white–red colour bar centred at 0 on a symmetric range, NaN cells
// in grey. The figure is 12×6 inches.
func CosineHeatmap(m analysis.Matrix, tokenLabels []string) (*Figure, error) {
	if err := m.Check("cosine matrix"); err != nil {
		return nil, fmt.Errorf("viz: cosine heatmap: %w", err)
	}
	if err := checkTokenLabels(tokenLabels, m.Cols); err != nil {
		return nil, fmt.Errorf("viz: cosine heatmap: %w", err)
	}
	s, err := divergingScale(m.Data)
	if err != nil {
		return nil, fmt.Errorf("viz: cosine heatmap: %w", err)
	}
	const width, height = 12 * vg.Inch, 6 * vg.Inch
	p := heatmapPlot(m, s, "Cosine similarity of attention and MLP outputs", tokenLabels, width-colorBarWidth-1.2*vg.Inch)
	note := ""
	if hasNaN(m.Data) {
		note = "Grey cells: undefined (NaN)."
	}
	return heatmapsFigure(width, height, "", note, []*plot.Plot{p}, s, "Cosine similarity"), nil
}
