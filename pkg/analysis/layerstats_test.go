package analysis

import (
	"math"
	"testing"
)

// near reports whether a and b agree to tol, treating two NaNs as equal.
func near(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol
}

func TestPerLayer(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name          string
		row           []float64
		mean, std, se float64
		count         int
	}{
		// mean 2.5; Σ(x−mean)² = 5; std = √(5/4); SEM = √(5/3)/√4.
		{"no NaN", []float64{1, 2, 3, 4}, 2.5, math.Sqrt(1.25), math.Sqrt(5.0/3) / 2, 4},
		// {2, 4}: mean 3; std = √(2/2) = 1; SEM = √(2/1)/√2 = 1.
		{"NaN skipped", []float64{2, nan, 4, nan}, 3, 1, 1, 2},
		{"one value", []float64{nan, 7, nan, nan}, 7, 0, nan, 1},
		{"all NaN", []float64{nan, nan, nan, nan}, nan, nan, nan, 0},
		// {-1, -1, 1, 1}: mean 0, std 1, SEM = √(4/3)/2.
		{"symmetric", []float64{-1, 1, -1, 1}, 0, 1, math.Sqrt(4.0/3) / 2, 4},
	}
	m := NewMatrix(len(tests), 4)
	for i, tc := range tests {
		copy(m.Row(i), tc.row)
	}
	s := PerLayer(m)
	if s.N != 4 || len(s.Mean) != len(tests) || len(s.Std) != len(tests) || len(s.SEM) != len(tests) || len(s.Count) != len(tests) {
		t.Fatalf("PerLayer shapes: N=%d, %d means, %d stds, %d SEMs, %d counts; want N=4 and %d of each", s.N, len(s.Mean), len(s.Std), len(s.SEM), len(s.Count), len(tests))
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !near(s.Mean[i], tc.mean, 1e-15) {
				t.Errorf("Mean = %v, want %v", s.Mean[i], tc.mean)
			}
			if !near(s.Std[i], tc.std, 1e-15) {
				t.Errorf("Std = %v, want %v", s.Std[i], tc.std)
			}
			if !near(s.SEM[i], tc.se, 1e-15) {
				t.Errorf("SEM = %v, want %v", s.SEM[i], tc.se)
			}
			if s.Count[i] != tc.count {
				t.Errorf("Count = %d, want %d", s.Count[i], tc.count)
			}
		})
	}
}
