package taps

import (
	"fmt"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// Request says what a capture returns.
type Request struct {
	// Taps are the points whose values come back, stacked per kind.
	Taps Selection
	// Reductions are computed inside the graph from whole stacks; only their
	// results come back.
	Reductions []Reduction
	// Logits asks for the language-model head's output [T,V] as well.
	Logits bool
}

// Result holds what one capture returned, as host tensors.
type Result struct {
	NLayer  int // depth of the model that produced the result
	IDs     []int
	Stacks  map[Kind]*Stack
	Reduced map[string]*tensors.Tensor
	Logits  *tensors.Tensor
}

// Stack is the selected points of one kind, stacked along the first axis:
// Tensor's shape is [len(Indices), …point shape].
type Stack struct {
	Kind    Kind
	Indices []int
	Tensor  *tensors.Tensor
}

// Float32 returns a copy of the stack's values, row-major.
func (s *Stack) Float32() []float32 {
	return tensors.MustCopyFlatData[float32](s.Tensor)
}

// Dims returns the stack's shape.
func (s *Stack) Dims() []int {
	return s.Tensor.Shape().Dimensions
}

// Capturer runs the forward pass of one model for one Request. It keeps the
// compiled graphs: running again with the same number of tokens reuses them
// (a new length means a new compile, as always with GoMLX/XLA).
type Capturer struct {
	model *gpt2.Model
	req   Request
	mu    sync.Mutex
	exec  *context.Exec
	order []outputSlot
}

// outputSlot says what the i-th graph output is.
type outputSlot struct {
	kind      Kind   // a stack, or
	reduction string // a reduction, or
	logits    bool   // the logits
}

// NewCapturer prepares a capture of req on model m. The request must ask for
// something and name only kinds that exist.
func NewCapturer(m *gpt2.Model, req Request) (*Capturer, error) {
	if m == nil {
		return nil, fmt.Errorf("capture: no model")
	}
	if req.Taps.nLayer != 0 && req.Taps.nLayer != m.Config.NLayer {
		return nil, fmt.Errorf("capture: the tap selection was made for %d layers, the model has %d", req.Taps.nLayer, m.Config.NLayer)
	}
	if req.Taps.Empty() && len(req.Reductions) == 0 && !req.Logits {
		return nil, fmt.Errorf("capture: nothing requested: select taps (e.g. h.*.attn.c_proj), add a reduction or ask for logits")
	}
	seen := map[string]bool{}
	for _, r := range req.Reductions {
		if r.Name == "" || r.Fn == nil || len(r.Inputs) == 0 {
			return nil, fmt.Errorf("capture: reduction %q needs a name, inputs and a function", r.Name)
		}
		if seen[r.Name] {
			return nil, fmt.Errorf("capture: two reductions are named %q", r.Name)
		}
		seen[r.Name] = true
		for _, k := range r.Inputs {
			if !k.Valid() {
				return nil, fmt.Errorf("capture: reduction %q uses unknown tap kind %q (known: %s)", r.Name, k, kindList())
			}
		}
	}
	c := &Capturer{model: m, req: req}
	for _, k := range req.Taps.Kinds() {
		c.order = append(c.order, outputSlot{kind: k})
	}
	for _, r := range req.Reductions {
		c.order = append(c.order, outputSlot{reduction: r.Name})
	}
	if req.Logits {
		c.order = append(c.order, outputSlot{logits: true})
	}
	exec, err := context.NewExecAny(m.Backend, m.Context, c.buildGraph)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	c.exec = exec
	return c, nil
}

// Capture runs one forward pass of m on ids and returns what req asks for.
// To capture several texts, make one Capturer and call Run for each.
func Capture(m *gpt2.Model, ids []int, req Request) (*Result, error) {
	c, err := NewCapturer(m, req)
	if err != nil {
		return nil, err
	}
	return c.Run(ids)
}

// captureGCSlack is how much garbage a forward pass may leave before the
// collector runs, at most: the GOGC used during the pass (captureGCPercent)
// allows about this much above the live heap, within [2%, 20%] of it.
const captureGCSlack = 64 << 20

// captureGCPercent is the GOGC used during a forward pass over a live heap of
// heap bytes. The weights dominate the heap on CPU backends, so Go's default
// GOGC=100 would let the garbage of one pass grow to the size of the model
// (and GOGC=20 to a fifth of it: 0.6 GB for gpt2-large). The weights hold no
// pointers, so collecting often costs little: for gpt2-large, GOGC=2 collects
// about 20 times per pass, in well under 1% of its time.
func captureGCPercent(heap uint64) int {
	if heap == 0 {
		return 20
	}
	return int(min(20, max(2, 100*captureGCSlack/heap)))
}

// heapBytes is the heap's size in live and not yet collected objects.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// Run captures the taps for one sequence of token ids.
func (c *Capturer) Run(ids []int) (res *Result, err error) {
	cfg := c.model.Config
	if len(ids) == 0 {
		return nil, fmt.Errorf("capture: the text has no tokens: give a non-empty text")
	}
	if len(ids) > cfg.NPositions {
		return nil, fmt.Errorf("capture: the text has %d tokens but the model takes at most %d (n_positions): shorten the text", len(ids), cfg.NPositions)
	}
	ids32 := make([]int32, len(ids))
	for i, id := range ids {
		if id < 0 || id >= cfg.VocabSize {
			return nil, fmt.Errorf("capture: token id %d at position %d is outside the vocabulary [0, %d)", id, i, cfg.VocabSize)
		}
		ids32[i] = int32(id)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Collect eagerly while the pass runs (restored after): see captureGCPercent.
	defer debug.SetGCPercent(debug.SetGCPercent(captureGCPercent(heapBytes())))
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("capture: %s", firstLine(fmt.Sprint(r)))
		}
	}()
	outputs, err := c.exec.Exec(tensors.FromFlatDataAndDimensions(ids32, len(ids32)))
	if err != nil {
		return nil, fmt.Errorf("capture: %s", firstLine(err.Error()))
	}
	if len(outputs) != len(c.order) {
		return nil, fmt.Errorf("capture: internal error: %d outputs for %d requested results", len(outputs), len(c.order))
	}
	res = &Result{NLayer: cfg.NLayer, IDs: slices.Clone(ids), Stacks: map[Kind]*Stack{}, Reduced: map[string]*tensors.Tensor{}}
	for i, slot := range c.order {
		t := outputs[i]
		switch {
		case slot.logits:
			res.Logits = t
		case slot.reduction != "":
			res.Reduced[slot.reduction] = t
		default:
			res.Stacks[slot.kind] = &Stack{Kind: slot.kind, Indices: c.req.Taps.Indices(slot.kind), Tensor: t}
		}
	}
	return res, nil
}

// buildGraph builds the forward pass, collecting the tap points that the request
// needs, and returns the requested outputs in c.order.
func (c *Capturer) buildGraph(ctx *context.Context, ids *graph.Node) []*graph.Node {
	nLayer := c.model.Config.NLayer
	needed := map[Kind]bool{}
	for _, k := range c.req.Taps.Kinds() {
		needed[k] = true
	}
	for _, r := range c.req.Reductions {
		for _, k := range r.Inputs {
			needed[k] = true
		}
	}
	points := map[Kind][]*graph.Node{}
	for k := range needed {
		points[k] = make([]*graph.Node, k.Count(nLayer))
	}
	names := pointNames(nLayer, needed)
	tap := func(name string, x *graph.Node) {
		if p, ok := names[name]; ok {
			points[p.Kind][p.Index] = x
		}
	}
	_, logits := c.model.Forward(ctx, ids, gpt2.ForwardOptions{Tap: tap, Logits: c.req.Logits})

	// Each distinct stack is built once, shared by the outputs and the
	// reductions that use it.
	stacks := map[string]*graph.Node{}
	stacked := func(k Kind, indices []int) *graph.Node {
		key := string(k) + ":" + joinInts(indices)
		if s, ok := stacks[key]; ok {
			return s
		}
		parts := make([]*graph.Node, len(indices))
		for i, idx := range indices {
			parts[i] = points[k][idx]
		}
		s := stack(parts)
		stacks[key] = s
		return s
	}
	all := func(k Kind) []int {
		idx := make([]int, k.Count(nLayer))
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	var out []*graph.Node
	for _, slot := range c.order {
		switch {
		case slot.logits:
			out = append(out, logits)
		case slot.reduction != "":
			r := c.reduction(slot.reduction)
			inputs := make([]*graph.Node, len(r.Inputs))
			for i, k := range r.Inputs {
				inputs[i] = stacked(k, all(k))
			}
			out = append(out, r.Fn(inputs))
		default:
			out = append(out, stacked(slot.kind, c.req.Taps.Indices(slot.kind)))
		}
	}
	return out
}

// stack is graph.Stack(parts, 0) for parts of equal shape, built as one
// concatenation along the first axis followed by a reshape. graph.Stack
// reshapes each part first, and a backend that cannot alias buffers (simplego)
// copies every tapped value for that, since the forward pass uses it too.
func stack(parts []*graph.Node) *graph.Node {
	dims := parts[0].Shape().Dimensions
	if len(dims) == 0 {
		return graph.Stack(parts, 0)
	}
	cat := graph.Concatenate(parts, 0)
	return graph.Reshape(cat, append([]int{len(parts)}, dims...)...)
}

func (c *Capturer) reduction(name string) Reduction {
	for _, r := range c.req.Reductions {
		if r.Name == name {
			return r
		}
	}
	panic("unknown reduction " + name)
}

// pointNames maps the TapFn names of every point of the needed kinds to points.
func pointNames(nLayer int, needed map[Kind]bool) map[string]Point {
	names := map[string]Point{}
	for k := range needed {
		for i := range k.Count(nLayer) {
			p := Point{k, i}
			names[p.Name()] = p
		}
	}
	return names
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
