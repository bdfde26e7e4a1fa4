package analysis

import (
	"fmt"
	"math"
)

// ComputeStepLengths measures, per layer and token, how far each sub-block's
// output and the hidden state move from one layer to the next.
//
// attn and mlp are the outputs of h.{l}.attn.c_proj and h.{l}.mlp.c_proj,
// flat row-major float32 of shape [layers, tokens, dim]; hidden are the hidden
// states as Hugging Face's output_hidden_states returns them (embeddings
// first), shape [layers+1, tokens, dim]. The result's matrices are all
// [layers, tokens]:
//
//	Attn[l, t]   = ‖a_l[t] − a_{l−1}[t]‖  for l ≥ 1; row 0 is NaN (no previous layer)
//	MLP[l, t]    = ‖m_l[t] − m_{l−1}[t]‖  for l ≥ 1; row 0 is NaN
//	Hidden[l, t] = ‖h_{l+1}[t] − h_l[t]‖  for every l (the step layer l takes)
//
// Norms are Euclidean over dim, accumulated in float64.
func ComputeStepLengths(attn, mlp []float32, hidden []float32, layers, tokens, dim int) (StepLengths, error) {
	if layers < 1 || tokens < 1 || dim < 1 {
		return StepLengths{}, fmt.Errorf("step lengths need positive layers, tokens and dim, got %d, %d, %d: pass the model's layer count, the sequence length and the model width", layers, tokens, dim)
	}
	n := layers * tokens * dim
	for _, in := range []struct {
		name string
		got  int
		want int
		dims string
	}{
		{"attention output", len(attn), n, fmt.Sprintf("[%d,%d,%d]", layers, tokens, dim)},
		{"MLP output", len(mlp), n, fmt.Sprintf("[%d,%d,%d]", layers, tokens, dim)},
		{"hidden states", len(hidden), n + tokens*dim, fmt.Sprintf("[%d,%d,%d]", layers+1, tokens, dim)},
	} {
		if in.got != in.want {
			return StepLengths{}, fmt.Errorf("%s has %d values, want %d for shape %s: check the layer, token and dim counts (hidden states include the embeddings)", in.name, in.got, in.want, in.dims)
		}
	}
	s := StepLengths{
		Attn:   NewMatrix(layers, tokens),
		MLP:    NewMatrix(layers, tokens),
		Hidden: NewMatrix(layers, tokens),
	}
	for t := range tokens {
		s.Attn.Data[t] = math.NaN()
		s.MLP.Data[t] = math.NaN()
	}
	plane := tokens * dim
	for l := range layers {
		for t := range tokens {
			at := l*plane + t*dim
			if l >= 1 {
				s.Attn.Data[l*tokens+t] = distance(attn[at:at+dim], attn[at-plane:at-plane+dim])
				s.MLP.Data[l*tokens+t] = distance(mlp[at:at+dim], mlp[at-plane:at-plane+dim])
			}
			s.Hidden.Data[l*tokens+t] = distance(hidden[at+plane:at+plane+dim], hidden[at:at+dim])
		}
	}
	return s, nil
}

// distance is the Euclidean distance between a and b, accumulated in float64.
func distance(a, b []float32) float64 {
	var sum float64
	for i, v := range a {
		d := float64(v) - float64(b[i])
		sum += d * d
	}
	return math.Sqrt(sum)
}
