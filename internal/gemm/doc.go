// Package gemm is this project's float32 matrix product for the pure-Go
// backend: C[b,i,j] = Σ_k A(b,i,k)·B(b,j,k), batched, with float32
// accumulation.
//
// It is a packed-panel GEMM in the manner of GotoBLAS/BLIS: the contracting
// axis is cut in blocks of KC, the rows of A in blocks of MC packed into
// micro-panels of MR rows, the columns of B in strips packed into
// micro-panels of NR columns, and a register-blocked micro-kernel computes
// one MR×NR tile of C at a time from one A and one B micro-panel (MR=4,
// NR=16: eight 8-wide accumulators).
//
// The micro-kernel is SIMD (AVX2 + FMA, through Go's simd/archsimd) when the
// binary is built with GOEXPERIMENT=simd for amd64 and the CPU has AVX2 and
// FMA; otherwise a portable Go micro-kernel computes the same tiles (slower:
// it exists so that the package works and is tested everywhere). SIMD
// reports which one runs and, if it is not the SIMD one, why.
//
// Operands are described by offset tables (Operand), so any arrangement of
// batch, cross and contracting axes — transposed operands, several axes of
// each kind, as GoMLX's DotGeneral allows — is read directly while packing,
// without a transposed copy. Work is cut into tasks (batch × column strips ×
// row chunks) that a caller-chosen number of goroutines take in turn; the
// caller supplies how to start them (Options.Start), so that the product
// shares a worker pool with whatever else runs.
//
// Naive is the reference the tests compare with: a direct triple loop with
// float64 accumulation.
package gemm
