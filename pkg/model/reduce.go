package model

import (
	"github.com/gomlx/gomlx/pkg/core/graph"

	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// reduce computes a taps.Reduction's operation on its input stacks inside the
// graph (see the Op constants of package taps for the shapes).
func reduce(op string, in []*graph.Node) *graph.Node {
	switch op {
	case taps.OpCosine:
		return cosineLastAxis(in[0], in[1])
	case taps.OpNorm:
		return norm(in[0])
	case taps.OpStepLength:
		n := in[0].Shape().Dimensions[0]
		return norm(graph.Sub(graph.Slice(in[0], graph.AxisRange(1, n)), graph.Slice(in[0], graph.AxisRange(0, n-1))))
	}
	panic("unknown reduction " + op) // taps.Request.Validate refuses it first
}

// norm is the Euclidean norm over the last axis.
func norm(x *graph.Node) *graph.Node {
	return graph.Sqrt(graph.ReduceSum(graph.Square(x), -1))
}

// cosineLastAxis is ⟨a,b⟩ / (‖a‖·‖b‖) over the last axis, 0 where a norm is 0
// (as analysis.Cosine on the host).
func cosineLastAxis(a, b *graph.Node) *graph.Node {
	dot := graph.ReduceSum(graph.Mul(a, b), -1)
	den := graph.Mul(norm(a), norm(b))
	positive := graph.GreaterThan(den, graph.ZerosLike(den))
	safe := graph.Where(positive, den, graph.OnesLike(den))
	return graph.Where(positive, graph.Div(dot, safe), graph.ZerosLike(den))
}
