//go:build goexperiment.simd && amd64 && !go1.27

package gemm

import (
	"simd/archsimd"
	"unsafe"
)

// The SIMD micro-kernel needs AVX2 (8-wide float32 vectors) and FMA.
func init() {
	switch {
	case !archsimd.X86.AVX2():
		simdReason = "this CPU has no AVX2"
	case !archsimd.X86.FMA():
		simdReason = "this CPU has no FMA"
	default:
		microKernel = kernelAVX2
		simdName = "AVX2+FMA"
		simdReason = ""
	}
}

// kernelAVX2 computes the 4×16 tile in eight Float32x8 accumulators (two per
// row), one fused multiply-add each per step of k: per step, two vectors of
// B and four broadcast values of A. The broadcast value is the receiver of
// MulAdd: the instruction (VFMADD213PS) overwrites its receiver, and a
// broadcast is used twice where a vector of B is used four times, so this
// order needs half the register copies (measured 20–40% faster).
func kernelAVX2(kc int, a, b, c []float32, ldc int, accumulate bool) {
	if kc <= 0 {
		return
	}
	// Bounds, once: the loop below reads through pointers.
	_ = a[kc*mr-1]
	_ = b[kc*nr-1]
	_ = c[3*ldc+nr-1]
	// The pointers step through a and b, and stop at their last step: a
	// pointer past the end of an allocation is not allowed (unsafe.Pointer's
	// rules; checkptr, on with -race, checks).
	pa := unsafe.Pointer(&a[0])
	pb := unsafe.Pointer(&b[0])
	var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float32x8
	for q := kc; ; {
		b0 := archsimd.LoadFloat32x8((*[8]float32)(pb))
		b1 := archsimd.LoadFloat32x8((*[8]float32)(unsafe.Add(pb, 32)))
		a0 := archsimd.BroadcastFloat32x8(*(*float32)(pa))
		c00 = a0.MulAdd(b0, c00)
		c01 = a0.MulAdd(b1, c01)
		a1 := archsimd.BroadcastFloat32x8(*(*float32)(unsafe.Add(pa, 4)))
		c10 = a1.MulAdd(b0, c10)
		c11 = a1.MulAdd(b1, c11)
		a2 := archsimd.BroadcastFloat32x8(*(*float32)(unsafe.Add(pa, 8)))
		c20 = a2.MulAdd(b0, c20)
		c21 = a2.MulAdd(b1, c21)
		a3 := archsimd.BroadcastFloat32x8(*(*float32)(unsafe.Add(pa, 12)))
		c30 = a3.MulAdd(b0, c30)
		c31 = a3.MulAdd(b1, c31)
		if q--; q == 0 {
			break
		}
		pa = unsafe.Add(pa, mr*4)
		pb = unsafe.Add(pb, nr*4)
	}
	store := func(row []float32, lo, hi archsimd.Float32x8) {
		p0 := (*[8]float32)(row[0:8])
		p1 := (*[8]float32)(row[8:16])
		if accumulate {
			lo = lo.Add(archsimd.LoadFloat32x8(p0))
			hi = hi.Add(archsimd.LoadFloat32x8(p1))
		}
		lo.Store(p0)
		hi.Store(p1)
	}
	store(c[0:], c00, c01)
	store(c[ldc:], c10, c11)
	store(c[2*ldc:], c20, c21)
	store(c[3*ldc:], c30, c31)
	// Leave no dirty upper halves to the SSE code around (the compiler does
	// not yet insert VZEROUPPER itself): on Intel CPUs they slow it down.
	archsimd.ClearAVXUpperBits()
}
