package backend

import (
	"fmt"
	"math"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gopjrt/dtypes"

	"github.com/gpt2taps/gpt2taps/internal/vecmath"
)

// ElementwiseEnvVar chooses the float32 kernels of the pure-Go backend's
// operations other than matrix products (the exponential, logistic, tanh,
// add/sub/mul/div with broadcasting, row max and sum): ElementwiseSIMD or
// ElementwiseStock; unset or empty means ElementwiseSIMD where available. It
// is read whenever New creates a pure-Go backend, for the whole process.
const ElementwiseEnvVar = "GPT2TAPS_ELEMENTWISE"

// The float32 elementwise kernels of the pure-Go backend.
const (
	// ElementwiseSIMD is this project's internal/vecmath on AVX2+FMA:
	// available in binaries built with GOEXPERIMENT=simd for amd64, on CPUs
	// with AVX2 and FMA.
	ElementwiseSIMD = "simd"
	// ElementwiseStock is GoMLX simplego's own scalar code, always available.
	ElementwiseStock = "stock"
)

// hookedOps are the simplego operations whose executors are replaced; the
// replacements handle float32 and leave everything else (and broadcasts they
// do not know) to the stock executor.
var hookedOps = []backends.OpType{
	backends.OpTypeExp, backends.OpTypeLogistic, backends.OpTypeTanh,
	backends.OpTypeAdd, backends.OpTypeSub, backends.OpTypeMul, backends.OpTypeDiv,
	backends.OpTypeReduceMax, backends.OpTypeReduceSum,
	backends.OpTypeSlice, // any dtype: contiguous runs copied whole
}

// elementwise is the process-wide state of the elementwise kernel choice
// (kernelChoice; on: float32 operations go to vecmath).
var elementwise = struct {
	kernelChoice
	once     sync.Once
	stock    map[backends.OpType]nodeExecutor
	checking atomic.Bool  // the self-check is running: use vecmath whatever on says
	calls    atomic.Int64 // operations computed by vecmath, for tests and the self-check
}{kernelChoice: kernelChoice{what: "elementwise kernels", are: "are", envVar: ElementwiseEnvVar, stockName: "GoMLX stock code",
	simdName: func() string { name, _, _ := vecmath.SIMD(); return "gpt2taps SIMD kernels (" + name + ")" }}}

func init() { elementwise.install = installElementwise }

// installElementwise puts this package's executors into simplego's table,
// once, when the SIMD kernels can run here, and checks them on a small graph.
func installElementwise() {
	elementwise.once.Do(func() {
		name, ok, reason := vecmath.SIMD()
		if !ok {
			elementwise.simdError = reason
			return
		}
		if err := hookElementwise(); err != nil {
			elementwise.simdError = "GoMLX's simplego is not as this build expects (" + err.Error() + ")"
			return
		}
		if err := elementwiseSelfCheck(); err != nil {
			for op, stock := range elementwise.stock {
				simplegoExecutors[op] = stock
			}
			elementwise.simdError = "the " + name + " elementwise kernels failed their self-check: " + err.Error()
			return
		}
		elementwise.on.Store(true)
	})
}

// hookElementwise replaces simplego's executors of hookedOps.
func hookElementwise() error {
	if _, err := simplegoLayout(); err != nil {
		return err
	}
	elementwise.stock = map[backends.OpType]nodeExecutor{}
	for _, op := range hookedOps {
		stock := simplegoExecutors[op]
		if stock == nil {
			return fmt.Errorf("no %s executor in simplego's table", op)
		}
		elementwise.stock[op] = stock
	}
	for _, op := range hookedOps {
		simplegoExecutors[op] = elementwiseExecutor(op)
	}
	return nil
}

// configureElementwise applies ElementwiseEnvVar; called when a pure-Go
// backend is created.
func configureElementwise() error { return elementwise.configure() }

// SetElementwise chooses the float32 elementwise kernels of the pure-Go
// backend for the whole process, from now on: ElementwiseSIMD,
// ElementwiseStock, or "" (the default: ElementwiseSIMD where available).
// Asking for ElementwiseSIMD where it is not available is an error that says
// why; nothing changes then.
func SetElementwise(name string) error {
	return elementwise.set(name, fmt.Sprintf("SetElementwise(%q)", name))
}

// ElementwiseKernels lists the elementwise kernels available in this
// process: ElementwiseStock, and ElementwiseSIMD where they can run.
func ElementwiseKernels() []string { return elementwise.kernels() }

// Elementwise is the elementwise kernel set in use now: ElementwiseSIMD or
// ElementwiseStock.
func Elementwise() string { return elementwise.active() }

// ElementwiseDescription describes the active kernels for reports:
// "gpt2taps SIMD kernels (AVX2+FMA)", or "GoMLX stock code (why)".
func ElementwiseDescription() string { return elementwise.description() }

// elementwiseSummary is the elementwise part of the device report.
func elementwiseSummary() string {
	return "float32 elementwise: " + ElementwiseDescription()
}

// elementwiseExecutor is the executor installed for op: float32 operands go
// to vecmath when the kernels are on, everything else to simplego's own.
func elementwiseExecutor(op backends.OpType) nodeExecutor {
	return func(b *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
		if elementwise.on.Load() || elementwise.checking.Load() {
			if out, ok := execFloat32(op, b, node, inputs, owned); ok {
				elementwise.calls.Add(1)
				return out, nil
			}
		}
		return elementwise.stock[op](b, node, inputs, owned)
	}
}

// f32 returns a buffer's shape and float32 values; ok is false for other
// dtypes.
func f32(b *simplego.Backend, buf *simplego.Buffer) (shapes.Shape, []float32, bool) {
	shape, err := b.BufferShape(buf)
	if err != nil || shape.DType != dtypes.Float32 {
		return shape, nil, false
	}
	flat, err := b.BufferData(buf)
	data, ok := flat.([]float32)
	return shape, data, err == nil && ok && len(data) == shape.Size()
}

// execFloat32 computes node with vecmath when its operands are float32 and
// of a form it handles; ok is false otherwise, with nothing changed.
func execFloat32(op backends.OpType, b *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, bool) {
	l := layout.Load()
	if l == nil {
		return nil, false
	}
	outShape := nodeShape(l, node)
	if op == backends.OpTypeSlice {
		return execSlice(l, b, node, outShape, inputs)
	}
	if outShape.DType != dtypes.Float32 {
		return nil, false
	}
	switch op {
	case backends.OpTypeExp, backends.OpTypeLogistic, backends.OpTypeTanh:
		return execUnary(op, b, inputs, owned)
	case backends.OpTypeReduceMax, backends.OpTypeReduceSum:
		axes, ok := nodeData(l, node).([]int)
		if !ok || len(inputs) != 1 {
			return nil, false
		}
		return execReduce(op, b, outShape, axes, inputs[0])
	default:
		return execBinary(op, b, outShape, inputs, owned)
	}
}

func execUnary(op backends.OpType, b *simplego.Backend, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, bool) {
	shape, src, ok := f32(b, inputs[0])
	if !ok {
		return nil, false
	}
	out, dst, ok := output(b, shape, inputs, owned, 0)
	if !ok {
		return nil, false
	}
	switch op {
	case backends.OpTypeExp:
		vecmath.Exp(dst, src)
	case backends.OpTypeLogistic:
		vecmath.Logistic(dst, src)
	default:
		vecmath.Tanh(dst, src)
	}
	return out, true
}

// output returns the buffer for a result of shape: the first of inputs
// (indices candidates) that is owned and of that shape, taken over as
// simplego's executors do (its slot in inputs set to nil), or a new one.
func output(b *simplego.Backend, shape shapes.Shape, inputs []*simplego.Buffer, owned []bool, candidates ...int) (*simplego.Buffer, []float32, bool) {
	for _, i := range candidates {
		if !owned[i] {
			continue
		}
		if s, data, ok := f32(b, inputs[i]); ok && s.Equal(shape) {
			out := inputs[i]
			inputs[i] = nil
			return out, data, true
		}
	}
	out := simplegoGetBuffer(b, shape)
	if out == nil {
		return nil, nil, false
	}
	_, data, ok := f32(b, out)
	if !ok {
		_ = b.BufferFinalize(out)
		return nil, nil, false
	}
	return out, data, true
}

// execReduce reduces over trailing axes: each output value is the max or sum
// of one contiguous row of the operand.
func execReduce(op backends.OpType, b *simplego.Backend, outShape shapes.Shape, axes []int, in *simplego.Buffer) (*simplego.Buffer, bool) {
	shape, src, ok := f32(b, in)
	if !ok || len(axes) == 0 {
		return nil, false
	}
	r := shape.Rank()
	for i, a := range axes { // a contiguous suffix of the axes, in order
		if a != r-len(axes)+i {
			return nil, false
		}
	}
	rows := outShape.Size()
	if rows == 0 || len(src)%rows != 0 {
		return nil, false
	}
	n := len(src) / rows
	out, dst, ok := output(b, outShape, nil, nil)
	if !ok {
		return nil, false
	}
	for i := range dst {
		row := src[i*n : (i+1)*n]
		if op == backends.OpTypeReduceMax {
			dst[i] = vecmath.Max(row)
		} else {
			dst[i] = vecmath.Sum(row)
		}
	}
	return out, true
}

// execSlice copies a slice with unit strides as contiguous runs: the
// innermost axes it keeps whole, and the first one it cuts, make one run
// (the row pieces of the forward pass are a single run). Any dtype.
func execSlice(l *simplegoOffsets, b *simplego.Backend, node *simplego.Node, outShape shapes.Shape, inputs []*simplego.Buffer) (*simplego.Buffer, bool) {
	p, err := nodeSlice(l, node)
	if err != nil || len(inputs) != 1 {
		return nil, false
	}
	inShape, err := b.BufferShape(inputs[0])
	dims := inShape.Dimensions
	r := len(dims)
	if err != nil || r == 0 || len(p.starts) != r || len(p.strides) != r || outShape.Rank() != r || outShape.Size() == 0 {
		return nil, false
	}
	for _, s := range p.strides {
		if s != 1 {
			return nil, false
		}
	}
	// k is the innermost cut axis; axes after it are whole.
	k := 0
	for a := r - 1; a >= 0; a-- {
		if outShape.Dimensions[a] != dims[a] {
			k = a
			break
		}
	}
	run := 1
	for a := k; a < r; a++ {
		run *= outShape.Dimensions[a]
	}
	inStrides := make([]int, r)
	stride := 1
	for a := r - 1; a >= 0; a-- {
		inStrides[a] = stride
		stride *= dims[a]
	}
	inFlat, err1 := b.BufferData(inputs[0])
	out := simplegoGetBuffer(b, outShape)
	if out == nil {
		return nil, false
	}
	outFlat, err2 := b.BufferData(out)
	src, dst := reflect.ValueOf(inFlat), reflect.ValueOf(outFlat)
	if err1 != nil || err2 != nil || src.Kind() != reflect.Slice || src.Type() != dst.Type() || dst.Len() != outShape.Size() {
		_ = b.BufferFinalize(out)
		return nil, false
	}
	idx := make([]int, k) // odometer over the axes before k
	for o := 0; o < dst.Len(); o += run {
		from := 0
		for a := range k {
			from += (p.starts[a] + idx[a]) * inStrides[a]
		}
		from += p.starts[k] * inStrides[k]
		reflect.Copy(dst.Slice(o, o+run), src.Slice(from, from+run))
		for a := k - 1; a >= 0; a-- {
			if idx[a]++; idx[a] < outShape.Dimensions[a] {
				break
			}
			idx[a] = 0
		}
	}
	return out, true
}

// operandKind is how a binary operand is read for one row of the output,
// the output seen as [outer, inner] at some split of its axes.
type operandKind int

const (
	kindFull   operandKind = iota // the operand has the output's shape: row o
	kindScalar                    // one value for everything
	kindPerRow                    // [outer, 1…]: one value per row
	kindRowVec                    // [1…, inner]: the same row for every row
)

// classify is how an operand of dims is read at split k of out, if it can be.
func classify(dims, out []int, size, k int) (operandKind, bool) {
	if size == 1 {
		return kindScalar, true
	}
	if len(dims) != len(out) {
		return 0, false
	}
	leadSame, leadOnes, tailSame, tailOnes := true, true, true, true
	for i, d := range dims {
		if i < k {
			leadSame = leadSame && d == out[i]
			leadOnes = leadOnes && d == 1
		} else {
			tailSame = tailSame && d == out[i]
			tailOnes = tailOnes && d == 1
		}
	}
	switch {
	case leadSame && tailSame:
		return kindFull, true
	case leadSame && tailOnes:
		return kindPerRow, true
	case leadOnes && tailSame:
		return kindRowVec, true
	}
	return 0, false
}

var vecOps = map[backends.OpType]vecmath.Op{
	backends.OpTypeAdd: vecmath.Add, backends.OpTypeSub: vecmath.Sub,
	backends.OpTypeMul: vecmath.Mul, backends.OpTypeDiv: vecmath.Div,
}

// execBinary computes lhs op rhs where each operand is the output's shape, a
// scalar, one value per row or one row for all rows at some split of the
// output's axes (the broadcasts of softmax, layer norm and bias adds).
func execBinary(op backends.OpType, b *simplego.Backend, outShape shapes.Shape, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, bool) {
	vop, ok := vecOps[op]
	if !ok || len(inputs) != 2 {
		return nil, false
	}
	ls, lhs, ok1 := f32(b, inputs[0])
	rs, rhs, ok2 := f32(b, inputs[1])
	if !ok1 || !ok2 {
		return nil, false
	}
	dims := outShape.Dimensions
	var lk, rk operandKind
	split := -1
	for k := 0; k <= len(dims) && split < 0; k++ {
		var okL, okR bool
		lk, okL = classify(ls.Dimensions, dims, len(lhs), k)
		rk, okR = classify(rs.Dimensions, dims, len(rhs), k)
		if okL && okR && !(lk != kindFull && lk != kindRowVec && rk != kindFull && rk != kindRowVec) {
			split = k
		}
	}
	if split < 0 {
		return nil, false
	}
	outer := 1
	for _, d := range dims[:split] {
		outer *= d
	}
	size := outShape.Size()
	if outer == 0 || size == 0 {
		return nil, false
	}
	inner := size / outer
	out, dst, ok := output(b, outShape, inputs, owned, 1, 0)
	if !ok {
		return nil, false
	}
	row := func(data []float32, kind operandKind, o int) (vec []float32, scalar float32) {
		switch kind {
		case kindFull:
			return data[o*inner : (o+1)*inner], 0
		case kindRowVec:
			return data[:inner], 0
		case kindPerRow:
			return nil, data[o]
		}
		return nil, data[0]
	}
	for o := range outer {
		d := dst[o*inner : (o+1)*inner]
		a, ca := row(lhs, lk, o)
		c, cc := row(rhs, rk, o)
		switch {
		case a != nil && c != nil:
			vecmath.Apply(vop, d, a, c)
		case a != nil:
			vecmath.ApplyScalar(vop, d, a, cc)
		default:
			vecmath.ScalarApply(vop, d, ca, c)
		}
	}
	return out, true
}

// elementwiseSelfCheck runs a graph with every hooked operation (in the
// broadcasts the forward pass uses) through a simplego backend and checks
// that vecmath computed them, and correctly.
func elementwiseSelfCheck() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	elementwise.checking.Store(true)
	defer elementwise.checking.Store(false)
	bk, err := simplego.New("")
	if err != nil {
		return err
	}
	defer bk.Finalize()
	const rows, n = 3, 11
	x := make([]float32, rows*n)
	for i := range x {
		x[i] = float32(i%7)*0.75 - 2
	}
	builder := bk.Builder("gpt2taps elementwise self-check")
	xOp, err := builder.Parameter("x", shapes.Make(dtypes.Float32, rows, n), nil)
	if err != nil {
		return err
	}
	// softmax(x) per row + logistic(x) · tanh(x) - x/2.
	must := func(op backends.Op, err error) backends.Op {
		if err != nil {
			panic(err)
		}
		return op
	}
	mx := must(builder.Reshape(must(builder.ReduceMax(xOp, 1)), rows, 1))
	e := must(builder.Exp(must(builder.Sub(xOp, mx))))
	sum := must(builder.Reshape(must(builder.ReduceSum(e, 1)), rows, 1))
	soft := must(builder.Div(e, sum))
	half := must(builder.Constant([]float32{0.5}))
	mix := must(builder.Mul(must(builder.Logistic(xOp)), must(builder.Tanh(xOp))))
	res := must(builder.Add(soft, must(builder.Sub(mix, must(builder.Mul(xOp, half))))))
	exec, err := builder.Compile([]backends.Op{res}, nil)
	if err != nil {
		return err
	}
	defer exec.Finalize()
	xBuf, err := bk.BufferFromFlatData(0, x, shapes.Make(dtypes.Float32, rows, n))
	if err != nil {
		return err
	}
	before := elementwise.calls.Load()
	outs, err := exec.Execute([]backends.Buffer{xBuf}, nil, 0)
	if err != nil {
		return err
	}
	got := make([]float32, rows*n)
	if err := bk.BufferToFlatData(outs[0], got); err != nil {
		return err
	}
	if calls := elementwise.calls.Load() - before; calls < 10 {
		return fmt.Errorf("simplego called the installed executors %d times for 10 operations", calls)
	}
	for r := range rows {
		xr := x[r*n : (r+1)*n]
		m, s := math.Inf(-1), 0.0
		for _, v := range xr {
			m = max(m, float64(v))
		}
		for _, v := range xr {
			s += math.Exp(float64(v) - m)
		}
		for i, v := range xr {
			f := float64(v)
			want := math.Exp(f-m)/s + math.Tanh(f)/(1+math.Exp(-f)) - f/2
			if math.Abs(float64(got[r*n+i])-want) > 1e-5 {
				return fmt.Errorf("element [%d,%d] is %g, want %g", r, i, got[r*n+i], want)
			}
		}
	}
	return nil
}
