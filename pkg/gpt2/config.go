package gpt2

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Config is the architecture of a GPT-2 model, with the fields of a Hugging Face GPT2Config that change the
// forward pass.
type Config struct {
	NLayer     int // n_layer: transformer blocks
	NEmbd      int // n_embd: width of the residual stream
	NHead      int // n_head: attention heads per block
	NPositions int // n_positions: longest sequence (rows of wpe)
	NInner     int // n_inner resolved: width of the MLP hidden layer (null in config.json means 4·NEmbd)
	VocabSize  int // vocab_size: rows of wte, which is also the (tied) unembedding

	LayerNormEpsilon float64 // layer_norm_epsilon
	Activation       string  // activation_function: one of the tanh-approximated GELUs, see Validate
}

// cfgActivations are the activation_function values accepted: Hugging Face's names for the same tanh
// approximation of GELU, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
var cfgActivations = []string{"gelu_new", "gelu_pytorch_tanh", "gelu_fast"}

// cfgPresets are the four OpenAI GPT-2 sizes, as in their Hugging Face config.json files.
var cfgPresets = []struct {
	name                 string
	nLayer, nEmbd, nHead int
}{
	{"gpt2", 12, 768, 12},
	{"gpt2-medium", 24, 1024, 16},
	{"gpt2-large", 36, 1280, 20},
	{"gpt2-xl", 48, 1600, 25},
}

// Preset returns the configuration of one of the OpenAI GPT-2 models by its Hugging Face name: "gpt2" (124M
// parameters), "gpt2-medium" (355M), "gpt2-large" (774M) or "gpt2-xl" (1.5B).
func Preset(name string) (Config, error) {
	for _, p := range cfgPresets {
		if p.name == name {
			return Config{
				NLayer: p.nLayer, NEmbd: p.nEmbd, NHead: p.nHead,
				NPositions: 1024, NInner: 4 * p.nEmbd, VocabSize: 50257,
				LayerNormEpsilon: 1e-5, Activation: "gelu_new",
			}, nil
		}
	}
	return Config{}, fmt.Errorf("unknown GPT-2 preset %q: use one of %s", name, strings.Join(PresetNames(), ", "))
}

// PresetNames returns the names Preset accepts, smallest model first.
func PresetNames() []string {
	names := make([]string, len(cfgPresets))
	for i, p := range cfgPresets {
		names[i] = p.name
	}
	return names
}

// cfgJSON is the part of a Hugging Face GPT-2 config.json that is read; pointers tell absent fields from zeros.
type cfgJSON struct {
	ModelType          *string  `json:"model_type"`
	NLayer             *int     `json:"n_layer"`
	NEmbd              *int     `json:"n_embd"`
	NHead              *int     `json:"n_head"`
	NPositions         *int     `json:"n_positions"`
	NInner             *int     `json:"n_inner"`
	VocabSize          *int     `json:"vocab_size"`
	LayerNormEpsilon   *float64 `json:"layer_norm_epsilon"`
	ActivationFunction *string  `json:"activation_function"`

	// Options that change the forward pass but that this package does not implement.
	ScaleAttnWeights           *bool `json:"scale_attn_weights"`
	ScaleAttnByInverseLayerIdx *bool `json:"scale_attn_by_inverse_layer_idx"`
	AddCrossAttention          *bool `json:"add_cross_attention"`
}

// ParseConfig parses a Hugging Face GPT-2 config.json. n_layer, n_embd, n_head, n_positions and vocab_size are
// required; layer_norm_epsilon defaults to 1e-5, activation_function to "gelu_new", and a null or absent n_inner
// means 4·n_embd, as in transformers. A model_type other than "gpt2", and the options scale_attn_weights=false,
// scale_attn_by_inverse_layer_idx=true and add_cross_attention=true (which change the computation in ways this
// package does not implement) are refused. The result is validated with Validate.
func ParseConfig(data []byte) (Config, error) {
	var j cfgJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return Config{}, fmt.Errorf("parse GPT-2 config.json: %w; the file should be the JSON config.json of a "+
			"Hugging Face GPT-2 checkpoint", err)
	}
	if j.ModelType != nil && *j.ModelType != "gpt2" {
		return Config{}, fmt.Errorf("config.json has model_type %q, but only \"gpt2\" models are supported: "+
			"point to a GPT-2 checkpoint", *j.ModelType)
	}
	var missing []string
	required := func(field string, v *int) int {
		if v == nil {
			missing = append(missing, field)
			return 0
		}
		return *v
	}
	c := Config{
		NLayer:           required("n_layer", j.NLayer),
		NEmbd:            required("n_embd", j.NEmbd),
		NHead:            required("n_head", j.NHead),
		NPositions:       required("n_positions", j.NPositions),
		VocabSize:        required("vocab_size", j.VocabSize),
		LayerNormEpsilon: 1e-5,
		Activation:       "gelu_new",
	}
	if len(missing) > 0 {
		return Config{}, fmt.Errorf("config.json lacks required field(s) %s: a GPT-2 config.json must set "+
			"n_layer, n_embd, n_head, n_positions and vocab_size", strings.Join(missing, ", "))
	}
	c.NInner = 4 * c.NEmbd
	if j.NInner != nil {
		c.NInner = *j.NInner
	}
	if j.LayerNormEpsilon != nil {
		c.LayerNormEpsilon = *j.LayerNormEpsilon
	}
	if j.ActivationFunction != nil {
		c.Activation = *j.ActivationFunction
	}
	var unsupported []string // all of them, on one line
	for _, o := range []struct {
		field     string
		v         *bool
		supported bool
	}{
		{"scale_attn_weights", j.ScaleAttnWeights, true},
		{"scale_attn_by_inverse_layer_idx", j.ScaleAttnByInverseLayerIdx, false},
		{"add_cross_attention", j.AddCrossAttention, false},
	} {
		if o.v != nil && *o.v != o.supported {
			unsupported = append(unsupported, fmt.Sprintf("%s=%v (only %v, the GPT-2 default)", o.field, *o.v, o.supported))
		}
	}
	if len(unsupported) > 0 {
		return Config{}, fmt.Errorf("config.json sets %s, which this package does not implement: use a checkpoint "+
			"without it", strings.Join(unsupported, " and "))
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// LoadConfig reads and parses dir/config.json (see ParseConfig); errors name the file.
func LoadConfig(dir string) (Config, error) {
	path := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Config{}, fmt.Errorf("load GPT-2 config: %s does not exist: point to a Hugging Face checkpoint "+
				"directory (it holds config.json and model.safetensors)", path)
		}
		return Config{}, fmt.Errorf("load GPT-2 config: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("load GPT-2 config %s: %w", path, err)
	}
	return c, nil
}

// Validate checks that c describes a GPT-2 this package can run: positive sizes, n_embd divisible by n_head, a
// positive finite layer_norm_epsilon and a supported activation: "gelu_new", "gelu_pytorch_tanh" or "gelu_fast",
// Hugging Face's names for the tanh approximation of GELU that GPT-2 uses.
func (c Config) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{
		{"n_layer", c.NLayer}, {"n_embd", c.NEmbd}, {"n_head", c.NHead},
		{"n_positions", c.NPositions}, {"n_inner", c.NInner}, {"vocab_size", c.VocabSize},
	} {
		if f.v <= 0 {
			return fmt.Errorf("GPT-2 config: %s = %d must be positive: fix config.json (or the Config)", f.name, f.v)
		}
	}
	if c.NEmbd%c.NHead != 0 {
		return fmt.Errorf("GPT-2 config: n_embd = %d is not divisible by n_head = %d, so the heads cannot split the "+
			"residual stream evenly: fix config.json (or the Config)", c.NEmbd, c.NHead)
	}
	if !(c.LayerNormEpsilon > 0) || math.IsInf(c.LayerNormEpsilon, 0) {
		return fmt.Errorf("GPT-2 config: layer_norm_epsilon = %g must be a positive finite number (GPT-2 uses 1e-05): "+
			"fix config.json (or the Config)", c.LayerNormEpsilon)
	}
	for _, a := range cfgActivations {
		if c.Activation == a {
			return nil
		}
	}
	return fmt.Errorf("GPT-2 config: activation_function %q is not supported: only the tanh-approximated GELU "+
		"(%s) is implemented; use a checkpoint with one of those", c.Activation, `"`+strings.Join(cfgActivations, `", "`)+`"`)
}

// HeadDim returns the width of one attention head, NEmbd/NHead.
func (c Config) HeadDim() int {
	if c.NHead == 0 {
		return 0
	}
	return c.NEmbd / c.NHead
}

// NumParams returns the number of parameters of the GPT2LMHeadModel, counting the tied wte/unembedding once and
// the attention-mask buffers not at all (124,439,808 for "gpt2").
func (c Config) NumParams() int64 {
	d, i := int64(c.NEmbd), int64(c.NInner)
	block := 2*d + // ln_1
		d*3*d + 3*d + // attn.c_attn
		d*d + d + // attn.c_proj
		2*d + // ln_2
		d*i + i + // mlp.c_fc
		i*d + d // mlp.c_proj
	return int64(c.VocabSize)*d + int64(c.NPositions)*d + int64(c.NLayer)*block + 2*d
}

// MarshalHF returns c as the config.json transformers writes for a GPT2LMHeadModel (model_type "gpt2",
// architectures ["GPT2LMHeadModel"], n_ctx = n_positions, the GPT-2 dropout and summary defaults, keys sorted,
// two-space indent, Python float formatting such as 1e-05). bos_token_id and eos_token_id are the last token,
// as for GPT-2's <|endoftext|> (50256). torch_dtype is "float32"; transformers_version is left out.
func (c Config) MarshalHF() ([]byte, error) {
	return c.MarshalHFDType("float32")
}

// MarshalHFDType is MarshalHF with another torch_dtype to record ("float16", "bfloat16"), for checkpoints
// stored in that dtype.
func (c Config) MarshalHFDType(torchDtype string) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var nInner any // null when it is the default, as transformers writes it
	if c.NInner != 4*c.NEmbd {
		nInner = c.NInner
	}
	m := map[string]any{
		"activation_function":             c.Activation,
		"architectures":                   []string{"GPT2LMHeadModel"},
		"attn_pdrop":                      cfgPyFloat(0.1),
		"bos_token_id":                    c.VocabSize - 1,
		"embd_pdrop":                      cfgPyFloat(0.1),
		"eos_token_id":                    c.VocabSize - 1,
		"initializer_range":               cfgPyFloat(0.02),
		"layer_norm_epsilon":              cfgPyFloat(c.LayerNormEpsilon),
		"model_type":                      "gpt2",
		"n_ctx":                           c.NPositions,
		"n_embd":                          c.NEmbd,
		"n_head":                          c.NHead,
		"n_inner":                         nInner,
		"n_layer":                         c.NLayer,
		"n_positions":                     c.NPositions,
		"reorder_and_upcast_attn":         false,
		"resid_pdrop":                     cfgPyFloat(0.1),
		"scale_attn_by_inverse_layer_idx": false,
		"scale_attn_weights":              true,
		"summary_activation":              nil,
		"summary_first_dropout":           cfgPyFloat(0.1),
		"summary_proj_to_labels":          true,
		"summary_type":                    "cls_index",
		"summary_use_proj":                true,
		"torch_dtype":                     torchDtype,
		"use_cache":                       true,
		"vocab_size":                      c.VocabSize,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil { // Encode adds the final newline transformers writes too
		return nil, fmt.Errorf("encode config.json: %w", err)
	}
	return buf.Bytes(), nil
}

// cfgPyFloat formats f as Python's repr does for the usual config values (0.1, 0.02, 1e-05, 1.0), so config.json
// reads as transformers would write it.
func cfgPyFloat(f float64) json.Number {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eInN") {
		s += ".0"
	}
	return json.Number(s)
}
