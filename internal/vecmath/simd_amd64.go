//go:build goexperiment.simd && amd64 && !go1.27

package vecmath

import (
	"math"
	"simd/archsimd"
)

// The SIMD kernels need AVX2 (8-wide float32 and int32 vectors) and FMA.
func init() {
	switch {
	case !archsimd.X86.AVX2():
		simdReason = "this CPU has no AVX2"
	case !archsimd.X86.FMA():
		simdReason = "this CPU has no FMA"
	default:
		kernels.exp, kernels.logistic, kernels.tanh = expSIMD, logisticSIMD, tanhSIMD
		kernels.max, kernels.sum = maxSIMD, sumSIMD
		kernels.apply, kernels.applyScalar, kernels.scalarApply = applySIMD, applyScalarSIMD, scalarApplySIMD
		simdName = "AVX2+FMA"
		simdReason = ""
	}
}

type vec = archsimd.Float32x8

func bcast(x float32) vec { return archsimd.BroadcastFloat32x8(x) }

func load(s []float32) vec { return archsimd.LoadFloat32x8((*[8]float32)(s[:8])) }

func store(v vec, s []float32) { v.Store((*[8]float32)(s[:8])) }

// loadPart and storePart move the 1–7 values of a slice's tail through an
// array of 8 (the rest zero), not archsimd's masked *SlicePart, whose
// pointer conversion checkptr (on with -race) refuses.
func loadPart(s []float32) vec {
	var a [8]float32
	copy(a[:], s)
	return archsimd.LoadFloat32x8(&a)
}

func storePart(v vec, s []float32) {
	var a [8]float32
	v.Store(&a)
	copy(s, a[:])
}

// expConst holds the constants of exp8: broadcasts are made once per slice,
// not once per vector, and never at package initialization (a CPU without
// AVX would fault there).
type expConst struct {
	lo, hi, log2e, negLn2hi, negLn2lo, inf vec
	p0, p1, p2, p3, p4, p5, one, negOne    vec
	bias                                   archsimd.Int32x8
}

func newExpConst() expConst {
	return expConst{
		// Below lo every result rounds to 0; above hi it overflows.
		lo: bcast(-104), hi: bcast(88.72283935546875), log2e: bcast(math.Log2E),
		// ln 2 = ln2hi + ln2lo, ln2hi with few bits so that n·ln2hi is exact.
		negLn2hi: bcast(-0.693359375), negLn2lo: bcast(2.12194440e-4), inf: bcast(float32(math.Inf(1))),
		// Cephes expf's minimax polynomial for exp(r) on [-ln2/2, ln2/2].
		p0: bcast(1.9875691500e-4), p1: bcast(1.3981999507e-3), p2: bcast(8.3334519073e-3),
		p3: bcast(4.1665795894e-2), p4: bcast(1.6666665459e-1), p5: bcast(5.0000001201e-1),
		one: bcast(1), negOne: bcast(-1), bias: archsimd.BroadcastInt32x8(127),
	}
}

// exp8 is exp of 8 lanes: x = n·ln2 + r, exp(x) = 2ⁿ·P(r), with 2ⁿ applied
// as two powers of two so that n from -150 to 128 (subnormal results and
// the largest finite ones) needs no special case.
func (c *expConst) exp8(x vec) vec {
	xc := x.Max(c.lo).Min(c.hi)
	n := xc.Mul(c.log2e).RoundToEven()
	r := n.MulAdd(c.negLn2hi, xc) // xc - n·ln2hi (exact)
	r = n.MulAdd(c.negLn2lo, r)   // - n·ln2lo
	p := c.p0.MulAdd(r, c.p1)
	p = p.MulAdd(r, c.p2)
	p = p.MulAdd(r, c.p3)
	p = p.MulAdd(r, c.p4)
	p = p.MulAdd(r, c.p5)
	p = p.MulAdd(r.Mul(r), r).Add(c.one)
	ni := n.ConvertToInt32()
	n1 := ni.ShiftAllRight(1)
	n2 := ni.Sub(n1)
	s1 := n1.Add(c.bias).ShiftAllLeft(23).AsFloat32x8()
	s2 := n2.Add(c.bias).ShiftAllLeft(23).AsFloat32x8()
	y := p.Mul(s1).Mul(s2)
	y = c.inf.Merge(y, x.Greater(c.hi))
	return x.Merge(y, x.IsNaN())
}

func expSIMD(dst, src []float32) {
	c := newExpConst()
	i := 0
	for ; i+8 <= len(src); i += 8 {
		store(c.exp8(load(src[i:])), dst[i:])
	}
	if i < len(src) {
		storePart(c.exp8(loadPart(src[i:])), dst[i:])
	}
	archsimd.ClearAVXUpperBits()
}

// logistic8 is 1/(1+exp(-x)): exp(-x) = +Inf gives 0, exp(-x) = 0 gives 1.
func (c *expConst) logistic8(x vec) vec {
	return c.one.Div(c.one.Add(c.exp8(x.Mul(c.negOne))))
}

func logisticSIMD(dst, src []float32) {
	c := newExpConst()
	i := 0
	for ; i+8 <= len(src); i += 8 {
		store(c.logistic8(load(src[i:])), dst[i:])
	}
	if i < len(src) {
		storePart(c.logistic8(loadPart(src[i:])), dst[i:])
	}
	archsimd.ClearAVXUpperBits()
}

// tanhConst adds tanh's constants to exp's.
type tanhConst struct {
	expConst
	small, two, signBit, absMask vec
	t0, t1, t2, t3, t4           vec
}

func newTanhConst() tanhConst {
	return tanhConst{
		expConst: newExpConst(), small: bcast(0.625), two: bcast(2),
		signBit: archsimd.BroadcastInt32x8(math.MinInt32).AsFloat32x8(),
		absMask: archsimd.BroadcastInt32x8(math.MaxInt32).AsFloat32x8(),
		// Cephes tanhf's polynomial for |x| < 0.625: x + x³·T(x²).
		t0: bcast(-5.70498872745e-3), t1: bcast(2.06390887954e-2), t2: bcast(-5.37397155531e-2),
		t3: bcast(1.33314422036e-1), t4: bcast(-3.33332819422e-1),
	}
}

// tanh8 is x + x³·T(x²) for |x| < 0.625, else sign(x)·(1 − 2/(exp(2|x|)+1)).
func (c *tanhConst) tanh8(x vec) vec {
	ax := x.AsInt32x8().And(c.absMask.AsInt32x8()).AsFloat32x8()
	sign := x.AsInt32x8().And(c.signBit.AsInt32x8())
	big := c.one.Sub(c.two.Div(c.exp8(ax.Mul(c.two)).Add(c.one)))
	big = big.AsInt32x8().Or(sign).AsFloat32x8()
	z := x.Mul(x)
	p := c.t0.MulAdd(z, c.t1)
	p = p.MulAdd(z, c.t2)
	p = p.MulAdd(z, c.t3)
	p = p.MulAdd(z, c.t4)
	smallRes := p.Mul(z).MulAdd(x, x)
	y := smallRes.Merge(big, ax.Less(c.small))
	return x.Merge(y, x.IsNaN())
}

func tanhSIMD(dst, src []float32) {
	c := newTanhConst()
	i := 0
	for ; i+8 <= len(src); i += 8 {
		store(c.tanh8(load(src[i:])), dst[i:])
	}
	if i < len(src) {
		storePart(c.tanh8(loadPart(src[i:])), dst[i:])
	}
	archsimd.ClearAVXUpperBits()
}

// hmax and hsum reduce the 8 lanes of v.
func hmax(v vec) float32 {
	var a [8]float32
	v.Store(&a)
	m := a[0]
	for _, x := range a[1:] {
		m = max(m, x)
	}
	return m
}

func hsum(v vec) float32 {
	var a [8]float32
	v.Store(&a)
	return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]))
}

func maxSIMD(x []float32) float32 {
	if len(x) < 8 {
		return maxGo(x)
	}
	m0, m1 := load(x), load(x[len(x)-8:])
	nan := m0.IsNaN().Or(m1.IsNaN())
	i := 8
	for ; i+16 <= len(x); i += 16 {
		a, b := load(x[i:]), load(x[i+8:])
		nan = nan.Or(a.IsNaN()).Or(b.IsNaN())
		m0, m1 = m0.Max(a), m1.Max(b)
	}
	for ; i+8 <= len(x); i += 8 {
		a := load(x[i:])
		nan = nan.Or(a.IsNaN())
		m0 = m0.Max(a)
	}
	anyNaN := nan.ToBits() != 0
	m := hmax(m0.Max(m1)) // the last, possibly overlapping, vector is m1's start
	archsimd.ClearAVXUpperBits()
	if anyNaN {
		return float32(math.NaN())
	}
	return m
}

func sumSIMD(x []float32) float32 {
	var s0, s1, s2, s3 vec
	i := 0
	for ; i+32 <= len(x); i += 32 {
		s0 = s0.Add(load(x[i:]))
		s1 = s1.Add(load(x[i+8:]))
		s2 = s2.Add(load(x[i+16:]))
		s3 = s3.Add(load(x[i+24:]))
	}
	for ; i+8 <= len(x); i += 8 {
		s0 = s0.Add(load(x[i:]))
	}
	if i < len(x) {
		s1 = s1.Add(loadPart(x[i:]))
	}
	s := hsum(s0.Add(s1).Add(s2.Add(s3)))
	archsimd.ClearAVXUpperBits()
	return s
}

func op8(op Op, a, b vec) vec {
	switch op {
	case Add:
		return a.Add(b)
	case Sub:
		return a.Sub(b)
	case Mul:
		return a.Mul(b)
	default:
		return a.Div(b)
	}
}

// The loops below are written once per operation so that the operation is
// not chosen per vector.

func applySIMD(op Op, dst, a, b []float32) {
	n := len(a) &^ 7
	switch op {
	case Add:
		for i := 0; i < n; i += 8 {
			store(load(a[i:]).Add(load(b[i:])), dst[i:])
		}
	case Sub:
		for i := 0; i < n; i += 8 {
			store(load(a[i:]).Sub(load(b[i:])), dst[i:])
		}
	case Mul:
		for i := 0; i < n; i += 8 {
			store(load(a[i:]).Mul(load(b[i:])), dst[i:])
		}
	default:
		for i := 0; i < n; i += 8 {
			store(load(a[i:]).Div(load(b[i:])), dst[i:])
		}
	}
	if n < len(a) {
		storePart(op8(op, loadPart(a[n:]), loadPart(b[n:])), dst[n:])
	}
	archsimd.ClearAVXUpperBits()
}

func applyScalarSIMD(op Op, dst, a []float32, c float32) {
	n := len(a) &^ 7
	cv := bcast(c)
	switch op {
	case Add:
		for i := 0; i < n; i += 8 {
			store(load(a[i:]).Add(cv), dst[i:])
		}
	case Sub:
		for i := 0; i < n; i += 8 {
			store(load(a[i:]).Sub(cv), dst[i:])
		}
	case Mul:
		for i := 0; i < n; i += 8 {
			store(load(a[i:]).Mul(cv), dst[i:])
		}
	default:
		for i := 0; i < n; i += 8 {
			store(load(a[i:]).Div(cv), dst[i:])
		}
	}
	if n < len(a) {
		storePart(op8(op, loadPart(a[n:]), cv), dst[n:])
	}
	archsimd.ClearAVXUpperBits()
}

func scalarApplySIMD(op Op, dst []float32, c float32, b []float32) {
	n := len(b) &^ 7
	cv := bcast(c)
	switch op {
	case Add:
		for i := 0; i < n; i += 8 {
			store(cv.Add(load(b[i:])), dst[i:])
		}
	case Sub:
		for i := 0; i < n; i += 8 {
			store(cv.Sub(load(b[i:])), dst[i:])
		}
	case Mul:
		for i := 0; i < n; i += 8 {
			store(cv.Mul(load(b[i:])), dst[i:])
		}
	default:
		for i := 0; i < n; i += 8 {
			store(cv.Div(load(b[i:])), dst[i:])
		}
	}
	if n < len(b) {
		storePart(op8(op, cv, loadPart(b[n:])), dst[n:])
	}
	archsimd.ClearAVXUpperBits()
}
