package stfile

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// IndexFile is the name transformers gives the index of a sharded safetensors checkpoint.
const IndexFile = "model.safetensors.index.json"

// Index is the index of a sharded safetensors checkpoint (model.safetensors.index.json, as transformers'
// save_pretrained writes it): which shard file holds each tensor.
type Index struct {
	// Path is the index file's path.
	Path string
	// WeightMap maps every tensor name to the file name of the shard that holds it.
	WeightMap map[string]string
	// Shards are the distinct shard file names of WeightMap, sorted.
	Shards []string
}

// ReadIndex reads and validates the index of a sharded checkpoint: valid JSON, a non-empty weight_map, and shard
// names that are plain file names, so that every shard sits next to the index. Shards in subfolders are refused
// (transformers never writes them, and a checkpoint is its directory's files), as are absolute paths and "..": the
// resolver that fetches a checkpoint and the loader that opens it read the index with this one function, so a
// checkpoint one accepts the other accepts too. A missing index gives an error that wraps fs.ErrNotExist.
func ReadIndex(path string) (*Index, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read safetensors index: %w", err)
	}
	var raw struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON (incomplete download?): %v; delete it and download it again",
			path, err)
	}
	if len(raw.WeightMap) == 0 {
		return nil, fmt.Errorf("%s has no weight_map entries, so it names no shard; download it again", path)
	}
	names := make([]string, 0, len(raw.WeightMap))
	for name := range raw.WeightMap {
		names = append(names, name)
	}
	sort.Strings(names) // the first bad entry reported is the same every time
	ix := &Index{Path: path, WeightMap: raw.WeightMap}
	for _, name := range names {
		shard := raw.WeightMap[name]
		if !isShardName(shard) {
			return nil, fmt.Errorf("%s names shard %q for tensor %q, which is not a file name next to the index "+
				"(shards in subfolders, absolute paths and \"..\" are not supported): put the shards next to the "+
				"index and name them by file name, or use another checkpoint", path, shard, name)
		}
		if !slices.Contains(ix.Shards, shard) {
			ix.Shards = append(ix.Shards, shard)
		}
	}
	sort.Strings(ix.Shards)
	return ix, nil
}

// isShardName reports whether name can name a shard in an index: a plain file name (no separator, not "." or
// "..", no NUL), which places the shard next to the index on every system.
func isShardName(name string) bool {
	return fs.ValidPath(name) && name != "." && !strings.ContainsAny(name, `/\`+"\x00") &&
		filepath.IsLocal(name)
}

// ShardPath returns the path of the named shard: next to the index.
func (ix *Index) ShardPath(shard string) string {
	return filepath.Join(filepath.Dir(ix.Path), shard)
}
