package gpt2

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gpt2taps/gpt2taps/internal/stfile"
)

// Checkpoint file names, as in Hugging Face model repositories.
const (
	WeightsFile      = "model.safetensors"            // all weights in one file
	WeightsIndexFile = "model.safetensors.index.json" // weight_map naming the shard of each tensor
	WeightPrefix     = "transformer."                 // GPT2LMHeadModel's prefix for the GPT2Model weights
)

// wtBufferName matches the attention-mask buffers older transformers versions saved with each block.
var wtBufferName = regexp.MustCompile(`^h\.(\d+)\.attn\.(bias|masked_bias)$`)

// Weights are the parameters of a GPT-2 decoded to float32 on the host.
type Weights struct {
	Config  Config
	Dir     string                // the checkpoint directory they were loaded from, if any
	Tensors map[string]HostTensor // canonical name (see ExpectedShapes) → F32 values
}

// HostTensor is one weight decoded to float32 in host memory, row-major.
type HostTensor struct {
	Dims []int
	Data []float32
}

// LoadOptions configure LoadWeights.
type LoadOptions struct {
	// Each, if set, is called once per tensor right after it is converted to F32, so the caller can move it to a
	// device and free host memory; if it returns an error loading stops with it.
	Each func(name string, t HostTensor) error

	// Decode, if set, replaces the creation of host tensors: for each weight it is called with the weight's
	// canonical name, its shape and a function that decodes the weight (as F32, checked finite) into a slice of
	// exactly that many elements — a device's shared buffer, or a reused scratch slice. The returned Weights then
	// holds no tensors, and Each is not called. This is how a model reaches a device with no extra host copy.
	Decode func(name string, dims []int, decode func(dst []float32) error) error
}

// LoadWeights loads the weights of the Hugging Face GPT-2 checkpoint in dir, which cfg describes (usually
// LoadConfig(dir)): dir/model.safetensors, or the shards that dir/model.safetensors.index.json lists.
//
// Names may carry GPT2LMHeadModel's "transformer." prefix or not, but all the same way. The attention-mask buffers
// h.{l}.attn.bias and h.{l}.attn.masked_bias that older transformers versions saved are ignored, as is
// lm_head.weight: GPT-2 ties the unembedding to wte, and transformers ignores a saved copy too. Any other tensor is
// an error, as is a missing one or one whose shape does not match cfg.
//
// Tensors stored as F32, F16 or BF16 are converted to F32; other dtypes are refused. A tensor holding NaN or ±Inf
// is refused too, naming it: such a checkpoint is corrupt or diverged, and would only produce NaN activations.
//
// The whole checkpoint is checked (names, dtypes, shapes, file structure) before anything is converted. Tensors are
// then converted one at a time, a large one by several goroutines: each is read from its file with ordinary reads,
// straight into its F32 destination when stored as F32, and checked for non-finite values chunk by chunk as it
// arrives; no page of the files is mapped into the process, so resident memory holds the F32 tensors plus a few
// hundred KiB per goroutine.
func LoadWeights(dir string, cfg Config, opts LoadOptions) (*Weights, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("load GPT-2 weights from %s: %w", dir, err)
	}
	ck, err := wtOpen(dir)
	if err != nil {
		return nil, err
	}
	defer ck.close()
	plan, err := ck.plan(cfg)
	if err != nil {
		return nil, err
	}
	w := &Weights{Config: cfg, Dir: dir, Tensors: make(map[string]HostTensor, len(plan))}
	for _, wt := range cfg.Weights() {
		name := wt.Name
		src := plan[name]
		if opts.Decode != nil {
			if err := opts.Decode(name, slices.Clone(src.shape), src.decodeInto); err != nil {
				return nil, fmt.Errorf("load GPT-2 weights from %s: weight %s: %w", dir, name, err)
			}
			continue
		}
		t, err := src.load()
		if err != nil {
			return nil, err
		}
		if opts.Each != nil {
			if err := opts.Each(name, t); err != nil {
				return nil, fmt.Errorf("load GPT-2 weights from %s: weight %s: %w", dir, name, err)
			}
		}
		w.Tensors[name] = t
	}
	return w, nil
}

// wtCheckpoint is the set of opened safetensors files of a checkpoint.
type wtCheckpoint struct {
	dir   string
	where string         // for messages: the file, or the index and its shards
	files []*stfile.File // in a stable order
}

// wtSource is where one canonical weight is stored.
type wtSource struct {
	file  *stfile.File
	key   string // name in the file
	shape []int
	dtype string
}

// wtOpen opens the single file or all shards of the checkpoint in dir.
func wtOpen(dir string) (*wtCheckpoint, error) {
	single := filepath.Join(dir, WeightsFile)
	if _, err := os.Stat(single); err == nil {
		f, err := stfile.Open(single)
		if err != nil {
			return nil, fmt.Errorf("load GPT-2 weights: %w", err)
		}
		return &wtCheckpoint{dir: dir, where: single, files: []*stfile.File{f}}, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("load GPT-2 weights: %w", err)
	}
	index := filepath.Join(dir, WeightsIndexFile)
	idx, err := stfile.ReadIndex(index) // the reader resolution uses too: a checkpoint that resolves opens here
	if errors.Is(err, os.ErrNotExist) {
		if _, binErr := os.Stat(filepath.Join(dir, "pytorch_model.bin")); binErr == nil {
			return nil, fmt.Errorf("load GPT-2 weights: %s has only pytorch_model.bin, which is not supported: "+
				"download the checkpoint's %s instead (or convert it to safetensors)", dir, WeightsFile)
		}
		return nil, fmt.Errorf("load GPT-2 weights: %s has neither %s nor %s: point to a Hugging Face checkpoint "+
			"directory with safetensors weights", dir, WeightsFile, WeightsIndexFile)
	}
	if err != nil {
		return nil, fmt.Errorf("load GPT-2 weights: %w", err)
	}
	shards := idx.Shards
	ck := &wtCheckpoint{dir: dir, where: fmt.Sprintf("%s and its %d shards", index, len(shards))}
	for _, shard := range shards {
		path := idx.ShardPath(shard)
		f, err := stfile.Open(path)
		if err != nil {
			ck.close()
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("load GPT-2 weights: shard %s listed in %s is missing: download all the "+
					"checkpoint's shards", path, index)
			}
			return nil, fmt.Errorf("load GPT-2 weights: %w", err)
		}
		ck.files = append(ck.files, f)
	}
	for name, shard := range idx.WeightMap {
		f := ck.files[slices.Index(shards, shard)]
		if _, _, ok := f.Info(name); !ok {
			ck.close()
			return nil, fmt.Errorf("load GPT-2 weights: %s says tensor %q is in %s, but that shard does not hold "+
				"it: the index and shards do not match; download the checkpoint again", index, name, f.Path())
		}
	}
	return ck, nil
}

// close unmaps all files.
func (ck *wtCheckpoint) close() {
	for _, f := range ck.files {
		f.Close()
	}
}

// plan maps every canonical weight of cfg to where it is stored, checking names, dtypes and shapes.
func (ck *wtCheckpoint) plan(cfg Config) (map[string]wtSource, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("load GPT-2 weights: "+format, args...)
	}
	// All names, and which file has each.
	type stored struct {
		key  string
		file *stfile.File
	}
	var all []stored
	seen := map[string]*stfile.File{}
	var prefixed, bare string // an example of each naming style
	for _, f := range ck.files {
		for _, key := range f.Names() {
			if other, dup := seen[key]; dup {
				return nil, fail("tensor %q is stored twice, in %s and %s: download the checkpoint again",
					key, other.Path(), f.Path())
			}
			seen[key] = f
			all = append(all, stored{key, f})
			switch {
			case strings.HasPrefix(key, "lm_head."):
			case strings.HasPrefix(key, WeightPrefix):
				prefixed = key
			default:
				bare = key
			}
		}
	}
	if prefixed != "" && bare != "" {
		return nil, fail("%s mixes tensor names with and without the %q prefix (e.g. %q and %q): a checkpoint "+
			"must use one style; export it again", ck.where, WeightPrefix, prefixed, bare)
	}
	want := ExpectedShapes(cfg)
	plan := make(map[string]wtSource, len(want))
	var unexpected []string
	for _, s := range all {
		name := strings.TrimPrefix(s.key, WeightPrefix)
		if s.key == "lm_head.weight" {
			continue // tied to wte.weight
		}
		if m := wtBufferName.FindStringSubmatch(name); m != nil {
			if l, err := strconv.Atoi(m[1]); err == nil && l < cfg.NLayer {
				continue // attention-mask buffer, recomputed by the model
			}
		}
		if _, ok := want[name]; !ok {
			unexpected = append(unexpected, fmt.Sprintf("%q in %s", s.key, s.file.Path()))
			continue
		}
		dtype, shape, _ := s.file.Info(s.key)
		plan[name] = wtSource{file: s.file, key: s.key, shape: shape, dtype: dtype}
	}
	cfgDesc := fmt.Sprintf("n_layer=%d, n_embd=%d, n_inner=%d, n_positions=%d, vocab_size=%d",
		cfg.NLayer, cfg.NEmbd, cfg.NInner, cfg.NPositions, cfg.VocabSize)
	if len(unexpected) > 0 {
		return nil, fail("unexpected tensor %s (%d unexpected in all): it is not a weight of a GPT-2 with %s; "+
			"check that config.json belongs to these weights", unexpected[0], len(unexpected), cfgDesc)
	}
	var missing []string
	for _, w := range cfg.Weights() {
		if _, ok := plan[w.Name]; !ok {
			missing = append(missing, w.Name)
		}
	}
	if len(missing) > 0 {
		return nil, fail("tensor %q is missing from %s (%d of %d weights missing): a GPT-2 with %s needs it; check "+
			"that config.json belongs to these weights, or download the checkpoint again",
			missing[0], ck.where, len(missing), len(want), cfgDesc)
	}
	for _, w := range cfg.Weights() {
		name := w.Name
		src := plan[name]
		if !slices.Equal(src.shape, want[name]) {
			return nil, fail("tensor %q in %s has shape %v, want %v for a GPT-2 with %s: config.json and the "+
				"weights do not match", src.key, src.file.Path(), src.shape, want[name], cfgDesc)
		}
		switch src.dtype {
		case "F32", "F16", "BF16":
		default:
			return nil, fail("tensor %q in %s has dtype %s, but only F32, F16 and BF16 weights are supported: "+
				"use a float checkpoint (or convert this one)", src.key, src.file.Path(), src.dtype)
		}
	}
	return plan, nil
}

// load converts the weight to a new F32 host tensor and releases its mapped pages.
func (src wtSource) load() (HostTensor, error) {
	n := 1
	for _, d := range src.shape {
		n *= d
	}
	t := HostTensor{Dims: slices.Clone(src.shape), Data: make([]float32, n)}
	if err := src.decodeInto(t.Data); err != nil {
		return HostTensor{}, err
	}
	return t, nil
}

// decodeInto converts the weight to F32 into dst (len(dst) must be its number of elements), releases its mapped
// pages, and refuses non-finite values.
func (src wtSource) decodeInto(dst []float32) error {
	n := 1
	for _, d := range src.shape {
		n *= d
	}
	if len(dst) != n {
		return fmt.Errorf("load GPT-2 weights: tensor %q has %d elements, the destination %d", src.key, n, len(dst))
	}
	finite, err := src.file.Float32sFinite(src.key, dst) // checked chunk by chunk as it decodes
	if err != nil {
		return fmt.Errorf("load GPT-2 weights: %w", err)
	}
	if finite {
		return nil
	}
	bad, nonFinite := -1, 0 // the rare corrupt tensor: find the culprits
	for i, v := range dst {
		if math.Float32bits(v)&0x7f800000 == 0x7f800000 { // exponent all ones: ±Inf or NaN
			if bad < 0 {
				bad = i
			}
			nonFinite++
		}
	}
	if bad >= 0 {
		return fmt.Errorf("load GPT-2 weights: tensor %q in %s holds %v at flat index %d (%d non-finite in all): "+
			"the checkpoint is corrupt or its training diverged; download it again or use another",
			src.key, src.file.Path(), dst[bad], bad, nonFinite)
	}
	return nil
}
