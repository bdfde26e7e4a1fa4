package taps

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
		{"h.3.attn.c_proj", Point{AttnOut, 3}},
		{"h.35.mlp.c_proj", Point{MLPOut, 35}},
		{"h.*.mlp.c_proj", Point{MLPOut, -1}},
		{"attn.c_proj", Point{AttnOut, -1}},
		{"hidden_states", Point{HiddenStates, -1}},
		{"hidden_states.36", Point{HiddenStates, 36}},
		{"hidden_states.*", Point{HiddenStates, -1}},
		{"blocks.3.hook_attn_out", Point{AttnOut, 3}},
		{"blocks.3.hook_mlp_out", Point{MLPOut, 3}},
		{"blocks.0.hook_resid_pre", Point{HiddenStates, 0}},
		{"blocks.5.hook_resid_mid", Point{ResidMid, 5}},
		{"blocks.5.hook_resid_post", Point{ResidPost, 5}},
		{"blocks.*.attn.hook_pattern", Point{AttnPattern, -1}},
		{"blocks.2.mlp.hook_post", Point{MLPAct, 2}},
		{"ln_final.hook_normalized", Point{HiddenStates, 36}},
		{" h.1.attn.c_proj ", Point{AttnOut, 1}},
	}
	for _, tc := range cases {
		got, err := ParsePoint(tc.name, L)
		if err != nil {
			t.Errorf("ParsePoint(%q): %v", tc.name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParsePoint(%q) = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestParsePointErrors(t *testing.T) {
	cases := []struct{ name, wantErr string }{
		{"h.36.attn.c_proj", "out of range"},
		{"hidden_states.37", "out of range"},
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

func TestPointNameRoundTrip(t *testing.T) {
	for _, k := range Kinds() {
		for i := range k.Count(4) {
			p := Point{k, i}
			got, err := ParsePoint(p.Name(), 4)
			if err != nil || got != p {
				t.Errorf("ParsePoint(%q) = %+v, %v; want %+v", p.Name(), got, err, p)
			}
		}
	}
}

func TestSelect(t *testing.T) {
	s, err := Select(4, "h.2.attn.c_proj", "blocks.0.hook_attn_out", "h.2.attn.c_proj", "hidden_states", "mlp.c_proj")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Indices(AttnOut); len(got) != 2 || got[0] != 0 || got[1] != 2 {
		t.Errorf("attn indices %v, want [0 2]", got)
	}
	if got := s.Indices(HiddenStates); len(got) != 5 {
		t.Errorf("hidden_states indices %v, want 0…4", got)
	}
	if got := s.Indices(MLPOut); len(got) != 4 {
		t.Errorf("mlp indices %v, want 0…3", got)
	}
	if got := s.Kinds(); len(got) != 3 || got[0] != AttnOut || got[1] != MLPOut || got[2] != HiddenStates {
		t.Errorf("kinds %v", got)
	}
	if !s.Has(Point{AttnOut, 2}) || s.Has(Point{AttnOut, 1}) {
		t.Error("Has is wrong")
	}
	if _, err := Select(0, "attn.c_proj"); err == nil {
		t.Error("Select with 0 layers should fail")
	}
	if _, err := Select(4, "nope"); err == nil {
		t.Error("Select of an unknown name should fail")
	}
	empty, _ := Select(4)
	if !empty.Empty() {
		t.Error("an empty selection should be Empty")
	}
}
