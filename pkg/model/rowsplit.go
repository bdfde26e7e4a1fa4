package model

import (
	"runtime"

	"github.com/gomlx/gomlx/backends/simplego"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // graph-building code reads like math
)

// rowSplit is the one place where the forward pass adapts to a backend: how
// many independent pieces token-wise work (layer norms, the softmax, the GELU)
// is cut into along its first axis.
//
// The pure-Go backend (simplego) runs each such operation on one core, but
// runs independent operations side by side; only its matrix products use
// every core. Cut into GOMAXPROCS pieces, the token-wise work keeps every core
// busy too. XLA fuses and parallelizes by itself and gets one piece. Each
// piece computes exactly what the whole would, row by row, so the numbers do
// not depend on the cut.
type rowSplit int

// forcedPieces, when not 0, replaces the automatic choice: the benchmark of
// this file measures both ways.
var forcedPieces = 0

// rowSplit returns the cut for m's backend.
func (m *Model) rowSplit() rowSplit {
	if forcedPieces > 0 {
		return rowSplit(forcedPieces)
	}
	if _, ok := m.Backend.(*simplego.Backend); ok {
		return rowSplit(runtime.GOMAXPROCS(0))
	}
	return 1
}

// apply applies fn to contiguous pieces of x (and of aux, cut the same way,
// when not nil) along the first axis and concatenates the results. fn must
// treat rows independently.
func (n rowSplit) apply(x, aux *Node, fn func(x, aux *Node) *Node) *Node {
	rows := x.Shape().Dimensions[0]
	k := min(int(n), rows)
	if k <= 1 {
		return fn(x, aux)
	}
	parts := make([]*Node, k)
	for i := range k {
		r := AxisRange(i*rows/k, (i+1)*rows/k)
		var a *Node
		if aux != nil {
			a = Slice(aux, r)
		}
		parts[i] = fn(Slice(x, r), a)
	}
	return Concatenate(parts, 0)
}
