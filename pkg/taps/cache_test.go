package taps_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"

	"github.com/gpt2taps/gpt2taps/tools/testckpt"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// checkpoint writes a small random checkpoint and returns its directory.
func checkpoint(t *testing.T, layers int) string { return testckpt.Write(t, layers, 32, 4, 11) }

const text = "Nietzsche wrote that one must still have chaos in oneself to give birth to a dancing star."

var cosineRequest = taps.Request{
	Points:     []string{"h.*.attn.c_proj", "blocks.*.hook_mlp_out"},
	Reductions: []taps.Reduction{taps.CosineReduction("cosine", gpt2.AttnOut, gpt2.MLPOut)},
}

// cached prepares text on ckpt and runs it through the tap cache in dir.
func cached(t *testing.T, ckpt, dir string, log *bytes.Buffer, req taps.Request, txt string) *taps.Result {
	t.Helper()
	src := taps.Source{Model: ckpt, Backend: "go"}
	if log != nil {
		src.Log = log
	}
	job, err := taps.Prepare(context.Background(), src, taps.Text(txt), req)
	if err != nil {
		t.Fatal(err)
	}
	res, err := job.RunCached(context.Background(), dir)
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

// TestReductionWithoutKeyIsNotCached: a caller's own reduction cannot be
// identified, so its result is never served from the cache.
func TestReductionWithoutKeyIsNotCached(t *testing.T) {
	ckpt, dir := checkpoint(t, 2), t.TempDir()
	own := taps.Request{Reductions: []taps.Reduction{{Name: "sum", Inputs: []gpt2.Kind{gpt2.AttnOut},
		Fn: func(s []*graph.Node) *graph.Node { return graph.ReduceAllSum(s[0]) }}}}
	var log bytes.Buffer
	for range 2 {
		r := cached(t, ckpt, dir, &log, own, text)
		if !r.Info.Computed || r.Info.CachePath != "" {
			t.Fatalf("%+v: a reduction without Key must be computed and not cached", r.Info)
		}
	}
	if !strings.Contains(log.String(), "not cached") {
		t.Errorf("the log should say why: %q", log.String())
	}
}

func TestCorruptCacheIsRecomputed(t *testing.T) {
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
			again := cached(t, ckpt, dir, &log, cosineRequest, text)
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
	if !strings.Contains(log.String(), "could not be cached") || !strings.Contains(log.String(), taps.EnvCache) {
		t.Errorf("log %q should explain and name %s", log.String(), taps.EnvCache)
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

// TestPrepareChecksBeforeTheSlowWork: bad inputs are refused by Prepare, an
// empty text even before the model is looked up.
func TestPrepareChecksBeforeTheSlowWork(t *testing.T) {
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
		_, err := taps.Prepare(context.Background(), taps.Source{Model: tc.model}, taps.Text(tc.text), tc.req)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line containing %q", tc.name, err, tc.want)
		}
	}
}
