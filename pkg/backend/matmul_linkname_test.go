package backend

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gopjrt/dtypes"
)

// hookedGoMLX is the GoMLX version whose simplego internals
// matmul_linkname.go was written against.
const hookedGoMLX = "v0.25.0"

// TestSimplegoInternals fails when the pinned GoMLX changes under
// matmul_linkname.go: the version in go.mod, the executor table, the buffer
// and worker pools, and the fields read by reflection.
func TestSimplegoInternals(t *testing.T) {
	const fix = "matmul_linkname.go reaches into simplego's internals as of GoMLX " + hookedGoMLX +
		": check nodeExecutors, dotGeneralNodeData, the Reduce ops' node data, (*Backend).getBufferForShape and workersPool in the new version, then update this test"
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*github\.com/gomlx/gomlx (\S+)`).FindSubmatch(mod)
	if m == nil || string(m[1]) != hookedGoMLX {
		t.Fatalf("go.mod requires github.com/gomlx/gomlx %s; %s", m, fix)
	}

	l, err := simplegoLayout()
	if err != nil {
		t.Fatalf("%v; %s", err, fix)
	}

	// The worker pool: parallelism as configured.
	b, err := simplego.New("parallelism=3")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	sb := b.(*simplego.Backend)
	if p := simplegoMaxParallelism(workers(l, sb)); p != 3 {
		t.Fatalf("simplego's worker pool reports parallelism %d, configured 3; %s", p, fix)
	}
	ran := make(chan bool)
	if !simplegoStartIfAvailable(workers(l, sb), func() { ran <- true }) || !<-ran {
		t.Fatalf("simplego's worker pool did not start a task; %s", fix)
	}

	// The buffer pool.
	shape := shapes.Make(dtypes.Float32, 2, 3)
	buf := simplegoGetBuffer(sb, shape)
	if got, err := sb.BufferShape(buf); err != nil || !got.Equal(shape) {
		t.Fatalf("getBufferForShape(%s) gave a buffer of shape %s (%v); %s", shape, got, err, fix)
	}
	if flat, _ := sb.BufferData(buf); len(flat.([]float32)) != 6 {
		t.Fatalf("getBufferForShape(%s) gave %d values; %s", shape, len(flat.([]float32)), fix)
	}
	_ = sb.BufferFinalize(buf)

	// The executor table: the hook sits in DotGeneral's slot, and a graph's
	// DotGeneral reaches it with node data of the expected layout.
	useGEMMForTest(t)
	if got := simplegoExecutors[backends.OpTypeDotGeneral]; reflect.ValueOf(got).Pointer() != reflect.ValueOf(nodeExecutor(execDotGeneral)).Pointer() {
		t.Fatalf("simplego's DotGeneral executor is not the hook after installing it; %s", fix)
	}
	before := matmul.gemmCalls.Load()
	exec := graph.MustNewExec(b, func(x, y *graph.Node) *graph.Node { return graph.Einsum("bij,bjk->bik", x, y) })
	defer exec.Finalize()
	got := exec.MustExec([][][]float32{{{1, 2}}}, [][][]float32{{{3}, {4}}})[0].Value().([][][]float32)
	if matmul.gemmCalls.Load() == before || got[0][0][0] != 11 {
		t.Fatalf("a DotGeneral through simplego gave %v (want [[[11]]]), gemm calls %d; disabled: %q; %s",
			got, matmul.gemmCalls.Load()-before, disabledReason(), fix)
	}
	if p := checkedAxesType.Load(); p == nil || (*p).String() != "*simplego.dotGeneralNodeData" {
		t.Fatalf("DotGeneral's node data type was not checked; %s", fix)
	}

	// The elementwise slots: each hooked operation reaches its hook, and a
	// reduction's node data is its axes as an []int (else the hook would
	// silently leave every reduction to simplego).
	useElementwiseForTest(t)
	for _, op := range hookedOps {
		if simplegoExecutors[op] == nil || elementwise.stock[op] == nil {
			t.Fatalf("no %s executor in simplego's table, or no stock one kept; %s", op, fix)
		}
	}
	before = elementwise.calls.Load()
	reduced := graph.MustExecOnce(b, func(x *graph.Node) *graph.Node {
		return graph.Add(graph.ReduceMax(x, -1), graph.ReduceSum(graph.Exp(x), -1))
	}, [][]float32{{0, 0}, {0, 0}}).Value().([]float32)
	if calls := elementwise.calls.Load() - before; calls != 4 || reduced[0] != 2 || reduced[1] != 2 {
		t.Fatalf("max(x)+sum(exp(x)) of [[0 0] [0 0]] through simplego gave %v (want [2 2]) with %d of 4 operations hooked; %s",
			reduced, calls, fix)
	}
	sliced := graph.MustExecOnce(b, func(x *graph.Node) *graph.Node { return graph.Slice(x, graph.AxisRange(1, 3)) },
		[]float32{1, 2, 3, 4}).Value().([]float32)
	if p := checkedSliceType.Load(); p == nil || (*p).String() != "*simplego.sliceNode" || !slices.Equal(sliced, []float32{2, 3}) {
		t.Fatalf("a Slice through simplego gave %v (want [2 3]) without its node data checked; %s", sliced, fix)
	}
}

// TestCheckAxesType checks that a node data type other than simplego's
// dotGeneralNodeData, or one whose fields moved, is refused.
func TestCheckAxesType(t *testing.T) {
	type dotGeneralNodeData struct {
		lhsBatchAxes, lhsContractingAxes []int // swapped
		rhsContractingAxes, rhsBatchAxes []int
	}
	for _, typ := range []reflect.Type{
		reflect.TypeFor[*dotGeneralAxes](),
		reflect.TypeFor[*dotGeneralNodeData](),
		reflect.TypeFor[dotGeneralAxes](),
	} {
		if err := checkAxesType(typ); err == nil {
			t.Errorf("checkAxesType(%s) accepted it", typ)
		}
	}
}
