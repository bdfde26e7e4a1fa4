package gpt2

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is a family of tap points of the forward pass: one point per block
// (for hidden states, one per hidden-state index, L+1 of them).
type Kind uint8

// The tap kinds, in the order the forward pass reaches them within a block.
const (
	HiddenState Kind = iota + 1 // hidden_states.{i}: HF output_hidden_states, 0 = embeddings … L = after ln_f
	AttnPattern                 // h.{l}.attn.pattern: attention probabilities [H,T,T]
	AttnOut                     // h.{l}.attn.c_proj: what attention adds to the residual stream
	ResidMid                    // h.{l}.resid_mid: the residual stream between attention and MLP
	MLPAct                      // h.{l}.mlp.act: the GELU output, the MLP's hidden activations [T,I]
	MLPOut                      // h.{l}.mlp.c_proj: what the MLP adds to the residual stream
	ResidPost                   // h.{l}.resid_post: the output of block l (before ln_f for the last)
)

// kindNames is the one table of tap-point names: the Hugging Face-style name of
// each kind (a module path below h.{l}, or "hidden_states") and its
// TransformerLens hook (below blocks.{l}).
var kindNames = [...]struct{ hf, tl string }{
	HiddenState: {"hidden_states", "hook_resid_pre"},
	AttnPattern: {"attn.pattern", "attn.hook_pattern"},
	AttnOut:     {"attn.c_proj", "hook_attn_out"},
	ResidMid:    {"resid_mid", "hook_resid_mid"},
	MLPAct:      {"mlp.act", "mlp.hook_post"},
	MLPOut:      {"mlp.c_proj", "hook_mlp_out"},
	ResidPost:   {"resid_post", "hook_resid_post"},
}

// tlFinal is TransformerLens's name for the output of the final layer norm,
// hidden_states.{L}.
const tlFinal = "ln_final.hook_normalized"

// Kinds lists every tap kind, in forward order.
func Kinds() []Kind {
	return []Kind{HiddenState, AttnPattern, AttnOut, ResidMid, MLPAct, MLPOut, ResidPost}
}

// String is the kind's Hugging Face-style name: "attn.c_proj", "hidden_states".
// Taps files name their stacks with it.
func (k Kind) String() string {
	if !k.Valid() {
		return "Kind(" + strconv.Itoa(int(k)) + ")"
	}
	return kindNames[k].hf
}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	return k >= HiddenState && k <= ResidPost
}

// Count is the number of points of kind k in a model of nLayer blocks.
func (k Kind) Count(nLayer int) int {
	if k == HiddenState {
		return nLayer + 1
	}
	return nLayer
}

// Shape is the shape of one point of kind k in a model of configuration c on
// T tokens: [H,T,T] for attention patterns, [T,I] for MLP activations, [T,D]
// for the others.
func (k Kind) Shape(c Config, T int) []int {
	switch k {
	case AttnPattern:
		return []int{c.NHead, T, T}
	case MLPAct:
		return []int{T, c.NInner}
	}
	return []int{T, c.NEmbd}
}

// At is the point of kind k at block (or hidden-state index) l.
func (k Kind) At(l int) Point { return Point{Kind: k, Layer: l} }

// KindByName returns the kind named name ("attn.c_proj", "hidden_states").
func KindByName(name string) (Kind, bool) {
	for _, k := range Kinds() {
		if kindNames[k].hf == name {
			return k, true
		}
	}
	return 0, false
}

// Point is one tap point: a kind at one block, or for HiddenState at one
// hidden-state index (0 … L).
type Point struct {
	Kind  Kind
	Layer int
}

// Name is the point's Hugging Face-style name: "h.3.attn.c_proj",
// "hidden_states.0".
func (p Point) Name() string {
	if p.Kind == HiddenState {
		return kindNames[HiddenState].hf + "." + strconv.Itoa(p.Layer)
	}
	return "h." + strconv.Itoa(p.Layer) + "." + p.Kind.String()
}

// TLName is the point's TransformerLens hook name in a model of nLayer blocks:
// "blocks.3.hook_attn_out"; hidden_states.{L} is "ln_final.hook_normalized".
func (p Point) TLName(nLayer int) string {
	if p.Kind == HiddenState && p.Layer == nLayer {
		return tlFinal
	}
	return "blocks." + strconv.Itoa(p.Layer) + "." + kindNames[p.Kind].tl
}

// String is p.Name().
func (p Point) String() string { return p.Name() }

// AllLayers is the Layer of a pattern that stands for every point of its kind
// (the "*" of "h.*.attn.c_proj").
const AllLayers = -1

// ParsePoint parses a tap-point name or pattern of a model of nLayer blocks:
// Hugging Face-style ("h.3.mlp.c_proj", "hidden_states.36"), TransformerLens
// ("blocks.3.hook_mlp_out", "blocks.3.hook_resid_pre", "ln_final.hook_normalized"),
// a bare kind ("mlp.c_proj", "hidden_states") or "*" as the index, both
// meaning every point of the kind (Layer AllLayers).
func ParsePoint(name string, nLayer int) (Point, error) {
	p, err := parsePoint(strings.TrimSpace(name), nLayer)
	if err != nil {
		return Point{}, fmt.Errorf("tap %q: %w", name, err)
	}
	if n := p.Kind.Count(nLayer); p.Layer >= n || p.Layer < AllLayers {
		return Point{}, fmt.Errorf("tap %q: index %d out of range: %s has points 0…%d in a %d-layer model",
			name, p.Layer, p.Kind, n-1, nLayer)
	}
	return p, nil
}

func parsePoint(name string, nLayer int) (Point, error) {
	if name == tlFinal {
		return HiddenState.At(nLayer), nil
	}
	if k, ok := KindByName(name); ok {
		return k.At(AllLayers), nil
	}
	if rest, ok := strings.CutPrefix(name, kindNames[HiddenState].hf+"."); ok {
		l, err := parseLayer(rest)
		return HiddenState.At(l), err
	}
	for _, prefix := range []string{"h.", "blocks."} {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		layer, suffix, ok := strings.Cut(rest, ".")
		if !ok {
			break
		}
		l, err := parseLayer(layer)
		if err != nil {
			return Point{}, err
		}
		if prefix == "blocks." && l >= nLayer {
			return Point{}, fmt.Errorf("block %d out of range: a %d-layer model has blocks 0…%d", l, nLayer, nLayer-1)
		}
		for _, k := range Kinds() {
			if prefix == "h." && k != HiddenState && suffix == kindNames[k].hf ||
				prefix == "blocks." && suffix == kindNames[k].tl {
				return k.At(l), nil
			}
		}
		if prefix == "h." {
			return Point{}, fmt.Errorf("unknown tap %q after h.{l}.: use one of %s", suffix, blockNames(false))
		}
		return Point{}, fmt.Errorf("unknown TransformerLens hook %q after blocks.{l}.: use one of %s", suffix, blockNames(true))
	}
	return Point{}, fmt.Errorf("unknown tap name: use h.{l}.<%s>, hidden_states.{i}, blocks.{l}.<%s>, %s, or a bare kind; {l} may be *",
		blockNames(false), blockNames(true), tlFinal)
}

func parseLayer(s string) (int, error) {
	if s == "*" {
		return AllLayers, nil
	}
	l, err := strconv.Atoi(s)
	if err != nil || l < 0 {
		return 0, fmt.Errorf("layer index %q is not a non-negative integer or *", s)
	}
	return l, nil
}

// blockNames lists the names of the per-block kinds, HF-style or TransformerLens.
func blockNames(tl bool) string {
	var names []string
	for _, k := range Kinds() {
		switch {
		case tl:
			names = append(names, kindNames[k].tl)
		case k != HiddenState:
			names = append(names, kindNames[k].hf)
		}
	}
	return strings.Join(names, ", ")
}
