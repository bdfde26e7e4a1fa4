package lesson

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

	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// cacheFormat versions the cache: bump it when what is cached changes.
const cacheFormat = "gpt2taps.lesson-cache/1"

// cosineName is the in-graph reduction holding the lesson's cosines.
const cosineName = "cosine"

// Taps are the captured taps of one (model, text) pair, as flat row-major
// float32 arrays.
type Taps struct {
	Model    string      // the model argument (Hub id or directory)
	ModelDir string      // the checkpoint directory it resolved to
	Config   gpt2.Config // the model's configuration
	IDs      []int       // token ids
	Tokens   []string    // token strings (exact bytes; see gpt2.TokenLabel for display)
	Attn     []float32   // [L,T,D] outputs of h.{l}.attn.c_proj
	MLP      []float32   // [L,T,D] outputs of h.{l}.mlp.c_proj
	Hidden   []float32   // [L+1,T,D] hidden states (HF output_hidden_states)
	Cosine   []float32   // [L,T] cosine(attn, mlp) per layer and token, computed in the graph

	Computed  bool          // true if the forward pass ran now, false if loaded from the cache
	Elapsed   time.Duration // time to compute (load model + forward) or to load from the cache
	Backend   string        // backend and device that computed the taps (from the cache's record when loaded)
	CachePath string        // the cache file ("" if caching was not possible)
}

// Dims returns the number of layers, tokens and the model width.
func (t *Taps) Dims() (layers, tokens, dim int) {
	return t.Config.NLayer, len(t.IDs), t.Config.NEmbd
}

// Capture returns the taps of text under o's model: from the tap cache when
// this model (same files) already ran on the same tokens, otherwise by loading
// the model and running the forward pass once, then caching the result.
//
// Concurrent captures of the same key (two notebooks on one server) wait for
// each other through a lock file, so the forward pass runs once and both get
// the result. A cache file that fails its checks is reported on o.Log,
// removed and recomputed. If the cache directory cannot be written, the taps
// are still returned, with a note on o.Log and an empty CachePath.
func Capture(ctx context.Context, text string, o Options) (*Taps, error) {
	start := time.Now()
	tok, err := gpt2.NewTokenizer()
	if err != nil {
		return nil, err
	}
	enc, err := tok.Encode(text)
	if err != nil {
		return nil, err
	}
	if len(enc.IDs) == 0 {
		return nil, errors.New("the text has no tokens: give a non-empty text (in a notebook: the text cell, or GPT2TAPS_TEXT_FILE)")
	}
	model := o.ModelOrDefault()
	dir, err := gpt2.ResolveModel(ctx, model, gpt2.ResolveOptions{CacheDir: o.HFCache, Offline: o.Offline, Progress: o.log()})
	if err != nil {
		return nil, err
	}
	cfg, err := gpt2.LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	if len(enc.IDs) > cfg.NPositions {
		return nil, fmt.Errorf("the text has %d tokens but %s takes at most %d (n_positions): shorten the text", len(enc.IDs), model, cfg.NPositions)
	}
	fp, err := ModelFingerprint(dir)
	if err != nil {
		return nil, err
	}
	cacheDir := o.CacheDir
	if cacheDir == "" {
		cacheDir = DefaultCacheDir()
	}
	path := filepath.Join(cacheDir, cacheKey(fp, enc.IDs)+".safetensors")
	want := cacheIdentity{model: model, dir: dir, fingerprint: fp, ids: enc.IDs, tokens: enc.Tokens, config: cfg}

	if t, ok := loadCached(path, want, o); ok {
		t.Elapsed = time.Since(start)
		return t, nil
	}
	unlock := lockKey(ctx, path, o)
	defer unlock()
	if t, ok := loadCached(path, want, o); ok { // another process computed it while we waited
		t.Elapsed = time.Since(start)
		return t, nil
	}
	t, err := compute(dir, want, o)
	if err != nil {
		return nil, err
	}
	t.Elapsed = time.Since(start)
	if err := store(path, t, want); err != nil {
		fmt.Fprintf(o.log(), "note: the taps could not be cached (%v); they will be recomputed next time — set %s to a writable directory\n", err, EnvCache)
	} else {
		t.CachePath = path
	}
	return t, nil
}

// cacheIdentity is what a cache file must match.
type cacheIdentity struct {
	model, dir, fingerprint string
	ids                     []int
	tokens                  []string
	config                  gpt2.Config
}

// lockKey takes an exclusive lock next to path, creating the cache directory,
// and returns the unlock function. If locking is impossible (read-only cache),
// it proceeds without a lock.
func lockKey(ctx context.Context, path string, o Options) func() {
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

// compute loads the model and runs the forward pass.
func compute(dir string, id cacheIdentity, o Options) (*Taps, error) {
	choice, err := backend.New(o.Backend)
	if err != nil {
		return nil, err
	}
	m, err := gpt2.Load(dir, choice.Backend)
	if err != nil {
		return nil, err
	}
	defer m.Finalize()
	L := m.Config.NLayer
	res, err := taps.Capture(m, id.ids, taps.Request{
		Taps:       taps.MustSelect(L, string(taps.AttnOut), string(taps.MLPOut), string(taps.HiddenStates)),
		Reductions: []taps.Reduction{taps.CosineReduction(cosineName, taps.AttnOut, taps.MLPOut)},
	})
	if err != nil {
		return nil, err
	}
	return &Taps{
		Model: id.model, ModelDir: dir, Config: m.Config, IDs: slices.Clone(id.ids), Tokens: slices.Clone(id.tokens),
		Attn:     res.Stacks[taps.AttnOut].Float32(),
		MLP:      res.Stacks[taps.MLPOut].Float32(),
		Hidden:   res.Stacks[taps.HiddenStates].Float32(),
		Cosine:   tensorFloat32(res.Reduced[cosineName]),
		Computed: true,
		Backend:  choice.String(),
	}, nil
}

// store writes t to the cache file at path (atomically, via taps.WriteFile).
func store(path string, t *Taps, id cacheIdentity) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	cfgJSON, err := t.Config.MarshalHF()
	if err != nil {
		return err
	}
	L, T, D := t.Dims()
	res := &taps.Result{NLayer: L, IDs: t.IDs, Stacks: map[taps.Kind]*taps.Stack{
		taps.AttnOut:      stackOf(taps.AttnOut, t.Attn, L, T, D),
		taps.MLPOut:       stackOf(taps.MLPOut, t.MLP, L, T, D),
		taps.HiddenStates: stackOf(taps.HiddenStates, t.Hidden, L+1, T, D),
	}, Reduced: map[string]*tensorsTensor{cosineName: fromFloat32(t.Cosine, L, T)}}
	return taps.WriteFile(path, res, map[string]string{
		"cache_format":      cacheFormat,
		"model":             id.model,
		"model_dir":         id.dir,
		"model_fingerprint": id.fingerprint,
		"config":            string(cfgJSON),
		"tokens":            taps.TokensMetadata(id.tokens),
		"backend":           t.Backend,
		"compute_seconds":   strconv.FormatFloat(t.Elapsed.Seconds(), 'f', 3, 64),
	})
}

// loadCached reads the cache file at path if it exists and matches id. A file
// that exists but fails to load or to match is reported and removed.
func loadCached(path string, id cacheIdentity, o Options) (*Taps, bool) {
	before, err := os.Stat(path)
	if err != nil {
		return nil, false
	}
	t, err := readCache(path, id)
	if err != nil {
		fmt.Fprintf(o.log(), "note: ignoring the cached taps %s: %v; recomputing\n", path, err)
		// Remove only the file that was read: another process may have renamed a
		// fresh, complete file into place meanwhile.
		if now, err := os.Stat(path); err == nil && os.SameFile(before, now) {
			_ = os.Remove(path)
		}
		return nil, false
	}
	return t, true
}

func readCache(path string, id cacheIdentity) (*Taps, error) {
	f, err := taps.ReadFile(path)
	if err != nil {
		return nil, err
	}
	meta := f.Metadata
	if meta["cache_format"] != cacheFormat || meta["model_fingerprint"] != id.fingerprint {
		return nil, errors.New("it was made by another version or for other model files")
	}
	res := f.Result
	if !slices.Equal(res.IDs, id.ids) {
		return nil, errors.New("its token ids differ from the text's")
	}
	cfg, err := gpt2.ParseConfig([]byte(meta["config"]))
	if err != nil {
		return nil, fmt.Errorf("its config: %w", err)
	}
	L, T, D := cfg.NLayer, len(id.ids), cfg.NEmbd
	check := func(k taps.Kind, rows int) ([]float32, error) {
		s, ok := res.Stacks[k]
		if !ok || !slices.Equal(s.Dims(), []int{rows, T, D}) {
			return nil, fmt.Errorf("it lacks %s [%d,%d,%d]", k, rows, T, D)
		}
		return s.Float32(), nil
	}
	t := &Taps{Model: id.model, ModelDir: id.dir, Config: cfg, IDs: slices.Clone(id.ids), Tokens: slices.Clone(id.tokens),
		Backend: meta["backend"], CachePath: path}
	if t.Attn, err = check(taps.AttnOut, L); err != nil {
		return nil, err
	}
	if t.MLP, err = check(taps.MLPOut, L); err != nil {
		return nil, err
	}
	if t.Hidden, err = check(taps.HiddenStates, L+1); err != nil {
		return nil, err
	}
	cos, ok := res.Reduced[cosineName]
	if !ok || !slices.Equal(cos.Shape().Dimensions, []int{L, T}) {
		return nil, fmt.Errorf("it lacks cosine [%d,%d]", L, T)
	}
	t.Cosine = tensorFloat32(cos)
	return t, nil
}
