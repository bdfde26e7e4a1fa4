package gpt2_test

import (
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// FuzzParseConfig parses arbitrary bytes as config.json. ParseConfig must never panic; its errors are one line,
// and a config it accepts is valid and survives MarshalHF and ParseConfig unchanged.
func FuzzParseConfig(f *testing.F) {
	for _, name := range gpt2.PresetNames() {
		c, err := gpt2.Preset(name)
		if err != nil {
			f.Fatal(err)
		}
		data, err := c.MarshalHF()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		`{"n_layer":2,"n_embd":16,"n_head":2,"n_positions":8,"vocab_size":50257}`,
		`{"n_layer":2,"n_embd":16,"n_head":3,"n_positions":8,"vocab_size":50257}`,
		`{"n_layer":1,"n_embd":4611686018427387904,"n_head":1,"n_positions":1,"vocab_size":1}`,
		`{"n_layer":1,"n_embd":8,"n_head":2,"n_positions":1,"vocab_size":1,"n_inner":null,"layer_norm_epsilon":1e-300}`,
		`{"n_layer":1,"n_embd":8,"n_head":2,"n_positions":1,"vocab_size":1,"activation_function":"relu"}`,
		`{"model_type":"llama"}`,
		`{"scale_attn_weights":false,"add_cross_attention":true,"n_layer":1,"n_embd":8,"n_head":2,"n_positions":1,"vocab_size":1}`,
		`{}`, `null`, `[]`, `{"n_layer":"2"}`, `{"n_layer":2.5}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := gpt2.ParseConfig(data)
		if err != nil {
			if msg := err.Error(); msg == "" || strings.Contains(msg, "\n") {
				t.Fatalf("error %q is not one line", msg)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("ParseConfig accepted %+v, which Validate refuses: %v", c, err)
		}
		_ = c.NumParams()
		if c.HeadDim()*c.NHead != c.NEmbd {
			t.Fatalf("HeadDim %d × n_head %d ≠ n_embd %d", c.HeadDim(), c.NHead, c.NEmbd)
		}
		out, err := c.MarshalHF()
		if err != nil {
			t.Fatalf("MarshalHF of an accepted config: %v", err)
		}
		back, err := gpt2.ParseConfig(out)
		if err != nil {
			t.Fatalf("ParseConfig(MarshalHF(c)): %v\n%s", err, out)
		}
		if back != c {
			t.Fatalf("config changed through MarshalHF: %+v, then %+v", c, back)
		}
	})
}

// FuzzParsePoint parses arbitrary tap names for models of arbitrary depth. ParsePoint must never panic; errors are
// one line quoting the name; an accepted point has a known kind and an index in range, and a single point's Name
// parses back to it.
func FuzzParsePoint(f *testing.F) {
	for _, s := range []string{
		"h.3.attn.c_proj", "h.35.mlp.c_proj", "h.*.mlp.c_proj", "attn.c_proj", "hidden_states", "hidden_states.36",
		"hidden_states.*", "blocks.3.hook_mlp_out", "blocks.0.hook_resid_pre", "blocks.2.attn.hook_pattern",
		"ln_final.hook_normalized", " h.1.resid_mid ", "h.1.hidden_states", "h.-1.attn.c_proj", "h.99.attn.c_proj",
		"h..attn.c_proj", "h.3", "blocks.3.hook_nothing", "hidden_states.+1", "h.0x1.mlp.act", "",
	} {
		f.Add(s, 36)
	}
	f.Add("hidden_states.0", 0)
	f.Add("ln_final.hook_normalized", -3)
	f.Add("hidden_states.9223372036854775807", 9223372036854775807)
	f.Fuzz(func(t *testing.T, name string, nLayer int) {
		p, err := gpt2.ParsePoint(name, nLayer)
		if err != nil {
			if msg := err.Error(); strings.Contains(msg, "\n") && !strings.Contains(name, "\n") {
				t.Fatalf("error %q is not one line", msg)
			}
			return
		}
		if !p.Kind.Valid() {
			t.Fatalf("ParsePoint(%q, %d) = %+v: unknown kind", name, nLayer, p)
		}
		if p.Layer < gpt2.AllLayers || p.Layer >= p.Kind.Count(nLayer) {
			t.Fatalf("ParsePoint(%q, %d) = %+v: index out of range [-1, %d)", name, nLayer, p, p.Kind.Count(nLayer))
		}
		if p.Layer >= 0 {
			back, err := gpt2.ParsePoint(p.Name(), nLayer)
			if err != nil || back != p {
				t.Fatalf("ParsePoint(%q) = %+v, but its name %q parses to %+v, %v", name, p, p.Name(), back, err)
			}
		}
	})
}
