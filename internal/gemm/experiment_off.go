//go:build !goexperiment.simd

package gemm

// simdExperiment reports whether the binary was built with GOEXPERIMENT=simd.
const simdExperiment = false
