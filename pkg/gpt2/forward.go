package gpt2

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // graph-building code reads like math
	"github.com/gomlx/gomlx/pkg/ml/context"
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
	for l := range cfg.NLayer {
		tap(fmt.Sprintf("hidden_states.%d", l), x)
		blk := layerScope(ctx, l)
		a := m.attention(blk.In("attn"), g, layerNorm(blk.In("ln_1"), g, x, cfg.LayerNormEpsilon), l, tap)
		tap(fmt.Sprintf("h.%d.attn.c_proj", l), a)
		x = Add(x, a)
		tap(fmt.Sprintf("h.%d.resid_mid", l), x)
		f := m.mlp(blk.In("mlp"), g, layerNorm(blk.In("ln_2"), g, x, cfg.LayerNormEpsilon), l, tap)
		tap(fmt.Sprintf("h.%d.mlp.c_proj", l), f)
		x = Add(x, f)
		tap(fmt.Sprintf("h.%d.resid_post", l), x)
	}
	hidden = layerNorm(ctx.In("ln_f"), g, x, cfg.LayerNormEpsilon)
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
func (m *Model) attention(ctx *context.Context, g *Graph, x *Node, l int, tap TapFn) *Node {
	cfg := m.Config
	T, D, H := x.Shape().Dimensions[0], cfg.NEmbd, cfg.NHead
	dh := D / H
	qkv := conv1D(ctx.In("c_attn"), g, x) // [T, 3D]
	q := Reshape(Slice(qkv, AxisRange(), AxisRange(0, D)), T, H, dh)
	k := Reshape(Slice(qkv, AxisRange(), AxisRange(D, 2*D)), T, H, dh)
	v := Reshape(Slice(qkv, AxisRange(), AxisRange(2*D, 3*D)), T, H, dh)
	scores := MulScalar(Einsum("qhd,khd->hqk", q, k), 1/math.Sqrt(float64(dh))) // [H,T,T]
	causal := BroadcastToDims(InsertAxes(LowerTriangular(g, T), 0), H, T, T)
	probs := MaskedSoftmax(scores, causal, -1)
	tap(fmt.Sprintf("h.%d.attn.pattern", l), probs)
	out := Reshape(Einsum("hqk,khd->qhd", probs, v), T, D)
	return conv1D(ctx.In("c_proj"), g, out)
}

// mlp is c_fc → GELU (tanh approximation) → c_proj.
func (m *Model) mlp(ctx *context.Context, g *Graph, x *Node, l int, tap TapFn) *Node {
	h := geluTanh(conv1D(ctx.In("c_fc"), g, x))
	tap(fmt.Sprintf("h.%d.mlp.act", l), h)
	return conv1D(ctx.In("c_proj"), g, h)
}

// conv1D is Hugging Face's Conv1D: y = x·W + b with W stored [in, out].
func conv1D(ctx *context.Context, g *Graph, x *Node) *Node {
	w := weight(ctx, g, "weight")
	b := weight(ctx, g, "bias")
	y := Dot(x, w)
	return Add(y, ExpandLeftToRank(b, y.Rank()))
}

// layerNorm normalizes over the last axis with GPT-2's epsilon (1e-5 in all
// released checkpoints; GoMLX's layers default of 1e-3 would be wrong here).
func layerNorm(ctx *context.Context, g *Graph, x *Node, eps float64) *Node {
	gain := weight(ctx, g, "weight")
	bias := weight(ctx, g, "bias")
	mean := ReduceAndKeep(x, ReduceMean, -1)
	centered := Sub(x, mean)
	variance := ReduceAndKeep(Square(centered), ReduceMean, -1)
	normed := Mul(centered, Rsqrt(AddScalar(variance, eps)))
	r := normed.Rank()
	return Add(Mul(normed, ExpandLeftToRank(gain, r)), ExpandLeftToRank(bias, r))
}

// geluTanh is GPT-2's GELU ("gelu_new"): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
func geluTanh(x *Node) *Node {
	inner := MulScalar(Add(x, MulScalar(Mul(x, Square(x)), 0.044715)), math.Sqrt(2/math.Pi))
	return Mul(MulScalar(x, 0.5), OnePlus(Tanh(inner)))
}

// weight reads the variable name in ctx's scope into graph g.
func weight(ctx *context.Context, g *Graph, name string) *Node {
	v := ctx.GetVariableByScopeAndName(ctx.Scope(), name)
	if v == nil {
		panic(fmt.Sprintf("gpt2: weight %s/%s was not loaded", ctx.Scope(), name))
	}
	return v.ValueGraph(g)
}
