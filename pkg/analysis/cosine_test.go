package analysis

import (
	"math"
	"testing"
)

func TestCosine(t *testing.T) {
	cases := []struct {
		a, b []float32
		want float64
	}{
		{[]float32{1, 0}, []float32{0, 1}, 0},
		{[]float32{1, 2, 3}, []float32{2, 4, 6}, 1},
		{[]float32{1, 2, 3}, []float32{-1, -2, -3}, -1},
		{[]float32{3, 4}, []float32{4, 3}, 24.0 / 25},
		{[]float32{0, 0}, []float32{1, 2}, 0}, // a zero vector: 0, as in the graph
		{[]float32{1, 2}, []float32{0, 0}, 0},
	}
	for _, tc := range cases {
		if got := Cosine(tc.a, tc.b); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Cosine(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestCosineMatrix(t *testing.T) {
	// 2 layers × 2 tokens × 2 dims.
	a := []float32{1, 0, 0, 1, 1, 1, 0, 0}
	b := []float32{0, 1, 0, 2, 2, 2, 5, 5}
	m, err := CosineMatrix(a, b, 2, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0, 1, 1, 0}
	for i, w := range want {
		if math.Abs(m.Data[i]-w) > 1e-12 {
			t.Errorf("entry %d = %v, want %v", i, m.Data[i], w)
		}
	}
	if m.Rows != 2 || m.Cols != 2 {
		t.Errorf("shape %d×%d", m.Rows, m.Cols)
	}
	if _, err := CosineMatrix(a, b[:6], 2, 2, 2); err == nil {
		t.Error("stacks of the wrong size were accepted")
	}
}
