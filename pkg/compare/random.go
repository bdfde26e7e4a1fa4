package compare

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"

	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// The training control: a checkpoint of each model's shape with random weights (checkpoints.WriteRandom's
// initialisation), generated once and kept next to the tap cache, so that its taps are cached like the others.

// RandomSeed seeds the training control's checkpoints. It differs from seed 1, which the documentation uses for
// random checkpoints standing in for real models, so that such a model is not its own control.
const RandomSeed = 2019

// RandomDir is where the training control's checkpoints are kept for the tap cache tapCache ("" →
// taps.DefaultCacheDir()): its subdirectory random-checkpoints.
func RandomDir(tapCache string) string {
	if tapCache == "" {
		tapCache = taps.DefaultCacheDir()
	}
	return filepath.Join(tapCache, "random-checkpoints")
}

// RandomCheckpointDir is the directory, in dir, of the random checkpoint of cfg's shape made with seed:
// gpt2-<layers>x<width>-<heads>h-<hash>-seed<seed>, where hash is a short SHA-256 of the whole configuration.
func RandomCheckpointDir(dir string, cfg gpt2.Config, seed int64) (string, error) {
	js, err := cfg.MarshalHF()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(js)
	name := fmt.Sprintf("gpt2-%dx%d-%dh-%s-seed%d", cfg.NLayer, cfg.NEmbd, cfg.NHead, hex.EncodeToString(sum[:])[:8], seed)
	return filepath.Join(dir, name), nil
}

// EnsureRandomCheckpoint returns the random checkpoint of cfg's shape with seed in dir, generating it first if it
// is not there (generated reports which). Generation is atomic and locked: two processes asking at once generate
// it once. A broken checkpoint left at that place is removed and generated again.
func EnsureRandomCheckpoint(ctx context.Context, dir string, cfg gpt2.Config, seed int64, log io.Writer) (path string, generated bool, err error) {
	if path, err = RandomCheckpointDir(dir, cfg, seed); err != nil {
		return "", false, err
	}
	if usable(path) {
		return path, false, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, fmt.Errorf("random checkpoint: %w: set %s to a writable directory", err, env.Cache)
	}
	lock := flock.New(path + ".lock")
	if ok, err := lock.TryLockContext(ctx, 200*time.Millisecond); err != nil || !ok {
		return "", false, fmt.Errorf("random checkpoint %s: lock: %v", path, err)
	}
	defer func() { _ = lock.Unlock() }()
	if usable(path) { // another process generated it while we waited
		return path, false, nil
	}
	if _, err := os.Stat(path); err == nil {
		fmt.Fprintf(log, "note: the random checkpoint %s is incomplete; generating it again\n", path)
		if err := os.RemoveAll(path); err != nil {
			return "", false, fmt.Errorf("random checkpoint: %w", err)
		}
	}
	start := time.Now()
	if err := checkpoints.WriteRandom(path, cfg, checkpoints.RandomOptions{Seed: seed}); err != nil {
		return "", false, err
	}
	fmt.Fprintf(log, "generated a random checkpoint of the shape %d layers × %d (%s) in %.1fs: %s\n",
		cfg.NLayer, cfg.NEmbd, humanBytes(4*cfg.NumParams()), time.Since(start).Seconds(), path)
	return path, true, nil
}

// usable reports whether path holds a complete checkpoint.
func usable(path string) bool {
	_, err := checkpoints.Locate(context.Background(), path, checkpoints.Options{Offline: true})
	return err == nil
}

// humanBytes formats a byte count in decimal units: "548 MB", "3.25 GB".
func humanBytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.3g GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.3g MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.3g kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}
