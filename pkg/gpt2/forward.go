package gpt2

import (
	"fmt"
	"math"
	"runtime"

	"github.com/gomlx/gomlx/backends/simplego"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // graph-building code reads like math
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gopjrt/dtypes"
)

// TapFn receives a named intermediate value of the forward pass while the graph
// is being built. The names are listed in the package documentation of
// github.com/gpt2taps/gpt2taps/pkg/taps; they follow Hugging Face module paths:
//
//	hidden_states.{i}   [T,D]   i = 0 (embeddings) … L (after ln_f), HF's output_hidden_states
//	h.{l}.attn.c_proj   [T,D]   what attention adds to the residual stream in block l
//	h.{l}.mlp.c_proj    [T,D]   what the MLP adds to the residual stream in block l
//	h.{l}.resid_mid     [T,D]   the residual stream between attention and MLP
//	h.{l}.resid_post    [T,D]   the output of block l (before ln_f for the last block)
//	h.{l}.attn.pattern  [H,T,T] attention probabilities (query × key)
//	h.{l}.mlp.act       [T,I]   GELU output, the MLP's hidden activations
type TapFn func(name string, x *Node)

// ForwardOptions choose what Forward builds besides the final hidden state.
type ForwardOptions struct {
	// Tap, if set, is called with every tap point (see TapFn). Only what the
	// caller returns from the graph is computed and transferred.
	Tap TapFn
	// Logits asks for the language-model head (tied to wte): [T,V]. Off by
	// default: the lesson needs no logits and the head is the largest matmul.
	Logits bool
}

// Forward builds GPT-2's forward pass for one sequence of token ids ([T],
// any integer dtype) in ctx's graph, ctx being the model's Context (or the one
// a context.Exec passes in). It returns the final hidden state after ln_f
// ([T,D]) and, if opts.Logits, the logits ([T,V]); logits is nil otherwise.
//
// The structure is GPT-2's, visible at a glance:
//
//	x = wte[ids] + wpe[0:T]
//	for each block: x = x + attn(ln_1(x)); x = x + mlp(ln_2(x))
//	x = ln_f(x)
func (m *Model) Forward(ctx *context.Context, ids *Node, opts ForwardOptions) (hidden, logits *Node) {
	cfg := m.Config
	g := ids.Graph()
	tap := opts.Tap
	if tap == nil {
		tap = func(string, *Node) {}
	}
	T := ids.Shape().Dimensions[0]
	if T > cfg.NPositions {
		// Callers check this before building a graph; this is the last line of defence.
		panic(fmt.Sprintf("gpt2: %d tokens exceed the model's %d positions", T, cfg.NPositions))
	}

	x := m.embed(ctx, g, ids)
	p := m.pieces(g)
	for l := range cfg.NLayer {
		tap(fmt.Sprintf("hidden_states.%d", l), x)
		blk := layerScope(ctx, l)
		a := m.attention(blk.In("attn"), g, p.layerNorm(blk.In("ln_1"), x, cfg.LayerNormEpsilon), p, l, tap)
		tap(fmt.Sprintf("h.%d.attn.c_proj", l), a)
		x = Add(x, a)
		tap(fmt.Sprintf("h.%d.resid_mid", l), x)
		f := m.mlp(blk.In("mlp"), g, p.layerNorm(blk.In("ln_2"), x, cfg.LayerNormEpsilon), p, l, tap)
		tap(fmt.Sprintf("h.%d.mlp.c_proj", l), f)
		x = Add(x, f)
		tap(fmt.Sprintf("h.%d.resid_post", l), x)
	}
	hidden = p.layerNorm(ctx.In("ln_f"), x, cfg.LayerNormEpsilon)
	tap(fmt.Sprintf("hidden_states.%d", cfg.NLayer), hidden)
	if opts.Logits {
		wte := weight(ctx.In("wte"), g, "weight")
		logits = Einsum("td,vd->tv", hidden, wte)
	}
	return hidden, logits
}

// embed is wte[ids] + wpe[0:T].
func (m *Model) embed(ctx *context.Context, g *Graph, ids *Node) *Node {
	T := ids.Shape().Dimensions[0]
	wte := weight(ctx.In("wte"), g, "weight")
	wpe := weight(ctx.In("wpe"), g, "weight")
	tok := Gather(wte, Reshape(ids, T, 1))
	pos := Slice(wpe, AxisRange(0, T))
	return Add(tok, pos)
}

// attention is GPT-2's causal multi-head self-attention, ending in c_proj.
func (m *Model) attention(ctx *context.Context, g *Graph, x *Node, p *pieces, l int, tap TapFn) *Node {
	cfg := m.Config
	T, D, H := x.Shape().Dimensions[0], cfg.NEmbd, cfg.NHead
	dh := D / H
	// c_attn is one Conv1D of width 3D; its bias is added to q, k and v
	// separately, three independent operations simplego runs side by side.
	attn := ctx.In("c_attn")
	w, b := weight(attn, g, "weight"), weight(attn, g, "bias")
	qkv := Dot(x, w) // [T, 3D] without the bias
	third := func(i int) *Node {
		r := AxisRange(i*D, (i+1)*D)
		return Reshape(addBias(Slice(qkv, AxisRange(), r), Slice(b, r)), T, H, dh)
	}
	q, k, v := third(0), third(1), third(2)
	scores := attentionScores(q, k, 1/math.Sqrt(float64(dh))) // [H,T,T]
	// Masked scores are set to the lowest float32, as Hugging Face does
	// (masked_fill with finfo.min): their exp underflows to exactly 0, so this
	// equals a masked softmax, without the per-block constant tensors that
	// MaskedSoftmax builds.
	probs := p.split(scores, func(s *Node) *Node {
		return Softmax(Where(p.causalMask(s.Shape().Dimensions[0], T), s, lowestFloat32(g)), -1)
	})
	tap(fmt.Sprintf("h.%d.attn.pattern", l), probs)
	out := Reshape(Einsum("hqk,khd->qhd", probs, v), T, D)
	return conv1D(ctx.In("c_proj"), g, out)
}

// lowestFloat32 is the scalar constant -math.MaxFloat32.
func lowestFloat32(g *Graph) *Node {
	return Scalar(g, dtypes.Float32, -math.MaxFloat32)
}

// mlp is c_fc → GELU (tanh approximation) → c_proj.
func (m *Model) mlp(ctx *context.Context, g *Graph, x *Node, p *pieces, l int, tap TapFn) *Node {
	fc := ctx.In("c_fc")
	w, b := weight(fc, g, "weight"), weight(fc, g, "bias")
	h := p.split(Dot(x, w), func(y *Node) *Node { return geluTanh(addBias(y, b)) })
	tap(fmt.Sprintf("h.%d.mlp.act", l), h)
	return conv1D(ctx.In("c_proj"), g, h)
}

// conv1D is Hugging Face's Conv1D: y = x·W + b with W stored [in, out].
func conv1D(ctx *context.Context, g *Graph, x *Node) *Node {
	w := weight(ctx, g, "weight")
	b := weight(ctx, g, "bias")
	return addBias(Dot(x, w), b)
}

// addBias is y + b, b broadcast over y's leading axes.
func addBias(y, b *Node) *Node {
	return Add(y, ExpandLeftToRank(b, y.Rank()))
}

// layerNorm normalizes over the last axis with GPT-2's epsilon (1e-5 in all
// released checkpoints; GoMLX's layers default of 1e-3 would be wrong here),
// token by token, so it is computed in p's pieces.
func (p *pieces) layerNorm(ctx *context.Context, x *Node, eps float64) *Node {
	g := x.Graph()
	gain := weight(ctx, g, "weight")
	bias := weight(ctx, g, "bias")
	return p.split(x, func(x *Node) *Node { return layerNorm(x, gain, bias, eps) })
}

// layerNorm is LayerNorm over the last axis of x with the given gain and bias.
func layerNorm(x, gain, bias *Node, eps float64) *Node {
	mean := ReduceAndKeep(x, ReduceMean, -1)
	centered := Sub(x, mean)
	variance := ReduceAndKeep(Square(centered), ReduceMean, -1)
	normed := Mul(centered, Rsqrt(AddScalar(variance, eps)))
	r := normed.Rank()
	return Add(Mul(normed, ExpandLeftToRank(gain, r)), ExpandLeftToRank(bias, r))
}

// attentionScores is q·kᵀ·scale per head: [T,H,dh]×[T,H,dh] → [H,T,T]. When
// scale is a power of two (1/8 for GPT-2's head width 64) it is applied to q,
// five times smaller than the scores for the lesson's text: scaling by a power
// of two is exact, so the scores are bit for bit the same.
func attentionScores(q, k *Node, scale float64) *Node {
	if frac, _ := math.Frexp(scale); frac == 0.5 {
		return Einsum("qhd,khd->hqk", MulScalar(q, scale), k)
	}
	return MulScalar(Einsum("qhd,khd->hqk", q, k), scale)
}

// geluTanh is GPT-2's GELU ("gelu_new"): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))),
// computed as x·σ(2·√(2/π)·(x + 0.044715·x³)), the same function since
// 0.5·(1 + tanh(u)) = σ(2u). On the pure-Go backend the logistic (one exp)
// costs about 60% of tanh, and the form saves two passes over the MLP's
// activations; it also avoids the cancellation in 1 + tanh(u) for very
// negative u.
func geluTanh(x *Node) *Node {
	inner := MulScalar(Mul(x, OnePlus(MulScalar(Square(x), 0.044715))), 2*math.Sqrt(2/math.Pi))
	return Mul(x, Logistic(inner))
}

// weight reads the variable name in ctx's scope into graph g.
func weight(ctx *context.Context, g *Graph, name string) *Node {
	v := ctx.GetVariableByScopeAndName(ctx.Scope(), name)
	if v == nil {
		panic(fmt.Sprintf("gpt2: weight %s/%s was not loaded", ctx.Scope(), name))
	}
	return v.ValueGraph(g)
}

// pieces cuts token-wise or head-wise work into independent pieces on the
// pure-Go backend (simplego). That backend runs each operation on one core but
// runs independent operations side by side, and only its matrix
// multiplications use every core: the layer norms, the softmax and the GELU,
// left whole, would keep the other cores idle for 5–15% of the pass (more for
// narrower models).
// Each piece computes exactly what the whole would, row by row. Other backends
// (XLA) fuse and parallelize by themselves and get one piece.
//
// pieces also holds the causal masks, built once per graph: a mask made per
// block (or anything else that depends only on constants) would be computed
// by simplego at the start of the pass and held until its block runs — about
// 1 GB of masks for gpt2-large.
type pieces struct {
	g     *Graph
	n     int           // pieces to cut into, at most
	masks map[int]*Node // causal masks by number of heads
}

// pieces returns the cutter for graph g on m's backend.
func (m *Model) pieces(g *Graph) *pieces {
	n := 1
	if _, ok := m.Backend.(*simplego.Backend); ok {
		n = runtime.GOMAXPROCS(0) // the cores simplego's workers can run on
	}
	return &pieces{g: g, n: n, masks: map[int]*Node{}}
}

// split applies fn to contiguous pieces of x along its first axis and
// concatenates the results along the first axis. fn must treat the rows of
// its argument independently.
func (p *pieces) split(x *Node, fn func(*Node) *Node) *Node {
	rows := x.Shape().Dimensions[0]
	n := min(p.n, rows)
	if n <= 1 {
		return fn(x)
	}
	parts := make([]*Node, n)
	for i := range n {
		parts[i] = fn(Slice(x, AxisRange(i*rows/n, (i+1)*rows/n)))
	}
	return Concatenate(parts, 0)
}

// causalMask is true where query q may attend to key k (k ≤ q), for each of
// heads heads: [heads,T,T].
func (p *pieces) causalMask(heads, T int) *Node {
	if m, ok := p.masks[heads]; ok {
		return m
	}
	m := BroadcastToDims(InsertAxes(LowerTriangular(p.g, T), 0), heads, T, T)
	p.masks[heads] = m
	return m
}
