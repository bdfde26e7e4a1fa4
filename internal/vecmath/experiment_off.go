//go:build !goexperiment.simd

package vecmath

// simdExperiment reports whether the binary was built with GOEXPERIMENT=simd.
const simdExperiment = false
