package hfcache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gomlx/go-huggingface/hub"

	"github.com/gpt2taps/gpt2taps/internal/stfile"
)

// download fetches config.json and the safetensors files of the revision into the cache, checks them, records
// the revision's commit in refs/, and returns the snapshot directory.
func (r *resolver) download(ctx context.Context) (string, error) {
	info, err := r.fetchRepoInfo(ctx)
	if err != nil {
		return "", r.apiError(ctx, err)
	}
	files, weights := info.files()
	if weights == "" {
		names := make([]string, 0, len(files))
		for name := range files {
			names = append(names, name)
		}
		sort.Strings(names)
		return "", fmt.Errorf("resolve model %s: the Hub repository %s (revision %s) has no %s or %s (files: %s): "+
			"only safetensors checkpoints are supported; pick a repository that has them, or convert the checkpoint "+
			"with transformers and use its directory", r.name, r.id, r.revision, WeightsFile, IndexFile,
			strings.Join(names, ", "))
	}
	want := []string{ConfigFile, weights}
	if files[ConfigFile].Name == "" {
		return "", fmt.Errorf("resolve model %s: the Hub repository %s has no config.json: it is not a transformers "+
			"checkpoint; use a repository or directory that has config.json and model.safetensors", r.name, r.id)
	}

	repoDir := r.repoDir(r.id)
	snap := filepath.Join(repoDir, "snapshots", info.SHA)
	repo := hub.New(r.id).WithEndpoint(r.endpoint).WithCacheDir(r.cacheDir).WithRevision(info.SHA).
		WithAuth(r.token).WithProgressBar(false)
	repo.Verbosity = 0
	repo.MaxParallelDownload = 1
	if r.progress != nil {
		fmt.Fprintf(r.progress, "Downloading %s (revision %s, commit %.12s) into %s\n", r.id, r.revision, info.SHA, repoDir)
	}
	for i := 0; i < len(want); i++ {
		name := want[i]
		if err := r.fetchFile(ctx, repo, repoDir, snap, files[name]); err != nil {
			return "", err
		}
		if name == IndexFile {
			ix, err := stfile.ReadIndex(filepath.Join(snap, IndexFile))
			if err != nil {
				return "", fmt.Errorf("resolve model %s: %w", r.name, err)
			}
			for _, shard := range ix.Shards {
				if files[shard].Name == "" {
					return "", fmt.Errorf("resolve model %s: %s names shard %s, which the Hub repository %s lacks",
						r.name, IndexFile, shard, r.id)
				}
				want = append(want, shard)
			}
		}
	}
	if !commitPattern.MatchString(r.revision) {
		if err := writeRef(repoDir, r.revision, info.SHA); err != nil {
			return "", fmt.Errorf("resolve model %s: %w", r.name, err)
		}
	}
	if err := CheckCheckpoint(snap); err != nil {
		return "", fmt.Errorf("resolve model %s: downloaded snapshot %s: %w", r.name, snap, err)
	}
	return snap, nil
}

// fetchFile makes sure the snapshot holds a verified copy of the file: it keeps a copy that matches what the Hub
// reports, removes one that doesn't, downloads the file with hub, and verifies the download.
func (r *resolver) fetchFile(ctx context.Context, repo *hub.Repo, repoDir, snap string, file sibling) error {
	path := filepath.Join(snap, filepath.FromSlash(file.Name))
	if _, err := os.Lstat(path); err == nil {
		_, err := verifyFile(path, file, false)
		if err == nil {
			err = checkFormat(path, file.Name)
			if err != nil {
				// The right size but not usable: if it is the Hub's own file, downloading it again won't help.
				if hashed, hashErr := verifyFile(path, file, true); hashErr == nil && hashed {
					return r.unusable(file, err)
				}
			}
		}
		if err == nil {
			r.report("\r  %s: cached\n", file.Name)
			return nil
		}
		// A leftover that doesn't match: hub would take it as done, so remove it first.
		if err := removeCached(repoDir, path); err != nil {
			return fmt.Errorf("resolve model %s: %w", r.name, err)
		}
	}
	if err := r.downloadFile(ctx, repo, repoDir, file); err != nil {
		return err
	}
	hashed, err := verifyFile(path, file, true)
	if err == nil {
		err = checkFormat(path, file.Name)
		if err != nil && hashed {
			return r.unusable(file, err) // kept: it is exactly what the Hub has
		}
	}
	if err != nil {
		if rmErr := removeCached(repoDir, path); rmErr != nil {
			err = errors.Join(err, rmErr)
		}
		return fmt.Errorf("%w: download of %s from %s failed (%w); the partial file was removed; check the network "+
			"and run again to restart the download", ErrNotCached, file.Name, r.endpoint, err)
	}
	return nil
}

// unusable is the error for a file that is exactly the Hub's (its hash matches) but cannot be used.
func (r *resolver) unusable(file sibling, err error) error {
	return fmt.Errorf("resolve model %s: %s of the Hub repository %s (revision %s) is not usable: %w; it is the "+
		"file the Hub has (its hash matches), so downloading it again won't help: use another model or revision",
		r.name, file.Name, r.id, r.revision, err)
}

// downloadFile downloads one file with hub, reporting progress every half second. hub can't be cancelled: when
// ctx is done, downloadFile returns at once and the download goes on in the background until it ends (hub only
// moves a blob into place once its transfer ended, so an abandoned download never looks complete).
func (r *resolver) downloadFile(ctx context.Context, repo *hub.Repo, repoDir string, file sibling) error {
	done := make(chan error, 1)
	go func() {
		_, err := repo.DownloadFile(file.Name)
		done <- err
	}()
	var tick <-chan time.Time
	if r.progress != nil {
		ticker := time.NewTicker(500 * time.Millisecond)
		defer ticker.Stop()
		tick = ticker.C
	}
	total := file.expectedSize()
	for {
		select {
		case err := <-done:
			if err != nil {
				r.report("\n")
				return fmt.Errorf("%w: download of %s from %s failed (%w); check the network and run again",
					ErrNotCached, file.Name, r.endpoint, err)
			}
			r.report("\r  %s: %s\n", file.Name, formatProgress(total, total))
			return nil
		case <-tick:
			r.report("\r  %s: %s", file.Name, formatProgress(partialBytes(repoDir), total))
		case <-ctx.Done():
			r.report("\n")
			return fmt.Errorf("resolve model %s: download of %s interrupted: %w", r.name, file.Name, ctx.Err())
		}
	}
}

// removeCached removes a snapshot file and, when it links into the repository's blobs folder, its blob.
func removeCached(repoDir, path string) error {
	if target, err := os.Readlink(path); err == nil {
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		blobs := filepath.Join(repoDir, "blobs") + string(os.PathSeparator)
		if strings.HasPrefix(filepath.Clean(target), blobs) {
			if err := os.Remove(target); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("remove bad cached blob %s: %w", target, err)
			}
		}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove bad cached file %s: %w", path, err)
	}
	return nil
}

// writeRef atomically records in refs/<revision> the commit the revision points to, as huggingface_hub does.
func writeRef(repoDir, revision, commit string) error {
	refPath := filepath.Join(repoDir, "refs", filepath.FromSlash(revision))
	if data, err := os.ReadFile(refPath); err == nil && bytes.Equal(bytes.TrimSpace(data), []byte(commit)) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(refPath), 0o755); err != nil {
		return fmt.Errorf("record revision %s: %w", revision, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(refPath), ".ref-*")
	if err != nil {
		return fmt.Errorf("record revision %s: %w", revision, err)
	}
	_, werr := tmp.WriteString(commit)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("record revision %s: %w", revision, err)
	}
	if err := os.Rename(tmp.Name(), refPath); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("record revision %s: %w", revision, err)
	}
	return nil
}
