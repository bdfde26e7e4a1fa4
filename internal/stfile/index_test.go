package stfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadIndex(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, IndexFile)
	write := func(t *testing.T, s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("valid", func(t *testing.T) {
		write(t, `{"metadata": {"total_size": 40}, "weight_map": {"h.2.w": "model-00002-of-00002.safetensors", `+
			`"h.0.w": "model-00001-of-00002.safetensors", "h.1.w": "model-00001-of-00002.safetensors"}}`)
		ix, err := ReadIndex(path)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}
		if ix.Path != path || len(ix.WeightMap) != 3 || !slices.Equal(ix.Shards, want) {
			t.Fatalf("ReadIndex = %+v, want path %s, 3 entries and shards %v", ix, path, want)
		}
		if got := ix.ShardPath(want[1]); got != filepath.Join(dir, want[1]) {
			t.Errorf("ShardPath = %s, want it next to the index", got)
		}
	})
	subfolder := `names shard "sub/x.safetensors" for tensor "b", which is not a file name next to the index`
	tests := []struct {
		name, index string
		wants       []string
	}{
		{"not JSON", `{"weight_map": {`, []string{path, "is not valid JSON", "delete it and download it again"}},
		{"not an object", `[1, 2]`, []string{path, "is not valid JSON"}},
		{"weight_map of numbers", `{"weight_map": {"a": 1}}`, []string{path, "is not valid JSON"}},
		{"no weight_map", `{"metadata": {}}`, []string{path, "has no weight_map entries", "download it again"}},
		{"empty weight_map", `{"weight_map": {}}`, []string{path, "has no weight_map entries"}},
		{"null", `null`, []string{path, "has no weight_map entries"}},
		{"shard in a subfolder", `{"weight_map": {"a": "x.safetensors", "b": "sub/x.safetensors"}}`, []string{path, subfolder, "put the shards next to the index"}},
		{"parent directory", `{"weight_map": {"a": "../x.safetensors"}}`, []string{`names shard "../x.safetensors"`}},
		{"dot-dot", `{"weight_map": {"a": ".."}}`, []string{`names shard ".."`}},
		{"dot", `{"weight_map": {"a": "."}}`, []string{`names shard "."`}},
		{"absolute path", `{"weight_map": {"a": "/etc/x.safetensors"}}`, []string{`names shard "/etc/x.safetensors"`}},
		{"backslash", `{"weight_map": {"a": "sub\\x.safetensors"}}`, []string{`names shard "sub\\x.safetensors"`}},
		{"empty name", `{"weight_map": {"a": ""}}`, []string{`names shard ""`}},
		{"NUL", `{"weight_map": {"a": "x\u0000.safetensors"}}`, []string{`names shard "x\x00.safetensors"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			write(t, tt.index)
			ix, err := ReadIndex(path)
			if err == nil {
				t.Fatalf("ReadIndex accepted %s: %+v", tt.index, ix)
			}
			for _, want := range tt.wants {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q\ndoes not contain %q", err, want)
				}
			}
		})
	}
	if _, err := ReadIndex(filepath.Join(dir, "absent.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadIndex of a missing file: error %v, want one wrapping fs.ErrNotExist", err)
	}
}
