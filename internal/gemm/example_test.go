package gemm_test

import (
	"fmt"

	"github.com/gpt2taps/gpt2taps/internal/gemm"
)

// A [2,3] times B [3,2], both stored row-major: A's rows are its cross index,
// B's columns are its cross index and its rows the contracting one.
func ExampleProduct() {
	a := gemm.Operand{Data: []float32{1, 2, 3, 4, 5, 6}, Batch: []int{0}, Cross: gemm.Strided(2, 3), Contract: gemm.Strided(3, 1)}
	b := gemm.Operand{Data: []float32{1, 0, 0, 1, 1, 1}, Batch: []int{0}, Cross: gemm.Strided(2, 1), Contract: gemm.Strided(3, 2)}
	c := make([]float32, 2*2)
	if err := gemm.Product(c, a, b, gemm.Options{Threads: 2}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c)
	// Output:
	// [4 5 10 11]
}

// Offsets describes operands laid out as in a DotGeneral: here the keys
// [T=2, H=2, D=3] of attention, batch axis H, cross axis T, contracting D.
func ExampleOffsets() {
	dims := []int{2, 2, 3}
	heads, _ := gemm.Offsets(dims, []int{1})
	tokens, _ := gemm.Offsets(dims, []int{0})
	features, _ := gemm.Offsets(dims, []int{2})
	fmt.Println(heads, tokens, features)
	// Output:
	// [0 3] [0 6] [0 1 2]
}
