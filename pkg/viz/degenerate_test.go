package viz

import (
	"math"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
)

// Degenerate but valid inputs must render, not fail or panic inside
// gonum/plot (constant ranges, single layers, all-NaN data).
func TestDegenerateInputs(t *testing.T) {
	nan := math.NaN()
	allNaN := analysis.Matrix{Rows: 2, Cols: 2, Data: []float64{nan, nan, nan, nan}}
	constant := analysis.Matrix{Rows: 1, Cols: 1, Data: []float64{3}}
	nanSet := analysis.CorrelationSet{Method: "kendall", Attn: []analysis.Correlation{{R: nan}}, MLP: []analysis.Correlation{{R: nan}}}
	tests := []struct {
		name  string
		build func() (*Figure, error)
	}{
		{"one layer, empty histogram bins", func() (*Figure, error) {
			return LessonFigure(analysis.LayerStats{Mean: []float64{0.1}, Std: []float64{0}, SEM: []float64{nan}},
				analysis.Histogram{Edges: []float64{0.1, 0.1}, Counts: []int{0}}, 0.02, LessonOptions{})
		}},
		{"all-NaN cosines", func() (*Figure, error) { return CosineHeatmap(allNaN, nil) }},
		{"constant cosine", func() (*Figure, error) { return CosineHeatmap(constant, []string{"x"}) }},
		{"all-NaN step lengths", func() (*Figure, error) {
			return StepLengthHeatmaps(analysis.StepLengths{Attn: allNaN, MLP: allNaN, Hidden: allNaN}, nil)
		}},
		{"constant step lengths", func() (*Figure, error) {
			return StepLengthHeatmaps(analysis.StepLengths{Attn: constant, MLP: constant, Hidden: constant}, nil)
		}},
		{"all-NaN correlations", func() (*Figure, error) { return CorrelationPlot(nanSet) }},
		{"scatter without finite points", func() (*Figure, error) {
			return ScatterGrid(analysis.StepLengths{Attn: allNaN, MLP: allNaN, Hidden: allNaN}, []int{0, 1}, 0)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := tt.build()
			if err != nil {
				t.Fatal(err)
			}
			for format, render := range map[string]func() ([]byte, error){"png": f.PNG, "svg": f.SVG} {
				if data, err := render(); err != nil || len(data) == 0 {
					t.Errorf("%s: %d bytes, error %v", format, len(data), err)
				}
			}
		})
	}
}
