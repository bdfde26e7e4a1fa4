package backend

// This file is the only place that reaches into GoMLX's simplego internals
// (github.com/gomlx/gomlx v0.25.0, pinned in go.mod): simplego chooses the
// executor of each operation from a package-private table, and has no public
// way to replace the DotGeneral one. What is used here, and checked by
// simplegoLayout at run time and by TestSimplegoInternals (which fails when
// the pinned GoMLX changes under it):
//
//   - the variable nodeExecutors, an array of executors indexed by
//     backends.OpType (read and written through go:linkname): DotGeneral's
//     slot for the matmul kernel, and the slots of elementwise.go's hookedOps
//     (Exp, Logistic, Tanh, Add, Sub, Mul, Div, ReduceMax, ReduceSum, Slice) for the
//     elementwise kernels;
//   - the methods (*Backend).getBufferForShape (the buffer pool) and
//     (*workersPool).StartIfAvailable and MaxParallelism (the worker pool);
//   - the fields Node.data, Node.shape and Backend.workers, found by name and
//     type with reflect;
//   - DotGeneral's node data, *dotGeneralNodeData, whose first four fields
//     (the contracting and batch axes of each side) are read through a
//     mirror struct after checking names, types and offsets with reflect;
//   - ReduceMax's and ReduceSum's node data, the reduced axes as an []int
//     (type-asserted: anything else leaves the node to simplego);
//   - Slice's node data, *sliceNode (starts, limits, strides), read like
//     dotGeneralNodeData through a checked mirror struct.

import (
	"fmt"
	"reflect"
	"sync/atomic"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// nodeExecutor is simplego's executor signature (simplego.nodeExecutor).
type nodeExecutor func(b *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, inputsOwned []bool) (*simplego.Buffer, error)

//go:linkname simplegoExecutors github.com/gomlx/gomlx/backends/simplego.nodeExecutors
var simplegoExecutors [backends.OpTypeLast]nodeExecutor

//go:linkname simplegoGetBuffer github.com/gomlx/gomlx/backends/simplego.(*Backend).getBufferForShape
func simplegoGetBuffer(b *simplego.Backend, shape shapes.Shape) *simplego.Buffer

//go:linkname simplegoStartIfAvailable github.com/gomlx/gomlx/backends/simplego.(*workersPool).StartIfAvailable
func simplegoStartIfAvailable(pool unsafe.Pointer, task func()) bool

//go:linkname simplegoMaxParallelism github.com/gomlx/gomlx/backends/simplego.(*workersPool).MaxParallelism
func simplegoMaxParallelism(pool unsafe.Pointer) int

// dotGeneralAxes mirrors the first fields of simplego's dotGeneralNodeData.
type dotGeneralAxes struct {
	lhsContractingAxes, lhsBatchAxes []int
	rhsContractingAxes, rhsBatchAxes []int
}

// simplegoOffsets are the offsets of the unexported fields used here, found
// by simplegoLayout.
type simplegoOffsets struct {
	nodeData, nodeShape, backendWorkers uintptr
}

// layout is the verified layout; nil until simplegoLayout succeeded.
var layout atomic.Pointer[simplegoOffsets]

// simplegoLayout finds and checks the fields this file reads.
func simplegoLayout() (*simplegoOffsets, error) {
	if l := layout.Load(); l != nil {
		return l, nil
	}
	var l simplegoOffsets
	var err error
	node := reflect.TypeFor[simplego.Node]()
	if l.nodeData, err = fieldOffset(node, "data", reflect.TypeFor[any]()); err != nil {
		return nil, err
	}
	if l.nodeShape, err = fieldOffset(node, "shape", reflect.TypeFor[shapes.Shape]()); err != nil {
		return nil, err
	}
	backend := reflect.TypeFor[simplego.Backend]()
	f, ok := backend.FieldByName("workers")
	if !ok || f.Type.Kind() != reflect.Struct || f.Type.Name() != "workersPool" || f.Type.PkgPath() != backend.PkgPath() {
		return nil, fmt.Errorf("simplego.Backend has no field workers of type workersPool")
	}
	l.backendWorkers = f.Offset
	layout.Store(&l)
	return &l, nil
}

// fieldOffset is the offset of field name of struct t, checked to have type want.
func fieldOffset(t reflect.Type, name string, want reflect.Type) (uintptr, error) {
	f, ok := t.FieldByName(name)
	if !ok {
		return 0, fmt.Errorf("%s has no field %s", t, name)
	}
	if f.Type != want {
		return 0, fmt.Errorf("%s.%s is a %s, not a %s", t, name, f.Type, want)
	}
	return f.Offset, nil
}

// checkedAxesType is the type of DotGeneral's node data once checked against
// dotGeneralAxes.
var checkedAxesType atomic.Pointer[reflect.Type]

// checkAxesType checks that t, the dynamic type of a DotGeneral node's data,
// is a pointer to simplego's dotGeneralNodeData starting with the fields of
// dotGeneralAxes, at the same offsets and of the same types.
func checkAxesType(t reflect.Type) error {
	if p := checkedAxesType.Load(); p != nil && *p == t {
		return nil
	}
	if err := checkMirror(t, "DotGeneral", "dotGeneralNodeData", reflect.TypeFor[dotGeneralAxes]()); err != nil {
		return err
	}
	checkedAxesType.Store(&t)
	return nil
}

// checkMirror checks that t is a pointer to simplego's struct name whose
// fields include mirror's, by name, at the same offsets and of the same
// types (op names the operation, for the error).
func checkMirror(t reflect.Type, op, name string, mirror reflect.Type) error {
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct || t.Elem().Name() != name ||
		t.Elem().PkgPath() != reflect.TypeFor[simplego.Backend]().PkgPath() {
		return fmt.Errorf("%s's node data is a %s, not a *simplego.%s", op, t, name)
	}
	real := t.Elem()
	for i := range mirror.NumField() {
		m := mirror.Field(i)
		f, ok := real.FieldByName(m.Name)
		if !ok || f.Type != m.Type || f.Offset != m.Offset {
			return fmt.Errorf("simplego's %s.%s is not a %s at offset %d", name, m.Name, m.Type, m.Offset)
		}
	}
	return nil
}

// sliceParams mirrors simplego's sliceNode, Slice's node data.
type sliceParams struct {
	starts, limits, strides []int
}

// checkedSliceType is the type of Slice's node data once checked.
var checkedSliceType atomic.Pointer[reflect.Type]

// nodeSlice returns a Slice node's parameters.
func nodeSlice(l *simplegoOffsets, node *simplego.Node) (sliceParams, error) {
	data := nodeData(l, node)
	if data == nil {
		return sliceParams{}, fmt.Errorf("slice node without data")
	}
	t := reflect.TypeOf(data)
	if p := checkedSliceType.Load(); p == nil || *p != t {
		if err := checkMirror(t, "Slice", "sliceNode", reflect.TypeFor[sliceParams]()); err != nil {
			return sliceParams{}, err
		}
		checkedSliceType.Store(&t)
	}
	return *(*sliceParams)(reflect.ValueOf(data).UnsafePointer()), nil
}

// nodeAxes returns the axes of a DotGeneral node and its output shape.
func nodeAxes(l *simplegoOffsets, node *simplego.Node) (dotGeneralAxes, shapes.Shape, error) {
	data := *(*any)(unsafe.Add(unsafe.Pointer(node), l.nodeData))
	if data == nil {
		return dotGeneralAxes{}, shapes.Shape{}, fmt.Errorf("DotGeneral node without data")
	}
	if err := checkAxesType(reflect.TypeOf(data)); err != nil {
		return dotGeneralAxes{}, shapes.Shape{}, err
	}
	axes := *(*dotGeneralAxes)(reflect.ValueOf(data).UnsafePointer())
	shape := *(*shapes.Shape)(unsafe.Add(unsafe.Pointer(node), l.nodeShape))
	return axes, shape, nil
}

// workers returns the backend's worker pool.
func workers(l *simplegoOffsets, b *simplego.Backend) unsafe.Pointer {
	return unsafe.Add(unsafe.Pointer(b), l.backendWorkers)
}

// nodeShape is a node's output shape.
func nodeShape(l *simplegoOffsets, node *simplego.Node) shapes.Shape {
	return *(*shapes.Shape)(unsafe.Add(unsafe.Pointer(node), l.nodeShape))
}

// nodeData is a node's op-specific data (simplego's Node.data).
func nodeData(l *simplegoOffsets, node *simplego.Node) any {
	return *(*any)(unsafe.Add(unsafe.Pointer(node), l.nodeData))
}
