package analysis

import (
	"fmt"
	"math"
)

// AngleRadians is the angle between a and b in radians, in [0, π]: the arccos
// of Cosine(a, b), the cosine clamped to [−1, 1] first so that rounding
// (|cos| a hair above 1 for parallel vectors) cannot give NaN.
//
// It reuses Cosine and so its convention for a zero vector: the cosine is 0
// and the angle π/2 (90°), the same value the in-graph cosine implies. A NaN
// in either vector gives NaN. It returns an error when a and b differ in
// length or are empty (an angle needs at least one dimension).
func AngleRadians(a, b []float32) (float64, error) {
	if len(a) != len(b) {
		return math.NaN(), fmt.Errorf("angle between vectors of %d and %d values: pass two vectors of the same width", len(a), len(b))
	}
	if len(a) == 0 {
		return math.NaN(), fmt.Errorf("angle between empty vectors: pass vectors with at least one dimension")
	}
	return math.Acos(clampUnit(Cosine(a, b))), nil
}

// AngleDegrees is AngleRadians(a, b) in degrees, in [0, 180]; a zero vector
// gives 90.
func AngleDegrees(a, b []float32) (float64, error) {
	rad, err := AngleRadians(a, b)
	return rad * 180 / math.Pi, err
}

// LayerRotations measures how far each token's hidden state turns in each
// transformer block: the angle in degrees between h_l[t] and h_{l+1}[t],
//
//	R[l, t] = AngleDegrees(h_l[t], h_{l+1}[t])   for l = 0…layers−1,
//
// so row 0 is the rotation of block 1 (embeddings → first block's output).
// hidden are the hidden states as Hugging Face's output_hidden_states
// returns them (embeddings first), flat row-major float32 of shape
// [layers+1, tokens, dim]; the result is [layers, tokens]. The last row
// therefore compares the last block's input with the last hidden state,
// which Hugging Face returns after the final layer norm ln_f; pass the last
// block's output instead of it to measure the block alone.
func LayerRotations(hidden []float32, layers, tokens, dim int) (Matrix, error) {
	if layers < 1 {
		return Matrix{}, fmt.Errorf("layer rotations of %d layers: pass the model's layer count (at least 1)", layers)
	}
	if err := checkHidden(hidden, layers+1, tokens, dim); err != nil {
		return Matrix{}, fmt.Errorf("layer rotations: %w", err)
	}
	return perTransition(hidden, layers, tokens, dim, func(prev, next []float32) float64 {
		deg, _ := AngleDegrees(prev, next) // same width, not empty: checked above
		return deg
	}), nil
}

// perTransition applies f to every token's consecutive hidden states,
// M[l, t] = f(h_l[t], h_{l+1}[t]), for a checked stack of layers+1 states.
func perTransition(hidden []float32, layers, tokens, dim int, f func(prev, next []float32) float64) Matrix {
	m := NewMatrix(layers, tokens)
	plane := tokens * dim
	for l := range layers {
		for t := range tokens {
			at := l*plane + t*dim
			m.Data[l*tokens+t] = f(hidden[at:at+dim], hidden[at+plane:at+plane+dim])
		}
	}
	return m
}

// NeighbourAngles measures, in every hidden state, the angle in radians
// between each token and the next one:
//
//	A[s, i] = AngleRadians(h_s[i], h_s[i+1])   for s = 0…states−1, i = 0…tokens−2,
//
// so column i is the position pair i↔i+1 and, for a target at position k,
// column k−1 is the angle between the target and the token before it.
// hidden is flat row-major float32 of shape [states, tokens, dim] (states =
// layers+1 for Hugging Face's hidden states, embeddings first); the result is
// [states, tokens−1]. It returns an error for fewer than 2 tokens.
func NeighbourAngles(hidden []float32, states, tokens, dim int) (Matrix, error) {
	if tokens < 2 {
		return Matrix{}, fmt.Errorf("neighbour angles of %d tokens: pass at least 2 tokens (one pair)", tokens)
	}
	if err := checkHidden(hidden, states, tokens, dim); err != nil {
		return Matrix{}, fmt.Errorf("neighbour angles: %w", err)
	}
	m := NewMatrix(states, tokens-1)
	for s := range states {
		for i := range tokens - 1 {
			at := (s*tokens + i) * dim
			m.Data[s*(tokens-1)+i], _ = AngleRadians(hidden[at:at+dim], hidden[at+dim:at+2*dim])
		}
	}
	return m, nil
}

// checkHidden reports a stack of hidden states that does not hold
// states×tokens×dim values, or a shape that is not positive.
func checkHidden(hidden []float32, states, tokens, dim int) error {
	if states < 1 || tokens < 1 || dim < 1 {
		return fmt.Errorf("hidden states need a positive shape, got %d states × %d tokens × %d dims: pass the state count (layers+1), the sequence length and the model width", states, tokens, dim)
	}
	if n := states * tokens * dim; len(hidden) != n {
		return fmt.Errorf("hidden states have %d values, want %d for shape [%d,%d,%d]: check the state, token and dim counts (Hugging Face's hidden states include the embeddings)", len(hidden), n, states, tokens, dim)
	}
	return nil
}
