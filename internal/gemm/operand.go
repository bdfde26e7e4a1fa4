package gemm

import (
	"fmt"
	"slices"
)

// Operand is one side of a batched matrix product: element (b, i, k) — batch
// b, cross index i (a row of A, or a column of the product for B), contracting
// index k — is Data[Batch[b]+Cross[i]+Contract[k]]. The three tables hold
// offsets into Data; Offsets builds them from a row-major shape.
type Operand struct {
	Data                   []float32
	Batch, Cross, Contract []int
}

// Offsets returns the offset in a row-major array of dimensions dims of each
// value of the combined index of axes: the first axis listed varies slowest,
// the last fastest. With no axes it is [0] (one combined value). Axes must be
// distinct and within dims; dims must be positive.
//
// For a [T,H,D] array, Offsets(dims, []int{1}) is the offset of each head,
// Offsets(dims, []int{0, 2}) those of the T·D (token, feature) pairs.
func Offsets(dims, axes []int) ([]int, error) {
	strides := make([]int, len(dims))
	s := 1
	for a := len(dims) - 1; a >= 0; a-- {
		if dims[a] <= 0 {
			return nil, fmt.Errorf("gemm: dimension %d of %v is not positive", a, dims)
		}
		strides[a] = s
		s *= dims[a]
	}
	n := 1
	for i, a := range axes {
		if a < 0 || a >= len(dims) {
			return nil, fmt.Errorf("gemm: axis %d out of range for dimensions %v", a, dims)
		}
		if slices.Contains(axes[:i], a) {
			return nil, fmt.Errorf("gemm: axis %d listed twice in %v", a, axes)
		}
		n *= dims[a]
	}
	offs := make([]int, n)
	// Mixed-radix counter over the axes, last axis fastest.
	idx := make([]int, len(axes))
	off := 0
	for i := range offs {
		offs[i] = off
		for j := len(axes) - 1; j >= 0; j-- {
			a := axes[j]
			idx[j]++
			off += strides[a]
			if idx[j] < dims[a] {
				break
			}
			off -= idx[j] * strides[a]
			idx[j] = 0
		}
	}
	return offs, nil
}

// Strided returns the n offsets 0, stride, 2·stride, …, (n-1)·stride.
func Strided(n, stride int) []int {
	offs := make([]int, n)
	for i := range offs {
		offs[i] = i * stride
	}
	return offs
}

// affine reports the stride s when offs[i] == offs[0] + i·s for every i
// (s = 0 for a single entry), or ok = false.
func affine(offs []int) (s int, ok bool) {
	if len(offs) < 2 {
		return 0, true
	}
	s = offs[1] - offs[0]
	for i := 2; i < len(offs); i++ {
		if offs[i]-offs[i-1] != s {
			return 0, false
		}
	}
	return s, true
}

// span is the largest offset plus one that op reaches, or an error when an
// offset is negative or a table is empty.
func (op Operand) span(name string) (int, error) {
	total := 0
	for _, t := range []struct {
		what string
		offs []int
	}{{"batch", op.Batch}, {"cross", op.Cross}, {"contracting", op.Contract}} {
		if len(t.offs) == 0 {
			return 0, fmt.Errorf("gemm: %s operand has no %s offsets", name, t.what)
		}
		hi := 0
		for _, o := range t.offs {
			if o < 0 {
				return 0, fmt.Errorf("gemm: %s operand has a negative %s offset %d", name, t.what, o)
			}
			hi = max(hi, o)
		}
		total += hi
	}
	return total + 1, nil
}
