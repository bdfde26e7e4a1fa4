package hfcache

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
)

// Looking a repository up without downloading it: where it is in the cache, and what a download would fetch.
// Callers use these to say what a run will do before it starts (a plan), so they never download and never fail
// because the network is missing.

// Lookup returns the snapshot directory of repo's checkpoint in the cache at the revision, checked complete with
// CheckCheckpoint, or "" when the cache holds no complete snapshot. It never uses the network. The error is for
// invalid options or repository ids only.
func Lookup(repo Repo, opts Options) (string, error) {
	r, err := newResolver(repo, opts)
	if err != nil {
		return "", err
	}
	dir, _ := r.lookupCache()
	return dir, nil
}

// RemoteFile is one file of a Hub repository as the Hub API lists it.
type RemoteFile struct {
	Name string // path in the repository, slash-separated
	Size int64  // bytes; -1 when the Hub lists no size
}

// CheckpointFiles asks the Hub which files Resolve would download for repo at the revision, and their sizes:
// config.json and model.safetensors, or, for a sharded checkpoint, the index and every safetensors file at the
// top level of the repository (the index may name fewer: the list is then an upper bound). It downloads nothing.
//
// Errors wrap ErrOffline when offline mode is on, ErrUnreachable when the Hub can't be asked, and ErrNoSuchRepo
// when it has no such repository or revision; a repository without safetensors weights is an error too.
func CheckpointFiles(ctx context.Context, repo Repo, opts Options) ([]RemoteFile, error) {
	r, err := newResolver(repo, opts)
	if err != nil {
		return nil, err
	}
	if r.offline {
		return nil, fmt.Errorf("list the files of %s: %w (HF_HUB_OFFLINE or the offline option)", r.name, ErrOffline)
	}
	info, err := r.fetchRepoInfo(ctx)
	if err != nil {
		return nil, r.listError(ctx, err)
	}
	files, weights := info.files()
	if files[ConfigFile].Name == "" {
		return nil, fmt.Errorf("list the files of %s: the Hub repository %s has no config.json: it is not a "+
			"transformers checkpoint", r.name, r.id)
	}
	if weights == "" {
		return nil, fmt.Errorf("list the files of %s: the Hub repository %s (revision %s) has no %s or %s: only "+
			"safetensors checkpoints are supported", r.name, r.id, r.revision, WeightsFile, IndexFile)
	}
	want := []string{ConfigFile, weights}
	if weights == IndexFile {
		var shards []string
		for name := range files {
			if strings.HasSuffix(name, ".safetensors") && path.Dir(name) == "." {
				shards = append(shards, name)
			}
		}
		sort.Strings(shards)
		want = append(want, shards...)
	}
	out := make([]RemoteFile, len(want))
	for i, name := range want {
		out[i] = RemoteFile{Name: name, Size: files[name].expectedSize()}
	}
	return out, nil
}

// listError turns a failed Hub API request of CheckpointFiles into an error wrapping ErrNoSuchRepo or
// ErrUnreachable, as Resolve's errors do.
func (r *resolver) listError(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("list the files of %s: %w", r.name, ctx.Err())
	}
	if ctx.Err() != nil { // the caller's deadline: the Hub did not answer in time
		return fmt.Errorf("list the files of %s: %w at %s (no answer in time: %w)", r.name, ErrUnreachable, r.endpoint, err)
	}
	if e := r.apiError(ctx, err); !errors.Is(e, ErrNotCached) {
		return e // no such repository or revision, or restricted
	}
	return fmt.Errorf("list the files of %s: %w at %s (%w)", r.name, ErrUnreachable, r.endpoint, err)
}
