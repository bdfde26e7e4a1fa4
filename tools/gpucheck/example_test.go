package gpucheck_test

import (
	"fmt"

	"github.com/gpt2taps/gpt2taps/tools/gpucheck"
)

func ExampleCompare() {
	captured := map[string][]float32{"mlp.c_proj": {0.5, -2.001, 1}}
	reference := map[string][]float32{"mlp.c_proj": {0.5, -2, 1}}
	diffs, err := gpucheck.Compare(captured, reference)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(diffs[0])
	fmt.Println(gpucheck.ToleranceFor("xla:cpu").Check(diffs) != nil)
	fmt.Println(gpucheck.ToleranceFor("xla:cuda").Check(diffs))
	// Output:
	// mlp.c_proj: max |diff| 0.001, scale 2, relative 0.0005
	// true
	// <nil>
}
