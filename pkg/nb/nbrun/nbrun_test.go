package nbrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/nb"

	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/nb/internal/celltest"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/tools/testckpt"
)

func capture(t *testing.T) (out, errs *bytes.Buffer, status func(func()) int) {
	return celltest.Capture(t)
}

func TestModelErrorsGetTheNotebooksHint(t *testing.T) {
	offline := fmt.Errorf("gpt2-large is not in the cache: %w: %w", checkpoints.ErrModelNotCached, checkpoints.ErrOffline)
	unreachable := fmt.Errorf("gpt2-large: %w: %w", checkpoints.ErrModelNotCached, checkpoints.ErrHubUnreachable)
	other := errors.New("config.json: bad JSON")
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{offline, []string{"unset HF_HUB_OFFLINE", "modelName", "GPT2TAPS_MODEL", "random-checkpoint"}},
		{unreachable, []string{"modelName", "GPT2TAPS_MODEL", "random-checkpoint"}},
	} {
		got := withHint(tc.err).Error()
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("withHint(%v) = %q, want it to mention %q", tc.err, got, w)
			}
		}
		if !errors.Is(withHint(tc.err), checkpoints.ErrModelNotCached) {
			t.Error("the hint hides the error it wraps")
		}
	}
	if got := withHint(other); got != other {
		t.Errorf("an error with no notebook remedy got a hint: %v", got)
	}
}

// TestCheckpointSaysWhatItKnows: Find reads the config without loading
// weights, and String names the backend that will run without starting one.
func TestCheckpointSaysWhatItKnows(t *testing.T) {
	_, errs, status := capture(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 3)
	t.Setenv(env.Model, "")
	var c *Checkpoint
	if code := status(func() { c = Find(ckpt) }); code != -1 {
		t.Fatalf("Find ended the cell with %d: %s", code, errs.String())
	}
	if c.Dir != ckpt || c.Config.NLayer != 2 || c.Config.NEmbd != 32 {
		t.Errorf("Find = %+v", c)
	}
	for backendName, want := range map[string]string{"go": "backend: go (GOMLX_BACKEND=go)", "": "backend: automatic", "auto": "backend: automatic"} {
		t.Setenv("GOMLX_BACKEND", backendName)
		s := c.String()
		if !strings.Contains(s, "model:   "+ckpt+" — 2 blocks, width 32, 4 heads") || !strings.Contains(s, want) ||
			!strings.Contains(s, "the run cell says what ran") {
			t.Errorf("GOMLX_BACKEND=%q: String() =\n%s\nwant %q", backendName, s, want)
		}
	}
	if enc := c.Tokens("Hello world"); len(enc.IDs) != 2 {
		t.Errorf("Tokens: %v", enc.IDs)
	}
	if code := status(func() { c.Tokens("") }); code != 1 {
		t.Errorf("an empty text ended the cell with %d, want 1", code)
	}
}

// TestServerIdle: the model server's idle time-out comes from
// GPT2TAPS_SERVER_IDLE, else ServerIdle; a bad value is an error naming it.
func TestServerIdle(t *testing.T) {
	t.Setenv(env.ServerIdle, "")
	if d, err := serverIdle(); d != ServerIdle || err != nil {
		t.Errorf("unset: %v, %v; want %v", d, err, ServerIdle)
	}
	t.Setenv(env.ServerIdle, "30s")
	if d, err := serverIdle(); d != 30*time.Second || err != nil {
		t.Errorf("30s: %v, %v", d, err)
	}
	for _, bad := range []string{"soon", "-1m", "0s"} {
		t.Setenv(env.ServerIdle, bad)
		if _, err := serverIdle(); err == nil || !strings.Contains(err.Error(), env.ServerIdle) {
			t.Errorf("%q: %v, want an error naming %s", bad, err, env.ServerIdle)
		}
	}
}

// TestRunFindsTheCache: Run returns the taps from the tap cache without a
// model server or a one-shot process (GPT2TAPS_SERVER=off, and no gpt2taps
// binary is built: a cache hit asks nobody), removes the cells' build
// settings from what a server would inherit, and stops the cell with one
// line when the model does not exist.
func TestRunFindsTheCache(t *testing.T) {
	_, errs, status := capture(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 3)
	cache := t.TempDir()
	t.Setenv(env.Cache, cache)
	t.Setenv(env.Model, "")
	t.Setenv(env.TextFile, "")
	t.Setenv(env.Server, "off")
	t.Setenv(env.ServerIdle, "")
	t.Setenv("CGO_ENABLED", "0")
	computed, err := model.RunCached(context.Background(), model.Source{Model: ckpt, Backend: "go"}, gpt2.Text("Hello world"), lesson.Request(), taps.Cache{Dir: cache})
	if err != nil {
		t.Fatal(err)
	}
	var res *taps.Result
	if code := status(func() { res = Run(ckpt, "Hello world", lesson.Request()) }); code != -1 {
		t.Fatalf("Run ended the cell with %d: %s", code, errs.String())
	}
	if res.Info.Computed || !slices.Equal(res.IDs, computed.IDs) || !strings.Contains(res.Info.String(), "loaded from the tap cache") {
		t.Errorf("Run: %v (ids %v), want the cached taps of %v", res.Info, res.IDs, computed.IDs)
	}
	if got, want := nb.Get(res, "hidden_states"), nb.Get(computed, "hidden_states"); !slices.Equal(got.Data, want.Data) {
		t.Error("Run's hidden states differ from the computed ones")
	}
	if v, set := os.LookupEnv("CGO_ENABLED"); set {
		t.Errorf("CGO_ENABLED=%q is still set: the model server would be built without cgo", v)
	}
	errs.Reset()
	missing := filepath.Join(t.TempDir(), "no-such-model")
	if code := status(func() { Run(missing, "Hello", lesson.Request()) }); code != 1 ||
		!strings.HasPrefix(errs.String(), "error: ") || !strings.Contains(errs.String(), "no-such-model") || strings.Count(errs.String(), "\n") != 1 {
		t.Errorf("a missing model: exit %d, stderr %q; want 1 and one line naming it", code, errs.String())
	}
	t.Setenv(env.ServerIdle, "soon")
	errs.Reset()
	if code := status(func() { Run(ckpt, "Hello world", lesson.Request()) }); code != 1 || !strings.Contains(errs.String(), env.ServerIdle) {
		t.Errorf("a bad %s: exit %d, stderr %q", env.ServerIdle, code, errs.String())
	}
}

// TestCheckAddsTheHint: with this package linked, nb.Check (every helper's
// way to stop the cell) adds the notebook's remedy to a model that is
// neither cached nor downloadable.
func TestCheckAddsTheHint(t *testing.T) {
	_, errs, status := capture(t)
	offline := fmt.Errorf("gpt2-large is not in the cache: %w: %w", checkpoints.ErrModelNotCached, checkpoints.ErrOffline)
	if code := status(func() { nb.Check(offline) }); code != 1 {
		t.Fatalf("nb.Check exited with %d, want 1", code)
	}
	if got := errs.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "GPT2TAPS_MODEL") || !strings.Contains(got, "unset HF_HUB_OFFLINE") {
		t.Errorf("stderr %q: want one line with the notebook's remedy", got)
	}
}
