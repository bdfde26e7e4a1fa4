package model

import (
	"fmt"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2/tokenizer"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// Run runs the forward pass once on in and returns what req asks for, as host
// arrays: the one call from a text (or token ids) to its taps, like
// TransformerLens's run_with_cache. The text is tokenized once (pass
// gpt2.Tokens to reuse an encoding). The graph is compiled on the first run of
// a request and number of tokens and reused after that.
func (m *Model) Run(in gpt2.Input, req taps.Request) (*taps.Result, error) {
	start := time.Now()
	enc, err := tokenizer.Encode(in, m.Config)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	c, err := m.capture(req)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	res, err := c.run(enc.IDs)
	if err != nil {
		return nil, err
	}
	res.Tokens = enc.Tokens
	res.Info = taps.Info{Model: m.Name, Dir: m.Dir, Computed: true, Elapsed: time.Since(start), Backend: m.BackendReport()}
	return res, nil
}

// capture is one request compiled for the model.
type capture struct {
	m     *Model
	req   taps.Request
	sel   taps.Selection
	exec  *context.Exec
	order []outputSlot
}

// outputSlot says what the i-th graph output is.
type outputSlot struct {
	kind      gpt2.Kind // a stack, or
	reduction int       // 1 + the index of a reduction, or
	logits    bool      // the logits
}

// capture returns the compiled capture of req, making it on first use.
func (m *Model) capture(req taps.Request) (*capture, error) {
	sel, err := req.Validate(m.Config.NLayer)
	if err != nil {
		return nil, err
	}
	key := req.Key(m.Config.NLayer)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Context == nil {
		return nil, fmt.Errorf("the model is closed")
	}
	if c, ok := m.execs[key]; ok {
		return c, nil
	}
	c := &capture{m: m, req: req, sel: sel}
	for _, k := range sel.Kinds() {
		c.order = append(c.order, outputSlot{kind: k})
	}
	for i := range req.Reductions {
		c.order = append(c.order, outputSlot{reduction: i + 1})
	}
	if req.Logits {
		c.order = append(c.order, outputSlot{logits: true})
	}
	if c.exec, err = context.NewExecAny(m.Backend, m.Context, c.buildGraph); err != nil {
		return nil, err
	}
	m.execs[key] = c
	return c, nil
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

// run executes the capture on checked token ids and copies its outputs to the
// host, freeing each device tensor as soon as it is copied.
func (c *capture) run(ids []int) (res *taps.Result, err error) {
	cfg := c.m.Config
	ids32 := make([]int32, len(ids))
	for i, id := range ids {
		ids32[i] = int32(id)
	}
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	if c.m.Context == nil {
		return nil, fmt.Errorf("capture: the model is closed")
	}
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
	res = &taps.Result{Config: cfg, NLayer: cfg.NLayer, IDs: slices.Clone(ids), Stacks: map[gpt2.Kind]*taps.Stack{}, Reduced: map[string]taps.Array{}}
	for i, slot := range c.order {
		a := hostArray(outputs[i])
		switch {
		case slot.logits:
			res.Logits = &a
		case slot.reduction > 0:
			res.Reduced[c.req.Reductions[slot.reduction-1].Name] = a
		default:
			res.Stacks[slot.kind] = &taps.Stack{Kind: slot.kind, Indices: c.sel.Indices(slot.kind), Array: a}
		}
	}
	return res, nil
}

// hostArray copies t to the host and frees t.
func hostArray(t *tensors.Tensor) taps.Array {
	a := taps.Array{Dims: slices.Clone(t.Shape().Dimensions), Data: tensors.MustCopyFlatData[float32](t)}
	_ = t.FinalizeAll()
	return a
}

// buildGraph builds the forward pass, collecting the tap points that the request
// needs, and returns the requested outputs in c.order.
func (c *capture) buildGraph(ctx *context.Context, ids *graph.Node) []*graph.Node {
	nLayer := c.m.Config.NLayer
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
	_, logits := c.m.Forward(ctx, ids, ForwardOptions{Tap: tap, Logits: c.req.Logits})

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
		case slot.reduction > 0:
			r := c.req.Reductions[slot.reduction-1]
			inputs := make([]*graph.Node, len(r.Inputs))
			for i, k := range r.Inputs {
				inputs[i] = stacked(k, upTo(k.Count(nLayer)))
			}
			out = append(out, reduce(r.Op, inputs))
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

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}

// upTo is 0 … n−1.
func upTo(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
