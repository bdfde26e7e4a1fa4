package viz

import (
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// keyEntry is one entry of a figure-wide key: a marker and its meaning.
type keyEntry struct {
	glyph draw.GlyphStyle
	label string
}

// Key layout, in points.
const (
	keyGlyphBox = 12 // room for a marker
	keyGap      = 4  // between marker and label
	keySpacing  = 22 // between entries
)

// drawKey draws entries at the bottom of c (a legend shared by all panels,
// outside their data areas) in centred rows, as many entries per row as
// fit the width, and returns the part of c above it.
func drawKey(c draw.Canvas, entries []keyEntry) draw.Canvas {
	if len(entries) == 0 {
		return c
	}
	sty := textStyle(legendSize+1, draw.XLeft, draw.YCenter)
	entryWidth := func(e keyEntry) vg.Length {
		return vg.Points(keyGlyphBox+keyGap) + sty.Width(e.label)
	}
	// Break entries into rows that fit the width.
	var rows [][]keyEntry
	var widths []vg.Length
	for _, e := range entries {
		w := entryWidth(e)
		if n := len(rows); n > 0 && widths[n-1]+vg.Points(keySpacing)+w <= c.Max.X-c.Min.X {
			rows[n-1] = append(rows[n-1], e)
			widths[n-1] += vg.Points(keySpacing) + w
			continue
		}
		rows = append(rows, []keyEntry{e})
		widths = append(widths, w)
	}
	rowHeight := sty.Height("Mg") + vg.Points(6)
	for i, row := range rows {
		y := c.Min.Y + vg.Length(len(rows)-i)*rowHeight - rowHeight/2
		x := c.Center().X - widths[i]/2
		for _, e := range row {
			c.DrawGlyphNoClip(e.glyph, vg.Point{X: x + vg.Points(keyGlyphBox)/2, Y: y})
			x += vg.Points(keyGlyphBox + keyGap)
			c.FillText(sty, vg.Point{X: x, Y: y}, e.label)
			x += sty.Width(e.label) + vg.Points(keySpacing)
		}
	}
	return draw.Crop(c, 0, 0, vg.Length(len(rows))*rowHeight+vg.Points(4), 0)
}
