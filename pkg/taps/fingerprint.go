package taps

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ModelFingerprint identifies a checkpoint directory's contents cheaply: a
// SHA-256 over config.json's bytes and, for every safetensors file and index,
// its name, size and modification time. A re-downloaded or regenerated
// checkpoint gets a new fingerprint; reading 3 GB of weights to hash them is
// avoided.
func ModelFingerprint(dir string) (string, error) {
	h := sha256.New()
	cfg, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return "", fmt.Errorf("fingerprint model %s: %w", dir, err)
	}
	h.Write(cfg)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("fingerprint model %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".safetensors") || strings.HasSuffix(e.Name(), ".safetensors.index.json") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return "", fmt.Errorf("fingerprint model %s: no safetensors files", dir)
	}
	sort.Strings(names)
	for _, name := range names {
		info, err := os.Stat(filepath.Join(dir, name)) // follows the HF cache's symlinks to the blobs
		if err != nil {
			return "", fmt.Errorf("fingerprint model %s: %w", dir, err)
		}
		h.Write([]byte(name))
		h.Write(binary.LittleEndian.AppendUint64(nil, uint64(info.Size())))
		h.Write(binary.LittleEndian.AppendUint64(nil, uint64(info.ModTime().UnixNano())))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// cacheKey names the cached result of one request on one model and token
// sequence.
func cacheKey(modelFP string, ids []int, request string) string {
	h := sha256.New()
	h.Write([]byte(cacheFormat))
	h.Write([]byte{0})
	h.Write([]byte(modelFP))
	h.Write([]byte{0})
	h.Write([]byte(request))
	h.Write([]byte{0})
	for _, id := range ids {
		h.Write(binary.LittleEndian.AppendUint32(nil, uint32(id)))
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}
