package bench

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// SmokeConfig is the tiny GPT-2 of the smoke run: 2 blocks of width 64 with 4
// heads, GPT-2's vocabulary, and 512 positions so that the lesson's text fits.
func SmokeConfig() gpt2.Config {
	return gpt2.Config{
		NLayer: 2, NEmbd: 64, NHead: 4, NPositions: 512, NInner: 256, VocabSize: 50257,
		LayerNormEpsilon: 1e-5, Activation: "gelu_new",
	}
}

// EnsureRandomCheckpoint makes dir hold a random F32 checkpoint of cfg made
// with seed (checkpoints.WriteRandom), unless it already holds a checkpoint
// of cfg, which is reused. It reports whether it wrote one.
func EnsureRandomCheckpoint(dir string, cfg gpt2.Config, seed int64) (written bool, err error) {
	if exists(filepath.Join(dir, "config.json")) {
		have, err := gpt2.LoadConfig(dir)
		if err != nil {
			return false, err
		}
		if have != cfg {
			return false, fmt.Errorf("%s holds another model (%d layers, width %d); remove it or choose another --work directory", dir, have.NLayer, have.NEmbd)
		}
		if !exists(filepath.Join(dir, "model.safetensors")) {
			return false, fmt.Errorf("%s has a config.json but no model.safetensors; remove the directory to have it regenerated", dir)
		}
		return false, nil
	}
	if err := checkpoints.WriteRandom(dir, cfg, checkpoints.RandomOptions{Seed: seed}); err != nil {
		return false, err
	}
	return true, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
