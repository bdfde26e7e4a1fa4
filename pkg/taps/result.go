package taps

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// Result holds what one run returned, as host float32 arrays, fetched by name
// with Get — TransformerLens's ActivationCache. It is plain Go: a program that
// only reads and analyses taps (from the tap cache or a taps file) does not
// link the model or GoMLX.
type Result struct {
	Config  gpt2.Config // the model's configuration (zero for files that do not record it)
	NLayer  int         // depth of the model that produced the result
	IDs     []int       // the token ids
	Tokens  []string    // the tokens' exact bytes (see gpt2.TokenLabel for display); may be empty for files from elsewhere
	Stacks  map[gpt2.Kind]*Stack
	Reduced map[string]Array
	Logits  *Array // [T,V] when asked for
	Info    Info   // how the result was obtained
}

// Info says how a Result was obtained (its String is one line for people).
type Info struct {
	Model     string        // the model argument (Hub id or directory), when known
	Dir       string        // the checkpoint directory it resolved to, when known
	Computed  bool          // true if the forward pass ran now, false if loaded from the tap cache
	Elapsed   time.Duration // time to compute (load model + forward) or to load from the cache
	Ahead     bool          // computed ahead of the request (modelclient.Prepare): Elapsed is that computation's time
	Waited    time.Duration // with Ahead: how long the request waited for it
	Backend   string        // backend and device that computed it (from the cache's record when loaded)
	CachePath string        // the tap cache file ("" when not cached)
}

// Stack is the selected points of one kind, stacked along the first axis:
// its shape is [len(Indices), …point shape].
type Stack struct {
	Kind    gpt2.Kind
	Indices []int
	Array
}

// Array is float32 values with their shape, row-major.
type Array struct {
	Dims []int
	Data []float32
}

// Vec returns the vector along the last axis at the leading indices idx (one
// fewer than the rank): for an [L,T,D] stack, Vec(l, t) is the D values of
// layer l at token t. It shares Data.
func (a Array) Vec(idx ...int) []float32 {
	if len(idx) != len(a.Dims)-1 {
		panic(fmt.Sprintf("taps: Vec needs %d indices for shape %v, got %d", len(a.Dims)-1, a.Dims, len(idx)))
	}
	off := 0
	for i, x := range idx {
		if x < 0 || x >= a.Dims[i] {
			panic(fmt.Sprintf("taps: index %d out of range for axis %d of shape %v", x, i, a.Dims))
		}
		off = off*a.Dims[i] + x
	}
	n := a.Dims[len(a.Dims)-1]
	return a.Data[off*n : (off+1)*n]
}

// Get returns a captured tensor by name:
//   - a stack by its kind or pattern, Hugging Face or TransformerLens style
//     ("attn.c_proj", "h.*.attn.c_proj", "blocks.*.hook_attn_out"): [N, …],
//     N the number of points captured;
//   - one point ("h.3.attn.c_proj", "blocks.3.hook_attn_out",
//     "hidden_states.0"): its own shape, e.g. [T,D];
//   - a reduction by its name ("cosine"), or "logits".
//
// The array shares the result's memory: copy it before changing it.
func (r *Result) Get(name string) (Array, error) {
	if a, ok := r.Reduced[name]; ok {
		return a, nil
	}
	if name == "logits" && r.Logits != nil {
		return *r.Logits, nil
	}
	p, err := gpt2.ParsePoint(name, r.NLayer)
	if err != nil {
		return Array{}, fmt.Errorf("get %q: not a reduction of this result (%s) and %w", name, r.names(), err)
	}
	s, ok := r.Stacks[p.Kind]
	if !ok {
		return Array{}, fmt.Errorf("get %q: %s was not captured (captured: %s)", name, p.Kind, r.names())
	}
	if p.Layer == gpt2.AllLayers {
		return s.Array, nil
	}
	row := slices.Index(s.Indices, p.Layer)
	if row < 0 {
		return Array{}, fmt.Errorf("get %q: point %d of %s was not captured (captured: %v)", name, p.Layer, p.Kind, s.Indices)
	}
	n := len(s.Data) / s.Dims[0]
	return Array{Dims: slices.Clone(s.Dims[1:]), Data: s.Data[row*n : (row+1)*n]}, nil
}

// names lists what r holds, for messages.
func (r *Result) names() string {
	var names []string
	for _, k := range gpt2.Kinds() {
		if _, ok := r.Stacks[k]; ok {
			names = append(names, k.String())
		}
	}
	for name := range r.Reduced {
		names = append(names, name)
	}
	slices.Sort(names[len(names)-len(r.Reduced):])
	if r.Logits != nil {
		names = append(names, "logits")
	}
	if len(names) == 0 {
		return "nothing"
	}
	return strings.Join(names, ", ")
}

// String says in one line where a result came from: "computed in 59.1 s on
// go: pure Go …" (the time of the capture call: loading the weights included
// when it loaded them, the forward pass alone on a model kept loaded) or
// "loaded from the tap cache in 0.35 s (computed earlier on go: pure Go …)".
func (i Info) String() string {
	if i.Computed && i.Ahead {
		return fmt.Sprintf("computed in %.2f s on %s, started ahead by an earlier cell (this one waited %.2f s)",
			i.Elapsed.Seconds(), orUnknown(i.Backend), i.Waited.Seconds())
	}
	if i.Computed {
		return fmt.Sprintf("computed in %.2f s on %s", i.Elapsed.Seconds(), orUnknown(i.Backend))
	}
	return fmt.Sprintf("loaded from the tap cache in %.2f s (computed earlier on %s)", i.Elapsed.Seconds(), orUnknown(i.Backend))
}

func orUnknown(s string) string {
	if s == "" {
		return "an unrecorded backend"
	}
	return s
}

// TokenLabels are the result's tokens as labels for axes and tables, spaces
// and newlines made visible (see gpt2.TokenLabel).
func (r *Result) TokenLabels() []string {
	labels := make([]string, len(r.Tokens))
	for i, t := range r.Tokens {
		labels[i] = gpt2.TokenLabel(t)
	}
	return labels
}
