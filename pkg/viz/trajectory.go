package viz

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Trajectory is one path through the PC1–PC2 plane: a token's hidden state
// at every layer projected onto the first two components of one PCA
// (analysis.PCA.Project), X[l] and Y[l] at layer l.
type Trajectory struct {
	// Word tells the versions apart (" her", " him", " round"): the
	// trajectories of one word share a marker and a line style.
	Word string
	X, Y []float64
	// Mean marks a word's mean trajectory (analysis.MeanTrajectory): drawn
	// bold, with bigger markers, on top of the sentences' thin ones.
	Mean bool
}

// TrajectoryOptions adjust Trajectories.
type TrajectoryOptions struct {
	Title string // drawn above the panel when not empty
	// XLabel and YLabel default to "PC1" and "PC2"; name the explained
	// variance there, e.g. "PC1 (62.0% of the variance)".
	XLabel, YLabel string
}

// Marker shapes and line dashes of the words, in order of first appearance.
var (
	wordShapes = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.PyramidGlyph{}, draw.BoxGlyph{}, draw.RingGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}}
	wordDashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(8), vg.Points(3), vg.Points(2), vg.Points(3)}}
)

// Line colours of Trajectories: light for single sentences, dark for means.
var (
	sentenceLineColor = color.NRGBA{R: 120, G: 120, B: 120, A: 60}
	meanLineColor     = color.Gray{Y: 30}
)

// Trajectories draws trajectories in the plane of two principal components,
// lesson 4's state-space figure: every trajectory is a polyline through its
// layers, each point coloured by its layer on a sequential scale (dark purple
// = first layer to yellow = last, with a colour bar), each word with its own
// marker shape and line dash (a key below names them). Sentence trajectories
// are thin and light; mean trajectories (Mean) bold, with outlined markers,
// drawn last. Points with a NaN coordinate are left out. The figure is 9×7
// inches, 0.4 inch taller with a title.
//
// It returns an error for no trajectories, X and Y of different lengths, or
// a trajectory with no finite point.
func Trajectories(trajs []Trajectory, opts TrajectoryOptions) (*Figure, error) {
	tp, err := trajectoryPlot(trajs, opts)
	if err != nil {
		return nil, fmt.Errorf("viz: trajectories: %w", err)
	}
	var key []keyEntry
	for i, w := range tp.words {
		key = append(key, keyEntry{draw.GlyphStyle{Color: meanLineColor, Radius: vg.Points(4), Shape: wordShapes[i%len(wordShapes)]}, fmt.Sprintf("%q", w)})
	}
	key = append(key, keyEntry{lineGlyph(draw.LineStyle{Color: meanLineColor, Width: vg.Points(2.2)}), "mean over sentences"})
	height := vg.Length(7 * vg.Inch)
	if opts.Title != "" {
		height += 0.4 * vg.Inch
	}
	return NewFigure(9*vg.Inch, height, func(c draw.Canvas) {
		c = draw.Crop(c, margin, -margin, margin, -margin)
		c = drawFigureTitle(c, opts.Title)
		c = drawKey(c, key)
		left := draw.Crop(c, 0, -colorBarWidth, 0, 0)
		data := drawPanels(left, [][]*plot.Plot{{tp.plot}}, 0, 0)
		strip := draw.Crop(c, left.Max.X-c.Min.X, 0, 0, 0)
		drawColorBar(strip, data[0][0].Min.Y, data[0][0].Max.Y, tp.scale, "Layer")
	}), nil
}

// trajectoryPanel is the panel of Trajectories and what it drew (exposed to
// tests).
type trajectoryPanel struct {
	plot   *plot.Plot
	scale  colorScale
	words  []string           // in order of first appearance
	points []*plotter.Scatter // per trajectory: its finite points
}

// trajectoryPlot builds the panel of Trajectories.
func trajectoryPlot(trajs []Trajectory, opts TrajectoryOptions) (trajectoryPanel, error) {
	if len(trajs) == 0 {
		return trajectoryPanel{}, fmt.Errorf("no trajectories: pass one per sentence and word, or the words' means")
	}
	layers := 0
	wordIndex := map[string]int{}
	var tp trajectoryPanel
	for i, tr := range trajs {
		if len(tr.X) != len(tr.Y) {
			return tp, fmt.Errorf("trajectory %d (%q): %d x values but %d y values: give one point per layer", i, tr.Word, len(tr.X), len(tr.Y))
		}
		finite := false
		for l := range tr.X {
			finite = finite || isFinite(tr.X[l]) && isFinite(tr.Y[l])
		}
		if !finite {
			return tp, fmt.Errorf("trajectory %d (%q) has no finite point", i, tr.Word)
		}
		layers = max(layers, len(tr.X))
		if _, ok := wordIndex[tr.Word]; !ok {
			wordIndex[tr.Word] = len(tp.words)
			tp.words = append(tp.words, tr.Word)
		}
	}
	scale, err := orderScale(0, float64(layers-1))
	if err != nil {
		return tp, err
	}
	tp.scale = scale
	xl, yl := opts.XLabel, opts.YLabel
	if xl == "" {
		xl = "PC1"
	}
	if yl == "" {
		yl = "PC2"
	}
	p := newPlot("", xl, yl)
	p.X.Tick.Marker, p.Y.Tick.Marker = niceTicks{maxLabels: 8}, niceTicks{maxLabels: 8}
	tp.plot = p
	tp.points = make([]*plotter.Scatter, len(trajs))
	// Sentences first, means on top.
	for _, mean := range []bool{false, true} {
		for i, tr := range trajs {
			if tr.Mean != mean {
				continue
			}
			w := wordIndex[tr.Word]
			var pts plotter.XYs
			var layerOf []int
			for l := range tr.X {
				if isFinite(tr.X[l]) && isFinite(tr.Y[l]) {
					pts = append(pts, plotter.XY{X: tr.X[l], Y: tr.Y[l]})
					layerOf = append(layerOf, l)
				}
			}
			ls := draw.LineStyle{Color: sentenceLineColor, Width: vg.Points(0.6), Dashes: wordDashes[w%len(wordDashes)]}
			radius := vg.Points(1.8)
			if mean {
				ls.Color, ls.Width, radius = meanLineColor, vg.Points(2.2), vg.Points(4.2)
			}
			if len(pts) > 1 {
				line, err := plotter.NewLine(pts)
				if err != nil {
					return tp, err
				}
				line.LineStyle = ls
				p.Add(line)
			}
			if mean { // an outline under each marker keeps it visible on light lines
				sc, err := plotter.NewScatter(pts)
				if err != nil {
					return tp, err
				}
				sc.GlyphStyle = draw.GlyphStyle{Color: meanLineColor, Radius: radius + vg.Points(1.2), Shape: wordShapes[w%len(wordShapes)]}
				p.Add(sc)
			}
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return tp, err
			}
			shape := wordShapes[w%len(wordShapes)]
			sc.GlyphStyleFunc = func(j int) draw.GlyphStyle {
				return draw.GlyphStyle{Color: scale.at(float64(layerOf[j])), Radius: radius, Shape: shape}
			}
			p.Add(sc)
			tp.points[i] = sc
		}
	}
	return tp, nil
}
