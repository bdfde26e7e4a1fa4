package backend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gopjrt/dtypes"
)

// useElementwiseForTest routes float32 elementwise operations to vecmath for
// the test: its SIMD kernels where they run, else its scalar code through the
// same executors (so that the executors are tested in every build).
func useElementwiseForTest(t *testing.T) {
	t.Helper()
	installElementwise()
	if slices.Contains(ElementwiseKernels(), ElementwiseSIMD) {
		prev := Elementwise()
		if err := SetElementwise(ElementwiseSIMD); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = SetElementwise(prev) })
		return
	}
	if err := hookElementwise(); err != nil {
		t.Fatalf("hook simplego's elementwise executors: %v", err)
	}
	elementwise.on.Store(true)
	t.Cleanup(func() {
		elementwise.on.Store(false)
		for op, stock := range elementwise.stock {
			simplegoExecutors[op] = stock
		}
	})
}

// runBoth runs fn on x with the stock executors and with the hooked ones and
// returns both results and how many operations the hooked run gave vecmath.
func runBoth(t *testing.T, fn func(x *graph.Node) *graph.Node, x any) (stock, hooked []float32, calls int64) {
	t.Helper()
	b, err := simplego.New("")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	exec := graph.MustNewExec(b, fn)
	defer exec.Finalize()
	run := func() []float32 {
		out := exec.MustExec(x)[0]
		defer out.FinalizeAll()
		flat := make([]float32, out.Shape().Size())
		out.MustConstFlatData(func(data any) { copy(flat, data.([]float32)) })
		return flat
	}
	elementwise.on.Store(false)
	stock = run()
	elementwise.on.Store(true)
	before := elementwise.calls.Load()
	hooked = run()
	return stock, hooked, elementwise.calls.Load() - before
}

// randomTensor is [dims…] of uniform values in [-s, s), with some of the
// given specials.
func randomTensor(rng *rand.Rand, s float64, specials []float32, dims ...int) ([]float32, []int) {
	n := 1
	for _, d := range dims {
		n *= d
	}
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(s * (2*rng.Float64() - 1))
		if len(specials) > 0 && rng.IntN(5) == 0 {
			x[i] = specials[rng.IntN(len(specials))]
		}
	}
	return x, dims
}

// sameOrClose is whether got matches the stock result: the same NaN and
// infinities, else within rel (relative to max(1, |want|)).
func sameOrClose(got, want float32, rel float64) bool {
	g, w := float64(got), float64(want)
	switch {
	case math.IsNaN(w) || math.IsNaN(g):
		return math.IsNaN(w) && math.IsNaN(g)
	case math.IsInf(w, 0) || math.IsInf(g, 0):
		return g == w
	}
	return math.Abs(g-w) <= rel*max(1, math.Abs(w))
}

// TestElementwiseExecutors runs the forward pass's elementwise patterns
// through simplego with the stock and the hooked executors, on awkward
// sizes, with NaN and ±Inf, and compares.
func TestElementwiseExecutors(t *testing.T) {
	useElementwiseForTest(t)
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	odd := []float32{nan, inf, -inf, 0, -math.MaxFloat32, math.MaxFloat32, 100, -100}
	softmax := func(x *graph.Node) *graph.Node {
		T := x.Shape().Dimensions[1]
		mask := graph.BroadcastToDims(graph.InsertAxes(graph.LowerTriangular(x.Graph(), T), 0), x.Shape().Dimensions...)
		return graph.Softmax(graph.Where(mask, x, graph.Scalar(x.Graph(), dtypes.Float32, -math.MaxFloat32)), -1)
	}
	layerNorm := func(x *graph.Node) *graph.Node {
		D := x.Shape().Dimensions[x.Rank()-1]
		gain := graph.OnePlus(graph.DivScalar(graph.IotaFull(x.Graph(), shapes.Make(dtypes.Float32, D)), float64(D)))
		mean := graph.ReduceAndKeep(x, graph.ReduceMean, -1)
		centered := graph.Sub(x, mean)
		variance := graph.ReduceAndKeep(graph.Square(centered), graph.ReduceMean, -1)
		normed := graph.Mul(centered, graph.Rsqrt(graph.AddScalar(variance, 1e-5)))
		return graph.Add(graph.Mul(normed, graph.ExpandLeftToRank(gain, x.Rank())), graph.ExpandLeftToRank(gain, x.Rank()))
	}
	gelu := func(x *graph.Node) *graph.Node {
		inner := graph.MulScalar(graph.Mul(x, graph.OnePlus(graph.MulScalar(graph.Square(x), 0.044715))), 2*math.Sqrt(2/math.Pi))
		return graph.Mul(x, graph.Logistic(inner))
	}
	unary := func(x *graph.Node) *graph.Node {
		return graph.Add(graph.Add(graph.Exp(x), graph.Tanh(x)), graph.Logistic(x))
	}
	divSub := func(x *graph.Node) *graph.Node { // scalar on the left, full on the right
		return graph.Sub(graph.Div(graph.Scalar(x.Graph(), dtypes.Float32, 3), x), graph.ReduceAndKeep(x, graph.ReduceMax, -1))
	}
	slices3 := func(x *graph.Node) *graph.Node { // rows, a middle cut, a whole copy, and a bool mask's rows
		d := x.Shape().Dimensions
		rows := graph.Slice(x, graph.AxisRange(d[0]/3, d[0]))
		mid := graph.Slice(x, graph.AxisRange(), graph.AxisRange(1, d[1]), graph.AxisRange(0, d[2]-1))
		mask := graph.Slice(graph.GreaterThan(x, graph.ScalarZero(x.Graph(), dtypes.Float32)), graph.AxisRange(d[0]/3, d[0]))
		return graph.Concatenate([]*graph.Node{graph.Reshape(graph.Where(mask, rows, graph.Neg(rows)), -1),
			graph.Reshape(mid, -1), graph.Reshape(graph.Slice(x), -1)}, 0)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	tests := []struct {
		name     string
		fn       func(*graph.Node) *graph.Node
		scale    float64
		specials []float32
		dims     [][]int
		rel      float64
	}{
		{"softmax", softmax, 8, nil, [][]int{{1, 1, 1}, {2, 7, 7}, {3, 13, 13}, {1, 64, 64}, {2, 1023, 1023}, {1, 1024, 1024}}, 1e-6},
		{"softmax/odd", softmax, 8, odd, [][]int{{2, 9, 9}, {1, 31, 31}}, 1e-6},
		{"layernorm", layerNorm, 3, nil, [][]int{{1, 1}, {5, 13}, {7, 768}, {3, 1023}}, 1e-5},
		{"gelu", gelu, 6, nil, [][]int{{1, 1}, {3, 17}, {11, 3072}}, 1e-6},
		{"unary/odd", unary, 30, odd, [][]int{{1}, {7}, {1023}, {4, 1031}}, 1e-6},
		{"slice", slices3, 5, nil, [][]int{{2, 2, 2}, {3, 5, 7}, {7, 13, 1023}}, 0},
		{"div-sub/odd", divSub, 10, odd, [][]int{{1, 1}, {3, 9}, {2, 1023}}, 1e-6},
	}
	for _, tt := range tests {
		for _, dims := range tt.dims {
			t.Run(fmt.Sprintf("%s/%v", tt.name, dims), func(t *testing.T) {
				flat, _ := randomTensor(rng, tt.scale, tt.specials, dims...)
				x := tensors.FromFlatDataAndDimensions(flat, dims...)
				stock, hooked, calls := runBoth(t, tt.fn, x)
				if calls == 0 {
					t.Fatalf("no operation went to the hooked executors")
				}
				for i := range stock {
					if !sameOrClose(hooked[i], stock[i], tt.rel) {
						t.Fatalf("element %d: %g, stock %g", i, hooked[i], stock[i])
					}
				}
				if tt.name == "softmax" { // masked positions exactly 0
					T := dims[1]
					for i, v := range hooked {
						if q, k := (i/T)%T, i%T; k > q && v != 0 {
							t.Fatalf("masked position [%d,%d] is %g", q, k, v)
						}
					}
				}
			})
		}
	}
}

// TestElementwiseLeavesOthers checks that what the executors do not handle
// (float64, a reduction over a leading axis, a general broadcast, a strided
// slice) still runs,
// on simplego's own code.
func TestElementwiseLeavesOthers(t *testing.T) {
	useElementwiseForTest(t)
	b, err := simplego.New("")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	before := elementwise.calls.Load()
	got := graph.MustExecOnce(b, func(x *graph.Node) *graph.Node { return graph.Exp(x) }, []float64{0, 1}).Value().([]float64)
	if got[0] != 1 || math.Abs(got[1]-math.E) > 1e-15 {
		t.Errorf("float64 Exp: %v", got)
	}
	sum := graph.MustExecOnce(b, func(x *graph.Node) *graph.Node { return graph.ReduceSum(x, 0) }, [][]float32{{1, 2}, {3, 4}}).Value().([]float32)
	if !slices.Equal(sum, []float32{4, 6}) {
		t.Errorf("ReduceSum over axis 0: %v", sum)
	}
	outer := graph.MustExecOnce(b, func(x, y *graph.Node) *graph.Node { return graph.Mul(x, y) },
		[][][]float32{{{1}, {2}}}, [][][]float32{{{1, 10}}, {{3, 30}}}).Value().([][][]float32)
	if fmt.Sprint(outer) != "[[[1 10] [2 20]] [[3 30] [6 60]]]" {
		t.Errorf("general broadcast: %v", outer)
	}
	strided := graph.MustExecOnce(b, func(x *graph.Node) *graph.Node {
		return graph.Slice(x, graph.AxisRange(0, 4).Stride(2))
	}, []float32{1, 2, 3, 4}).Value().([]float32)
	if !slices.Equal(strided, []float32{1, 3}) {
		t.Errorf("strided slice: %v", strided)
	}
	if calls := elementwise.calls.Load() - before; calls != 0 {
		t.Errorf("%d of these operations went to vecmath", calls)
	}
}

// TestElementwiseChoice checks the switch, its errors and the report.
func TestElementwiseChoice(t *testing.T) {
	installElementwise()
	name, simd, reason := "", false, ""
	if slices.Contains(ElementwiseKernels(), ElementwiseSIMD) {
		simd = true
		name = ElementwiseDescription()
	}
	if !simd {
		reason = elementwise.simdError
	}
	prev := Elementwise()
	t.Cleanup(func() { _ = SetElementwise(prev) })
	if err := SetElementwise(ElementwiseStock); err != nil || Elementwise() != ElementwiseStock ||
		!strings.HasPrefix(ElementwiseDescription(), "GoMLX stock code (") {
		t.Errorf("SetElementwise(stock): %v; %s, %q", err, Elementwise(), ElementwiseDescription())
	}
	if err := SetElementwise("fast"); err == nil || !strings.Contains(err.Error(), `unknown elementwise kernels "fast"`) {
		t.Errorf("SetElementwise(fast): %v", err)
	}
	err := SetElementwise(ElementwiseSIMD)
	switch {
	case simd && (err != nil || Elementwise() != ElementwiseSIMD || ElementwiseDescription() != name):
		t.Errorf("SetElementwise(simd): %v; %s", err, ElementwiseDescription())
	case !simd && (err == nil || !strings.Contains(err.Error(), reason)):
		t.Errorf("SetElementwise(simd) without SIMD: %v", err)
	}
	for _, tc := range []struct{ env, want, wantErr string }{
		{"stock", "float32 elementwise: GoMLX stock code (" + map[bool]string{true: "chosen with GPT2TAPS_ELEMENTWISE=stock", false: reason}[simd] + ")", ""},
		{"", "float32 elementwise: " + map[bool]string{true: name, false: "GoMLX stock code (" + reason + ")"}[simd], ""},
		{"avx", "", `backend "go": GPT2TAPS_ELEMENTWISE: unknown elementwise kernels "avx"`},
	} {
		t.Setenv(ElementwiseEnvVar, tc.env)
		c, err := New("go")
		if tc.wantErr != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Errorf("%s=%s: error %v, want %q", ElementwiseEnvVar, tc.env, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s=%s: %v", ElementwiseEnvVar, tc.env, err)
		}
		if d := c.Device(); !strings.HasSuffix(d, tc.want) {
			t.Errorf("%s=%s: Device() = %q, want it to end with %q", ElementwiseEnvVar, tc.env, d, tc.want)
		}
		c.Backend.Finalize()
	}
}
