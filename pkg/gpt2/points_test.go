package gpt2

import (
	"strings"
	"testing"
)

func TestParsePoint(t *testing.T) {
	const L = 36
	cases := []struct {
		name string
		want Point
	}{
		{"h.3.attn.c_proj", AttnOut.At(3)},
		{"h.35.mlp.c_proj", MLPOut.At(35)},
		{"h.*.mlp.c_proj", MLPOut.At(AllLayers)},
		{"attn.c_proj", AttnOut.At(AllLayers)},
		{"hidden_states", HiddenState.At(AllLayers)},
		{"hidden_states.36", HiddenState.At(36)},
		{"hidden_states.*", HiddenState.At(AllLayers)},
		{"h.2.attn.pattern", AttnPattern.At(2)},
		{"h.2.mlp.act", MLPAct.At(2)},
		{"blocks.3.hook_attn_out", AttnOut.At(3)},
		{"blocks.3.hook_mlp_out", MLPOut.At(3)},
		{"blocks.*.hook_mlp_out", MLPOut.At(AllLayers)},
		{"blocks.0.hook_resid_pre", HiddenState.At(0)},
		{"blocks.5.hook_resid_mid", ResidMid.At(5)},
		{"blocks.5.hook_resid_post", ResidPost.At(5)},
		{"blocks.*.attn.hook_pattern", AttnPattern.At(AllLayers)},
		{"blocks.2.mlp.hook_post", MLPAct.At(2)},
		{"ln_final.hook_normalized", HiddenState.At(36)},
		{" h.1.attn.c_proj ", AttnOut.At(1)},
	}
	for _, tc := range cases {
		got, err := ParsePoint(tc.name, L)
		if err != nil {
			t.Errorf("ParsePoint(%q): %v", tc.name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParsePoint(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestParsePointErrors(t *testing.T) {
	cases := []struct{ name, wantErr string }{
		{"h.36.attn.c_proj", "out of range"},
		{"hidden_states.37", "out of range"},
		{"blocks.36.hook_resid_pre", "out of range"},
		{"h.x.attn.c_proj", "not a non-negative integer"},
		{"h.-1.attn.c_proj", "not a non-negative integer"},
		{"h.1.attn.c_attn", "unknown tap"},
		{"h.1.hidden_states", "unknown tap"},
		{"blocks.1.hook_nope", "unknown TransformerLens hook"},
		{"transformer.h.1", "unknown tap name"},
		{"", "unknown tap name"},
	}
	for _, tc := range cases {
		_, err := ParsePoint(tc.name, 36)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("ParsePoint(%q) error = %v, want one containing %q", tc.name, err, tc.wantErr)
		}
	}
}

// TestPointNamesRoundTrip: every point's Hugging Face name and TransformerLens
// name parse back to it, and the kinds' names are distinct.
func TestPointNamesRoundTrip(t *testing.T) {
	const L = 4
	seen := map[string]bool{}
	for _, k := range Kinds() {
		if seen[k.String()] {
			t.Errorf("two kinds are named %q", k)
		}
		seen[k.String()] = true
		if back, ok := KindByName(k.String()); !ok || back != k {
			t.Errorf("KindByName(%q) = %v, %v", k, back, ok)
		}
		for i := range k.Count(L) {
			p := k.At(i)
			for _, name := range []string{p.Name(), p.TLName(L)} {
				if got, err := ParsePoint(name, L); err != nil || got != p {
					t.Errorf("ParsePoint(%q) = %v, %v; want %v", name, got, err, p)
				}
			}
		}
	}
	if got := HiddenState.At(L).TLName(L); got != "ln_final.hook_normalized" {
		t.Errorf("the last hidden state's TransformerLens name is %q", got)
	}
	if got := AttnOut.At(3).Name(); got != "h.3.attn.c_proj" {
		t.Errorf("AttnOut.At(3).Name() = %q", got)
	}
	if got := MLPOut.At(3).TLName(L); got != "blocks.3.hook_mlp_out" {
		t.Errorf("MLPOut.At(3).TLName = %q", got)
	}
}
