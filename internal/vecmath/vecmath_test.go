package vecmath

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// sizes are awkward lengths: empty, one, around the 8-lane width, primes,
// and around 1024.
var sizes = []int{0, 1, 2, 7, 8, 9, 13, 31, 33, 127, 1021, 1023, 1024, 1031}

// specials are the values every kernel is also run on.
var specials = []float32{0, float32(math.Copysign(0, -1)), 1, -1, 0.5, -0.625, 0.625, 1e-20, -1e-20,
	88.7, 88.72, 88.73, 89, -87.3, -87.4, -100, -103.9, -104, -110, 200, -200,
	math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32,
	float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}

// inputs returns n values: uniform in [lo, hi), with the specials spread
// over them when withSpecials.
func inputs(rng *rand.Rand, n int, lo, hi float64, withSpecials bool) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(lo + (hi-lo)*rng.Float64())
	}
	if withSpecials {
		for i := range x {
			if rng.IntN(4) == 0 {
				x[i] = specials[rng.IntN(len(specials))]
			}
		}
	}
	return x
}

// closeTo reports whether got is within rel of want (a float64 reference),
// or within abs of it; NaN matches NaN, infinities match themselves.
func closeTo(got float32, want, rel, abs float64) bool {
	g := float64(got)
	switch {
	case math.IsNaN(want):
		return math.IsNaN(g)
	case math.IsInf(want, 0) || math.IsInf(g, 0):
		return g == want
	}
	d := math.Abs(g - want)
	return d <= abs || d <= rel*math.Abs(want)
}

// TestUnary checks Exp, Logistic and Tanh against float64 math on every size,
// in place and not, on ranges that exercise each branch, with NaN and ±Inf.
func TestUnary(t *testing.T) {
	tests := []struct {
		name     string
		fn       func(dst, src []float32)
		ref      func(float64) float64
		lo, hi   float64
		rel, abs float64
	}{
		{"Exp/softmax", Exp, math.Exp, -30, 0, 4e-7, 1e-38},
		{"Exp/wide", Exp, math.Exp, -105, 89, 4e-7, 1e-38},
		{"Logistic", Logistic, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, -20, 20, 4e-7, 1e-38},
		{"Logistic/wide", Logistic, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, -120, 120, 4e-7, 1e-38},
		{"Tanh/small", Tanh, math.Tanh, -0.7, 0.7, 4e-7, 0},
		{"Tanh", Tanh, math.Tanh, -12, 12, 4e-7, 0},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tt := range tests {
		for _, n := range sizes {
			for _, inPlace := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/n=%d/inplace=%v", tt.name, n, inPlace), func(t *testing.T) {
					src := inputs(rng, n, tt.lo, tt.hi, true)
					orig := append([]float32(nil), src...)
					dst := make([]float32, n)
					if inPlace {
						dst = src
					}
					tt.fn(dst, src)
					for i, x := range orig {
						want := float64(float32(tt.ref(float64(x)))) // the float32 the float64 function rounds to
						if !closeTo(dst[i], want, tt.rel, tt.abs) {
							t.Fatalf("%s(%g) = %g, want %g (rel. error %.2g)", tt.name, x, dst[i], want, math.Abs(float64(dst[i])-want)/math.Abs(want))
						}
					}
				})
			}
		}
	}
}

// TestExpUnderflow checks that what the masked positions of a softmax hold
// (the lowest float32 minus the row's max) gives exactly 0.
func TestExpUnderflow(t *testing.T) {
	src := []float32{-math.MaxFloat32, -math.MaxFloat32 - 10, float32(math.Inf(-1)), -1e30, -105, -200}
	for n := range 17 {
		x := make([]float32, n)
		for i := range x {
			x[i] = src[i%len(src)]
		}
		Exp(x, x)
		for i, v := range x {
			if v != 0 || math.Signbit(float64(v)) {
				t.Fatalf("exp(%g) = %g, want +0", src[i%len(src)], v)
			}
		}
	}
}

// TestReductions checks Max (exact, NaN-propagating, -Inf when empty) and
// Sum (within the rounding of n float32 additions).
func TestReductions(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range sizes {
		for _, withSpecials := range []bool{false, true} {
			t.Run(fmt.Sprintf("n=%d/specials=%v", n, withSpecials), func(t *testing.T) {
				x := inputs(rng, n, -1e3, 1e3, withSpecials)
				if got, want := Max(x), maxGo(x); !(got == want || (math.IsNaN(float64(got)) && math.IsNaN(float64(want)))) {
					t.Fatalf("Max = %g, want %g", got, want)
				}
				var want, absSum float64
				for _, v := range x {
					want += float64(v)
					absSum += math.Abs(float64(v))
				}
				got := float64(Sum(x))
				switch {
				case math.IsNaN(want) || math.IsInf(want, 0) || math.IsInf(absSum, 0):
					// Any NaN, or infinities of both signs, give NaN; one sign of
					// infinity gives it; finite values beyond float32's range
					// may overflow: compare with the scalar sum's class.
					if w := float64(sumGo(x)); !(math.IsNaN(w) && math.IsNaN(got)) && w != got && !math.IsInf(absSum, 0) {
						t.Fatalf("Sum = %g, scalar sum %g", got, w)
					}
				case math.Abs(got-want) > float64(n)*1.2e-7*absSum+1e-30:
					t.Fatalf("Sum = %g, want %g", got, want)
				}
			})
		}
	}
}

// TestArithmetic checks Apply, ApplyScalar and ScalarApply against float32
// arithmetic, in place and not (each result is one rounding, so exact).
func TestArithmetic(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, op := range []Op{Add, Sub, Mul, Div} {
		for _, n := range sizes {
			t.Run(fmt.Sprintf("%s/n=%d", op, n), func(t *testing.T) {
				a, b := inputs(rng, n, -10, 10, true), inputs(rng, n, -10, 10, true)
				c := inputs(rng, 1, -10, 10, false)[0]
				same := func(what string, got []float32, want func(i int) float32) {
					t.Helper()
					for i := range got {
						w := want(i)
						if got[i] != w && !(got[i] != got[i] && w != w) {
							t.Fatalf("%s[%d] = %g, want %g", what, i, got[i], w)
						}
					}
				}
				dst := make([]float32, n)
				Apply(op, dst, a, b)
				same("Apply", dst, func(i int) float32 { return apply1(op, a[i], b[i]) })
				ApplyScalar(op, dst, a, c)
				same("ApplyScalar", dst, func(i int) float32 { return apply1(op, a[i], c) })
				ScalarApply(op, dst, c, b)
				same("ScalarApply", dst, func(i int) float32 { return apply1(op, c, b[i]) })
				inPlace := append([]float32(nil), a...)
				Apply(op, inPlace, inPlace, b)
				same("Apply in place", inPlace, func(i int) float32 { return apply1(op, a[i], b[i]) })
			})
		}
	}
}

// TestSIMDReported checks that SIMD gives a name or a reason, never both.
func TestSIMDReported(t *testing.T) {
	name, ok, reason := SIMD()
	if ok != (name != "") || ok == (reason != "") {
		t.Fatalf("SIMD() = %q, %v, %q", name, ok, reason)
	}
	t.Logf("SIMD kernels: %q %v %q", name, ok, reason)
}
