package gpt2

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// hfGPT2ConfigJSON is the config.json of the Hugging Face "gpt2" (openai-community/gpt2) checkpoint.
const hfGPT2ConfigJSON = `{
  "activation_function": "gelu_new",
  "architectures": [
    "GPT2LMHeadModel"
  ],
  "attn_pdrop": 0.1,
  "bos_token_id": 50256,
  "embd_pdrop": 0.1,
  "eos_token_id": 50256,
  "initializer_range": 0.02,
  "layer_norm_epsilon": 1e-05,
  "model_type": "gpt2",
  "n_ctx": 1024,
  "n_embd": 768,
  "n_head": 12,
  "n_layer": 12,
  "n_positions": 1024,
  "resid_pdrop": 0.1,
  "summary_activation": null,
  "summary_first_dropout": 0.1,
  "summary_proj_to_labels": true,
  "summary_type": "cls_index",
  "summary_use_proj": true,
  "task_specific_params": {
    "text-generation": {
      "do_sample": true,
      "max_length": 50
    }
  },
  "vocab_size": 50257
}`

func TestPreset(t *testing.T) {
	tests := []struct {
		name                        string
		nLayer, nEmbd, nHead, nHDim int
		params                      int64
	}{
		{"gpt2", 12, 768, 12, 64, 124_439_808},
		{"gpt2-medium", 24, 1024, 16, 64, 354_823_168},
		{"gpt2-large", 36, 1280, 20, 64, 774_030_080},
		{"gpt2-xl", 48, 1600, 25, 64, 1_557_611_200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Preset(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			want := Config{NLayer: tt.nLayer, NEmbd: tt.nEmbd, NHead: tt.nHead, NPositions: 1024, NInner: 4 * tt.nEmbd,
				VocabSize: 50257, LayerNormEpsilon: 1e-5, Activation: "gelu_new"}
			if c != want {
				t.Errorf("Preset(%q) = %+v, want %+v", tt.name, c, want)
			}
			if err := c.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			if c.HeadDim() != tt.nHDim {
				t.Errorf("HeadDim() = %d, want %d", c.HeadDim(), tt.nHDim)
			}
			if c.NumParams() != tt.params {
				t.Errorf("NumParams() = %d, want %d", c.NumParams(), tt.params)
			}
			var sum int64
			for _, shape := range ExpectedShapes(c) {
				n := int64(1)
				for _, d := range shape {
					n *= int64(d)
				}
				sum += n
			}
			if sum != c.NumParams() {
				t.Errorf("ExpectedShapes sum to %d parameters, NumParams() = %d", sum, c.NumParams())
			}
		})
	}
	if got, want := PresetNames(), []string{"gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"}; !slices.Equal(got, want) {
		t.Errorf("PresetNames() = %v, want %v", got, want)
	}
	if _, err := Preset("gpt3"); err == nil || !strings.Contains(err.Error(), `unknown GPT-2 preset "gpt3": use one of gpt2, gpt2-medium`) {
		t.Errorf("Preset(gpt3) error = %v", err)
	}
}

func TestParseConfigHF(t *testing.T) {
	c, err := ParseConfig([]byte(hfGPT2ConfigJSON))
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := Preset("gpt2"); c != want {
		t.Errorf("ParseConfig(gpt2 config.json) = %+v, want %+v", c, want)
	}
}

func TestParseConfigDefaults(t *testing.T) {
	base := `"n_layer": 2, "n_embd": 64, "n_head": 4, "n_positions": 32, "vocab_size": 100`
	tests := []struct {
		name string
		json string
		want Config
	}{
		{"defaults", "{" + base + "}",
			Config{2, 64, 4, 32, 256, 100, 1e-5, "gelu_new"}},
		{"null n_inner", "{" + base + `, "n_inner": null}`,
			Config{2, 64, 4, 32, 256, 100, 1e-5, "gelu_new"}},
		{"explicit values", "{" + base + `, "n_inner": 96, "layer_norm_epsilon": 1e-6, "activation_function": "gelu_pytorch_tanh", "model_type": "gpt2"}`,
			Config{2, 64, 4, 32, 96, 100, 1e-6, "gelu_pytorch_tanh"}},
		{"gelu_fast", "{" + base + `, "activation_function": "gelu_fast", "scale_attn_weights": true}`,
			Config{2, 64, 4, 32, 256, 100, 1e-5, "gelu_fast"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig([]byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			if c != tt.want {
				t.Errorf("got %+v, want %+v", c, tt.want)
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	with := func(extra string) string {
		return `{"n_layer": 2, "n_embd": 64, "n_head": 4, "n_positions": 32, "vocab_size": 100` + extra + "}"
	}
	tests := []struct {
		name string
		json string
		want []string
	}{
		{"bad JSON", `{"n_layer": 2,`, []string{"parse GPT-2 config.json"}},
		{"missing n_embd", `{"n_layer": 2, "n_head": 4, "n_positions": 32, "vocab_size": 100}`,
			[]string{"lacks required field(s) n_embd", "must set n_layer, n_embd"}},
		{"missing several", `{"n_embd": 64}`, []string{"n_layer, n_head, n_positions, vocab_size"}},
		{"model_type", with(`, "model_type": "gpt_neo"`), []string{`model_type "gpt_neo"`, `only "gpt2"`}},
		{"unsupported activation", with(`, "activation_function": "relu"`),
			[]string{`activation_function "relu" is not supported`, `"gelu_new", "gelu_pytorch_tanh", "gelu_fast"`}},
		{"exact gelu", with(`, "activation_function": "gelu"`), []string{`activation_function "gelu" is not supported`}},
		{"heads do not divide", `{"n_layer": 2, "n_embd": 64, "n_head": 5, "n_positions": 32, "vocab_size": 100}`,
			[]string{"n_embd = 64 is not divisible by n_head = 5", "fix config.json"}},
		{"zero layers", `{"n_layer": 0, "n_embd": 64, "n_head": 4, "n_positions": 32, "vocab_size": 100}`,
			[]string{"n_layer = 0 must be positive"}},
		{"negative n_inner", with(`, "n_inner": -3`), []string{"n_inner = -3 must be positive"}},
		{"zero eps", with(`, "layer_norm_epsilon": 0`), []string{"layer_norm_epsilon = 0 must be a positive finite number"}},
		{"negative eps", with(`, "layer_norm_epsilon": -1e-5`), []string{"layer_norm_epsilon = -1e-05 must be"}},
		{"inverse layer scaling", with(`, "scale_attn_by_inverse_layer_idx": true`),
			[]string{"scale_attn_by_inverse_layer_idx=true", "does not implement"}},
		{"unscaled attention", with(`, "scale_attn_weights": false`), []string{"scale_attn_weights=false"}},
		{"cross attention", with(`, "add_cross_attention": true`), []string{"add_cross_attention=true"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.json))
			if err == nil {
				t.Fatal("ParseConfig succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadConfig(dir); err == nil ||
		!strings.Contains(err.Error(), filepath.Join(dir, "config.json")+" does not exist") {
		t.Errorf("LoadConfig(no config.json) error = %v", err)
	}
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, []byte(`{"n_layer": 2, "n_head": 4, "n_positions": 32, "vocab_size": 100}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(dir)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "n_embd") {
		t.Errorf("LoadConfig(config without n_embd) error = %v, want it to name %s and n_embd", err, path)
	}
	if err := os.WriteFile(path, []byte(hfGPT2ConfigJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(dir)
	if want, _ := Preset("gpt2"); err != nil || c != want {
		t.Errorf("LoadConfig(gpt2) = %+v, %v", c, err)
	}
}

func TestMarshalHF(t *testing.T) {
	large, _ := Preset("gpt2-large")
	custom := Config{NLayer: 2, NEmbd: 64, NHead: 4, NPositions: 32, NInner: 96, VocabSize: 101,
		LayerNormEpsilon: 1e-6, Activation: "gelu_pytorch_tanh"}
	for _, c := range []Config{large, custom} {
		data, err := c.MarshalHF()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseConfig(data)
		if err != nil {
			t.Fatalf("ParseConfig(MarshalHF()) error: %v\n%s", err, data)
		}
		if back != c {
			t.Errorf("round trip gave %+v, want %+v", back, c)
		}
	}
	data, _ := large.MarshalHF()
	for _, want := range []string{
		"{\n  \"activation_function\": \"gelu_new\",\n  \"architectures\": [\n    \"GPT2LMHeadModel\"\n  ],\n",
		`"layer_norm_epsilon": 1e-05,`, `"model_type": "gpt2",`, `"n_ctx": 1024,`, `"n_embd": 1280,`,
		`"n_inner": null,`, `"attn_pdrop": 0.1,`, `"bos_token_id": 50256,`, `"torch_dtype": "float32",`,
		"\"vocab_size\": 50257\n}\n",
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("MarshalHF output lacks %q:\n%s", want, data)
		}
	}
	if data, _ := custom.MarshalHF(); !strings.Contains(string(data), `"n_inner": 96,`) ||
		!strings.Contains(string(data), `"layer_norm_epsilon": 1e-06,`) {
		t.Errorf("MarshalHF(custom) = %s", data)
	}
	if _, err := (Config{}).MarshalHF(); err == nil {
		t.Error("MarshalHF of an invalid config succeeded")
	}
}

func TestCfgPyFloat(t *testing.T) {
	for f, want := range map[float64]string{1e-5: "1e-05", 0.1: "0.1", 0.02: "0.02", 1: "1.0", 1e-12: "1e-12"} {
		if got := cfgPyFloat(f); string(got) != want {
			t.Errorf("cfgPyFloat(%v) = %s, want %s", f, got, want)
		}
	}
}

func ExamplePreset() {
	c, err := Preset("gpt2-large")
	if err != nil {
		panic(err)
	}
	fmt.Println(c.NLayer, c.NEmbd, c.NHead, c.HeadDim(), c.NInner, c.NumParams())
	// Output: 36 1280 20 64 5120 774030080
}
