package gemm

// microKernel is the micro-kernel Product uses: the SIMD one when it is built
// in and the CPU supports it (set by init in kernel_simd_amd64.go), else the
// portable one.
var microKernel kernelFunc = kernelGo

// simdName names the SIMD micro-kernel when it is the one in use.
var simdName string

// simdReason says why the SIMD micro-kernel is not in use; set where it is
// compiled in, and by notBuilt otherwise.
var simdReason = notBuilt

// SIMD reports whether Product runs the SIMD micro-kernel, its name (e.g.
// "AVX2+FMA") when it does, and why not when it does not, e.g. "built
// without GOEXPERIMENT=simd" or "this CPU has no FMA".
func SIMD() (name string, ok bool, reason string) {
	if simdName != "" {
		return simdName, true, ""
	}
	return "", false, simdReason
}
