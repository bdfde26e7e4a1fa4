package backend_test

import (
	"fmt"
	"strings"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
)

func ExampleNew() {
	c, err := backend.New("go:parallelism=1")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Backend.Finalize()
	// c.String() is, e.g., "go:parallelism=1: pure Go (GoMLX simplego), 1 CPU
	// thread, float32 matmul: gpt2taps SIMD GEMM (AVX2+FMA), float32
	// elementwise: gpt2taps SIMD kernels (AVX2+FMA)"; the kernels depend on
	// the build and the CPU (see backend.MatmulDescription and
	// backend.ElementwiseDescription).
	engine, kernels, _ := strings.Cut(c.String(), ", float32 matmul: ")
	kernel, _, _ := strings.Cut(kernels, ", float32 elementwise: ")
	fmt.Println(engine)
	fmt.Println(kernel == backend.MatmulDescription())
	// Output:
	// SimpleGo backend: parallelism set to 1
	// go:parallelism=1: pure Go (GoMLX simplego), 1 CPU thread
	// true
}

func ExampleNew_unknown() {
	_, err := backend.New("tpu")
	fmt.Println(strings.SplitN(err.Error(), ":", 2)[0])
	// Output:
	// unknown backend "tpu"
}

func ExampleSetMatmul() {
	// Compare the pure-Go backend's float32 matmul kernels in one process:
	// "stock" (GoMLX's) always, and "simd" (this project's) where it runs.
	for _, kernel := range backend.MatmulKernels() {
		if err := backend.SetMatmul(kernel); err != nil {
			fmt.Println(err)
			return
		}
		// … run and time the graphs here …
	}
	if err := backend.SetMatmul(""); err != nil { // back to the default
		fmt.Println(err)
	}
	fmt.Println(backend.MatmulKernels()[0])
	// Output:
	// stock
}
