package viz

import (
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// vectorOverlap is how far a filled cell reaches into its right and upper
// neighbours in vector output (SVG), hiding the hairline seams that
// anti-aliasing viewers draw between abutting shapes.
const vectorOverlap = 0.5 * vg.Length(1)

// devicePixel returns the size of one device pixel in points when c draws
// onto a raster image (PNG), or 0 when it draws vector output (SVG).
func devicePixel(c draw.Canvas) vg.Length {
	var v vg.Canvas = c.Canvas
	for range 32 { // unwrap sub-canvases; the depth is small in practice
		switch t := v.(type) {
		case interface{ DPI() float64 }:
			if t.DPI() > 0 {
				return vg.Inch / vg.Length(t.DPI())
			}
			return 0
		case draw.Canvas:
			v = t.Canvas
		case *draw.Canvas:
			v = t.Canvas
		default:
			return 0
		}
	}
	return 0
}

// cellGrid places abutting filled cells so that they neither leave light
// seams nor double-paint shared edges: on raster output every cell edge is
// snapped to a device pixel boundary (so anti-aliasing never applies), on
// vector output cells overlap their right and upper neighbours slightly.
type cellGrid struct {
	px vg.Length // device pixel size; 0 for vector output
}

// newCellGrid returns the cell placement rules for drawing onto c.
func newCellGrid(c draw.Canvas) cellGrid { return cellGrid{px: devicePixel(c)} }

// snap rounds l to the nearest device pixel boundary (raster output only).
func (g cellGrid) snap(l vg.Length) vg.Length {
	if g.px == 0 {
		return l
	}
	return vg.Length(math.Round(float64(l/g.px))) * g.px
}

// rect returns the corners of the cell spanning [x0, x1]×[y0, y1]; right
// and top say whether it has a neighbour on that side.
func (g cellGrid) rect(x0, x1, y0, y1 vg.Length, right, top bool) []vg.Point {
	x0, x1, y0, y1 = g.snap(x0), g.snap(x1), g.snap(y0), g.snap(y1)
	if g.px == 0 {
		if right {
			x1 += vectorOverlap
		}
		if top {
			y1 += vectorOverlap
		}
	}
	return []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
}
