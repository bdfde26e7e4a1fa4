package taps

import (
	"fmt"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/graph"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// Reduction computes a result from whole stacks of tap points inside the graph,
// so that only the (small) result leaves the device. Fn receives one stacked
// node per kind in Inputs, each holding every point of that kind
// ([L,T,D] for adjustments, [L+1,T,D] for hidden states).
type Reduction struct {
	Name   string
	Inputs []gpt2.Kind
	Fn     func(stacks []*graph.Node) *graph.Node
	// Key says what Fn computes, e.g. "cosine(attn.c_proj,mlp.c_proj)". The
	// reductions of this package set it; a request holding a reduction without
	// a Key is never served from or stored in the tap cache.
	Key string
}

func reductionKey(op string, kinds ...gpt2.Kind) string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.String()
	}
	return op + "(" + strings.Join(names, ",") + ")"
}

// CosineReduction is the per-layer, per-token cosine similarity between two
// kinds with the same stack shape [L,T,D] → [L,T]. Cosine(AttnOut, MLPOut) is
// the lesson's central quantity. A zero vector gives cosine 0 (as
// analysis.Cosine on the host).
func CosineReduction(name string, a, b gpt2.Kind) Reduction {
	return Reduction{Name: name, Inputs: []gpt2.Kind{a, b}, Key: reductionKey("cosine", a, b),
		Fn: func(s []*graph.Node) *graph.Node { return cosineLastAxis(s[0], s[1]) }}
}

// NormReduction is the Euclidean norm of every point and token of kind k over
// the model dimension: [N,T,D] → [N,T].
func NormReduction(name string, k gpt2.Kind) Reduction {
	return Reduction{Name: name, Inputs: []gpt2.Kind{k}, Key: reductionKey("norm", k),
		Fn: func(s []*graph.Node) *graph.Node { return norm(s[0]) }}
}

// StepLengthReduction is ‖x_{i+1} − x_i‖ over the model dimension for
// consecutive points of kind k: [N,T,D] → [N−1,T]. For hidden states row i is
// ‖h_{i+1} − h_i‖ (what block i moved the stream, with ln_f folded into the
// last); for attention and MLP adjustments row i is ‖a_{i+1} − a_i‖.
func StepLengthReduction(name string, k gpt2.Kind) Reduction {
	return Reduction{Name: name, Inputs: []gpt2.Kind{k}, Key: reductionKey("step_length", k),
		Fn: func(s []*graph.Node) *graph.Node {
			n := s[0].Shape().Dimensions[0]
			if n < 2 {
				panic(fmt.Sprintf("step lengths of %s need at least 2 points, got %d", k, n))
			}
			return norm(graph.Sub(graph.Slice(s[0], graph.AxisRange(1, n)), graph.Slice(s[0], graph.AxisRange(0, n-1))))
		}}
}

// norm is the Euclidean norm over the last axis.
func norm(x *graph.Node) *graph.Node {
	return graph.Sqrt(graph.ReduceSum(graph.Square(x), -1))
}

// cosineLastAxis is ⟨a,b⟩ / (‖a‖·‖b‖) over the last axis, 0 where a norm is 0.
func cosineLastAxis(a, b *graph.Node) *graph.Node {
	dot := graph.ReduceSum(graph.Mul(a, b), -1)
	den := graph.Mul(norm(a), norm(b))
	positive := graph.GreaterThan(den, graph.ZerosLike(den))
	safe := graph.Where(positive, den, graph.OnesLike(den))
	return graph.Where(positive, graph.Div(dot, safe), graph.ZerosLike(den))
}
