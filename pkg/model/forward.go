package model

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // graph-building code reads like math
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gopjrt/dtypes"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// TapFn receives every tap point of the forward pass (see gpt2.Point and gpt2.Kind)
// while the graph is being built, with its value, and returns the value the
// pass continues with: x itself to observe. Shapes per point: [T,D] for
// hidden states, adjustments and residuals, [H,T,T] for attention patterns,
// [T,I] for MLP activations.
type TapFn func(p gpt2.Point, x *Node) *Node

// ForwardOptions choose what Forward builds besides the final hidden state.
type ForwardOptions struct {
	// Tap, if set, is called with every tap point. Only what the caller returns
	// from the graph is computed and transferred.
	Tap TapFn
	// Logits asks for the language-model head (tied to wte): [T,V]. Off by
	// default: the lesson needs no logits and the head is the largest product.
	Logits bool
}

// Forward builds GPT-2's forward pass for one sequence of token ids ([T],
// any integer dtype) in ctx's graph, ctx being the model's Context (or the one
// a context.Exec passes in). It returns the final hidden state after ln_f
// ([T,D]) and, if opts.Logits, the logits ([T,V]); logits is nil otherwise.
// Callers check the length first: T above n_positions is a programming error.
func (m *Model) Forward(ctx *context.Context, ids *Node, opts ForwardOptions) (hidden, logits *Node) {
	cfg := m.Config
	T := ids.Shape().Dimensions[0]
	if T > cfg.NPositions {
		panic(fmt.Sprintf("gpt2: %d tokens exceed the model's %d positions", T, cfg.NPositions))
	}
	tap := opts.Tap
	if tap == nil {
		tap = func(_ gpt2.Point, x *Node) *Node { return x }
	}
	g := ids.Graph()
	f := &forward{Model: m, g: g, rows: m.rowSplit(), mask: causalMask(g, cfg.NHead, T)}

	x := f.embed(ctx, ids)
	for l := range cfg.NLayer {
		h := ctx.In("h").In(fmt.Sprint(l))
		x = tap(gpt2.HiddenState.At(l), x)
		// The two adjustments a block adds to the residual stream, x = x + attn(ln_1(x)); x = x + mlp(ln_2(x)):
		attnOut := tap(gpt2.AttnOut.At(l), f.attention(h.In("attn"), f.layerNorm(h.In("ln_1"), x), l, tap))
		x = tap(gpt2.ResidMid.At(l), Add(x, attnOut))
		mlpOut := tap(gpt2.MLPOut.At(l), f.mlp(h.In("mlp"), f.layerNorm(h.In("ln_2"), x), l, tap))
		x = tap(gpt2.ResidPost.At(l), Add(x, mlpOut))
	}
	hidden = tap(gpt2.HiddenState.At(cfg.NLayer), f.layerNorm(ctx.In("ln_f"), x))
	if opts.Logits {
		logits = Einsum("td,vd->tv", hidden, f.weight(ctx.In("wte"), "weight"))
	}
	return hidden, logits
}

// forward holds what the blocks of one forward graph share.
type forward struct {
	*Model
	g    *Graph
	rows rowSplit // how token-wise work is cut for the backend (rowsplit.go)
	mask *Node    // [H,T,T] causal mask, built once per graph
}

// embed is wte[ids] + wpe[0:T].
func (f *forward) embed(ctx *context.Context, ids *Node) *Node {
	T := ids.Shape().Dimensions[0]
	tok := Gather(f.weight(ctx.In("wte"), "weight"), Reshape(ids, T, 1))
	pos := Slice(f.weight(ctx.In("wpe"), "weight"), AxisRange(0, T))
	return Add(tok, pos)
}

// attention is GPT-2's causal multi-head self-attention, ending in c_proj.
func (f *forward) attention(ctx *context.Context, x *Node, l int, tap TapFn) *Node {
	T, D, H := x.Shape().Dimensions[0], f.Config.NEmbd, f.Config.NHead
	q, k, v := f.qkv(ctx.In("c_attn"), x, T, D, H)
	scores := attentionScores(q, k, 1/math.Sqrt(float64(D/H))) // [H,T,T]
	// Masked scores are set to the lowest float32, as Hugging Face does
	// (masked_fill with finfo.min): their exp underflows to exactly 0.
	probs := tap(gpt2.AttnPattern.At(l), f.rows.apply(scores, f.mask, func(s, mask *Node) *Node {
		return Softmax(Where(mask, s, Scalar(s.Graph(), dtypes.Float32, -math.MaxFloat32)), -1)
	}))
	out := Reshape(Einsum(gpt2.ContextEquation, probs, v), T, D)
	return f.conv1D(ctx.In("c_proj"), out)
}

// qkv is c_attn split into queries, keys and values, each [T,H,dh]. c_attn is
// one Conv1D of width 3D; its bias is added to each third separately.
func (f *forward) qkv(ctx *context.Context, x *Node, T, D, H int) (q, k, v *Node) {
	w, b := f.weight(ctx, "weight"), f.weight(ctx, "bias")
	qkv := Dot(x, w) // [T,3D] without the bias
	third := func(i int) *Node {
		r := AxisRange(i*D, (i+1)*D)
		return Reshape(addBias(Slice(qkv, AxisRange(), r), Slice(b, r)), T, H, D/H)
	}
	return third(0), third(1), third(2)
}

// mlp is c_fc → GELU (tanh approximation) → c_proj.
func (f *forward) mlp(ctx *context.Context, x *Node, l int, tap TapFn) *Node {
	fc := ctx.In("c_fc")
	w, b := f.weight(fc, "weight"), f.weight(fc, "bias")
	h := tap(gpt2.MLPAct.At(l), f.rows.apply(Dot(x, w), nil, func(y, _ *Node) *Node { return geluTanh(addBias(y, b)) }))
	return f.conv1D(ctx.In("c_proj"), h)
}

// layerNorm is LayerNorm over the last axis with GPT-2's epsilon (1e-5 in all
// released checkpoints; GoMLX's layers default of 1e-3 would be wrong here).
func (f *forward) layerNorm(ctx *context.Context, x *Node) *Node {
	gain, bias := f.weight(ctx, "weight"), f.weight(ctx, "bias")
	eps := f.Config.LayerNormEpsilon
	return f.rows.apply(x, nil, func(x, _ *Node) *Node {
		mean := ReduceAndKeep(x, ReduceMean, -1)
		centered := Sub(x, mean)
		variance := ReduceAndKeep(Square(centered), ReduceMean, -1)
		normed := Mul(centered, Rsqrt(AddScalar(variance, eps)))
		return Add(Mul(normed, ExpandLeftToRank(gain, normed.Rank())), ExpandLeftToRank(bias, normed.Rank()))
	})
}

// conv1D is Hugging Face's Conv1D: y = x·W + b with W stored [in, out].
func (f *forward) conv1D(ctx *context.Context, x *Node) *Node {
	return addBias(Dot(x, f.weight(ctx, "weight")), f.weight(ctx, "bias"))
}

// addBias is y + b, b broadcast over y's leading axes.
func addBias(y, b *Node) *Node {
	return Add(y, ExpandLeftToRank(b, y.Rank()))
}

// attentionScores is q·kᵀ·scale per head: [T,H,dh]×[T,H,dh] → [H,T,T]. When
// scale is a power of two (1/8 for GPT-2's head width 64) it is applied to q,
// five times smaller than the scores for the lesson's text: scaling by a power
// of two is exact, so the scores are bit for bit the same.
func attentionScores(q, k *Node, scale float64) *Node {
	if frac, _ := math.Frexp(scale); frac == 0.5 {
		return Einsum(gpt2.ScoresEquation, MulScalar(q, scale), k)
	}
	return MulScalar(Einsum(gpt2.ScoresEquation, q, k), scale)
}

// causalMask is true where query q may attend to key k (k ≤ q), for each of
// heads heads: [heads,T,T]. It is built once per graph: a mask per block would
// be computed up front by the pure-Go backend and held until its block runs
// (about 1 GB of masks for gpt2-large).
func causalMask(g *Graph, heads, T int) *Node {
	return BroadcastToDims(InsertAxes(LowerTriangular(g, T), 0), heads, T, T)
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

// weight reads the variable name in ctx's scope into the graph.
func (f *forward) weight(ctx *context.Context, name string) *Node {
	v := ctx.GetVariableByScopeAndName(ctx.Scope(), name)
	if v == nil {
		panic(fmt.Sprintf("gpt2: weight %s/%s was not loaded", ctx.Scope(), name))
	}
	return v.ValueGraph(f.g)
}
