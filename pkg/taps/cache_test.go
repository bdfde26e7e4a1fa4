package taps_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/tools/testckpt"
)

// checkpoint writes a small random checkpoint and returns its directory.
func checkpoint(t *testing.T, layers int) string { return testckpt.Write(t, layers, 32, 4, 11) }

const text = "Nietzsche wrote that one must still have chaos in oneself to give birth to a dancing star."

var cosineRequest = taps.Request{
	Points:     []string{"h.*.attn.c_proj", "blocks.*.hook_mlp_out"},
	Reductions: []taps.Reduction{taps.CosineReduction("cosine", gpt2.AttnOut, gpt2.MLPOut)},
}

// cached runs text on ckpt through the tap cache in dir (model.RunCached).
func cached(t *testing.T, ckpt, dir string, log *bytes.Buffer, req taps.Request, txt string) *taps.Result {
	t.Helper()
	return cachedIn(t, ckpt, taps.Cache{Dir: dir}, log, req, txt)
}

// cachedIn runs text on ckpt through cache (model.RunCached), noting on log if not nil.
func cachedIn(t *testing.T, ckpt string, cache taps.Cache, log *bytes.Buffer, req taps.Request, txt string) *taps.Result {
	t.Helper()
	src := model.Source{Model: ckpt, Backend: "go"}
	if log != nil {
		src.Log, cache.Log = log, log
	}
	res, err := model.RunCached(context.Background(), src, gpt2.Text(txt), req, cache)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func get(t *testing.T, res *taps.Result, name string) []float32 {
	t.Helper()
	a, err := res.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return a.Data
}

func TestRunCachedCachesAndReloads(t *testing.T) {
	ckpt, dir := checkpoint(t, 4), t.TempDir()
	first := cached(t, ckpt, dir, nil, cosineRequest, text)
	if !first.Info.Computed || first.Info.CachePath == "" || first.Info.Backend == "" {
		t.Fatalf("first run: %+v; want computed, cached and the backend named", first.Info)
	}
	second := cached(t, ckpt, dir, nil, cosineRequest, text)
	if second.Info.Computed || second.Info.CachePath != first.Info.CachePath || second.Info.Backend != first.Info.Backend {
		t.Fatalf("second run of the same request: %+v; want it loaded from %s", second.Info, first.Info.CachePath)
	}
	for _, name := range []string{"attn.c_proj", "mlp.c_proj", "cosine"} {
		if a, b := get(t, first, name), get(t, second, name); len(a) == 0 || !slices.Equal(a, b) {
			t.Errorf("%s differs after reloading", name)
		}
	}
	if strings.Join(second.Tokens, "") != text || second.Config != first.Config {
		t.Errorf("tokens %q or config %+v not restored", second.Tokens, second.Config)
	}
	// Another text, or another request, is another key.
	if r := cached(t, ckpt, dir, nil, cosineRequest, text+" Again."); !r.Info.Computed {
		t.Error("a different text was served from the cache")
	}
	more := cosineRequest
	more.Points = append(slices.Clone(more.Points), "hidden_states")
	if r := cached(t, ckpt, dir, nil, more, text); !r.Info.Computed {
		t.Error("a different request was served from the cache")
	}
	// The same request spelled differently is the same key.
	same := taps.Request{Points: []string{"mlp.c_proj", "h.*.attn.c_proj"}, Reductions: cosineRequest.Reductions}
	if r := cached(t, ckpt, dir, nil, same, text); r.Info.Computed {
		t.Error("the same request in other words was computed again")
	}
}

// TestReductionsAreCachedByWhatTheyCompute: a reduction is part of the key —
// another operation or other inputs under the same name is another result —
// and a cached reduction comes back equal.
func TestReductionsAreCachedByWhatTheyCompute(t *testing.T) {
	ckpt, dir := checkpoint(t, 2), t.TempDir()
	norm := taps.Request{Reductions: []taps.Reduction{taps.NormReduction("r", gpt2.AttnOut)}}
	first := cached(t, ckpt, dir, nil, norm, text)
	again := cached(t, ckpt, dir, nil, norm, text)
	if !first.Info.Computed || again.Info.Computed || !slices.Equal(get(t, first, "r"), get(t, again, "r")) {
		t.Fatalf("the same reduction: first %+v, again %+v; want computed, then the same numbers from the cache", first.Info, again.Info)
	}
	for _, other := range []taps.Reduction{taps.NormReduction("r", gpt2.MLPOut), taps.StepLengthReduction("r", gpt2.AttnOut)} {
		r := cached(t, ckpt, dir, nil, taps.Request{Reductions: []taps.Reduction{other}}, text)
		if !r.Info.Computed {
			t.Errorf("reduction %s(%v) under the same name was served from the cache of another", other.Op, other.Inputs)
		}
	}
}

// TestCacheLoadAndHaveNeverCompute: Load and Has answer from the files alone.
func TestCacheLoadAndHaveNeverCompute(t *testing.T) {
	ckpt, dir := checkpoint(t, 2), t.TempDir()
	key, err := checkpoints.NewKey(context.Background(), ckpt, checkpoints.Options{}, gpt2.Text(text), cosineRequest)
	if err != nil {
		t.Fatal(err)
	}
	cache := taps.Cache{Dir: dir}
	if has, err := cache.Has(key); err != nil || has {
		t.Fatalf("Has before any run = %v, %v; want false", has, err)
	}
	if _, ok, err := cache.Load(key); err != nil || ok {
		t.Fatalf("Load before any run: ok %v, %v; want a miss", ok, err)
	}
	computed := cached(t, ckpt, dir, nil, cosineRequest, text)
	if has, err := cache.Has(key); err != nil || !has {
		t.Fatalf("Has after a run = %v, %v; want true", has, err)
	}
	res, ok, err := cache.Load(key)
	if err != nil || !ok || res.Info.Computed || res.Info.CachePath != computed.Info.CachePath {
		t.Fatalf("Load after a run: ok %v, %v, %+v", ok, err, res)
	}
	if !slices.Equal(get(t, res, "cosine"), get(t, computed, "cosine")) || !slices.Equal(res.Tokens, computed.Tokens) {
		t.Error("Load returned other numbers or tokens than the run stored")
	}
}

// TestCorruptCacheIsRecomputed: a cache file that fails its checks is reported, removed and recomputed, whether
// the cache reads files with ReadFile or with MapFile (Cache.Map).
func TestCorruptCacheIsRecomputed(t *testing.T) {
	for _, mapped := range []bool{false, true} {
		t.Run(fmt.Sprintf("Map=%v", mapped), func(t *testing.T) { testCorruptCacheIsRecomputed(t, mapped) })
	}
}

func testCorruptCacheIsRecomputed(t *testing.T, mapped bool) {
	ckpt, dir := checkpoint(t, 2), t.TempDir()
	first := cached(t, ckpt, dir, nil, cosineRequest, text)
	for _, corrupt := range []struct {
		name string
		fn   func(data []byte) []byte
	}{
		{"truncated", func(d []byte) []byte { return d[:len(d)/2] }},
		{"flipped byte", func(d []byte) []byte { d[len(d)-100] ^= 0x40; return d }},
		{"garbage", func([]byte) []byte { return []byte("not a safetensors file") }},
	} {
		t.Run(corrupt.name, func(t *testing.T) {
			data, err := os.ReadFile(first.Info.CachePath)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(first.Info.CachePath, corrupt.fn(data), 0o644); err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			again := cachedIn(t, ckpt, taps.Cache{Dir: dir, Map: mapped}, &log, cosineRequest, text)
			if !again.Info.Computed {
				t.Fatal("a corrupt cache file was used")
			}
			if !strings.Contains(log.String(), "ignoring the cached taps") {
				t.Errorf("the corruption was not reported: %q", log.String())
			}
			if !slices.Equal(get(t, first, "cosine"), get(t, again, "cosine")) {
				t.Fatal("recomputed cosines differ")
			}
		})
	}
}

func TestReadOnlyCacheFallsBack(t *testing.T) {
	// A cache directory below a regular file cannot be created, even by root
	// (who ignores permission bits).
	ckpt := checkpoint(t, 2)
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	res := cached(t, ckpt, filepath.Join(blocker, "cache"), &log, cosineRequest, text)
	if !res.Info.Computed || res.Info.CachePath != "" {
		t.Errorf("%+v; want computed and no cache path", res.Info)
	}
	if !strings.Contains(log.String(), "could not be cached") || !strings.Contains(log.String(), "GPT2TAPS_CACHE") {
		t.Errorf("log %q should explain and name GPT2TAPS_CACHE", log.String())
	}
}

func TestConcurrentRunsShareOneComputation(t *testing.T) {
	ckpt, dir := checkpoint(t, 2), t.TempDir()
	var wg sync.WaitGroup
	results := make([]*taps.Result, 3)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = cached(t, ckpt, dir, nil, cosineRequest, text)
		}()
	}
	wg.Wait()
	computed := 0
	for _, r := range results {
		if r == nil {
			t.FailNow()
		}
		if r.Info.Computed {
			computed++
		}
		if !slices.Equal(get(t, r, "cosine"), get(t, results[0], "cosine")) {
			t.Fatal("concurrent runs returned different values")
		}
	}
	if computed != 1 {
		t.Errorf("%d of 3 concurrent runs ran the model; the lock should make it 1", computed)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left in the cache", e.Name())
		}
	}
}

// TestNewKeyChecksBeforeTheSlowWork: bad inputs are refused by NewKey, before
// any weight is loaded, an empty text even before the model is looked up.
func TestNewKeyChecksBeforeTheSlowWork(t *testing.T) {
	ckpt := checkpoint(t, 1)
	missing := filepath.Join(t.TempDir(), "missing")
	cases := []struct {
		name, model, text string
		req               taps.Request
		want              string
	}{
		{"empty text, missing model", missing, "", cosineRequest, "no tokens"},
		{"invalid UTF-8", ckpt, "caf\xe9", cosineRequest, "UTF-8"},
		{"too long", ckpt, strings.Repeat(" word", 1025), cosineRequest, "1025 tokens but the model takes at most 1024"},
		{"missing model", missing, text, cosineRequest, "missing"},
		{"no model", "", text, cosineRequest, "no model"},
		{"tap out of range", ckpt, text, taps.Request{Points: []string{"h.1.mlp.c_proj"}}, "out of range"},
		{"nothing requested", ckpt, text, taps.Request{}, "nothing requested"},
	}
	for _, tc := range cases {
		_, err := checkpoints.NewKey(context.Background(), tc.model, checkpoints.Options{}, gpt2.Text(tc.text), tc.req)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line containing %q", tc.name, err, tc.want)
		}
	}
}

// TestRecallFindsWhatARunStored: Recall finds a result by the model argument,
// text and request it was asked for, without tokenizing or resolving; another
// text, request or changed model files are misses, and a damaged index entry
// is a miss with a note.
func TestRecallFindsWhatARunStored(t *testing.T) {
	ckpt, dir := checkpoint(t, 2), t.TempDir()
	var log bytes.Buffer
	cache := taps.Cache{Dir: dir, Log: &log}
	if _, ok, err := cache.Recall(ckpt, text, cosineRequest); ok || err != nil {
		t.Fatalf("Recall before any run: ok %v, %v; want a miss", ok, err)
	}
	computed := cached(t, ckpt, dir, nil, cosineRequest, text)
	res, ok, err := cache.Recall(ckpt, text, cosineRequest)
	if err != nil || !ok || res.Info.Computed || res.Info.CachePath != computed.Info.CachePath {
		t.Fatalf("Recall after the run: ok %v, %v, %+v", ok, err, res)
	}
	if !slices.Equal(get(t, res, "cosine"), get(t, computed, "cosine")) || !slices.Equal(res.Tokens, computed.Tokens) {
		t.Error("Recall returned other numbers or tokens than the run stored")
	}
	empty := cosineRequest
	empty.Points = append([]string{}, cosineRequest.Points...)
	if _, ok, _ := cache.Recall(ckpt, text, empty); !ok {
		t.Error("the same request with a copied list was a miss")
	}
	for _, miss := range []struct {
		name, model, text string
		req               taps.Request
	}{
		{"another text", ckpt, text + " Again.", cosineRequest},
		{"another request", ckpt, text, taps.Request{Points: []string{"hidden_states"}}},
		{"another model argument", "gpt2", text, cosineRequest},
	} {
		if _, ok, err := cache.Recall(miss.model, miss.text, miss.req); ok || err != nil {
			t.Errorf("%s: ok %v, %v; want a miss", miss.name, ok, err)
		}
	}
	// New model files (a regenerated checkpoint) make the remembered taps another model's.
	now := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(ckpt, "model.safetensors"), now, now); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := cache.Recall(ckpt, text, cosineRequest); ok || err != nil {
		t.Errorf("after the model files changed: ok %v, %v; want a miss", ok, err)
	}
	again := cached(t, ckpt, dir, nil, cosineRequest, text)
	if !again.Info.Computed {
		t.Fatal("the changed model's taps came from the cache")
	}
	entries, _ := filepath.Glob(filepath.Join(dir, "recall", "*.json"))
	if len(entries) == 0 {
		t.Fatal("no index entries were written")
	}
	for _, e := range entries {
		if err := os.WriteFile(e, []byte("{"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	log.Reset()
	if _, ok, err := cache.Recall(ckpt, text, cosineRequest); ok || err != nil || !strings.Contains(log.String(), "damaged") {
		t.Errorf("a damaged entry: ok %v, %v, log %q; want a miss and a note", ok, err, log.String())
	}
}

// TestCacheMapLoadsTheSame: a cache with Map set loads, recalls and serves through Do the same result, bit for
// bit, as one without, its arrays in the cache file's private mapping; and a caller writing to them changes
// neither the cache file nor what is loaded next.
func TestCacheMapLoadsTheSame(t *testing.T) {
	ckpt, dir := checkpoint(t, 2), t.TempDir()
	req := taps.Request{Points: []string{"h.*.attn.c_proj", "blocks.*.hook_mlp_out", "hidden_states"}, Logits: true,
		Reductions: cosineRequest.Reductions}
	computed := cached(t, ckpt, dir, nil, req, text)
	key, err := checkpoints.NewKey(context.Background(), ckpt, checkpoints.Options{}, gpt2.Text(text), req)
	if err != nil {
		t.Fatal(err)
	}
	copied, ok, err := taps.Cache{Dir: dir}.Load(key)
	if err != nil || !ok {
		t.Fatalf("Load: ok %v, %v", ok, err)
	}
	before, err := os.ReadFile(computed.Info.CachePath)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	mapCache := taps.Cache{Dir: dir, Map: true, Log: &log}
	loaded, ok, err := mapCache.Load(key)
	if err != nil || !ok {
		t.Fatalf("Load with Map: ok %v, %v", ok, err)
	}
	recalled, ok, err := mapCache.Recall(ckpt, text, req)
	if err != nil || !ok {
		t.Fatalf("Recall with Map: ok %v, %v", ok, err)
	}
	served := cachedIn(t, ckpt, mapCache, nil, req, text)
	for name, got := range map[string]*taps.Result{"Load": loaded, "Recall": recalled, "Do": served} {
		if got.Info.Computed {
			t.Fatalf("%s with Map computed the result", name)
		}
		want, g := *copied, *got
		want.Info.Elapsed, g.Info.Elapsed = 0, 0
		if diff := sameResult(&g, &want); diff != "" {
			t.Errorf("%s with Map: %s", name, diff)
		}
		for tensor, a := range arrays(got) {
			if mapped, known := mappedFrom(t, a.Data, got.Info.CachePath); known && !mapped {
				t.Errorf("%s with Map: %s is not in the cache file's private mapping", name, tensor)
			}
		}
	}
	for _, a := range arrays(loaded) {
		for i := range a.Data {
			a.Data[i] = 1e9
		}
	}
	if now, err := os.ReadFile(computed.Info.CachePath); err != nil || !bytes.Equal(now, before) {
		t.Fatalf("writing to a mapped result changed the cache file (%v)", err)
	}
	again, ok, err := mapCache.Load(key)
	if err != nil || !ok {
		t.Fatalf("Load with Map after writing to a mapped result: ok %v, %v", ok, err)
	}
	for tensor, a := range arrays(copied) {
		if !sameBits(arrays(again)[tensor], a) {
			t.Errorf("%s differs after writing to an earlier mapped result", tensor)
		}
	}
	if log.Len() != 0 {
		t.Errorf("notes on the log: %q", log.String())
	}
}
