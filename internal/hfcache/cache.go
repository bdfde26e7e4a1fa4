package hfcache

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// repoDir returns the cache folder of the given repository id.
func (r *resolver) repoDir(id string) string {
	return filepath.Join(r.cacheDir, "models--"+strings.ReplaceAll(id, "/", "--"))
}

// lookupCache returns the snapshot directory of the repository in the cache, or "" and the reasons why none of
// the candidate cache folders holds a complete snapshot.
func (r *resolver) lookupCache() (dir string, reasons []string) {
	for _, id := range r.cacheIDs {
		repoDir := r.repoDir(id)
		snap, err := r.snapshotDir(repoDir)
		if err == nil {
			err = CheckCheckpoint(snap)
			if err == nil {
				return snap, nil
			}
		}
		reasons = append(reasons, fmt.Sprintf("%s: %v", filepath.Base(repoDir), err))
	}
	return "", reasons
}

// snapshotDir finds the snapshot folder of the revision in repoDir: the revision itself when it is a commit hash,
// else the commit in refs/<revision> (written by huggingface_hub), else the "sha" in info/<revision> (written by
// go-huggingface), else, for the default revision only, the one and only snapshot.
func (r *resolver) snapshotDir(repoDir string) (string, error) {
	if _, err := os.Stat(repoDir); err != nil {
		return "", errors.New("not downloaded")
	}
	commit := ""
	if commitPattern.MatchString(r.revision) {
		commit = r.revision
	} else if data, err := os.ReadFile(filepath.Join(repoDir, "refs", filepath.FromSlash(r.revision))); err == nil {
		commit = strings.TrimSpace(string(data))
	} else if data, err := os.ReadFile(filepath.Join(repoDir, "info", filepath.FromSlash(r.revision))); err == nil {
		var info struct {
			SHA string `json:"sha"`
		}
		if json.Unmarshal(data, &info) == nil {
			commit = info.SHA
		}
	}
	if commit == "" && r.defaultRev {
		entries, _ := os.ReadDir(filepath.Join(repoDir, "snapshots"))
		if len(entries) == 1 && entries[0].IsDir() {
			commit = entries[0].Name()
		}
	}
	if !commitPattern.MatchString(commit) {
		return "", fmt.Errorf("no snapshot recorded for revision %q", r.revision)
	}
	snap := filepath.Join(repoDir, "snapshots", commit)
	if _, err := os.Stat(snap); err != nil {
		return "", fmt.Errorf("snapshot %s of revision %q is missing", commit, r.revision)
	}
	return snap, nil
}
