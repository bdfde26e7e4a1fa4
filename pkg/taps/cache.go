package taps

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/gofrs/flock"
)

// cacheFormat versions the tap cache: bump it when what is cached changes.
const cacheFormat = "gpt2taps.tap-cache/2"

// EnvCache is the environment variable that overrides the tap cache directory.
const EnvCache = "GPT2TAPS_CACHE"

// DefaultCacheDir is $GPT2TAPS_CACHE, else <user cache dir>/gpt2taps/taps
// (~/.cache/gpt2taps/taps on Linux).
func DefaultCacheDir() string {
	if c := os.Getenv(EnvCache); c != "" {
		return c
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "gpt2taps", "taps")
}

// RunCached returns the job's result from the tap cache in dir ("" →
// DefaultCacheDir) when the same model files already ran the same request on
// the same tokens; otherwise it runs the job (Run) and caches the result. Each
// cell of a GoNB notebook is a new process: this is what lets later cells get
// the taps in well under a second.
//
// Concurrent runs of the same key (two notebooks on one server) wait for each
// other through a lock file, so the forward pass runs once and both get the
// result. A cache file that fails its checks is reported on the source's log,
// removed and recomputed. If the cache cannot be written, the result is still
// returned, with a note on the log and an empty Info.CachePath. A request
// with a reduction that has no Key is run without the cache.
func (j *Job) RunCached(ctx context.Context, dir string) (*Result, error) {
	start := time.Now()
	c, ok, err := j.cacheEntry(dir)
	if err != nil {
		return nil, err
	}
	if !ok {
		fmt.Fprintln(j.Source.log(), "note: the request has a reduction without a Key, so its result is not cached")
		return j.Run()
	}
	if res, ok := c.load(); ok {
		res.Info.Elapsed = time.Since(start)
		return res, nil
	}
	unlock := lockKey(ctx, c.path)
	defer unlock()
	if res, ok := c.load(); ok { // another process computed it while we waited
		res.Info.Elapsed = time.Since(start)
		return res, nil
	}
	res, err := j.Run()
	if err != nil {
		return nil, err
	}
	res.Info.Elapsed = time.Since(start)
	if err := c.store(res); err != nil {
		fmt.Fprintf(j.Source.log(), "note: the taps could not be cached (%v); they will be computed again next time: set %s to a writable directory\n", err, EnvCache)
	} else {
		res.Info.CachePath = c.path
	}
	return res, nil
}

// InCache reports whether the tap cache in dir ("" → DefaultCacheDir) holds a file for the job's result, without
// reading it: a run through RunCached will then most likely load it instead of computing it (unless the file fails
// its checks). A request that cannot be cached is never in the cache.
func (j *Job) InCache(dir string) (bool, error) {
	c, ok, err := j.cacheEntry(dir)
	if err != nil || !ok {
		return false, err
	}
	_, err = os.Stat(c.path)
	return err == nil, nil
}

// cacheEntry is the cache file of the job's result in dir ("" → DefaultCacheDir); ok is false when the request
// has a reduction without a Key, whose result is not cached.
func (j *Job) cacheEntry(dir string) (c cacheEntry, ok bool, err error) {
	request, ok := j.Request.key(j.Config.NLayer)
	if !ok {
		return c, false, nil
	}
	fp, err := ModelFingerprint(j.Dir)
	if err != nil {
		return c, false, err
	}
	if dir == "" {
		dir = DefaultCacheDir()
	}
	return cacheEntry{job: j, fingerprint: fp, request: request,
		path: filepath.Join(dir, cacheKey(fp, j.Encoding.IDs, request)+".safetensors")}, true, nil
}

// cacheEntry is one file of the tap cache and what it must hold.
type cacheEntry struct {
	job                  *Job
	path                 string
	fingerprint, request string
}

// lockKey takes an exclusive lock next to path, creating the cache directory,
// and returns the unlock function. If locking is impossible (read-only cache),
// it proceeds without a lock.
func lockKey(ctx context.Context, path string) func() {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return func() {}
	}
	lk := flock.New(path + ".lock")
	ok, err := lk.TryLockContext(ctx, 100*time.Millisecond)
	if err != nil || !ok {
		return func() {}
	}
	return func() { _ = lk.Unlock() }
}

// store writes res to the cache file (atomically, via WriteFile).
func (c cacheEntry) store(res *Result) error {
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return err
	}
	return WriteFile(c.path, res, map[string]string{
		"cache_format":      cacheFormat,
		"model":             c.job.Source.Model,
		"model_dir":         c.job.Dir,
		"model_fingerprint": c.fingerprint,
		"request":           c.request,
		"backend":           res.Info.Backend,
		"compute_seconds":   strconv.FormatFloat(res.Info.Elapsed.Seconds(), 'f', 3, 64),
	})
}

// load reads the cache file if it exists and matches. A file that exists but
// fails to load or to match is reported and removed.
func (c cacheEntry) load() (*Result, bool) {
	before, err := os.Stat(c.path)
	if err != nil {
		return nil, false
	}
	res, err := c.read()
	if err != nil {
		fmt.Fprintf(c.job.Source.log(), "note: ignoring the cached taps %s: %v; recomputing\n", c.path, err)
		// Remove only the file that was read: another process may have renamed a
		// fresh, complete file into place meanwhile.
		if now, err := os.Stat(c.path); err == nil && os.SameFile(before, now) {
			_ = os.Remove(c.path)
		}
		return nil, false
	}
	return res, true
}

func (c cacheEntry) read() (*Result, error) {
	f, err := ReadFile(c.path)
	if err != nil {
		return nil, err
	}
	meta, res := f.Metadata, f.Result
	if meta["cache_format"] != cacheFormat || meta["model_fingerprint"] != c.fingerprint || meta["request"] != c.request {
		return nil, errors.New("it was made by another version, for other model files or for another request")
	}
	j := c.job
	if !slices.Equal(res.IDs, j.Encoding.IDs) || res.Config != j.Config {
		return nil, errors.New("its token ids or model configuration differ from the run's")
	}
	T := len(res.IDs)
	sel, _ := j.Request.Selection(j.Config.NLayer)
	if len(res.Stacks) != len(sel.Kinds()) {
		return nil, fmt.Errorf("it holds %d stacks, the request %d", len(res.Stacks), len(sel.Kinds()))
	}
	for _, k := range sel.Kinds() {
		s, ok := res.Stacks[k]
		want := append([]int{len(sel.Indices(k))}, k.Shape(j.Config, T)...)
		if !ok || !slices.Equal(s.Indices, sel.Indices(k)) || !slices.Equal(s.Dims(), want) {
			return nil, fmt.Errorf("it lacks %s %v", k, want)
		}
	}
	for _, r := range j.Request.Reductions {
		if _, ok := res.Reduced[r.Name]; !ok {
			return nil, fmt.Errorf("it lacks the reduction %s", r.Name)
		}
	}
	if j.Request.Logits && (res.Logits == nil || !slices.Equal(res.Logits.Shape().Dimensions, []int{T, j.Config.VocabSize})) {
		return nil, fmt.Errorf("it lacks the logits [%d %d]", T, j.Config.VocabSize)
	}
	res.Tokens = j.Encoding.Tokens
	res.Info = Info{Model: j.Source.Model, Dir: j.Dir, Backend: meta["backend"], CachePath: c.path}
	return res, nil
}
