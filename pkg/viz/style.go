package viz

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Colours shared by the figures (attention and MLP follow matplotlib's
// tab:blue and tab:orange, as in the lesson).
var (
	white         = color.White
	black         = color.Black
	markerGrey    = color.Gray{Y: 90}
	zeroLineGrey  = color.Gray{Y: 60}
	nanGrey       = color.Gray{Y: 190}
	histBlue      = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	histEdge      = color.RGBA{R: 20, G: 70, B: 110, A: 255}
	nullBandColor = color.NRGBA{R: 255, G: 160, B: 60, A: 70}
	attnColor     = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	mlpColor      = color.RGBA{R: 255, G: 127, B: 14, A: 255}
)

// Font sizes in points.
const (
	figureTitleSize = 15
	titleSize       = 13
	axisLabelSize   = 11
	tickLabelSize   = 9
	legendSize      = 9
	noteSize        = 9
)

// sans is the sans-serif face used for all text (closer to matplotlib's
// default look than gonum/plot's serif default). It is bundled with
// gonum/plot, so no system fonts are needed.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// newPlot returns a plot with the figures' common text styles.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, titleSize)
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, axisLabelSize)
		a.Tick.Label.Font = font.From(sans, tickLabelSize)
		a.Tick.Length = vg.Points(5)
	}
	p.X.Label.Padding = vg.Points(3)
	p.Y.Label.Padding = vg.Points(3)
	p.Legend.TextStyle.Font = font.From(sans, legendSize)
	p.Legend.ThumbnailWidth = vg.Points(18)
	p.Legend.Padding = vg.Points(3)
	return p
}

// dashedHLine returns a dashed horizontal line at y spanning [x0, x1].
func dashedHLine(y, x0, x1 float64) (*plotter.Line, error) {
	l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: y}, {X: x1, Y: y}})
	if err != nil {
		return nil, err
	}
	l.LineStyle = draw.LineStyle{
		Color:  zeroLineGrey,
		Width:  vg.Points(1),
		Dashes: []vg.Length{vg.Points(5), vg.Points(4)},
	}
	return l, nil
}
