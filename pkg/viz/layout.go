package viz

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// margin is the white space kept around every figure.
const margin = 0.12 * vg.Inch

// textStyle returns a sans-serif text style of the given size.
func textStyle(size vg.Length, xAlign text.XAlignment, yAlign text.YAlignment) text.Style {
	return text.Style{
		Color:   black,
		Font:    font.From(sans, size),
		XAlign:  xAlign,
		YAlign:  yAlign,
		Handler: plot.DefaultTextHandler,
	}
}

// drawFigureTitle draws title centred at the top of c, in a smaller font
// if it would not fit the width, and returns the part of c below it. An
// empty title leaves c unchanged.
func drawFigureTitle(c draw.Canvas, title string) draw.Canvas {
	if title == "" {
		return c
	}
	sty := textStyle(figureTitleSize, draw.XCenter, draw.YTop)
	for size := vg.Length(figureTitleSize); size > 8 && sty.Width(title) > c.Max.X-c.Min.X; size-- {
		sty = textStyle(size-1, draw.XCenter, draw.YTop)
	}
	c.FillText(sty, vg.Point{X: c.Center().X, Y: c.Max.Y}, title)
	return draw.Crop(c, 0, 0, 0, -(sty.Height(title) + vg.Points(6)))
}

// drawNote draws a one-line note at the bottom left of c and returns the
// part of c above it. An empty note leaves c unchanged.
func drawNote(c draw.Canvas, note string) draw.Canvas {
	if note == "" {
		return c
	}
	sty := textStyle(noteSize, draw.XLeft, draw.YBottom)
	sty.Color = zeroLineGrey
	descent := sty.FontExtents().Descent
	c.FillText(sty, vg.Point{X: c.Min.X, Y: c.Min.Y + descent}, note)
	return draw.Crop(c, 0, 0, sty.Height(note)+vg.Points(6), 0)
}

// drawPanels draws a row-major grid of plots onto c with aligned data
// areas and returns the data canvas of each plot (nil plots leave an empty
// cell and a zero canvas).
func drawPanels(c draw.Canvas, plots [][]*plot.Plot, padX, padY vg.Length) [][]draw.Canvas {
	tiles := draw.Tiles{Rows: len(plots), Cols: len(plots[0]), PadX: padX, PadY: padY}
	cells := plot.Align(plots, tiles, c)
	data := make([][]draw.Canvas, len(plots))
	for j, row := range plots {
		data[j] = make([]draw.Canvas, len(row))
		for i, p := range row {
			if p == nil {
				continue
			}
			p.Draw(cells[j][i])
			data[j][i] = p.DataCanvas(cells[j][i])
		}
	}
	return data
}
