package hfcache

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
)

// verifyFile checks a file of the snapshot against what the Hub reports: its size always and, when hashes is set,
// its content hash (sha256 for LFS files, the git blob id for others). hashed says whether a hash was compared: the
// Hub reports one for every file, but an answer without one is verified by size only.
func verifyFile(path string, file sibling, hashes bool) (hashed bool, err error) {
	info, err := os.Stat(path)
	if err != nil {
		return false, fmt.Errorf("%s is missing after download: %w", file.Name, err)
	}
	if want := file.expectedSize(); want >= 0 && info.Size() != want {
		return false, fmt.Errorf("%s has %d bytes, the Hub reports %d", file.Name, info.Size(), want)
	}
	if !hashes {
		return false, nil
	}
	switch {
	case file.LFS != nil && len(file.LFS.SHA256) == 64:
		got, err := hashFile(path, sha256.New(), "")
		if err != nil {
			return false, err
		}
		if got != strings.ToLower(file.LFS.SHA256) {
			return false, fmt.Errorf("%s has sha256 %s, the Hub reports %s", file.Name, got, file.LFS.SHA256)
		}
		return true, nil
	case file.LFS == nil && len(file.BlobID) == 40:
		got, err := hashFile(path, sha1.New(), fmt.Sprintf("blob %d\x00", info.Size()))
		if err != nil {
			return false, err
		}
		if got != strings.ToLower(file.BlobID) {
			return false, fmt.Errorf("%s has git blob id %s, the Hub reports %s", file.Name, got, file.BlobID)
		}
		return true, nil
	}
	return false, nil
}

// checkFormat checks the file format's own completeness: safetensors files with stfile.Check, JSON files parse as
// an object.
func checkFormat(path, name string) error {
	switch {
	case strings.HasSuffix(name, ".safetensors"):
		return checkSafetensors(path)
	case strings.HasSuffix(name, ".json"):
		return checkJSONFile(path)
	}
	return nil
}

// hashFile returns the hex digest of prefix followed by the file's content.
func hashFile(path string, h hash.Hash, prefix string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	defer f.Close()
	_, _ = io.WriteString(h, prefix)
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
