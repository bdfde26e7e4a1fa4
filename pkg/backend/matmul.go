package backend

import (
	"fmt"
	"math"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gopjrt/dtypes"

	"github.com/gpt2taps/gpt2taps/internal/gemm"
)

// MatmulEnvVar chooses the float32 matrix-product kernel of the pure-Go
// backend: MatmulSIMD or MatmulStock; unset or empty means MatmulSIMD where it
// is available, else MatmulStock. It is read whenever New creates a pure-Go
// backend, and applies to the whole process.
const MatmulEnvVar = "GPT2TAPS_MATMUL"

// The float32 matrix-product kernels of the pure-Go backend.
const (
	// MatmulSIMD is this project's GEMM (internal/gemm) with its AVX2+FMA
	// micro-kernel: available in binaries built with GOEXPERIMENT=simd for
	// amd64, on CPUs with AVX2 and FMA.
	MatmulSIMD = "simd"
	// MatmulStock is GoMLX simplego's own DotGeneral kernel, always available.
	MatmulStock = "stock"
)

// matmul is the process-wide state of the kernel choice (kernelChoice; on:
// DotGeneral on float32 goes to gemm).
var matmul = struct {
	kernelChoice
	once      sync.Once
	stock     nodeExecutor // simplego's own DotGeneral executor, once the hook is in
	checking  atomic.Bool  // the self-check is running: use gemm whatever on says
	gemmCalls atomic.Int64 // products computed by gemm, for tests and the self-check
}{kernelChoice: kernelChoice{what: "matmul kernel", are: "is", envVar: MatmulEnvVar, stockName: "GoMLX stock kernel",
	simdName: func() string { name, _, _ := gemm.SIMD(); return "gpt2taps SIMD GEMM (" + name + ")" }}}

func init() { matmul.install = installMatmul }

// installMatmul puts this package's DotGeneral executor into simplego's
// table, once, when the SIMD kernel can run here, and checks it on a small
// product; it leaves the stock kernel alone otherwise, and records why.
func installMatmul() {
	matmul.once.Do(func() {
		name, ok, reason := gemm.SIMD()
		if !ok {
			matmul.simdError = reason
			return
		}
		if err := hookDotGeneral(); err != nil {
			matmul.simdError = "GoMLX's simplego is not as this build expects (" + err.Error() + ")"
			return
		}
		if err := matmulSelfCheck(); err != nil {
			unhookDotGeneral()
			matmul.simdError = "the " + name + " kernel failed its self-check: " + err.Error()
			return
		}
		matmul.on.Store(true)
	})
}

// hookDotGeneral replaces simplego's DotGeneral executor with execDotGeneral,
// after checking the internals it relies on.
func hookDotGeneral() error {
	if _, err := simplegoLayout(); err != nil {
		return err
	}
	stock := simplegoExecutors[backends.OpTypeDotGeneral]
	if stock == nil {
		return fmt.Errorf("no DotGeneral executor in simplego's table")
	}
	if reflect.ValueOf(stock).Pointer() == reflect.ValueOf(nodeExecutor(execDotGeneral)).Pointer() {
		return nil // already in
	}
	matmul.stock = stock
	simplegoExecutors[backends.OpTypeDotGeneral] = execDotGeneral
	return nil
}

func unhookDotGeneral() {
	simplegoExecutors[backends.OpTypeDotGeneral] = matmul.stock
}

// configureMatmul applies MatmulEnvVar; called when a pure-Go backend is
// created.
func configureMatmul() error { return matmul.configure() }

// SetMatmul chooses the float32 matrix-product kernel of the pure-Go backend
// for the whole process, from now on: MatmulSIMD, MatmulStock, or "" (the
// default: MatmulSIMD where available). Asking for MatmulSIMD where it is not
// available is an error that says why; nothing changes then. New applies
// MatmulEnvVar again whenever it creates a pure-Go backend.
func SetMatmul(name string) error {
	return matmul.set(name, fmt.Sprintf("SetMatmul(%q)", name))
}

// MatmulKernels lists the float32 matrix-product kernels available to the
// pure-Go backend in this process: MatmulStock, and MatmulSIMD where it can run.
func MatmulKernels() []string { return matmul.kernels() }

// Matmul is the float32 matrix-product kernel the pure-Go backend uses now:
// MatmulSIMD or MatmulStock.
func Matmul() string { return matmul.active() }

// MatmulDescription describes the active kernel for reports:
// "gpt2taps SIMD GEMM (AVX2+FMA)", or "GoMLX stock kernel (why)", e.g.
// "GoMLX stock kernel (built without GOEXPERIMENT=simd)".
func MatmulDescription() string { return matmul.description() }

// disableGEMM turns the SIMD kernel off for the process after a run-time
// surprise in simplego's internals, so that reports say so.
func disableGEMM(err error) { matmul.disable(err) }

// execDotGeneral is the DotGeneral executor installed in simplego: float32
// products go to gemm, everything else to simplego's own executor.
func execDotGeneral(b *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	if matmul.on.Load() || matmul.checking.Load() {
		if out, handled, err := dotGeneralGEMM(b, node, inputs); handled {
			return out, err
		}
	}
	return matmul.stock(b, node, inputs, owned)
}

// dotGeneralGEMM computes a float32 DotGeneral node with gemm into a buffer
// from simplego's pool, on simplego's workers. handled is false for what it
// leaves to the stock executor (other dtypes, unexpected internals).
func dotGeneralGEMM(b *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer) (out *simplego.Buffer, handled bool, err error) {
	l := layout.Load()
	if l == nil || len(inputs) != 2 {
		return nil, false, nil
	}
	lhsShape, err1 := b.BufferShape(inputs[0])
	rhsShape, err2 := b.BufferShape(inputs[1])
	if err1 != nil || err2 != nil || lhsShape.DType != dtypes.Float32 || rhsShape.DType != dtypes.Float32 {
		return nil, false, nil
	}
	axes, outShape, err := nodeAxes(l, node)
	if err != nil {
		disableGEMM(err)
		return nil, false, nil
	}
	lhsFlat, err1 := b.BufferData(inputs[0])
	rhsFlat, err2 := b.BufferData(inputs[1])
	lhsData, ok1 := lhsFlat.([]float32)
	rhsData, ok2 := rhsFlat.([]float32)
	if err1 != nil || err2 != nil || !ok1 || !ok2 {
		return nil, false, nil
	}
	lhs, err1 := dotOperand(lhsData, lhsShape.Dimensions, axes.lhsBatchAxes, axes.lhsContractingAxes)
	rhs, err2 := dotOperand(rhsData, rhsShape.Dimensions, axes.rhsBatchAxes, axes.rhsContractingAxes)
	if err1 != nil || err2 != nil {
		disableGEMM(fmt.Errorf("DotGeneral axes %+v for %s and %s: %v", axes, lhsShape, rhsShape, firstErr(err1, err2)))
		return nil, false, nil
	}
	if want := shapes.Make(dtypes.Float32, len(lhs.Batch), len(lhs.Cross), len(rhs.Cross)); !outShape.Equal(want) {
		disableGEMM(fmt.Errorf("DotGeneral of %s and %s with axes %+v has output %s, expected %s", lhsShape, rhsShape, axes, outShape, want))
		return nil, false, nil
	}
	out = simplegoGetBuffer(b, outShape)
	if out == nil {
		return nil, true, fmt.Errorf("DotGeneral: the backend is finalized")
	}
	flat, err := b.BufferData(out)
	c, ok := flat.([]float32)
	if err != nil || !ok {
		return nil, false, nil
	}
	threads, start := workerPool(l, b)
	if err := gemm.Product(c, lhs, rhs, gemm.Options{Threads: threads, Start: start}); err != nil {
		_ = b.BufferFinalize(out)
		return nil, true, fmt.Errorf("DotGeneral %s · %s: %w", lhsShape, rhsShape, err)
	}
	matmul.gemmCalls.Add(1)
	return out, true, nil
}

// dotOperand describes an operand of a DotGeneral as simplego normalizes it:
// batch axes in the order given, cross axes in increasing order, contracting
// axes in the order given (the last listed varies fastest).
func dotOperand(data []float32, dims, batchAxes, contractingAxes []int) (gemm.Operand, error) {
	var cross []int
	for a := range dims {
		if !slices.Contains(batchAxes, a) && !slices.Contains(contractingAxes, a) {
			cross = append(cross, a)
		}
	}
	op := gemm.Operand{Data: data}
	var err error
	if op.Batch, err = gemm.Offsets(dims, batchAxes); err != nil {
		return op, err
	}
	if op.Cross, err = gemm.Offsets(dims, cross); err != nil {
		return op, err
	}
	op.Contract, err = gemm.Offsets(dims, contractingAxes)
	return op, err
}

// workerPool returns how many goroutines a product may use and how to start
// them: simplego's parallelism (0: none, negative: unlimited), capped by
// GOMAXPROCS, started through simplego's worker pool so that the product
// shares it with the operations running beside it.
func workerPool(l *simplegoOffsets, b *simplego.Backend) (int, func(func()) bool) {
	pool := workers(l, b)
	p := simplegoMaxParallelism(pool)
	switch {
	case p == 0:
		return 1, nil
	case p < 0:
		p = runtime.GOMAXPROCS(0)
	}
	return min(p, runtime.GOMAXPROCS(0)), func(task func()) bool { return simplegoStartIfAvailable(pool, task) }
}

// matmulSelfCheck runs a small batched, transposed float32 DotGeneral through
// a simplego backend and checks that gemm computed it, and correctly.
func matmulSelfCheck() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	matmul.checking.Store(true)
	defer matmul.checking.Store(false)
	b, err := simplego.New("")
	if err != nil {
		return err
	}
	defer b.Finalize()
	// lhs [2,3,5]: batch 0, cross 1, contracting 2; rhs [5,2,4]: contracting 0,
	// batch 1, cross 2. Output [2,3,4].
	lhsDims, rhsDims := []int{2, 3, 5}, []int{5, 2, 4}
	lhsData, rhsData := make([]float32, 30), make([]float32, 40)
	for i := range lhsData {
		lhsData[i] = float32(i%7) - 3
	}
	for i := range rhsData {
		rhsData[i] = float32(i%5)*0.5 - 1
	}
	builder := b.Builder("gpt2taps matmul self-check")
	lhsOp, err := builder.Parameter("lhs", shapes.Make(dtypes.Float32, lhsDims...), nil)
	if err != nil {
		return err
	}
	rhsOp, err := builder.Parameter("rhs", shapes.Make(dtypes.Float32, rhsDims...), nil)
	if err != nil {
		return err
	}
	outOp, err := builder.DotGeneral(lhsOp, []int{2}, []int{0}, rhsOp, []int{0}, []int{1})
	if err != nil {
		return err
	}
	exec, err := builder.Compile([]backends.Op{outOp}, nil)
	if err != nil {
		return err
	}
	defer exec.Finalize()
	lhsBuf, err := b.BufferFromFlatData(0, lhsData, shapes.Make(dtypes.Float32, lhsDims...))
	if err != nil {
		return err
	}
	rhsBuf, err := b.BufferFromFlatData(0, rhsData, shapes.Make(dtypes.Float32, rhsDims...))
	if err != nil {
		return err
	}
	before := matmul.gemmCalls.Load()
	outs, err := exec.Execute([]backends.Buffer{lhsBuf, rhsBuf}, nil, 0)
	if err != nil {
		return err
	}
	got := make([]float32, 2*3*4)
	if err := b.BufferToFlatData(outs[0], got); err != nil {
		return err
	}
	if matmul.gemmCalls.Load() == before {
		if e := disabledReason(); e != "" {
			return fmt.Errorf("%s", e)
		}
		return fmt.Errorf("simplego did not call the installed DotGeneral executor")
	}
	lhs, _ := dotOperand(lhsData, lhsDims, []int{0}, []int{2})
	rhs, _ := dotOperand(rhsData, rhsDims, []int{1}, []int{0})
	for i, w := range gemm.Naive(lhs, rhs) {
		if math.Abs(float64(got[i])-w) > 1e-5 {
			return fmt.Errorf("element %d is %g, want %g", i, got[i], w)
		}
	}
	return nil
}

// disabledReason is why disableGEMM was called, if it was.
func disabledReason() string {
	matmul.mu.Lock()
	defer matmul.mu.Unlock()
	return matmul.simdError
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// matmulSummary is the kernel part of the pure-Go backend's device report.
func matmulSummary() string {
	return "float32 matmul: " + MatmulDescription()
}
