// Package testckpt writes small random GPT-2 checkpoints in Hugging Face
// layout for tests: GPT-2's real 50257-token vocabulary and 1024 positions,
// few and narrow blocks.
package testckpt

import (
	"path/filepath"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// Config is gpt2's configuration cut to layers blocks of the given width and
// heads, with an MLP four times as wide.
func Config(layers, width, heads int) gpt2.Config {
	cfg, err := gpt2.Preset("gpt2")
	if err != nil {
		panic(err) // the preset is a constant of pkg/gpt2
	}
	cfg.NLayer, cfg.NEmbd, cfg.NHead, cfg.NInner = layers, width, heads, 4*width
	return cfg
}

// Write writes a random checkpoint of Config(layers, width, heads) with the
// given seed into a new temporary directory and returns the directory.
func Write(tb testing.TB, layers, width, heads int, seed int64) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "ckpt")
	if err := checkpoints.WriteRandom(dir, Config(layers, width, heads), checkpoints.RandomOptions{Seed: seed}); err != nil {
		tb.Fatal(err)
	}
	return dir
}
