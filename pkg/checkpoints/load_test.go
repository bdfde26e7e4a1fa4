package checkpoints

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"

	"github.com/gpt2taps/gpt2taps/internal/stfile"
)

// flat returns a copy of weight name's values.
func flat(t *testing.T, w *gpt2.Weights, name string) []float32 {
	t.Helper()
	tt, ok := w.Tensors[name]
	if !ok {
		t.Fatalf("weights lack %s", name)
	}
	return slices.Clone(tt.Data)
}

// generated returns the F32 values the random checkpoint generator produces for cfg and seed.
func generated(t *testing.T, cfg gpt2.Config, seed int64) map[string][]float32 {
	t.Helper()
	m := map[string][]float32{}
	for _, s := range rndSpecs(cfg, false) {
		var buf bytes.Buffer
		if err := s.writer(seed, "F32")(&buf); err != nil {
			t.Fatal(err)
		}
		v := make([]float32, buf.Len()/4)
		if err := stfile.ToFloat32("F32", buf.Bytes(), v); err != nil {
			t.Fatal(err)
		}
		m[s.name] = v
	}
	return m
}

func TestWeightsRoundTrip(t *testing.T) {
	cfg := tinyConfig()
	want := generated(t, cfg, 42)
	tests := []RandomOptions{
		{},
		{DType: "F16"},
		{DType: "BF16"},
		{Prefix: true},
		{Buffers: true},
		{Shards: 3},
		{DType: "BF16", Prefix: true, Buffers: true, Shards: 3},
	}
	for _, opts := range tests {
		opts.Seed = 42
		t.Run(fmt.Sprintf("%+v", opts), func(t *testing.T) {
			dir := writeRandom(t, cfg, opts)
			var order []string
			w, err := gpt2.LoadWeights(dir, cfg, gpt2.LoadOptions{Each: func(name string, tt gpt2.HostTensor) error {
				order = append(order, name)
				return nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			if w.Dir != dir || w.Config != cfg {
				t.Errorf("Dir, gpt2.Config = %s, %+v", w.Dir, w.Config)
			}
			var names []string
			for _, wt := range cfg.Weights() {
				names = append(names, wt.Name)
			}
			if !slices.Equal(order, names) {
				t.Errorf("Each saw %v, want every weight once in model order", order)
			}
			shapes := gpt2.ExpectedShapes(cfg)
			if len(w.Tensors) != len(shapes) {
				t.Errorf("%d tensors, want %d", len(w.Tensors), len(shapes))
			}
			for name, shape := range shapes {
				if got := w.Tensors[name].Dims; !slices.Equal(got, shape) {
					t.Errorf("%s has shape %v, want %v", name, got, shape)
				}
				for i, v := range flat(t, w, name) {
					ref := want[name][i]
					exact, relTol := ref, 0.0
					switch opts.DType {
					case "F16":
						exact, relTol = stfile.F16ToFloat32(stfile.Float32ToF16(ref)), 1.0/2048
					case "BF16":
						exact, relTol = stfile.BF16ToFloat32(stfile.Float32ToBF16(ref)), 1.0/256
					}
					diff := math.Abs(float64(v - ref))
					if v != exact || diff > relTol*math.Abs(float64(ref))+1.0/(1<<25) {
						t.Fatalf("%s[%d] = %g, want %g (F32 original %g)", name, i, v, exact, ref)
					}
				}
			}
		})
	}
}

// TestWeightsRealVocab loads a checkpoint with GPT-2's real vocabulary of 50257 tokens.
func TestWeightsRealVocab(t *testing.T) {
	cfg := gpt2.Config{NLayer: 1, NEmbd: 32, NHead: 2, NPositions: 1024, NInner: 128, VocabSize: 50257,
		LayerNormEpsilon: 1e-5, Activation: "gelu_new"}
	w, err := gpt2.LoadWeights(writeRandom(t, cfg, RandomOptions{Seed: 5, DType: "F16"}), cfg, gpt2.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Tensors["wte.weight"].Dims; !slices.Equal(got, []int{50257, 32}) {
		t.Errorf("wte shape %v", got)
	}
	want := generated(t, cfg, 5)["wte.weight"]
	got := flat(t, w, "wte.weight")
	for _, i := range []int{0, 1, 50256*32 + 31} {
		if exact := stfile.F16ToFloat32(stfile.Float32ToF16(want[i])); got[i] != exact {
			t.Errorf("wte[%d] = %g, want %g", i, got[i], exact)
		}
	}
}

func TestWeightsEachError(t *testing.T) {
	cfg := tinyConfig()
	dir := writeRandom(t, cfg, RandomOptions{Seed: 1})
	calls := 0
	_, err := gpt2.LoadWeights(dir, cfg, gpt2.LoadOptions{Each: func(name string, _ gpt2.HostTensor) error {
		calls++
		if name == "h.0.ln_1.bias" {
			return errors.New("device full")
		}
		return nil
	}})
	if err == nil || !strings.Contains(err.Error(), "weight h.0.ln_1.bias: device full") {
		t.Errorf("error = %v", err)
	}
	if calls != 4 {
		t.Errorf("Each called %d times, want 4 (loading stops at the error)", calls)
	}
}

// rewriteTensors rewrites the safetensors file at path with edit applied to its entries (as F32 or their dtype).
func rewriteTensors(t *testing.T, path string, edit func([]stfile.Entry) []stfile.Entry) {
	t.Helper()
	f, err := stfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var entries []stfile.Entry
	for _, name := range f.Names() {
		dtype, shape, _ := f.Info(name)
		b, err := f.Bytes(name)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, stfile.Entry{Name: name, DType: dtype, Shape: shape, Data: slices.Clone(b)})
	}
	f.Close()
	if err := stfile.WriteFile(path, edit(entries), nil); err != nil {
		t.Fatal(err)
	}
}

// entryIndex returns the index of the entry called name.
func entryIndex(t *testing.T, entries []stfile.Entry, name string) int {
	t.Helper()
	i := slices.IndexFunc(entries, func(e stfile.Entry) bool { return e.Name == name })
	if i < 0 {
		t.Fatalf("no entry %s", name)
	}
	return i
}

// rewriteHeader replaces the JSON header of the file at path with edit applied to it, keeping the data section.
func rewriteHeader(t *testing.T, path string, edit func(h map[string]map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b)
	var h map[string]map[string]any
	dec := json.NewDecoder(bytes.NewReader(b[8 : 8+n]))
	dec.UseNumber()
	if err := dec.Decode(&h); err != nil {
		t.Fatal(err)
	}
	edit(h)
	header, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	out = append(append(out, header...), b[8+n:]...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// lastTensor returns the name of the tensor whose data ends the file described by header h.
func lastTensor(h map[string]map[string]any) string {
	var last string
	var end int64 = -1
	for name, e := range h {
		if name == "__metadata__" {
			continue
		}
		if v, _ := e["data_offsets"].([]any)[1].(json.Number).Int64(); v > end {
			last, end = name, v
		}
	}
	return last
}

func TestWeightsErrors(t *testing.T) {
	cfg := tinyConfig()
	const model = "model.safetensors"
	nanBytes := func(e *stfile.Entry, v float32) {
		binary.LittleEndian.PutUint32(e.Data[4*5:], math.Float32bits(v))
	}
	tests := []struct {
		name   string
		opts   RandomOptions
		cfg    *gpt2.Config // if set, load with this config instead
		breakF func(t *testing.T, dir string)
		want   []string // substrings; "{dir}" and "{model}" stand for the paths
	}{
		{
			name: "truncated file",
			breakF: func(t *testing.T, dir string) {
				st, _ := os.Stat(filepath.Join(dir, model))
				os.Truncate(filepath.Join(dir, model), st.Size()-100)
			},
			want: []string{"{model}", "out of range", "looks truncated or corrupt; download it again"},
		},
		{
			name: "header length beyond file",
			breakF: func(t *testing.T, dir string) {
				b, _ := os.ReadFile(filepath.Join(dir, model))
				binary.LittleEndian.PutUint64(b, uint64(len(b)))
				os.WriteFile(filepath.Join(dir, model), b, 0o644)
			},
			want: []string{"{model}", "goes beyond the end of the file", "download it again"},
		},
		{
			name: "bad header JSON",
			breakF: func(t *testing.T, dir string) {
				b, _ := os.ReadFile(filepath.Join(dir, model))
				b[8] = '['
				os.WriteFile(filepath.Join(dir, model), b, 0o644)
			},
			want: []string{"{model}", "bad header JSON", "download it again"},
		},
		{
			name: "overlapping offsets",
			breakF: func(t *testing.T, dir string) {
				rewriteHeader(t, filepath.Join(dir, model), func(h map[string]map[string]any) {
					off := h["wte.weight"]["data_offsets"].([]any)
					b, _ := off[0].(json.Number).Int64()
					e, _ := off[1].(json.Number).Int64()
					if b == 0 {
						t.Fatal("wte.weight is the first tensor; pick another")
					}
					h["wte.weight"]["data_offsets"] = []int64{b - 4, e - 4}
				})
			},
			want: []string{"{model}", "overlap", "download it again"},
		},
		{
			name: "out-of-range offsets",
			breakF: func(t *testing.T, dir string) {
				rewriteHeader(t, filepath.Join(dir, model), func(h map[string]map[string]any) {
					last := h[lastTensor(h)]
					off := last["data_offsets"].([]any)
					b, _ := off[0].(json.Number).Int64()
					e, _ := off[1].(json.Number).Int64()
					shape := last["shape"].([]any)
					n, _ := shape[0].(json.Number).Int64()
					shape[0] = n * 2
					last["data_offsets"] = []int64{b, e + (e - b)}
				})
			},
			want: []string{"{model}", "are out of range", "download it again"},
		},
		{
			name: "unknown dtype Q4",
			breakF: func(t *testing.T, dir string) {
				rewriteHeader(t, filepath.Join(dir, model), func(h map[string]map[string]any) { h["ln_f.bias"]["dtype"] = "Q4" })
			},
			want: []string{"{model}", `tensor "ln_f.bias": unknown safetensors dtype "Q4"`},
		},
		{
			name: "unsupported dtype I32",
			breakF: func(t *testing.T, dir string) {
				rewriteHeader(t, filepath.Join(dir, model), func(h map[string]map[string]any) { h["ln_f.bias"]["dtype"] = "I32" })
			},
			want: []string{"{model}", `tensor "ln_f.bias"`, "has dtype I32, but only F32, F16 and BF16 weights are supported"},
		},
		{
			name: "missing tensor",
			breakF: func(t *testing.T, dir string) {
				rewriteTensors(t, filepath.Join(dir, model), func(es []stfile.Entry) []stfile.Entry {
					return slices.Delete(es, entryIndex(t, es, "h.1.mlp.c_fc.bias"), entryIndex(t, es, "h.1.mlp.c_fc.bias")+1)
				})
			},
			want: []string{"{model}", `tensor "h.1.mlp.c_fc.bias" is missing`, "1 of 28 weights missing"},
		},
		{
			name: "wrong shape",
			breakF: func(t *testing.T, dir string) {
				rewriteTensors(t, filepath.Join(dir, model), func(es []stfile.Entry) []stfile.Entry {
					es[entryIndex(t, es, "ln_f.bias")].Shape = []int{2, 32}
					return es
				})
			},
			want: []string{"{model}", `tensor "ln_f.bias"`, "has shape [2 32], want [64]", "do not match"},
		},
		{
			name: "config with more layers than the weights",
			cfg:  &gpt2.Config{NLayer: 3, NEmbd: 64, NHead: 4, NPositions: 32, NInner: 256, VocabSize: 101, LayerNormEpsilon: 1e-5, Activation: "gelu_new"},
			want: []string{"{model}", `tensor "h.2.ln_1.weight" is missing`, "n_layer=3"},
		},
		{
			name: "config with fewer layers than the weights",
			cfg:  &gpt2.Config{NLayer: 1, NEmbd: 64, NHead: 4, NPositions: 32, NInner: 256, VocabSize: 101, LayerNormEpsilon: 1e-5, Activation: "gelu_new"},
			opts: RandomOptions{Buffers: true},
			want: []string{"{model}", `unexpected tensor "h.1.`, "n_layer=1"},
		},
		{
			name:   "missing shard",
			opts:   RandomOptions{Shards: 3},
			breakF: func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "model-00002-of-00003.safetensors")) },
			want:   []string{"{dir}/model-00002-of-00003.safetensors", "listed in {dir}/model.safetensors.index.json is missing"},
		},
		{
			name: "index names a tensor its shard lacks",
			opts: RandomOptions{Shards: 3},
			breakF: func(t *testing.T, dir string) {
				path := filepath.Join(dir, gpt2.WeightsIndexFile)
				b, _ := os.ReadFile(path)
				os.WriteFile(path, bytes.Replace(b, []byte(`"ln_f.bias": "model-00003`), []byte(`"ln_f.bias": "model-00001`), 1), 0o644)
			},
			want: []string{"{dir}/model.safetensors.index.json says tensor \"ln_f.bias\" is in {dir}/model-00001-of-00003.safetensors"},
		},
		{
			name: "bad index JSON",
			opts: RandomOptions{Shards: 2},
			breakF: func(t *testing.T, dir string) {
				os.WriteFile(filepath.Join(dir, gpt2.WeightsIndexFile), []byte(`{"weight_map": `), 0o644)
			},
			want: []string{"{dir}/model.safetensors.index.json is not valid JSON", "download it again"},
		},
		{
			name: "index escaping the directory",
			opts: RandomOptions{Shards: 2},
			breakF: func(t *testing.T, dir string) {
				os.WriteFile(filepath.Join(dir, gpt2.WeightsIndexFile), []byte(`{"weight_map": {"wte.weight": "../x.safetensors"}}`), 0o644)
			},
			want: []string{"{dir}/model.safetensors.index.json", `names shard "../x.safetensors" for tensor "wte.weight", which is not a file name next to the index`},
		},
		{
			name: "tensor stored in two shards",
			opts: RandomOptions{Shards: 2},
			breakF: func(t *testing.T, dir string) {
				rewriteTensors(t, filepath.Join(dir, "model-00001-of-00002.safetensors"), func(es []stfile.Entry) []stfile.Entry {
					return append(es, stfile.Entry{Name: "ln_f.bias", DType: "F32", Shape: []int{64}, Data: make([]byte, 256)})
				})
			},
			want: []string{`tensor "ln_f.bias" is stored twice, in {dir}/model-00001-of-00002.safetensors and {dir}/model-00002-of-00002.safetensors`},
		},
		{
			name: "NaN in a weight",
			breakF: func(t *testing.T, dir string) {
				rewriteTensors(t, filepath.Join(dir, model), func(es []stfile.Entry) []stfile.Entry {
					nanBytes(&es[entryIndex(t, es, "h.0.attn.c_proj.weight")], float32(math.NaN()))
					return es
				})
			},
			want: []string{"{model}", `tensor "h.0.attn.c_proj.weight"`, "holds NaN at flat index 5 (1 non-finite in all)", "corrupt"},
		},
		{
			name: "Inf in an F16 weight",
			opts: RandomOptions{DType: "F16"},
			breakF: func(t *testing.T, dir string) {
				rewriteTensors(t, filepath.Join(dir, model), func(es []stfile.Entry) []stfile.Entry {
					binary.LittleEndian.PutUint16(es[entryIndex(t, es, "wpe.weight")].Data[2*7:], 0xfc00)
					return es
				})
			},
			want: []string{"{model}", `tensor "wpe.weight"`, "holds -Inf at flat index 7"},
		},
		{
			name: "unexpected extra tensor",
			breakF: func(t *testing.T, dir string) {
				rewriteTensors(t, filepath.Join(dir, model), func(es []stfile.Entry) []stfile.Entry {
					return append(es, stfile.Entry{Name: "h.0.attn.rotary.weight", DType: "F32", Shape: []int{2}, Data: make([]byte, 8)})
				})
			},
			want: []string{`unexpected tensor "h.0.attn.rotary.weight" in {model}`, "check that config.json belongs to these weights"},
		},
		{
			name: "mixed prefix",
			opts: RandomOptions{Prefix: true},
			breakF: func(t *testing.T, dir string) {
				rewriteTensors(t, filepath.Join(dir, model), func(es []stfile.Entry) []stfile.Entry {
					es[entryIndex(t, es, "transformer.ln_f.bias")].Name = "ln_f.bias"
					return es
				})
			},
			want: []string{"{model} mixes tensor names with and without the \"transformer.\" prefix", `"ln_f.bias"`},
		},
		{
			name:   "no weights",
			breakF: func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, model)) },
			want:   []string{"{dir} has neither model.safetensors nor model.safetensors.index.json"},
		},
		{
			name: "only pytorch_model.bin",
			breakF: func(t *testing.T, dir string) {
				os.Rename(filepath.Join(dir, model), filepath.Join(dir, "pytorch_model.bin"))
			},
			want: []string{"{dir} has only pytorch_model.bin, which is not supported"},
		},
		{
			name: "invalid config",
			cfg:  &gpt2.Config{NLayer: 2, NEmbd: 64, NHead: 4, NPositions: 32, NInner: 256, VocabSize: 101, LayerNormEpsilon: 1e-5, Activation: "relu"},
			want: []string{"{dir}", `activation_function "relu" is not supported`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Seed = 9
			dir := writeRandom(t, cfg, tt.opts)
			if tt.breakF != nil {
				tt.breakF(t, dir)
			}
			loadCfg := cfg
			if tt.cfg != nil {
				loadCfg = *tt.cfg
			}
			_, err := gpt2.LoadWeights(dir, loadCfg, gpt2.LoadOptions{})
			if err == nil {
				t.Fatal("LoadWeights succeeded, want an error")
			}
			for _, w := range tt.want {
				w = strings.ReplaceAll(w, "{model}", filepath.Join(dir, model))
				w = strings.ReplaceAll(w, "{dir}", dir)
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

// TestWeightsIgnored checks that lm_head.weight and the attention buffers are accepted and ignored.
func TestWeightsIgnored(t *testing.T) {
	cfg := tinyConfig()
	for _, prefix := range []bool{false, true} {
		dir := writeRandom(t, cfg, RandomOptions{Seed: 2, Prefix: prefix, Buffers: true})
		rewriteTensors(t, filepath.Join(dir, "model.safetensors"), func(es []stfile.Entry) []stfile.Entry {
			return append(es, stfile.Entry{Name: "lm_head.weight", DType: "F32", Shape: []int{101, 64}, Data: make([]byte, 4*101*64)})
		})
		w, err := gpt2.LoadWeights(dir, cfg, gpt2.LoadOptions{})
		if err != nil {
			t.Fatalf("prefix %v: %v", prefix, err)
		}
		if len(w.Tensors) != len(gpt2.ExpectedShapes(cfg)) {
			t.Errorf("prefix %v: %d tensors, want %d", prefix, len(w.Tensors), len(gpt2.ExpectedShapes(cfg)))
		}
		if got, want := flat(t, w, "wte.weight")[:3], generated(t, cfg, 2)["wte.weight"][:3]; !slices.Equal(got, want) {
			t.Errorf("prefix %v: wte starts %v, want %v (not lm_head's zeros)", prefix, got, want)
		}
	}
}

func ExampleLoadWeights() {
	dir, err := os.MkdirTemp("", "gpt2-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ckpt := filepath.Join(dir, "tiny-gpt2")
	cfg := gpt2.Config{NLayer: 2, NEmbd: 64, NHead: 4, NPositions: 32, NInner: 256, VocabSize: 1000,
		LayerNormEpsilon: 1e-5, Activation: "gelu_new"}
	if err := WriteRandom(ckpt, cfg, RandomOptions{Seed: 1, DType: "BF16", Shards: 2}); err != nil {
		panic(err)
	}

	cfg, err = gpt2.LoadConfig(ckpt)
	if err != nil {
		panic(err)
	}
	w, err := gpt2.LoadWeights(ckpt, cfg, gpt2.LoadOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(w.Tensors), w.Tensors["h.1.mlp.c_fc.weight"].Dims)
	// Output: 28 [64 256]
}
