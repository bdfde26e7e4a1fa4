package taps

import (
	"fmt"
	"strings"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// Request says what a run returns, as TransformerLens's run_with_cache does
// with its names filter: tap points by name, reductions computed inside the
// graph, and optionally the logits.
type Request struct {
	// Points are tap names or patterns, Hugging Face or TransformerLens style
	// ("h.*.attn.c_proj", "blocks.3.hook_mlp_out", "hidden_states"; see
	// gpt2.ParsePoint). Their values come back stacked per kind.
	Points []string
	// Reductions are computed inside the graph from whole stacks; only their
	// results come back.
	Reductions []Reduction
	// Logits asks for the language-model head's output [T,V] as well.
	Logits bool
}

// Selection resolves the request's points for a model of nLayer blocks.
func (r Request) Selection(nLayer int) (Selection, error) {
	return Select(nLayer, r.Points...)
}

// Validate checks the request for a model of nLayer blocks and returns its
// selection.
func (r Request) Validate(nLayer int) (Selection, error) {
	sel, err := r.Selection(nLayer)
	if err != nil {
		return sel, err
	}
	if sel.Empty() && len(r.Reductions) == 0 && !r.Logits {
		return sel, fmt.Errorf("nothing requested: name tap points (e.g. h.*.attn.c_proj), add a reduction or ask for logits")
	}
	seen := map[string]bool{}
	for _, red := range r.Reductions {
		if err := red.check(nLayer); err != nil {
			return sel, err
		}
		if seen[red.Name] {
			return sel, fmt.Errorf("two reductions are named %q", red.Name)
		}
		if red.Name == "logits" || red.Name == "input_ids" {
			return sel, fmt.Errorf("reduction name %q is taken: choose another", red.Name)
		}
		if _, err := gpt2.ParsePoint(red.Name, nLayer); err == nil {
			return sel, fmt.Errorf("reduction name %q is a tap name: choose another", red.Name)
		}
		seen[red.Name] = true
	}
	return sel, nil
}

// Key is the request's canonical description for a model of nLayer blocks:
// two requests with equal keys return the same tensors. It keys the tap cache
// and the compiled graphs of a model.
func (r Request) Key(nLayer int) string {
	sel, err := r.Selection(nLayer)
	if err != nil {
		return "invalid:" + err.Error()
	}
	parts := []string{"points=" + sel.String()}
	for _, red := range r.Reductions {
		parts = append(parts, red.Name+"="+red.key())
	}
	if r.Logits {
		parts = append(parts, "logits")
	}
	return strings.Join(parts, ";")
}
