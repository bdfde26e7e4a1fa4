package taps

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// Reduction computes a result from whole stacks of tap points inside the graph,
// so that only the (small) result leaves the device. Fn receives one stacked
// node per kind in Inputs, each holding every point of that kind
// ([L,T,D] for adjustments, [L+1,T,D] for hidden states).
type Reduction struct {
	Name   string
	Inputs []Kind
	Fn     func(stacks []*graph.Node) *graph.Node
}

// CosineReduction is the per-layer, per-token cosine similarity between two
// kinds with the same stack shape [L,T,D] → [L,T]. Cosine(AttnOut, MLPOut) is
// the lesson's central quantity. A zero vector gives cosine 0.
func CosineReduction(name string, a, b Kind) Reduction {
	return Reduction{Name: name, Inputs: []Kind{a, b}, Fn: func(s []*graph.Node) *graph.Node {
		return cosineLastAxis(s[0], s[1])
	}}
}

// NormReduction is the Euclidean norm of every point and token of kind k over
// the model dimension: [N,T,D] → [N,T].
func NormReduction(name string, k Kind) Reduction {
	return Reduction{Name: name, Inputs: []Kind{k}, Fn: func(s []*graph.Node) *graph.Node {
		return graph.Sqrt(graph.ReduceSum(graph.Square(s[0]), -1))
	}}
}

// StepLengthReduction is ‖x_{i+1} − x_i‖ over the model dimension for
// consecutive points of kind k: [N,T,D] → [N−1,T]. For hidden states row i is
// ‖h_{i+1} − h_i‖ (what block i moved the stream, with ln_f folded into the
// last); for attention and MLP adjustments row i is ‖a_{i+1} − a_i‖.
func StepLengthReduction(name string, k Kind) Reduction {
	return Reduction{Name: name, Inputs: []Kind{k}, Fn: func(s []*graph.Node) *graph.Node {
		n := s[0].Shape().Dimensions[0]
		if n < 2 {
			panic(fmt.Sprintf("step lengths of %s need at least 2 points, got %d", k, n))
		}
		diff := graph.Sub(graph.Slice(s[0], graph.AxisRange(1, n)), graph.Slice(s[0], graph.AxisRange(0, n-1)))
		return graph.Sqrt(graph.ReduceSum(graph.Square(diff), -1))
	}}
}

// cosineLastAxis is ⟨a,b⟩ / (‖a‖·‖b‖) over the last axis, 0 where a norm is 0.
func cosineLastAxis(a, b *graph.Node) *graph.Node {
	dot := graph.ReduceSum(graph.Mul(a, b), -1)
	na := graph.Sqrt(graph.ReduceSum(graph.Square(a), -1))
	nb := graph.Sqrt(graph.ReduceSum(graph.Square(b), -1))
	den := graph.Mul(na, nb)
	zero := graph.ZerosLike(den)
	safe := graph.Where(graph.GreaterThan(den, zero), den, graph.OnesLike(den))
	return graph.Where(graph.GreaterThan(den, zero), graph.Div(dot, safe), zero)
}
