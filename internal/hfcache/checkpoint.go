package hfcache

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gpt2taps/gpt2taps/internal/stfile"
)

// Names of the files that make up a transformers checkpoint with safetensors weights.
const (
	ConfigFile  = "config.json"       // the model's configuration
	WeightsFile = "model.safetensors" // all weights in one file
	IndexFile   = stfile.IndexFile    // the index of a sharded checkpoint, naming the shard of every tensor
)

// CheckCheckpoint checks that dir holds a complete transformers checkpoint with safetensors weights: a config.json
// holding a JSON object, and model.safetensors or model.safetensors.index.json with every shard it names, each a
// complete, well-formed safetensors file (stfile.Check). Errors say what is missing or broken, without naming dir.
func CheckCheckpoint(dir string) error {
	if err := checkJSONFile(filepath.Join(dir, ConfigFile)); err != nil {
		return err
	}
	weights, err := weightFiles(dir)
	if err != nil {
		return err
	}
	for _, name := range weights {
		if err := checkSafetensors(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

// weightFiles lists the safetensors files of the checkpoint in dir, relative to dir.
func weightFiles(dir string) ([]string, error) {
	if _, err := os.Stat(filepath.Join(dir, WeightsFile)); err == nil {
		return []string{WeightsFile}, nil
	}
	indexPath := filepath.Join(dir, IndexFile)
	if _, err := os.Stat(indexPath); err == nil {
		ix, err := stfile.ReadIndex(indexPath)
		if err != nil {
			return nil, err
		}
		return ix.Shards, nil
	}
	for _, other := range []string{"pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5", "flax_model.msgpack"} {
		if _, err := os.Stat(filepath.Join(dir, other)); err == nil {
			return nil, fmt.Errorf("has %s but no %s: only safetensors checkpoints are supported; convert it with "+
				"transformers (`AutoModelForCausalLM.from_pretrained(dir).save_pretrained(out, safe_serialization=True)`)",
				other, WeightsFile)
		}
	}
	return nil, fmt.Errorf("has no %s (nor %s): a model directory needs config.json and safetensors weights",
		WeightsFile, IndexFile)
}

// checkJSONFile checks that path exists and holds a JSON object.
func checkJSONFile(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("has no %s: a model directory needs config.json and model.safetensors", filepath.Base(path))
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return fmt.Errorf("%s is not a JSON object (incomplete download?): %w", path, err)
	}
	return nil
}

// checkSafetensors checks that the safetensors file at path exists and is complete.
func checkSafetensors(path string) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("has no %s: copy or download every file the checkpoint's index names", filepath.Base(path))
	}
	return stfile.Check(path)
}
