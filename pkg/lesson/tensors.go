package lesson

import (
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

type tensorsTensor = tensors.Tensor

func tensorFloat32(t *tensors.Tensor) []float32 { return tensors.MustCopyFlatData[float32](t) }

func fromFloat32(data []float32, dims ...int) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(data, dims...)
}

// stackOf wraps a flat full stack of kind k ([rows,T,D]) for taps.WriteFile.
func stackOf(k taps.Kind, data []float32, rows, T, D int) *taps.Stack {
	idx := make([]int, rows)
	for i := range idx {
		idx[i] = i
	}
	return &taps.Stack{Kind: k, Indices: idx, Tensor: fromFloat32(data, rows, T, D)}
}
