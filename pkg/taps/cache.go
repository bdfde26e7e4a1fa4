package taps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/gofrs/flock"

	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// cacheFormat versions the tap cache: bump it when what is cached changes.
const cacheFormat = "gpt2taps.tap-cache/3"

// Key is what identifies one capture: the checkpoint, the tokens and the
// request. checkpoints.NewKey makes it without loading any weight, so that a cached result
// is found without the model (and a program that only reads the cache does not
// link GoMLX).
type Key struct {
	Model   string        // the model argument (Hub id or directory), for records and messages
	Dir     string        // the checkpoint directory it resolved to
	Config  gpt2.Config   // its config.json
	Tokens  gpt2.Encoding // the input, tokenized once
	Request Request
}

// Cache is the tap cache: a directory of taps files, one per Key, so that a
// capture runs once per (model files, tokens, request) and every later process
// — each cell of a GoNB notebook is one — reads it back in well under a second.
type Cache struct {
	Dir string    // "" → DefaultCacheDir()
	Log io.Writer // notes (a file that failed its checks, a cache that cannot be written); nil discards them
	Map bool      // read cache files with MapFile, not ReadFile (short-lived programs: notebook cells)
}

// DefaultCacheDir is $GPT2TAPS_CACHE, else <user cache dir>/gpt2taps/taps
// (~/.cache/gpt2taps/taps on Linux).
func DefaultCacheDir() string {
	if c := env.Read().Cache; c != "" {
		return c
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "gpt2taps", "taps")
}

func (c Cache) dir() string {
	if c.Dir == "" {
		return DefaultCacheDir()
	}
	return c.Dir
}

func (c Cache) log() io.Writer {
	if c.Log == nil {
		return io.Discard
	}
	return c.Log
}

// Do returns k's result from the cache when it holds it; otherwise it calls
// compute (the forward pass) and stores what it returns. Concurrent calls for
// the same key (two notebooks on one server) wait for each other through a
// lock file, so compute runs once and both get the result. A cache file that
// fails its checks is reported on the log, removed and recomputed. If the
// cache cannot be written, the result is still returned, with a note on the
// log and an empty Info.CachePath.
func (c Cache) Do(ctx context.Context, k Key, compute func() (*Result, error)) (*Result, error) {
	start := time.Now()
	e, err := c.entry(k)
	if err != nil {
		return nil, err
	}
	if res, ok := e.load(c.log()); ok {
		res.Info.Elapsed = time.Since(start)
		c.noteRecall(k)
		return res, nil
	}
	unlock := lockKey(ctx, e.path)
	defer unlock()
	if res, ok := e.load(c.log()); ok { // another process computed it while we waited
		res.Info.Elapsed = time.Since(start)
		c.noteRecall(k)
		return res, nil
	}
	res, err := compute()
	if err != nil {
		return nil, err
	}
	res.Info.Elapsed = time.Since(start)
	if err := e.store(res); err != nil {
		fmt.Fprintf(c.log(), "note: the taps could not be cached (%v); they will be computed again next time: set %s to a writable directory\n", err, env.Cache)
	} else {
		res.Info.CachePath = e.path
		c.noteRecall(k)
	}
	return res, nil
}

// noteRecall remembers k for Recall; a failure only costs Recall a miss, so
// it is reported on the log and otherwise ignored.
func (c Cache) noteRecall(k Key) {
	if err := c.remember(k); err != nil {
		fmt.Fprintf(c.log(), "note: the tap cache's index could not be written (%v)\n", err)
	}
}

// Load returns k's result if the cache holds it, without computing anything;
// ok is false when it does not (or its file failed its checks and was
// removed).
func (c Cache) Load(k Key) (res *Result, ok bool, err error) {
	start := time.Now()
	e, err := c.entry(k)
	if err != nil {
		return nil, false, err
	}
	res, ok = e.load(c.log())
	if ok {
		res.Info.Elapsed = time.Since(start)
	}
	return res, ok, nil
}

// Has reports whether the cache holds a file for k, without reading it: Do
// will then most likely load it instead of computing (unless the file fails
// its checks).
func (c Cache) Has(k Key) (bool, error) {
	e, err := c.entry(k)
	if err != nil {
		return false, err
	}
	_, err = os.Stat(e.path)
	return err == nil, nil
}

// entry is the cache file of k's result.
func (c Cache) entry(k Key) (cacheEntry, error) {
	request := k.Request.Key(k.Config.NLayer)
	fp, err := ModelFingerprint(k.Dir)
	if err != nil {
		return cacheEntry{}, err
	}
	return cacheEntry{key: k, fingerprint: fp, request: request, mapped: c.Map,
		path: filepath.Join(c.dir(), cacheKey(fp, k.Tokens.IDs, request)+".safetensors")}, nil
}

// cacheEntry is one file of the tap cache and what it must hold.
type cacheEntry struct {
	key                  Key
	path                 string
	fingerprint, request string
	mapped               bool // read with MapFile (Cache.Map)
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
func (e cacheEntry) store(res *Result) error {
	if err := os.MkdirAll(filepath.Dir(e.path), 0o755); err != nil {
		return err
	}
	return WriteFile(e.path, res, map[string]string{
		"cache_format":      cacheFormat,
		"model":             e.key.Model,
		"model_dir":         e.key.Dir,
		"model_fingerprint": e.fingerprint,
		"request":           e.request,
		"backend":           res.Info.Backend,
		"compute_seconds":   strconv.FormatFloat(res.Info.Elapsed.Seconds(), 'f', 3, 64),
	})
}

// load reads the cache file if it exists and matches. A file that exists but
// fails to load or to match is reported and removed.
func (e cacheEntry) load(log io.Writer) (*Result, bool) {
	before, err := os.Stat(e.path)
	if err != nil {
		return nil, false
	}
	res, err := e.read()
	if err != nil {
		fmt.Fprintf(log, "note: ignoring the cached taps %s: %v; recomputing\n", e.path, err)
		// Remove only the file that was read: another process may have renamed a
		// fresh, complete file into place meanwhile.
		if now, err := os.Stat(e.path); err == nil && os.SameFile(before, now) {
			_ = os.Remove(e.path)
		}
		return nil, false
	}
	return res, true
}

// read reads and checks the cache file, with MapFile if e.mapped (a file
// that then fails its checks stays mapped, unused, until the process exits).
func (e cacheEntry) read() (*Result, error) {
	readFile := ReadFile
	if e.mapped {
		readFile = MapFile
	}
	f, err := readFile(e.path)
	if err != nil {
		return nil, err
	}
	meta, res := f.Metadata, f.Result
	if meta["cache_format"] != cacheFormat || meta["model_fingerprint"] != e.fingerprint || meta["request"] != e.request {
		return nil, errors.New("it was made by another version, for other model files or for another request")
	}
	k := e.key
	if !slices.Equal(res.IDs, k.Tokens.IDs) || res.Config != k.Config {
		return nil, errors.New("its token ids or model configuration differ from the run's")
	}
	if err := checkHolds(res, k.Config, k.Request); err != nil {
		return nil, err
	}
	res.Tokens = k.Tokens.Tokens
	res.Info = Info{Model: k.Model, Dir: k.Dir, Backend: meta["backend"], CachePath: e.path}
	return res, nil
}

// checkHolds checks that res holds exactly what req asks of a model of
// configuration cfg, with the shapes it implies.
func checkHolds(res *Result, cfg gpt2.Config, req Request) error {
	T := len(res.IDs)
	sel, _ := req.Selection(cfg.NLayer)
	if len(res.Stacks) != len(sel.Kinds()) {
		return fmt.Errorf("it holds %d stacks, the request %d", len(res.Stacks), len(sel.Kinds()))
	}
	for _, k := range sel.Kinds() {
		s, ok := res.Stacks[k]
		want := append([]int{len(sel.Indices(k))}, k.Shape(cfg, T)...)
		if !ok || !slices.Equal(s.Indices, sel.Indices(k)) || !slices.Equal(s.Dims, want) {
			return fmt.Errorf("it lacks %s %v", k, want)
		}
	}
	for _, r := range req.Reductions {
		if a, ok := res.Reduced[r.Name]; !ok || !slices.Equal(a.Dims, r.Shape(cfg, T)) {
			return fmt.Errorf("it lacks the reduction %s %v", r.Name, r.Shape(cfg, T))
		}
	}
	if req.Logits && (res.Logits == nil || !slices.Equal(res.Logits.Dims, []int{T, cfg.VocabSize})) {
		return fmt.Errorf("it lacks the logits [%d %d]", T, cfg.VocabSize)
	}
	return nil
}
