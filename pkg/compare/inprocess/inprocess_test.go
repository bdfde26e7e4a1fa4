package inprocess_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/compare/inprocess"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/tools/testckpt"
)

// TestCapturerKeepsOneModelLoaded: the texts of one checkpoint load it once; another checkpoint closes it and
// loads its own; passes the tap cache holds load nothing; the results are those of model.RunCached.
func TestCapturerKeepsOneModelLoaded(t *testing.T) {
	a, b := testckpt.Write(t, 2, 32, 4, 3), testckpt.Write(t, 3, 32, 4, 4)
	var log bytes.Buffer
	c := &inprocess.Capturer{Source: model.Source{Backend: "go", Log: &log}}
	defer c.Close()
	cache := taps.Cache{Dir: t.TempDir()}
	ctx := context.Background()
	run := func(dir, text string) *taps.Result {
		t.Helper()
		key, err := checkpoints.NewKey(ctx, dir, checkpoints.Options{}, gpt2.Text(text), lesson.Request())
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Capture(ctx, key, cache)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	first := run(a, "One text.")
	run(a, "Another text, a little longer.")
	run(b, "One text.")
	if n := strings.Count(log.String(), "loaded "); n != 2 {
		t.Errorf("%d loads for two checkpoints, want 2:\n%s", n, log.String())
	}
	log.Reset()
	if again := run(a, "One text."); again.Info.Computed || strings.Contains(log.String(), "loaded ") {
		t.Errorf("a pass in the tap cache was computed again (or loaded the model):\n%s", log.String())
	}
	want, err := model.RunCached(ctx, model.Source{Model: a, Backend: "go"}, gpt2.Text("One text."), lesson.Request(), taps.Cache{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	got, exp := first.Stacks[gpt2.AttnOut].Array.Data, want.Stacks[gpt2.AttnOut].Array.Data
	if len(got) != len(exp) {
		t.Fatalf("%d values, want %d", len(got), len(exp))
	}
	for i := range got {
		if got[i] != exp[i] {
			t.Fatalf("attn.c_proj value %d: %v, want %v (model.RunCached)", i, got[i], exp[i])
		}
	}
}

// TestProbeRate: a positive rate on the pure-Go backend, naming it; an unknown backend is an error.
func TestProbeRate(t *testing.T) {
	r, err := inprocess.ProbeRate("go")
	if err != nil || r.FLOPS <= 0 || !strings.HasPrefix(r.Backend, "go") || r.Probe == "" {
		t.Errorf("ProbeRate(go) = %+v, %v", r, err)
	}
	if _, err := inprocess.ProbeRate("no-such-backend"); err == nil {
		t.Error("ProbeRate of an unknown backend: no error")
	}
}
