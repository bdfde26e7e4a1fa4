package viz

import (
	"fmt"
	"image/color"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/vg"
)

// orderScale returns the sequential colour scale of ordered things (token
// positions, layers) over [lo, hi]: Kindlmann's perceptually uniform map
// from dark purple through blue and green to yellow, without its black and
// white ends so every colour shows on white.
func orderScale(lo, hi float64) (colorScale, error) {
	cols, err := SampleColorMap(moreland.Kindlmann(), paletteSize, 0.12, 0.85)
	if err != nil {
		return colorScale{}, err
	}
	if hi <= lo {
		hi = lo + 1
	}
	return colorScale{Colors: cols, Min: lo, Max: hi}, nil
}

// PositionPairLines draws lesson 2's breakdown by position: one line per
// neighbouring position pair, pairs[i] holding the per-layer statistics
// (analysis.PerLayer over sentences) of the angle between the tokens at
// positions i and i+1. Each line is its Mean against the layer (no error
// bars: with many pairs they would hide the lines), coloured by i on a
// sequential scale with a colour bar, so that pair 0↔1, which holds token
// 0, stands apart by colour as well as by value. Layers where a pair has no
// sentence long enough (Mean NaN) are left out. opts are as for LayerLines
// (Marks aside, which it does not draw). The figure is 9.5×5.2 inches, 0.4
// inch taller with a title.
//
// One panel with a colour scale was chosen over small multiples: the
// lesson's point is how one pair's level compares with all the others, which
// a shared axis shows at a glance.
func PositionPairLines(pairs []analysis.LayerStats, opts LayerLinesOptions) (*Figure, error) {
	if len(pairs) == 0 {
		return nil, fmt.Errorf("viz: position pairs: no pairs: pass analysis.PerLayer of each pair's angles")
	}
	scale, err := orderScale(0, float64(len(pairs)-1))
	if err != nil {
		return nil, fmt.Errorf("viz: position pairs: %w", err)
	}
	series := make([]LayerSeries, len(pairs))
	colors := make([]color.Color, len(pairs))
	for i, s := range pairs {
		series[i] = LayerSeries{Name: fmt.Sprintf("%d↔%d", i, i+1), Mean: s.Mean}
		colors[i] = scale.at(float64(i))
	}
	opts.Marks = nil
	lp, err := layerLinesPlot(series, colors, opts)
	if err != nil {
		return nil, fmt.Errorf("viz: position pairs: %w", err)
	}
	height := vg.Length(5.2 * vg.Inch)
	if opts.Title != "" {
		height += 0.4 * vg.Inch
	}
	return heatmapsFigure(9.5*vg.Inch, height, opts.Title, "", []*plot.Plot{lp.plot}, scale, "Position i of the pair i↔i+1"), nil
}
