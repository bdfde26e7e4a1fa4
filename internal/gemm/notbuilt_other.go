//go:build !(goexperiment.simd && amd64) || go1.27

package gemm

import "runtime"

// notBuilt says why the SIMD micro-kernel is not compiled into this binary.
var notBuilt = func() string {
	switch {
	case runtime.GOARCH != "amd64":
		return "no SIMD kernel for " + runtime.GOARCH + " (it is amd64 only)"
	case !simdExperiment:
		return "built without GOEXPERIMENT=simd"
	default:
		return "the SIMD kernel is written for Go 1.26's simd/archsimd; built with " + runtime.Version()
	}
}()
