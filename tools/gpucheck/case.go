package gpucheck

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// Case is a test case: a random GPT-2 checkpoint that checkpoints.WriteRandom
// generates from a shape and a seed, the token ids to run it on, and the
// SHA-256 of the generated files, which ties stored reference taps to exactly
// these bytes.
type Case struct {
	Layers    int   `json:"n_layer"`
	Embd      int   `json:"n_embd"`
	Heads     int   `json:"n_head"`
	Positions int   `json:"n_positions"`
	Seed      int64 `json:"seed"`
	IDs       []int `json:"input_ids"`
	// SHA256 maps each generated file (config.json, model.safetensors) to its
	// hex SHA-256.
	SHA256 map[string]string `json:"sha256"`
}

// Config is the GPT-2 configuration of the case: GPT-2's vocabulary and
// defaults with the case's shape.
func (c Case) Config() (gpt2.Config, error) {
	cfg, err := gpt2.Preset("gpt2")
	if err != nil {
		return gpt2.Config{}, err
	}
	cfg.NLayer, cfg.NEmbd, cfg.NHead, cfg.NInner, cfg.NPositions = c.Layers, c.Embd, c.Heads, 4*c.Embd, c.Positions
	if err := cfg.Validate(); err != nil {
		return gpt2.Config{}, fmt.Errorf("test case: %w", err)
	}
	return cfg, nil
}

// WriteCheckpoint generates the case's checkpoint into dir (which must not
// exist or be empty) and checks its files against c.SHA256 when set: a
// mismatch means the generator changed and the stored reference taps no
// longer belong to it.
func (c Case) WriteCheckpoint(dir string) error {
	cfg, err := c.Config()
	if err != nil {
		return err
	}
	if err := checkpoints.WriteRandom(dir, cfg, checkpoints.RandomOptions{Seed: c.Seed}); err != nil {
		return err
	}
	got, err := HashFiles(dir, "config.json", "model.safetensors")
	if err != nil {
		return err
	}
	for name, want := range c.SHA256 {
		if got[name] != want {
			return fmt.Errorf("test case: the generated %s has SHA-256 %s, the stored reference was made from %s: checkpoints.WriteRandom changed; regenerate the reference with `go test ./tools/gpucheck -run TestReferenceTaps -update`", name, got[name], want)
		}
	}
	return nil
}

// HashFiles returns the hex SHA-256 of each named file of dir.
func HashFiles(dir string, names ...string) (map[string]string, error) {
	sums := map[string]string{}
	for _, name := range names {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("hash: %w", err)
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("hash %s: %w", name, err)
		}
		sums[name] = hex.EncodeToString(h.Sum(nil))
	}
	return sums, nil
}

// ParseCase decodes a case stored as JSON, checking that it is complete.
func ParseCase(data []byte) (Case, error) {
	var c Case
	if err := json.Unmarshal(data, &c); err != nil {
		return Case{}, fmt.Errorf("test case: %w", err)
	}
	if len(c.IDs) == 0 || c.Layers <= 0 {
		return Case{}, fmt.Errorf("test case: no input_ids or n_layer: regenerate it with `go test ./tools/gpucheck -run TestReferenceTaps -update`")
	}
	if _, err := c.Config(); err != nil {
		return Case{}, err
	}
	return c, nil
}
