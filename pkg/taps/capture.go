package taps

import (
	"fmt"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// Capturer runs the forward pass of one model for one Request. It keeps the
// compiled graphs: running again with the same number of tokens reuses them
// (a new length means a new compile, as always with GoMLX/XLA).
type Capturer struct {
	model *gpt2.Model
	req   Request
	sel   Selection
	mu    sync.Mutex
	exec  *context.Exec
	order []outputSlot
}

// outputSlot says what the i-th graph output is.
type outputSlot struct {
	kind      gpt2.Kind // a stack, or
	reduction string    // a reduction, or
	logits    bool      // the logits
}

// NewCapturer prepares a capture of req on model m: it checks the request
// and compiles nothing yet (each new number of tokens compiles once, on its
// first Run).
func NewCapturer(m *gpt2.Model, req Request) (*Capturer, error) {
	if m == nil {
		return nil, fmt.Errorf("capture: no model")
	}
	sel, err := req.check(m.Config.NLayer)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	c := &Capturer{model: m, req: req, sel: sel}
	for _, k := range sel.Kinds() {
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

// Run runs the forward pass of m once on in and returns what req asks for:
// the one call from a text (or token ids) to its taps, like TransformerLens's
// run_with_cache. To run several texts, make one Capturer and call its Run for
// each.
func Run(m *gpt2.Model, in Input, req Request) (*Result, error) {
	c, err := NewCapturer(m, req)
	if err != nil {
		return nil, err
	}
	return c.Run(in)
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

// Run tokenizes and checks in (see Input.Encode) and captures the taps.
func (c *Capturer) Run(in Input) (res *Result, err error) {
	cfg := c.model.Config
	enc, err := in.Encode(cfg)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	ids32 := make([]int32, len(enc.IDs))
	for i, id := range enc.IDs {
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
	res = &Result{Config: cfg, NLayer: cfg.NLayer, IDs: enc.IDs, Tokens: enc.Tokens, Stacks: map[gpt2.Kind]*Stack{}, Reduced: map[string]*tensors.Tensor{}}
	for i, slot := range c.order {
		t := outputs[i]
		switch {
		case slot.logits:
			res.Logits = t
		case slot.reduction != "":
			res.Reduced[slot.reduction] = t
		default:
			res.Stacks[slot.kind] = &Stack{Kind: slot.kind, Indices: c.sel.Indices(slot.kind), Tensor: t}
		}
	}
	return res, nil
}

// buildGraph builds the forward pass, collecting the tap points that the request
// needs, and returns the requested outputs in c.order.
func (c *Capturer) buildGraph(ctx *context.Context, ids *graph.Node) []*graph.Node {
	nLayer := c.model.Config.NLayer
	points := map[gpt2.Kind][]*graph.Node{}
	for _, k := range c.sel.Kinds() {
		points[k] = make([]*graph.Node, k.Count(nLayer))
	}
	for _, r := range c.req.Reductions {
		for _, k := range r.Inputs {
			points[k] = make([]*graph.Node, k.Count(nLayer))
		}
	}
	tap := func(p gpt2.Point, x *graph.Node) *graph.Node {
		if kept, ok := points[p.Kind]; ok {
			kept[p.Layer] = x
		}
		return x
	}
	_, logits := c.model.Forward(ctx, ids, gpt2.ForwardOptions{Tap: tap, Logits: c.req.Logits})

	// Each distinct stack is built once, shared by the outputs and the
	// reductions that use it.
	stacks := map[string]*graph.Node{}
	stacked := func(k gpt2.Kind, indices []int) *graph.Node {
		key := k.String() + ":" + joinInts(indices)
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
	var out []*graph.Node
	for _, slot := range c.order {
		switch {
		case slot.logits:
			out = append(out, logits)
		case slot.reduction != "":
			r := c.reduction(slot.reduction)
			inputs := make([]*graph.Node, len(r.Inputs))
			for i, k := range r.Inputs {
				inputs[i] = stacked(k, upTo(k.Count(nLayer)))
			}
			out = append(out, r.Fn(inputs))
		default:
			out = append(out, stacked(slot.kind, c.sel.Indices(slot.kind)))
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

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
