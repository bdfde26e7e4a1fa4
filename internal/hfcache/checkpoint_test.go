package hfcache

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/internal/hfcache/hubtest"
)

func TestCheckCheckpoint(t *testing.T) {
	root := t.TempDir()
	weights := hubtest.Safetensors(4)
	dirs := map[string]map[string][]byte{
		"single":     {ConfigFile: hubtest.Config, WeightsFile: weights},
		"sharded":    {ConfigFile: hubtest.Config},
		"no-config":  {WeightsFile: weights},
		"no-weights": {ConfigFile: hubtest.Config},
		"pt-only":    {ConfigFile: hubtest.Config, "pytorch_model.bin": []byte("pickle")},
		"truncated":  {ConfigFile: hubtest.Config, WeightsFile: weights[:len(weights)-3]},
		"bad-config": {ConfigFile: []byte(`{"model_type": "gp`), WeightsFile: weights},
		"bad-shard": {ConfigFile: hubtest.Config, IndexFile: hubtest.Shards[IndexFile],
			"model-00001-of-00002.safetensors": hubtest.Shards["model-00001-of-00002.safetensors"]},
		"bad-index": {ConfigFile: hubtest.Config, IndexFile: []byte(`{"weight_map": {"h.0.w": "sub/model.safetensors"}}`),
			"sub/model.safetensors": weights},
	}
	for name, files := range dirs {
		hubtest.WriteDir(t, filepath.Join(root, name), files)
	}
	hubtest.WriteDir(t, filepath.Join(root, "sharded"), hubtest.Shards)
	tests := []struct {
		dir, wantErr string
	}{
		{"single", ""},
		{"sharded", ""},
		{"no-config", "has no config.json"},
		{"no-weights", "has no model.safetensors (nor model.safetensors.index.json)"},
		{"pt-only", "only safetensors checkpoints are supported"},
		{"truncated", "truncated or corrupt"},
		{"bad-config", "not a JSON object"},
		{"bad-shard", "has no model-00002-of-00002.safetensors"},
		{"bad-index", `names shard "sub/model.safetensors"`},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			err := CheckCheckpoint(filepath.Join(root, tt.dir))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckCheckpoint: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("CheckCheckpoint error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
