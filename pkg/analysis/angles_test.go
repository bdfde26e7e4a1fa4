package analysis

import (
	"math"
	"testing"
)

func TestAngles(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		name string
		a, b []float32
		deg  float64
	}{
		{"orthogonal", []float32{1, 0}, []float32{0, 1}, 90},
		{"parallel", []float32{1, 2, 3}, []float32{2, 4, 6}, 0},
		{"opposite", []float32{1, 2, 3}, []float32{-1, -2, -3}, 180},
		{"45°", []float32{1, 0}, []float32{1, 1}, 45},
		{"60°", []float32{1, 0, 0}, []float32{0.5, float32(math.Sqrt(3) / 2), 0}, 60},
		{"120°", []float32{1, 0}, []float32{-0.5, float32(math.Sqrt(3) / 2)}, 120},
		// 3-4-5: cos = 24/25, acos(0.96) = 16.260204708311957° (math.Acos).
		{"3-4-5", []float32{3, 4}, []float32{4, 3}, 16.260204708311957},
		{"D=1 same sign", []float32{-2}, []float32{-7}, 0},
		{"D=1 opposite", []float32{2}, []float32{-7}, 180},
		{"zero vector is 90° (Cosine 0)", []float32{0, 0}, []float32{1, 2}, 90},
		{"both zero", []float32{0, 0, 0}, []float32{0, 0, 0}, 90},
		{"NaN", []float32{nan, 1}, []float32{1, 1}, math.NaN()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			deg, err := AngleDegrees(tc.a, tc.b)
			if err != nil {
				t.Fatal(err)
			}
			rad, err := AngleRadians(tc.a, tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if !near(deg, tc.deg, 1e-5) {
				t.Errorf("AngleDegrees = %v, want %v", deg, tc.deg)
			}
			if !near(rad, tc.deg*math.Pi/180, 1e-7) {
				t.Errorf("AngleRadians = %v, want %v", rad, tc.deg*math.Pi/180)
			}
		})
	}
}

// TestAngleParallelNotNaN: for (nearly) parallel vectors the computed cosine
// can exceed 1 by rounding; the clamp must keep the angle a number near 0.
func TestAngleParallelNotNaN(t *testing.T) {
	for i := 1; i < 2000; i++ {
		x := float32(i) * 0.37
		a := []float32{x, x * 1.1, x * 0.3, 1 / x}
		deg, err := AngleDegrees(a, a)
		if err != nil || math.IsNaN(deg) || deg > 1e-3 {
			t.Fatalf("angle of %v with itself = %v (err %v), want ≈ 0", a, deg, err)
		}
	}
}

func TestAngleErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b []float32
	}{
		{"length mismatch", []float32{1, 2}, []float32{1, 2, 3}},
		{"empty", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range []func(a, b []float32) (float64, error){AngleDegrees, AngleRadians} {
				if v, err := f(tc.a, tc.b); err == nil || !math.IsNaN(v) {
					t.Errorf("got %v, %v; want NaN and an error", v, err)
				}
			}
		})
	}
}

func TestLayerRotations(t *testing.T) {
	// 2 layers (3 states) × 2 tokens × 2 dims; [state][token][dim].
	hidden := []float32{
		1, 0, 0, 1, // h_0
		0, 1, 0, 2, // h_1: token 0 turns 90°, token 1 0°
		0, -3, 1, 1, // h_2: token 0 turns 180°, token 1 45°
	}
	m, err := LayerRotations(hidden, 2, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{90, 0, 180, 45}
	if m.Rows != 2 || m.Cols != 2 {
		t.Fatalf("shape %d×%d, want 2×2", m.Rows, m.Cols)
	}
	for i, w := range want {
		if !near(m.Data[i], w, 1e-5) {
			t.Errorf("R[%d, %d] = %v, want %v", i/2, i%2, m.Data[i], w)
		}
	}
	for _, tc := range []struct {
		name                string
		hidden              []float32
		layers, tokens, dim int
	}{
		{"without embeddings", hidden[:8], 2, 2, 2},
		{"zero layers", hidden[:4], 0, 2, 2},
		{"zero dim", nil, 2, 2, 0},
	} {
		if _, err := LayerRotations(tc.hidden, tc.layers, tc.tokens, tc.dim); err == nil {
			t.Errorf("%s: want an error", tc.name)
		}
	}
}

func TestNeighbourAngles(t *testing.T) {
	// 2 states × 3 tokens × 2 dims.
	hidden := []float32{
		1, 0, 0, 1, -1, 1, // state 0: pairs 0↔1 π/2, 1↔2 π/4
		1, 1, 1, 1, -1, -1, // state 1: pairs 0↔1 0, 1↔2 π
	}
	m, err := NeighbourAngles(hidden, 2, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{math.Pi / 2, math.Pi / 4, 0, math.Pi}
	if m.Rows != 2 || m.Cols != 2 {
		t.Fatalf("shape %d×%d, want 2×2", m.Rows, m.Cols)
	}
	for i, w := range want {
		if !near(m.Data[i], w, 1e-6) {
			t.Errorf("A[%d, %d] = %v, want %v", i/2, i%2, m.Data[i], w)
		}
	}
	if _, err := NeighbourAngles(hidden[:2], 1, 1, 2); err == nil {
		t.Error("one token: want an error")
	}
	if _, err := NeighbourAngles(hidden[:11], 2, 3, 2); err == nil {
		t.Error("short data: want an error")
	}
}
