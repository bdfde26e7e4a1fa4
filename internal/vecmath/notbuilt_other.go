//go:build !(goexperiment.simd && amd64) || go1.27

package vecmath

import "runtime"

// notBuilt says why the SIMD kernels are not compiled into this binary.
var notBuilt = func() string {
	switch {
	case runtime.GOARCH != "amd64":
		return "no SIMD kernels for " + runtime.GOARCH + " (they are amd64 only)"
	case !simdExperiment:
		return "built without GOEXPERIMENT=simd"
	default:
		return "the SIMD kernels are written for Go 1.26's simd/archsimd; built with " + runtime.Version()
	}
}()
