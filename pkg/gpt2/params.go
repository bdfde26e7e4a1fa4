package gpt2

import (
	"slices"
	"strconv"
	"strings"
)

// param is one entry of the weight table: a weight's Hugging Face name
// (without the "transformer." prefix; block weights without "h.{l}.") and its
// shape for a configuration.
type param struct {
	name  string
	shape func(c Config) []int
	// conv1D marks the weight of a Hugging Face Conv1D module ([in, out],
	// y = x·W + b): each is one matrix product of the forward pass.
	conv1D bool
}

func vec(n func(Config) int) func(Config) []int {
	return func(c Config) []int { return []int{n(c)} }
}

func mat(rows, cols func(Config) int) func(Config) []int {
	return func(c Config) []int { return []int{rows(c), cols(c)} }
}

func width(c Config) int     { return c.NEmbd }
func width3(c Config) int    { return 3 * c.NEmbd }
func inner(c Config) int     { return c.NInner }
func vocab(c Config) int     { return c.VocabSize }
func positions(c Config) int { return c.NPositions }

// The weight table: every weight of GPT-2, in model order. It serves the
// loader (names, shapes, order), random checkpoints, and the matrix products
// of the forward pass (BlockMatmuls) that the benchmark's floor times.
var (
	embeddingParams = []param{
		{name: "wte.weight", shape: mat(vocab, width)},
		{name: "wpe.weight", shape: mat(positions, width)},
	}
	blockParams = []param{
		{name: "ln_1.weight", shape: vec(width)},
		{name: "ln_1.bias", shape: vec(width)},
		{name: "attn.c_attn.weight", shape: mat(width, width3), conv1D: true},
		{name: "attn.c_attn.bias", shape: vec(width3)},
		{name: "attn.c_proj.weight", shape: mat(width, width), conv1D: true},
		{name: "attn.c_proj.bias", shape: vec(width)},
		{name: "ln_2.weight", shape: vec(width)},
		{name: "ln_2.bias", shape: vec(width)},
		{name: "mlp.c_fc.weight", shape: mat(width, inner), conv1D: true},
		{name: "mlp.c_fc.bias", shape: vec(inner)},
		{name: "mlp.c_proj.weight", shape: mat(inner, width), conv1D: true},
		{name: "mlp.c_proj.bias", shape: vec(width)},
	}
	finalParams = []param{
		{name: "ln_f.weight", shape: vec(width)},
		{name: "ln_f.bias", shape: vec(width)},
	}
)

// Weight is one weight of a GPT-2 of a given configuration.
type Weight struct {
	Name  string // Hugging Face GPT2Model name, without the "transformer." prefix: "h.3.attn.c_proj.weight"
	Shape []int
}

// Weights lists every weight of a GPT-2 with configuration c in model order:
// wte, wpe, the blocks, ln_f. With D = NEmbd, I = NInner, V = VocabSize and
// P = NPositions: wte.weight [V,D], wpe.weight [P,D], ln_f.{weight,bias} [D],
// and for each block l h.{l}.ln_1.{weight,bias} [D], h.{l}.attn.c_attn.weight
// [D,3D] and .bias [3D], h.{l}.attn.c_proj.weight [D,D] and .bias [D],
// h.{l}.ln_2.{weight,bias} [D], h.{l}.mlp.c_fc.weight [D,I] and .bias [I],
// h.{l}.mlp.c_proj.weight [I,D] and .bias [D]. The linear layers are Hugging
// Face Conv1D modules, whose weights are [in, out]: y = x·W + b.
func (c Config) Weights() []Weight {
	var ws []Weight
	add := func(prefix string, ps []param) {
		for _, p := range ps {
			ws = append(ws, Weight{Name: prefix + p.name, Shape: p.shape(c)})
		}
	}
	add("", embeddingParams)
	for l := range c.NLayer {
		add(blockPrefix(l), blockParams)
	}
	add("", finalParams)
	return ws
}

// ExpectedShapes returns the shape of every weight of c by name (see
// Config.Weights).
func ExpectedShapes(c Config) map[string][]int {
	m := map[string][]int{}
	for _, w := range c.Weights() {
		m[w.Name] = w.Shape
	}
	return m
}

// blockPrefix is "h.{l}.", the module path of block l.
func blockPrefix(l int) string { return "h." + strconv.Itoa(l) + "." }

// The einsum equations of the attention's two products, used by the forward
// pass and listed by BlockMatmuls.
const (
	// ScoresEquation is q·kᵀ per head: [T,H,dh] × [T,H,dh] → [H,T,T].
	ScoresEquation = "qhd,khd->hqk"
	// ContextEquation weighs the values by the attention probabilities:
	// [H,T,T] × [T,H,dh] → [T,H,dh].
	ContextEquation = "hqk,khd->qhd"
	// DenseEquation is a Conv1D's x·W ([T,in] × [in,out]), computed with Dot.
	DenseEquation = "ti,io->to"
)

// Matmul is one matrix product of a block's forward pass.
type Matmul struct {
	// Name says where it happens, by module path within block l:
	// "attn.c_attn", "attn.scores", "attn.context", "attn.c_proj",
	// "mlp.c_fc", "mlp.c_proj".
	Name string
	// Equation is the einsum it computes.
	Equation string
	// LHS and RHS are the operand shapes.
	LHS, RHS []int
	// Weight is the right operand's weight name within the block
	// ("attn.c_attn.weight") for a Conv1D; "" when both operands are
	// activations.
	Weight string
}

// WeightName is the full name of mm's weight in block l
// ("h.3.attn.c_attn.weight"), or "" when mm multiplies two activations.
func (mm Matmul) WeightName(l int) string {
	if mm.Weight == "" {
		return ""
	}
	return blockPrefix(l) + mm.Weight
}

// Dense reports whether mm is a Conv1D's x·W.
func (mm Matmul) Dense() bool { return mm.Equation == DenseEquation }

// MACs is the number of multiply-adds of mm: the product of the sizes of all
// the einsum's distinct axes.
func (mm Matmul) MACs() float64 {
	in, _, _ := strings.Cut(mm.Equation, "->")
	lhs, rhs, _ := strings.Cut(in, ",")
	size := map[rune]int{}
	for i, r := range lhs {
		size[r] = mm.LHS[i]
	}
	for i, r := range rhs {
		size[r] = mm.RHS[i]
	}
	macs := 1.0
	for _, d := range size {
		macs *= float64(d)
	}
	return macs
}

// BlockMatmuls returns the matrix products of one block of c's forward pass on
// T tokens, in the order they run; every block has the same. The Conv1D
// products come from the weight table; the attention's two products sit
// between c_attn and attn.c_proj. The forward pass has no other products (the
// LM head is built only when logits are asked for).
func BlockMatmuls(c Config, T int) []Matmul {
	H, dh := c.NHead, c.HeadDim()
	var mms []Matmul
	for _, p := range blockParams {
		if !p.conv1D {
			continue
		}
		w := p.shape(c)
		module := strings.TrimSuffix(p.name, ".weight")
		mms = append(mms, Matmul{Name: module, Equation: DenseEquation, LHS: []int{T, w[0]}, RHS: slices.Clone(w), Weight: p.name})
		if module == "attn.c_attn" {
			mms = append(mms,
				Matmul{Name: "attn.scores", Equation: ScoresEquation, LHS: []int{T, H, dh}, RHS: []int{T, H, dh}},
				Matmul{Name: "attn.context", Equation: ContextEquation, LHS: []int{H, T, T}, RHS: []int{T, H, dh}})
		}
	}
	return mms
}

// MatmulFLOPs is the number of floating-point operations (2 per multiply-add)
// of the matrix products of c's whole forward pass on T tokens.
func MatmulFLOPs(c Config, T int) float64 {
	var macs float64
	for _, mm := range BlockMatmuls(c, T) {
		macs += mm.MACs()
	}
	return 2 * macs * float64(c.NLayer)
}
