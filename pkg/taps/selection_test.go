package taps

import (
	"slices"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

func TestSelect(t *testing.T) {
	s, err := Select(4, "h.2.attn.c_proj", "blocks.0.hook_attn_out", "h.2.attn.c_proj", "hidden_states", "mlp.c_proj")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Indices(gpt2.AttnOut); !slices.Equal(got, []int{0, 2}) {
		t.Errorf("attn indices %v, want [0 2]", got)
	}
	if got := s.Indices(gpt2.HiddenState); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
		t.Errorf("hidden_states indices %v, want 0…4", got)
	}
	if got := s.Indices(gpt2.MLPOut); !slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Errorf("mlp indices %v, want 0…3", got)
	}
	if got := s.Kinds(); !slices.Equal(got, []gpt2.Kind{gpt2.HiddenState, gpt2.AttnOut, gpt2.MLPOut}) {
		t.Errorf("kinds %v, want forward order", got)
	}
	if got, want := s.String(), "hidden_states.*,h.0.attn.c_proj,h.2.attn.c_proj,h.*.mlp.c_proj"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	back, err := Select(4, strings.Split(s.String(), ",")...)
	if err != nil || back.String() != s.String() {
		t.Errorf("the selection's String parses back to %q (%v)", back.String(), err)
	}
	if _, err := Select(0, "attn.c_proj"); err == nil {
		t.Error("Select with 0 layers should fail")
	}
	if _, err := Select(4, "nope"); err == nil {
		t.Error("Select of an unknown name should fail")
	}
	if empty, _ := Select(4); !empty.Empty() {
		t.Error("an empty selection should be Empty")
	}
}

// TestRequestKey: the cache key of a request does not depend on how its
// points are spelled or ordered, and differs when what it returns differs.
func TestRequestKey(t *testing.T) {
	cos := CosineReduction("cosine", gpt2.AttnOut, gpt2.MLPOut)
	key := func(r Request) string { return r.Key(4) }
	a := key(Request{Points: []string{"h.*.attn.c_proj", "blocks.*.hook_mlp_out"}, Reductions: []Reduction{cos}})
	b := key(Request{Points: []string{"mlp.c_proj", "attn.c_proj"}, Reductions: []Reduction{cos}})
	if a != b {
		t.Errorf("the same request spelled differently has keys %q and %q", a, b)
	}
	for _, other := range []Request{
		{Points: []string{"attn.c_proj", "mlp.c_proj"}},
		{Points: []string{"attn.c_proj", "mlp.c_proj"}, Reductions: []Reduction{cos}, Logits: true},
		{Points: []string{"attn.c_proj", "h.1.mlp.c_proj"}, Reductions: []Reduction{cos}},
		{Points: []string{"attn.c_proj", "mlp.c_proj"}, Reductions: []Reduction{CosineReduction("cos", gpt2.AttnOut, gpt2.MLPOut)}},
		{Points: []string{"attn.c_proj", "mlp.c_proj"}, Reductions: []Reduction{CosineReduction("cosine", gpt2.AttnOut, gpt2.ResidPost)}},
		{Points: []string{"attn.c_proj", "mlp.c_proj"}, Reductions: []Reduction{NormReduction("cosine", gpt2.AttnOut)}},
	} {
		if key(other) == a {
			t.Errorf("request %+v has the same key as a different one", other)
		}
	}
}
