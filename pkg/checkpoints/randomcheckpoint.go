package checkpoints

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/gpt2taps/gpt2taps/internal/stfile"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// RandomOptions configure WriteRandom.
type RandomOptions struct {
	Seed    int64  // the same seed, config and options give the same bytes
	DType   string // "F32" (default), "F16" or "BF16"
	Prefix  bool   // name tensors "transformer.…", as a GPT2LMHeadModel state dict does
	Buffers bool   // also write the h.{l}.attn.bias causal mask [1,1,P,P] and the h.{l}.attn.masked_bias scalar
	Shards  int    // 0 or 1: model.safetensors; n > 1: model-0000i-of-0000n.safetensors + model.safetensors.index.json
}

// rndChunk is how many values are generated and written at a time.
const rndChunk = 1 << 16

// WriteRandom writes a GPT-2 checkpoint with random weights into dir, in the exact Hugging Face layout:
// config.json (cfg.MarshalHF, with torch_dtype matching opts.DType) and model.safetensors, or its shards and
// model.safetensors.index.json. dir must not exist or be empty. Everything is written into a temporary
// directory next to dir that is renamed to dir at the end, so dir never holds a partial checkpoint. Tensors are
// generated and streamed chunk by chunk, so memory stays small whatever the model size.
//
// Each tensor's values come from its own PCG stream seeded by opts.Seed and the tensor's canonical name, so they
// do not depend on Prefix, Buffers or Shards, and F16/BF16 checkpoints hold the F32 values rounded. The scales keep
// activations of order one through the whole network, so forward passes give meaningful, non-degenerate numbers:
//
//   - wte ~ N(0, 0.1²) and wpe ~ N(0, 0.05²), about the size of the real GPT-2 embeddings; the tied unembedding
//     then gives logits of order one;
//   - attn.c_attn and mlp.c_fc weights ~ N(0, 1/fan_in), so queries, keys, values and MLP pre-activations have unit
//     scale and attention scores q·k/√head_dim are O(1) (neither uniform nor one-hot);
//   - attn.c_proj and mlp.c_proj weights ~ N(0, 1/(fan_in·2·n_layer)), so the 2·n_layer writes into the residual
//     stream add up to unit scale;
//   - linear biases ~ N(0, 0.02²); LayerNorm gains ~ 1 + N(0, 0.1²) and biases ~ N(0, 0.05²).
func WriteRandom(dir string, cfg gpt2.Config, opts RandomOptions) (err error) {
	fail := func(e error) error { return fmt.Errorf("write random GPT-2 checkpoint %s: %w", dir, e) }
	if err := cfg.Validate(); err != nil {
		return fail(err)
	}
	dtype := opts.DType
	if dtype == "" {
		dtype = "F32"
	}
	torchDtype, ok := map[string]string{"F32": "float32", "F16": "float16", "BF16": "bfloat16"}[dtype]
	if !ok {
		return fail(fmt.Errorf("dtype %q is not supported: use F32, F16 or BF16", opts.DType))
	}
	specs := rndSpecs(cfg, opts.Buffers)
	if opts.Shards < 0 || opts.Shards > len(specs) {
		return fail(fmt.Errorf("%d shards requested: use 0 or 1 for a single file, or 2 to %d", opts.Shards, len(specs)))
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fail(errors.New("the directory exists and is not empty: remove it first or choose another"))
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fail(err)
	}
	configJSON, err := cfg.MarshalHFDType(torchDtype)
	if err != nil {
		return fail(err)
	}

	parent, base := filepath.Split(filepath.Clean(dir))
	if parent == "" {
		parent = "."
	}
	tmp, err := os.MkdirTemp(parent, base+".tmp-*")
	if err != nil {
		return fail(err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.WriteFile(filepath.Join(tmp, "config.json"), configJSON, 0o644); err != nil {
		return fail(err)
	}
	size, _ := stfile.DTypeSize(dtype)
	entries := make([]stfile.Entry, len(specs))
	for i, s := range specs {
		name := s.name
		if opts.Prefix {
			name = gpt2.WeightPrefix + name
		}
		entries[i] = stfile.Entry{Name: name, DType: dtype, Shape: s.shape, WriteTo: s.writer(opts.Seed, dtype)}
	}
	meta := map[string]string{"format": "pt"}
	if opts.Shards <= 1 {
		if err := stfile.WriteFile(filepath.Join(tmp, gpt2.WeightsFile), entries, meta); err != nil {
			return fail(err)
		}
	} else if err := rndWriteShards(tmp, entries, specs, size, opts.Shards, meta); err != nil {
		return fail(err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fail(err)
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) { // an empty dir, checked above
		return fail(err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fail(err)
	}
	return nil
}

// rndWriteShards splits entries, in model order, into n shards of about equal size (each with at least one
// tensor) and writes them with the index file, as transformers' save_pretrained names them.
func rndWriteShards(dir string, entries []stfile.Entry, specs []rndSpec, elemSize, n int, meta map[string]string) error {
	var total int64
	sizes := make([]int64, len(specs))
	for i, s := range specs {
		sizes[i] = int64(elemSize)
		for _, d := range s.shape {
			sizes[i] *= int64(d)
		}
		total += sizes[i]
	}
	target := (total + int64(n) - 1) / int64(n)
	shards := make([][]stfile.Entry, n)
	weightMap := make(map[string]string, len(entries))
	shard, filled := 0, int64(0)
	for i, e := range entries {
		if len(shards[shard]) > 0 && shard < n-1 &&
			(filled+sizes[i] > target || len(entries)-i == n-1-shard) {
			shard, filled = shard+1, 0
		}
		shards[shard] = append(shards[shard], e)
		filled += sizes[i]
		weightMap[e.Name] = fmt.Sprintf("model-%05d-of-%05d.safetensors", shard+1, n)
	}
	for s, es := range shards {
		name := fmt.Sprintf("model-%05d-of-%05d.safetensors", s+1, n)
		if err := stfile.WriteFile(filepath.Join(dir, name), es, meta); err != nil {
			return err
		}
	}
	index, err := json.MarshalIndent(map[string]any{
		"metadata":   map[string]any{"total_size": total},
		"weight_map": weightMap,
	}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, gpt2.WeightsIndexFile), append(index, '\n'), 0o644)
}

// rndKind says how a tensor's values are drawn.
type rndKind int

const (
	rndNormal rndKind = iota // mean + std·N(0,1)
	rndCausal                // the attn.bias buffer: 1 on and below the diagonal, 0 above
	rndMasked                // the attn.masked_bias buffer: -1e4
)

// rndSpec is one tensor of a random checkpoint.
type rndSpec struct {
	name      string // canonical name
	shape     []int
	kind      rndKind
	mean, std float64
}

// rndSpecs lists the tensors of a random checkpoint for cfg in model order (buffers after ln_1, as transformers
// saved them).
func rndSpecs(cfg gpt2.Config, buffers bool) []rndSpec {
	d, i, l2 := float64(cfg.NEmbd), float64(cfg.NInner), float64(2*cfg.NLayer)
	scale := map[string][2]float64{ // suffix → mean, std
		"ln_1.weight": {1, 0.1}, "ln_1.bias": {0, 0.05},
		"ln_2.weight": {1, 0.1}, "ln_2.bias": {0, 0.05},
		"attn.c_attn.weight": {0, 1 / math.Sqrt(d)}, "attn.c_attn.bias": {0, 0.02},
		"attn.c_proj.weight": {0, 1 / math.Sqrt(d*l2)}, "attn.c_proj.bias": {0, 0.02},
		"mlp.c_fc.weight": {0, 1 / math.Sqrt(d)}, "mlp.c_fc.bias": {0, 0.02},
		"mlp.c_proj.weight": {0, 1 / math.Sqrt(i*l2)}, "mlp.c_proj.bias": {0, 0.02},
	}
	var specs []rndSpec
	for _, w := range cfg.Weights() {
		mean, std := 0.0, 0.05
		switch suffix := blockSuffix(w.Name); {
		case w.Name == "wte.weight":
			std = 0.1
		case w.Name == "ln_f.weight":
			mean, std = 1, 0.1
		case scale[suffix] != [2]float64{}:
			mean, std = scale[suffix][0], scale[suffix][1]
		}
		specs = append(specs, rndSpec{name: w.Name, shape: w.Shape, kind: rndNormal, mean: mean, std: std})
		if strings.HasSuffix(w.Name, ".ln_1.bias") && buffers {
			h, p := strings.TrimSuffix(w.Name, "ln_1.bias"), cfg.NPositions
			specs = append(specs,
				rndSpec{name: h + "attn.bias", shape: []int{1, 1, p, p}, kind: rndCausal},
				rndSpec{name: h + "attn.masked_bias", shape: []int{}, kind: rndMasked})
		}
	}
	return specs
}

// blockSuffix is a block weight's name within its block ("attn.c_proj.weight"
// for "h.3.attn.c_proj.weight"), or "" for other weights.
func blockSuffix(name string) string {
	rest, ok := strings.CutPrefix(name, "h.")
	if !ok {
		return ""
	}
	_, suffix, _ := strings.Cut(rest, ".")
	return suffix
}

// writer returns a function streaming the tensor's values, encoded as dtype, chunk by chunk.
func (s rndSpec) writer(seed int64, dtype string) func(io.Writer) error {
	return func(w io.Writer) error {
		n := 1
		for _, d := range s.shape {
			n *= d
		}
		h := fnv.New64a()
		h.Write([]byte(s.name))
		rng := rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
		size, _ := stfile.DTypeSize(dtype)
		vals := make([]float32, min(n, rndChunk))
		raw := make([]byte, size*len(vals))
		for done := 0; done < n; {
			chunk := vals[:min(rndChunk, n-done)]
			for j := range chunk {
				switch s.kind {
				case rndNormal:
					chunk[j] = float32(s.mean + s.std*rng.NormFloat64())
				case rndCausal:
					p := s.shape[3]
					row, col := (done+j)/p, (done+j)%p
					chunk[j] = 0
					if col <= row {
						chunk[j] = 1
					}
				case rndMasked:
					chunk[j] = -1e4
				}
			}
			out := raw[:size*len(chunk)]
			if err := stfile.FromFloat32(dtype, chunk, out); err != nil {
				return err
			}
			if _, err := w.Write(out); err != nil {
				return err
			}
			done += len(chunk)
		}
		return nil
	}
}
