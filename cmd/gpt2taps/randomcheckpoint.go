package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// runRandomCheckpoint writes a deterministic random checkpoint in Hugging Face layout.
func runRandomCheckpoint(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("random-checkpoint", stderr)
	preset := fs.String("preset", "", "start from a preset's shape: gpt2, gpt2-medium, gpt2-large, gpt2-xl")
	layers := fs.Int("layers", 0, "number of blocks (n_layer)")
	embd := fs.Int("embd", 0, "model width (n_embd)")
	heads := fs.Int("heads", 0, "attention heads (n_head)")
	positions := fs.Int("positions", 0, "context length (n_positions)")
	vocab := fs.Int("vocab", 0, "vocabulary size (default 50257, GPT-2's)")
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same bytes")
	dtype := fs.String("dtype", "F32", "on-disk dtype: F32, F16 or BF16")
	prefix := fs.Bool("prefix", false, "write keys with the transformer. prefix (as GPT2LMHeadModel saves them)")
	buffers := fs.Bool("buffers", false, "also write the attn.bias / attn.masked_bias buffers older checkpoints carry")
	shards := fs.Int("shards", 1, "split into this many shards with model.safetensors.index.json")
	out := fs.String("out", "", "output directory (must not exist or be empty)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"no output: give --out DIR"}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	base := *preset
	if base == "" {
		if !set["layers"] || !set["embd"] || !set["heads"] {
			return usageError{"give --preset NAME, or --layers N --embd D --heads H [--positions P]"}
		}
		base = "gpt2"
	}
	cfg, err := gpt2.Preset(base)
	if err != nil {
		return usageError{err.Error()}
	}
	if set["layers"] {
		cfg.NLayer = *layers
	}
	if set["embd"] {
		cfg.NEmbd = *embd
		cfg.NInner = 4 * *embd
	}
	if set["heads"] {
		cfg.NHead = *heads
	}
	if set["positions"] {
		cfg.NPositions = *positions
	}
	if set["vocab"] {
		cfg.VocabSize = *vocab
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err.Error()}
	}
	start := time.Now()
	err = checkpoints.WriteRandom(*out, cfg, checkpoints.RandomOptions{
		Seed: *seed, DType: *dtype, Prefix: *prefix, Buffers: *buffers, Shards: *shards,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote a random %d-layer, width-%d, %d-head checkpoint (%s, %.0f M parameters) to %s in %.1fs\n",
		cfg.NLayer, cfg.NEmbd, cfg.NHead, *dtype, float64(cfg.NumParams())/1e6, *out, time.Since(start).Seconds())
	return nil
}
