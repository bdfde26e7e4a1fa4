package viz

import (
	"fmt"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// StepLengthHeatmaps draws the three step-length matrices of s side by
// side as layer (y) × token (x) heat maps: attention ‖a(l) − a(l−1)‖, MLP
// ‖m(l) − m(l−1)‖ and hidden state ‖h(l+1) − h(l)‖. All three share one
// colour scale (the min and max over all finite values) and one colour bar,
// so their magnitudes can be compared. NaN cells (layer 0 of attention and
// MLP, which have no previous output) are grey, as a note under the panels
// says. tokenLabels label the x axes as in CosineHeatmap. The figure is
// 18×6.5 inches.
func StepLengthHeatmaps(s analysis.StepLengths, tokenLabels []string) (*Figure, error) {
	if err := s.Check(); err != nil {
		return nil, fmt.Errorf("viz: step-length heatmaps: %w", err)
	}
	if err := checkTokenLabels(tokenLabels, s.Attn.Cols); err != nil {
		return nil, fmt.Errorf("viz: step-length heatmaps: %w", err)
	}
	scale, err := sequentialScale(s.Attn.Data, s.MLP.Data, s.Hidden.Data)
	if err != nil {
		return nil, fmt.Errorf("viz: step-length heatmaps: %w", err)
	}
	const width, height = 18 * vg.Inch, 6.5 * vg.Inch
	panelWidth := (width-colorBarWidth)/3 - 0.9*vg.Inch
	plots := []*plot.Plot{
		heatmapPlot(s.Attn, scale, "Attention: ‖a(l) − a(l−1)‖", tokenLabels, panelWidth),
		heatmapPlot(s.MLP, scale, "MLP: ‖m(l) − m(l−1)‖", tokenLabels, panelWidth),
		heatmapPlot(s.Hidden, scale, "Hidden state: ‖h(l+1) − h(l)‖", tokenLabels, panelWidth),
	}
	plots[1].Y.Label.Text, plots[2].Y.Label.Text = "", ""
	note := ""
	if hasNaN(s.Attn.Data, s.MLP.Data, s.Hidden.Data) {
		note = "Grey cells: undefined (NaN); layer 0 of attention and MLP has no previous output to step from."
	}
	return heatmapsFigure(width, height, "Step lengths per token and layer (one shared colour scale)", note, plots, scale, "Step length (L2 norm)"), nil
}
