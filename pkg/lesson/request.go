package lesson

import "github.com/gpt2taps/gpt2taps/pkg/taps"

// Request is what the lesson taps, defined here once for the notebooks, the
// command line, the benchmark and the GPU check: the outputs of the two c_proj
// modules of every block — the adjustments attention and the MLP add to the
// residual stream, where the lesson registers its forward hooks — and the
// hidden states for part 2. The cosine of the two adjustments is computed
// from them on the host (analysis.CosineMatrix), by the same code the
// notebooks show.
func Request() taps.Request {
	return taps.Request{Points: []string{"h.*.attn.c_proj", "h.*.mlp.c_proj", "hidden_states"}}
}

// DefaultModel is the model of the original lesson.
const DefaultModel = "gpt2-large"
