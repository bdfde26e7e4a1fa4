package taps

import (
	"fmt"
	"strings"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// Reduction asks for something computed from whole stacks of tap points
// inside the graph, so that only the (small) result leaves the device: the
// per-token cosine between the attention and the MLP adjustments of every
// layer is [L,T] where the two stacks are [L,T,D] each. It is a description
// (an operation and its inputs), so that results can be cached and files read
// without the model; package model computes it.
type Reduction struct {
	Name   string      // what Result.Get calls it
	Op     string      // OpCosine, OpNorm or OpStepLength
	Inputs []gpt2.Kind // the stacks it reads, each with every point of its kind
}

// The operations of a Reduction.
const (
	OpCosine     = "cosine"      // ⟨a,b⟩/(‖a‖·‖b‖) over the model dimension, 0 for a zero vector: [N,T,D]×2 → [N,T]
	OpNorm       = "norm"        // ‖x‖ over the model dimension: [N,T,D] → [N,T]
	OpStepLength = "step_length" // ‖x_{i+1} − x_i‖ for consecutive points: [N,T,D] → [N−1,T]
)

// CosineReduction is the per-layer, per-token cosine similarity between two
// kinds with the same stack shape, [L,T,D] → [L,T]. It equals
// analysis.CosineMatrix of the two stacks; its use is memory: only [L,T]
// leaves the graph.
func CosineReduction(name string, a, b gpt2.Kind) Reduction {
	return Reduction{Name: name, Op: OpCosine, Inputs: []gpt2.Kind{a, b}}
}

// NormReduction is the Euclidean norm of every point and token of kind k over
// the model dimension: [N,T,D] → [N,T].
func NormReduction(name string, k gpt2.Kind) Reduction {
	return Reduction{Name: name, Op: OpNorm, Inputs: []gpt2.Kind{k}}
}

// StepLengthReduction is ‖x_{i+1} − x_i‖ over the model dimension for
// consecutive points of kind k: [N,T,D] → [N−1,T]. For hidden states row i is
// ‖h_{i+1} − h_i‖ (what block i moved the stream, with ln_f folded into the
// last); for attention and MLP adjustments row i is ‖a_{i+1} − a_i‖.
func StepLengthReduction(name string, k gpt2.Kind) Reduction {
	return Reduction{Name: name, Op: OpStepLength, Inputs: []gpt2.Kind{k}}
}

// key is what the reduction computes, e.g. "cosine(attn.c_proj,mlp.c_proj)".
func (r Reduction) key() string {
	names := make([]string, len(r.Inputs))
	for i, k := range r.Inputs {
		names[i] = k.String()
	}
	return r.Op + "(" + strings.Join(names, ",") + ")"
}

// Shape is the reduction's result shape for a model of configuration c on T
// tokens.
func (r Reduction) Shape(c gpt2.Config, T int) []int {
	n := r.Inputs[0].Count(c.NLayer)
	if r.Op == OpStepLength {
		n--
	}
	return []int{n, T}
}

// check validates the reduction for a model of nLayer blocks.
func (r Reduction) check(nLayer int) error {
	want := map[string]int{OpCosine: 2, OpNorm: 1, OpStepLength: 1}
	n, known := want[r.Op]
	switch {
	case r.Name == "":
		return fmt.Errorf("a reduction needs a name")
	case !known:
		return fmt.Errorf("reduction %q: unknown operation %q (use %s, %s or %s)", r.Name, r.Op, OpCosine, OpNorm, OpStepLength)
	case len(r.Inputs) != n:
		return fmt.Errorf("reduction %q: %s takes %d inputs, got %d", r.Name, r.Op, n, len(r.Inputs))
	}
	for _, k := range r.Inputs {
		if !k.Valid() {
			return fmt.Errorf("reduction %q uses an unknown tap kind (%d)", r.Name, k)
		}
	}
	if r.Op == OpCosine && r.Inputs[0].Count(nLayer) != r.Inputs[1].Count(nLayer) {
		return fmt.Errorf("reduction %q: %s and %s have different numbers of points", r.Name, r.Inputs[0], r.Inputs[1])
	}
	if r.Op == OpStepLength && r.Inputs[0].Count(nLayer) < 2 {
		return fmt.Errorf("reduction %q: step lengths of %s need at least 2 points", r.Name, r.Inputs[0])
	}
	return nil
}
