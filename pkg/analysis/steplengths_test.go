package analysis

import (
	"math"
	"testing"
)

func TestComputeStepLengths(t *testing.T) {
	// layers=2, tokens=2, dim=2; layout [layer][token][dim].
	attn := []float32{
		0, 0, 1, 1, // layer 0: token 0, token 1
		3, 4, 1, 1, // layer 1: steps (3,4) and (0,0)
	}
	mlp := []float32{
		1, 0, 0, 0,
		1, 0, -6, 8, // steps (0,0) and (-6,8)
	}
	hidden := []float32{
		0, 0, 0, 0, // h_0 (embeddings)
		1, 0, 0, 2, // h_1: steps (1,0) and (0,2)
		4, 4, 0, -1, // h_2: steps (3,4) and (0,-3)
	}
	s, err := ComputeStepLengths(attn, mlp, hidden, 2, 2, 2)
	if err != nil {
		t.Fatalf("ComputeStepLengths: %v", err)
	}
	nan := math.NaN()
	tests := []struct {
		name string
		m    Matrix
		want []float64
	}{
		{"attn", s.Attn, []float64{nan, nan, 5, 0}},
		{"mlp", s.MLP, []float64{nan, nan, 0, 10}},
		{"hidden", s.Hidden, []float64{1, 2, 5, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.m.Rows != 2 || tc.m.Cols != 2 {
				t.Fatalf("shape %d×%d, want 2×2", tc.m.Rows, tc.m.Cols)
			}
			for i, w := range tc.want {
				if !near(tc.m.Data[i], w, 0) {
					t.Errorf("value %d (layer %d, token %d) = %v, want %v", i, i/2, i%2, tc.m.Data[i], w)
				}
			}
		})
	}
}

// TestComputeStepLengthsFloat64 checks that norms are accumulated in float64:
// the squares of 3e30 and 4e30 overflow float32 but not float64.
func TestComputeStepLengthsFloat64(t *testing.T) {
	attn := []float32{0, 0, 3e30, 4e30}
	mlp := []float32{0, 0, 0, 0}
	hidden := []float32{0, 0, 0, 0, 3e30, 4e30}
	s, err := ComputeStepLengths(attn, mlp, hidden, 2, 1, 2)
	if err != nil {
		t.Fatalf("ComputeStepLengths: %v", err)
	}
	if got := s.Attn.At(1, 0); math.Abs(got/5e30-1) > 1e-6 {
		t.Errorf("attention step = %v, want 5e30", got)
	}
	if got := s.Hidden.At(1, 0); math.Abs(got/5e30-1) > 1e-6 {
		t.Errorf("hidden step = %v, want 5e30", got)
	}
}

func TestComputeStepLengthsErrors(t *testing.T) {
	ok := make([]float32, 2*3*4)
	hid := make([]float32, 3*3*4)
	tests := []struct {
		name                string
		attn, mlp, hidden   []float32
		layers, tokens, dim int
	}{
		{"attn short", ok[1:], ok, hid, 2, 3, 4},
		{"mlp long", ok, append(ok, 0), hid, 2, 3, 4},
		{"hidden without embeddings", ok, ok, ok, 2, 3, 4},
		{"zero layers", nil, nil, hid[:12], 0, 3, 4},
		{"zero tokens", nil, nil, nil, 2, 0, 4},
		{"zero dim", nil, nil, nil, 2, 3, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ComputeStepLengths(tc.attn, tc.mlp, tc.hidden, tc.layers, tc.tokens, tc.dim); err == nil {
				t.Error("want an error")
			}
		})
	}
}
