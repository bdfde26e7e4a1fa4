package taps

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is a family of tap points: one point per layer (or, for hidden states,
// per hidden-state index).
type Kind string

// The tap kinds, named after the Hugging Face module whose output they are.
const (
	AttnOut      Kind = "attn.c_proj"   // h.{l}.attn.c_proj: attention's adjustment to the residual stream
	MLPOut       Kind = "mlp.c_proj"    // h.{l}.mlp.c_proj: the MLP's adjustment to the residual stream
	HiddenStates Kind = "hidden_states" // hidden_states.{i}: HF output_hidden_states (L+1 of them)
	ResidMid     Kind = "resid_mid"     // h.{l}.resid_mid: residual stream after attention, before the MLP
	ResidPost    Kind = "resid_post"    // h.{l}.resid_post: output of block l
	AttnPattern  Kind = "attn.pattern"  // h.{l}.attn.pattern: attention probabilities [H,T,T]
	MLPAct       Kind = "mlp.act"       // h.{l}.mlp.act: GELU activations [T,I]
)

// Kinds lists every tap kind, in a stable order.
func Kinds() []Kind {
	return []Kind{AttnOut, MLPOut, HiddenStates, ResidMid, ResidPost, AttnPattern, MLPAct}
}

// Count is the number of points of kind k in a model of nLayer blocks.
func (k Kind) Count(nLayer int) int {
	if k == HiddenStates {
		return nLayer + 1
	}
	return nLayer
}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, known := range Kinds() {
		if k == known {
			return true
		}
	}
	return false
}

// Point is one tap point: a kind at one layer (or hidden-state index).
type Point struct {
	Kind  Kind
	Index int
}

// Name is the point's Hugging Face-style name, as passed to gpt2.TapFn:
// "h.3.attn.c_proj", "hidden_states.0".
func (p Point) Name() string {
	if p.Kind == HiddenStates {
		return "hidden_states." + strconv.Itoa(p.Index)
	}
	return "h." + strconv.Itoa(p.Index) + "." + string(p.Kind)
}

// tlSuffixes maps TransformerLens hook suffixes (after "blocks.{l}.") to kinds.
var tlSuffixes = map[string]Kind{
	"hook_attn_out":     AttnOut,
	"hook_mlp_out":      MLPOut,
	"hook_resid_pre":    HiddenStates,
	"hook_resid_mid":    ResidMid,
	"hook_resid_post":   ResidPost,
	"attn.hook_pattern": AttnPattern,
	"mlp.hook_post":     MLPAct,
}

// ParsePoint parses one tap-point name, in Hugging Face form ("h.3.mlp.c_proj",
// "hidden_states.36") or as a TransformerLens alias ("blocks.3.hook_mlp_out",
// "blocks.3.hook_resid_pre", "ln_final.hook_normalized"). The index "*" stands
// for every layer and is returned as Index -1. nLayer bounds the index.
func ParsePoint(name string, nLayer int) (Point, error) {
	p, err := parsePoint(strings.TrimSpace(name), nLayer)
	if err != nil {
		return Point{}, fmt.Errorf("tap %q: %w", name, err)
	}
	if p.Index >= p.Kind.Count(nLayer) || p.Index < -1 {
		return Point{}, fmt.Errorf("tap %q: index %d out of range: %s has points 0…%d in a %d-layer model",
			name, p.Index, p.Kind, p.Kind.Count(nLayer)-1, nLayer)
	}
	return p, nil
}

func parsePoint(name string, nLayer int) (Point, error) {
	if name == "ln_final.hook_normalized" {
		return Point{HiddenStates, nLayer}, nil
	}
	if Kind(name).Valid() { // a bare kind: every layer
		return Point{Kind(name), -1}, nil
	}
	if rest, ok := strings.CutPrefix(name, "hidden_states."); ok {
		idx, err := parseIndex(rest)
		return Point{HiddenStates, idx}, err
	}
	for _, prefix := range []string{"h.", "blocks."} {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		idxStr, suffix, ok := strings.Cut(rest, ".")
		if !ok {
			break
		}
		idx, err := parseIndex(idxStr)
		if err != nil {
			return Point{}, err
		}
		var kind Kind
		if prefix == "h." {
			kind = Kind(suffix)
			if !kind.Valid() || kind == HiddenStates {
				return Point{}, fmt.Errorf("unknown tap %q after h.{l}.: use one of %s", suffix, kindList())
			}
		} else {
			k, found := tlSuffixes[suffix]
			if !found {
				return Point{}, fmt.Errorf("unknown TransformerLens hook %q: supported are %s", suffix, tlList())
			}
			kind = k
		}
		return Point{kind, idx}, nil
	}
	return Point{}, fmt.Errorf("unknown tap name: use h.{l}.attn.c_proj, h.{l}.mlp.c_proj, hidden_states.{i}, a kind (%s) or a TransformerLens hook name (blocks.{l}.hook_attn_out, …)", kindList())
}

func parseIndex(s string) (int, error) {
	if s == "*" {
		return -1, nil
	}
	idx, err := strconv.Atoi(s)
	if err != nil || idx < 0 {
		return 0, fmt.Errorf("layer index %q is not a non-negative integer or *", s)
	}
	return idx, nil
}

func kindList() string {
	var names []string
	for _, k := range Kinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

func tlList() string {
	return "blocks.{l}.hook_attn_out, hook_mlp_out, hook_resid_pre, hook_resid_mid, hook_resid_post, attn.hook_pattern, mlp.hook_post, ln_final.hook_normalized"
}
