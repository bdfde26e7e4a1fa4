package viz

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// colorBarWidth is the width reserved to the right of heatmaps for the
// colour bar, its tick labels and its rotated label.
const colorBarWidth = 1.0 * vg.Inch

// colorScale maps the value range [Min, Max] linearly onto Colors; heat
// map cells and their colour bar use the same scale.
type colorScale struct {
	Colors   []color.Color
	Min, Max float64
}

// at returns the colour of v, clamped to the ends of the scale, or nil for
// NaN.
func (s colorScale) at(v float64) color.Color {
	n := len(s.Colors)
	switch {
	case math.IsNaN(v):
		return nil
	case v <= s.Min:
		return s.Colors[0]
	case v >= s.Max:
		return s.Colors[n-1]
	}
	i := int(math.Round((v - s.Min) / (s.Max - s.Min) * float64(n-1)))
	return s.Colors[min(n-1, max(0, i))]
}

// drawColorBar draws a vertical colour bar in c (a strip to the right of
// the heatmaps) spanning the heights y0..y1, with ticks and tick labels on
// its right and label, rotated, beyond them.
func drawColorBar(c draw.Canvas, y0, y1 vg.Length, s colorScale, label string) {
	const gap = 0.15 * vg.Inch
	const barW = 0.18 * vg.Inch
	x0 := c.Min.X + gap
	x1 := x0 + barW
	n := len(s.Colors)
	h := (y1 - y0) / vg.Length(n)
	grid := newCellGrid(c)
	for i, col := range s.Colors {
		lo := y0 + vg.Length(i)*h
		c.FillPolygon(col, grid.rect(x0, x1, lo, lo+h, false, i < n-1))
	}
	frame := draw.LineStyle{Color: black, Width: vg.Points(0.5)}
	c.StrokeLines(frame, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}, {X: x0, Y: y0}})

	tickSty := textStyle(tickLabelSize, draw.XLeft, draw.YCenter)
	var labelRight vg.Length = x1
	for _, t := range (plot.DefaultTicks{}).Ticks(s.Min, s.Max) {
		if t.IsMinor() || t.Value < s.Min || t.Value > s.Max {
			continue
		}
		y := y0 + vg.Length((t.Value-s.Min)/(s.Max-s.Min))*(y1-y0)
		c.StrokeLine2(frame, x1, y, x1+vg.Points(4), y)
		c.FillText(tickSty, vg.Point{X: x1 + vg.Points(6), Y: y}, t.Label)
		labelRight = vg.Length(math.Max(float64(labelRight), float64(x1+vg.Points(6)+tickSty.Width(t.Label))))
	}
	if label != "" {
		sty := textStyle(axisLabelSize, draw.XCenter, draw.YTop)
		sty.Rotation = math.Pi / 2
		c.FillText(sty, vg.Point{X: labelRight + vg.Points(5), Y: (y0 + y1) / 2}, label)
	}
}
