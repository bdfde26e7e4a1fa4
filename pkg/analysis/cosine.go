package analysis

import (
	"fmt"
	"math"
)

// Cosine is ⟨a,b⟩ / (‖a‖·‖b‖), accumulated in float64, and 0 when a or b is
// the zero vector: the convention of the in-graph cosine
// (taps.CosineReduction), so that host and graph agree everywhere.
func Cosine(a, b []float32) float64 {
	var dot, aa, bb float64
	for i, x := range a {
		y := float64(b[i])
		dot += float64(x) * y
		aa += float64(x) * float64(x)
		bb += y * y
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return dot / math.Sqrt(aa*bb)
}

// CosineMatrix is the cosine (see Cosine) of a and b, two stacks of shape
// [layers, tokens, dim] as flat row-major arrays, per layer and token.
func CosineMatrix(a, b []float32, layers, tokens, dim int) (Matrix, error) {
	n := layers * tokens * dim
	if len(a) != n || len(b) != n {
		return Matrix{}, fmt.Errorf("cosine: stacks of %d and %d values, want %d×%d×%d = %d", len(a), len(b), layers, tokens, dim, n)
	}
	m := NewMatrix(layers, tokens)
	for i := range m.Data {
		m.Data[i] = Cosine(a[i*dim:(i+1)*dim], b[i*dim:(i+1)*dim])
	}
	return m, nil
}
