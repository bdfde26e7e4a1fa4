package checkpoints

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"

	"github.com/gpt2taps/gpt2taps/internal/stfile"
)

// tinyConfig is a small GPT-2 for fast tests.
func tinyConfig() gpt2.Config {
	return gpt2.Config{NLayer: 2, NEmbd: 64, NHead: 4, NPositions: 32, NInner: 256, VocabSize: 101,
		LayerNormEpsilon: 1e-5, Activation: "gelu_new"}
}

// writeRandom writes a random checkpoint into a new directory and returns it.
func writeRandom(t *testing.T, cfg gpt2.Config, opts RandomOptions) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ckpt")
	if err := WriteRandom(dir, cfg, opts); err != nil {
		t.Fatal(err)
	}
	return dir
}

// dirContents maps each file name in dir to its bytes.
func dirContents(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = b
	}
	return m
}

func TestRandomDeterministic(t *testing.T) {
	for _, opts := range []RandomOptions{{Seed: 7}, {Seed: 7, DType: "BF16", Prefix: true, Buffers: true, Shards: 3}} {
		a := dirContents(t, writeRandom(t, tinyConfig(), opts))
		b := dirContents(t, writeRandom(t, tinyConfig(), opts))
		if len(a) != len(b) {
			t.Fatalf("%+v: %d files, then %d", opts, len(a), len(b))
		}
		for name, data := range a {
			if !bytes.Equal(data, b[name]) {
				t.Errorf("%+v: %s differs between two writes with the same seed", opts, name)
			}
		}
		opts.Seed = 8
		c := dirContents(t, writeRandom(t, tinyConfig(), opts))
		for name, data := range a {
			if strings.HasSuffix(name, ".safetensors") && bytes.Equal(data, c[name]) {
				t.Errorf("%+v: %s is the same for seeds 7 and 8", opts, name)
			}
		}
	}
}

func TestRandomLayout(t *testing.T) {
	cfg := tinyConfig()
	dir := writeRandom(t, cfg, RandomOptions{Seed: 1, DType: "F16", Prefix: true, Buffers: true, Shards: 3})
	var names []string
	for name := range dirContents(t, dir) {
		names = append(names, name)
	}
	slices.Sort(names)
	want := []string{"config.json", "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
		"model-00003-of-00003.safetensors", "model.safetensors.index.json"}
	if !slices.Equal(names, want) {
		t.Fatalf("files = %v, want %v", names, want)
	}
	if siblings, _ := os.ReadDir(filepath.Dir(dir)); len(siblings) != 1 {
		t.Errorf("the parent directory holds %d entries, want only the checkpoint (no temporary leftovers)", len(siblings))
	}
	got, err := gpt2.LoadConfig(dir)
	if err != nil || got != cfg {
		t.Errorf("LoadConfig = %+v, %v; want %+v", got, err, cfg)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "config.json")); !strings.Contains(string(b), `"torch_dtype": "float16"`) {
		t.Errorf("config.json does not record torch_dtype float16:\n%s", b)
	}

	var index struct {
		Metadata struct {
			TotalSize int64 `json:"total_size"`
		} `json:"metadata"`
		WeightMap map[string]string `json:"weight_map"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "model.safetensors.index.json"))
	if err := json.Unmarshal(b, &index); err != nil {
		t.Fatal(err)
	}
	var total int64
	perShard := map[string]int{}
	for _, shard := range want[1:4] {
		f, err := stfile.Open(filepath.Join(dir, shard))
		if err != nil {
			t.Fatal(err)
		}
		if f.Metadata()["format"] != "pt" {
			t.Errorf("%s metadata = %v, want format pt", shard, f.Metadata())
		}
		for _, name := range f.Names() {
			if index.WeightMap[name] != shard {
				t.Errorf("index puts %s in %q, but it is in %s", name, index.WeightMap[name], shard)
			}
			dtype, shape, _ := f.Info(name)
			if dtype != "F16" {
				t.Errorf("%s has dtype %s, want F16", name, dtype)
			}
			n := int64(2)
			for _, d := range shape {
				n *= int64(d)
			}
			total += n
			perShard[shard]++
		}
		if name := "transformer.h.0.attn.bias"; index.WeightMap[name] == shard {
			mask := make([]float32, 32*32)
			if err := f.Float32s(name, mask); err != nil {
				t.Fatal(err)
			}
			for i, v := range mask {
				if want := float32(0); i%32 <= i/32 && v != 1 || i%32 > i/32 && v != want {
					t.Fatalf("attn.bias[%d,%d] = %v, want the causal mask", i/32, i%32, v)
				}
			}
		}
		if name := "transformer.h.1.attn.masked_bias"; index.WeightMap[name] == shard {
			v := make([]float32, 1)
			if _, shape, _ := f.Info(name); len(shape) != 0 || f.Float32s(name, v) != nil || v[0] != -1e4 {
				t.Errorf("masked_bias = %v with shape %v, want the scalar -1e4", v, shape)
			}
		}
		f.Close()
	}
	if total != index.Metadata.TotalSize {
		t.Errorf("index total_size = %d, tensors hold %d bytes", index.Metadata.TotalSize, total)
	}
	if wantN := len(gpt2.ExpectedShapes(cfg)) + 2*cfg.NLayer; len(index.WeightMap) != wantN {
		t.Errorf("index lists %d tensors, want %d", len(index.WeightMap), wantN)
	}
	if len(perShard) != 3 {
		t.Errorf("tensors per shard = %v, want three non-empty shards", perShard)
	}
}

// TestRandomScales checks the documented initialisation scales.
func TestRandomScales(t *testing.T) {
	cfg := gpt2.Config{NLayer: 3, NEmbd: 128, NHead: 4, NPositions: 64, NInner: 512, VocabSize: 500,
		LayerNormEpsilon: 1e-5, Activation: "gelu_new"}
	w, err := gpt2.LoadWeights(writeRandom(t, cfg, RandomOptions{Seed: 3}), cfg, gpt2.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		mean, std float64
	}{
		{"wte.weight", 0, 0.1},
		{"wpe.weight", 0, 0.05},
		{"h.1.ln_1.weight", 1, 0.1},
		{"h.1.ln_2.bias", 0, 0.05},
		{"h.1.attn.c_attn.weight", 0, 1 / math.Sqrt(128)},
		{"h.1.attn.c_proj.weight", 0, 1 / math.Sqrt(128*6)},
		{"h.2.mlp.c_fc.weight", 0, 1 / math.Sqrt(128)},
		{"h.2.mlp.c_proj.weight", 0, 1 / math.Sqrt(512*6)},
		{"h.0.mlp.c_fc.bias", 0, 0.02},
	}
	for _, tt := range tests {
		values := flat(t, w, tt.name)
		var sum, sq float64
		for _, v := range values {
			sum += float64(v)
		}
		mean := sum / float64(len(values))
		for _, v := range values {
			sq += (float64(v) - mean) * (float64(v) - mean)
		}
		std := math.Sqrt(sq / float64(len(values)))
		tol := 5 * tt.std / math.Sqrt(float64(len(values))) // five standard errors
		if math.Abs(mean-tt.mean) > tol || math.Abs(std-tt.std) > 0.2*tt.std {
			t.Errorf("%s: mean %.4f, std %.4f; want about %.4f, %.4f", tt.name, mean, std, tt.mean, tt.std)
		}
	}
}

func TestRandomErrors(t *testing.T) {
	cfg := tinyConfig()
	nonEmpty := t.TempDir()
	os.WriteFile(filepath.Join(nonEmpty, "x"), nil, 0o644)
	bad := cfg
	bad.NHead = 5
	tests := []struct {
		name string
		dir  string
		cfg  gpt2.Config
		opts RandomOptions
		want string
	}{
		{"non-empty dir", nonEmpty, cfg, RandomOptions{}, "exists and is not empty: remove it first"},
		{"dtype", "", cfg, RandomOptions{DType: "F64"}, `dtype "F64" is not supported: use F32, F16 or BF16`},
		{"negative shards", "", cfg, RandomOptions{Shards: -1}, "-1 shards requested"},
		{"too many shards", "", cfg, RandomOptions{Shards: 1000}, "1000 shards requested: use 0 or 1 for a single file, or 2 to 28"},
		{"invalid config", "", bad, RandomOptions{}, "not divisible by n_head"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir
			if dir == "" {
				dir = filepath.Join(t.TempDir(), "ckpt")
			}
			err := WriteRandom(dir, tt.cfg, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("error = %v, want one containing %q and the directory", err, tt.want)
			}
			if tt.dir == "" {
				if entries, _ := os.ReadDir(filepath.Dir(dir)); len(entries) != 0 {
					t.Errorf("a failed write left %d entries behind", len(entries))
				}
			}
		})
	}
	// An existing empty directory is fine.
	empty := t.TempDir()
	if err := WriteRandom(empty, cfg, RandomOptions{}); err != nil {
		t.Errorf("writing into an empty directory: %v", err)
	}
}
