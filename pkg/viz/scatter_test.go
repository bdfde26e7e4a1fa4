package viz

import (
	"slices"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
)

func TestScatterLayers(t *testing.T) {
	tests := []struct {
		nLayer int
		want   []int
	}{
		{36, []int{1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 34}},
		{12, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
		{24, []int{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23}},
		{48, []int{1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 41, 45}},
		{2, []int{1}},
		{1, nil},
		{0, nil},
	}
	for _, tt := range tests {
		if got := ScatterLayers(tt.nLayer); !slices.Equal(got, tt.want) {
			t.Errorf("ScatterLayers(%d) = %v, want %v", tt.nLayer, got, tt.want)
		}
	}
}

func TestScatterGrid(t *testing.T) {
	s := testStepLengths()
	tests := []struct {
		name         string
		layers       []int
		first        int
		wantW, wantH int
		wantSVG      []string
	}{
		// Layer 4 of the test data: hidden = 2·attn + 1 and MLP = 50 − hidden.
		{"lesson", ScatterLayers(testLayers), 1, 1550, 980, []string{
			"Layer 4: r(attn) = 1.00, r(MLP) = -1.00", "Layer 34: r(attn) = ",
			"tokens 1..59", "Sub-block step length", "Hidden step length",
			"Attention: ‖a(l) − a(l−1)‖", "MLP: ‖m(l) − m(l−1)‖",
		}},
		{"single", []int{4}, 1, 680, 380, []string{"Layer 4: r(attn) = 1.00, r(MLP) = -1.00"}},
		{"layer0", []int{0, 4}, 0, 790, 380, []string{"Layer 0: r(attn) = n/a, r(MLP) = n/a", "Layer 4: r(attn) = 1.00", "tokens 0..59"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ScatterGrid(s, tt.layers, tt.first)
			if err != nil {
				t.Fatal(err)
			}
			data, err := f.PNG()
			if err != nil {
				t.Fatal(err)
			}
			checkPNG(t, data, tt.wantW, tt.wantH, 50)
			checkSVG(t, f, tt.wantSVG...)
			saveForInspection(t, "scatter-"+tt.name, f)
		})
	}
}

func TestScatterGridErrors(t *testing.T) {
	s := testStepLengths()
	odd := testStepLengths()
	odd.Hidden = analysis.Matrix{Rows: 1, Cols: 1, Data: []float64{1}}
	tests := []struct {
		name    string
		s       analysis.StepLengths
		layers  []int
		first   int
		wantErr string
	}{
		{"no layers", s, nil, 1, "no layers: pass some, e.g. viz.ScatterLayers(36)"},
		{"layer too big", s, []int{1, 36}, 1, "layer 36 out of range: use 0..35"},
		{"negative layer", s, []int{-1}, 1, "layer -1 out of range"},
		{"first token too big", s, []int{1}, 60, "first token 60 out of range: use 0..59"},
		{"negative first token", s, []int{1}, -1, "first token -1 out of range"},
		{"shape mismatch", odd, []int{1}, 1, "differ in shape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ScatterGrid(tt.s, tt.layers, tt.first)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
			if f != nil {
				t.Error("returned a figure with its error")
			}
		})
	}
}
