package viz

import (
	"math"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
)

func TestPositionPairLines(t *testing.T) {
	pairs := testPositionPairs()
	f, err := PositionPairLines(pairs, LayerLinesOptions{
		Title: "Angle between neighbouring tokens by position (GPT-2 XL, 54 sentences)", YLabel: "Mean angle (radians)", XLabel: "Layer (hidden state)",
		HLines: []float64{math.Pi / 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, data, 950, 560, 50)
	checkSVG(t, f, "Angle between neighbouring tokens by position", "Mean angle (radians)", "Position i of the pair i↔i+1", "Layer (hidden state)")
	saveForInspection(t, "positionpairs", f)

	if f, err := PositionPairLines(nil, LayerLinesOptions{}); err == nil || f != nil || !strings.Contains(err.Error(), "no pairs") {
		t.Errorf("no pairs: %v, %v", f, err)
	}
	nan := math.NaN()
	if _, err := PositionPairLines([]analysis.LayerStats{{Mean: []float64{1}}, {Mean: []float64{nan}}}, LayerLinesOptions{}); err == nil || !strings.Contains(err.Error(), "series 1 (1↔2)") {
		t.Errorf("an all-NaN pair: err = %v, want it named", err)
	}
	// One pair, one layer: draws.
	if f, err := PositionPairLines([]analysis.LayerStats{{Mean: []float64{1}}}, LayerLinesOptions{}); err != nil {
		t.Fatal(err)
	} else if _, err := f.PNG(); err != nil {
		t.Fatal(err)
	}
}
