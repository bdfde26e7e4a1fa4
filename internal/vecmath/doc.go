// Package vecmath holds float32 kernels for the elementwise work of the
// forward pass that is not a matrix product: the exponential, the logistic,
// tanh, the four arithmetic operations (element by element, with a scalar, or
// with one operand repeated per row or per column), and row reductions (max,
// sum).
//
// With GOEXPERIMENT=simd on amd64 and a CPU with AVX2 and FMA they run on Go's
// simd/archsimd, 8 lanes at a time; SIMD says whether they do, and why not.
// Elsewhere every function computes the same thing with scalar Go code (the
// exponentials through math.Exp), so callers need no build tags.
//
// Accuracy: Exp, Logistic and Tanh are within 4e-7 relative error (about 3
// ulp) of the float64 functions rounded to float32, on finite inputs (the
// property tests' bound); results below the smallest normal float32 are
// within 1e-38. NaN in,
// NaN out; exp(+Inf) = +Inf, exp(-Inf) = 0, as math.Exp.
package vecmath
