package model_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

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

func get(t *testing.T, res *taps.Result, name string) []float32 {
	t.Helper()
	a, err := res.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return a.Data
}

// TestOneModelManyTexts: a model opened once runs several texts and requests,
// in any order, with the numbers of a model opened for each run alone; after
// Close it refuses to run.
func TestOneModelManyTexts(t *testing.T) {
	ckpt := checkpoint(t, 2)
	ctx := context.Background()
	var log bytes.Buffer
	m, err := model.Open(ctx, model.Source{Model: ckpt, Backend: "go", Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "loaded "+ckpt) || m.Name != ckpt || m.Dir != ckpt || m.Config.NLayer != 2 {
		t.Fatalf("Open: log %q, model %s %s %+v", log.String(), m.Name, m.Dir, m.Config)
	}
	alone := func(txt string, req taps.Request) *taps.Result {
		t.Helper()
		a, err := model.Open(ctx, model.Source{Model: ckpt, Backend: "go"})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		res, err := a.Run(gpt2.Text(txt), req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	points := taps.Request{Points: []string{"hidden_states"}}
	for _, run := range []struct {
		txt string
		req taps.Request
	}{{text, cosineRequest}, {"Short.", cosineRequest}, {text, points}, {text, cosineRequest}, {"Short!", cosineRequest}} {
		res, err := m.Run(gpt2.Text(run.txt), run.req)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Info.Computed || res.Info.Model != ckpt || res.Info.Backend == "" || strings.Join(res.Tokens, "") != run.txt {
			t.Errorf("%q: info %+v, tokens %q", run.txt, res.Info, res.Tokens)
		}
		want := alone(run.txt, run.req)
		for _, name := range []string{"cosine", "hidden_states"} {
			if _, err := want.Get(name); err != nil {
				continue
			}
			if got := get(t, res, name); len(got) == 0 || !slices.Equal(got, get(t, want, name)) {
				t.Errorf("%q, %s: the long-lived model's numbers differ from a model opened for this run alone", run.txt, name)
			}
		}
	}
	m.Close()
	if _, err := m.Run(gpt2.Text(text), cosineRequest); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Run after Close: %v, want an error saying the model is closed", err)
	}
	m.Close() // twice is harmless
}

// TestRunCachedOpensTheModelOnlyOnAMiss: model.RunCached loads nothing when
// the cache holds the result; a loop over keys through Cache.Do with
// model.OpenKey loads a model once for all its misses.
func TestRunCachedOpensTheModelOnlyOnAMiss(t *testing.T) {
	ckpt, dir := checkpoint(t, 2), t.TempDir()
	ctx := context.Background()
	var log bytes.Buffer
	src := model.Source{Model: ckpt, Backend: "go", Log: &log}
	cache := taps.Cache{Dir: dir, Log: &log}
	first, err := model.RunCached(ctx, src, gpt2.Text(text), cosineRequest, cache)
	if err != nil || !first.Info.Computed {
		t.Fatalf("first run: %v, %+v", err, first)
	}
	log.Reset()
	second, err := model.RunCached(ctx, src, gpt2.Text(text), cosineRequest, cache)
	if err != nil || second.Info.Computed || strings.Contains(log.String(), "loaded") {
		t.Fatalf("second run: %v, computed %v, log %q; want it from the cache without loading the model", err, second.Info.Computed, log.String())
	}
	var m *model.Model
	defer func() {
		if m != nil {
			m.Close()
		}
	}()
	for _, txt := range []string{text, "One.", "Two.", "Three."} {
		key, err := checkpoints.NewKey(ctx, ckpt, checkpoints.Options{}, gpt2.Text(txt), cosineRequest)
		if err != nil {
			t.Fatal(err)
		}
		res, err := cache.Do(ctx, key, func() (*taps.Result, error) {
			if m == nil {
				if m, err = model.OpenKey(src, key); err != nil {
					return nil, err
				}
			}
			return m.Run(gpt2.Tokens(key.Tokens), key.Request)
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Info.Computed == (txt == text) {
			t.Errorf("%q: computed %v", txt, res.Info.Computed)
		}
	}
	if n := strings.Count(log.String(), "loaded "); n != 1 {
		t.Errorf("three misses on one checkpoint loaded it %d times, want once:\n%s", n, log.String())
	}
}
