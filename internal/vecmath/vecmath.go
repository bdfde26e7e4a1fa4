package vecmath

import "math"

// Op is an arithmetic operation on float32 values.
type Op int

// The operations of Apply, ApplyScalar and ScalarApply.
const (
	Add Op = iota
	Sub
	Mul
	Div
)

// String is the operation's name.
func (op Op) String() string {
	switch op {
	case Add:
		return "Add"
	case Sub:
		return "Sub"
	case Mul:
		return "Mul"
	case Div:
		return "Div"
	}
	return "Op(?)"
}

// SIMD reports whether the kernels run on archsimd, their name (e.g.
// "AVX2+FMA") when they do, and why not when they do not, e.g. "built
// without GOEXPERIMENT=simd".
func SIMD() (name string, ok bool, reason string) {
	if simdName != "" {
		return simdName, true, ""
	}
	return "", false, simdReason
}

// simdName names the SIMD kernels when they are in use; simdReason says why
// they are not (set where they are compiled in, and by notBuilt otherwise).
var (
	simdName   string
	simdReason = notBuilt
)

// kernels are the implementations in use: the scalar ones, replaced by
// init in simd_amd64.go where the SIMD ones can run.
var kernels = struct {
	exp, logistic, tanh func(dst, src []float32)
	max, sum            func(x []float32) float32
	apply               func(op Op, dst, a, b []float32)
	applyScalar         func(op Op, dst, a []float32, c float32)
	scalarApply         func(op Op, dst []float32, c float32, b []float32)
}{expGo, logisticGo, tanhGo, maxGo, sumGo, applyGo, applyScalarGo, scalarApplyGo}

// Exp sets dst[i] = exp(src[i]). dst and src have the same length; they may
// be the same slice.
func Exp(dst, src []float32) { kernels.exp(dst[:len(src)], src) }

// Logistic sets dst[i] = 1/(1+exp(-src[i])). dst and src may be the same.
func Logistic(dst, src []float32) { kernels.logistic(dst[:len(src)], src) }

// Tanh sets dst[i] = tanh(src[i]). dst and src may be the same.
func Tanh(dst, src []float32) { kernels.tanh(dst[:len(src)], src) }

// Max is the largest value of x: NaN if x holds a NaN, -Inf if x is empty
// (as GoMLX's ReduceMax).
func Max(x []float32) float32 { return kernels.max(x) }

// Sum is the sum of x, 0 if x is empty. The order of the additions is not
// specified (the SIMD kernel adds 32 partial sums).
func Sum(x []float32) float32 { return kernels.sum(x) }

// Apply sets dst[i] = a[i] op b[i]. The three have the same length; dst may
// be a or b.
func Apply(op Op, dst, a, b []float32) { kernels.apply(op, dst[:len(a)], a, b[:len(a)]) }

// ApplyScalar sets dst[i] = a[i] op c. dst may be a.
func ApplyScalar(op Op, dst, a []float32, c float32) { kernels.applyScalar(op, dst[:len(a)], a, c) }

// ScalarApply sets dst[i] = c op b[i]. dst may be b.
func ScalarApply(op Op, dst []float32, c float32, b []float32) {
	kernels.scalarApply(op, dst[:len(b)], c, b)
}

// The scalar implementations: the reference of the SIMD ones' tails and
// of builds without them.

func expGo(dst, src []float32) {
	for i, x := range src {
		dst[i] = float32(math.Exp(float64(x)))
	}
}

func logisticGo(dst, src []float32) {
	for i, x := range src {
		dst[i] = float32(1 / (1 + math.Exp(-float64(x))))
	}
}

func tanhGo(dst, src []float32) {
	for i, x := range src {
		dst[i] = float32(math.Tanh(float64(x)))
	}
}

func maxGo(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	return m
}

func sumGo(x []float32) float32 {
	var s float32
	for _, v := range x {
		s += v
	}
	return s
}

func apply1(op Op, a, b float32) float32 {
	switch op {
	case Add:
		return a + b
	case Sub:
		return a - b
	case Mul:
		return a * b
	default:
		return a / b
	}
}

func applyGo(op Op, dst, a, b []float32) {
	for i := range a {
		dst[i] = apply1(op, a[i], b[i])
	}
}

func applyScalarGo(op Op, dst, a []float32, c float32) {
	for i := range a {
		dst[i] = apply1(op, a[i], c)
	}
}

func scalarApplyGo(op Op, dst []float32, c float32, b []float32) {
	for i := range b {
		dst[i] = apply1(op, c, b[i])
	}
}
