package checkpoints

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/internal/hfcache/hubtest"
)

// TestLocate: a local directory, a cached snapshot, a model on the Hub (with the sizes a download would
// fetch), a Hub that can't be asked (recorded, not an error) and a model the Hub does not have (an error); nothing
// is ever downloaded.
func TestLocate(t *testing.T) {
	weights := hubtest.Safetensors(10)
	srv := hubtest.NewServer(t, map[string][]hubtest.File{
		"openai-community/gpt2-medium": {{Name: "config.json", Data: hubtest.Config}, {Name: "model.safetensors", Data: weights, LFS: true}},
	})
	hubtest.Env(t, srv.URL)
	ctx := context.Background()
	cache := t.TempDir()
	opts := Options{CacheDir: cache}
	local := filepath.Join(t.TempDir(), "ckpt")
	hubtest.WriteDir(t, local, map[string][]byte{"config.json": hubtest.Config, "model.safetensors": weights})
	snap := hubtest.WriteCache(t, cache, "gpt2", "main", hubtest.Commit("c"), map[string][]byte{"config.json": hubtest.Config, "model.safetensors": weights})

	loc, err := Locate(ctx, local, opts)
	if err != nil || loc.Dir != local || !loc.Local || loc.Cached {
		t.Errorf("local directory: %+v, %v", loc, err)
	}
	loc, err = Locate(ctx, "gpt2", opts)
	if err != nil || loc.Dir != snap || !loc.Cached || loc.Local {
		t.Errorf("cached: %+v, %v; want the snapshot %s", loc, err, snap)
	}
	if _, ok := loc.DownloadBytes(); ok {
		t.Error("a cached model has nothing to download")
	}
	loc, err = Locate(ctx, "gpt2-medium", opts)
	if err != nil || loc.Dir != "" || loc.HubErr != nil {
		t.Fatalf("on the Hub: %+v, %v", loc, err)
	}
	if n, ok := loc.DownloadBytes(); !ok || n != int64(len(hubtest.Config)+len(weights)) {
		t.Errorf("download size %d (%v), want %d", n, ok, len(hubtest.Config)+len(weights))
	}
	if _, err := Locate(ctx, "someone/missing", opts); !errors.Is(err, ErrNoSuchModel) {
		t.Errorf("a model the Hub lacks: error %v, want ErrNoSuchModel", err)
	}
	if _, err := Locate(ctx, filepath.Join(t.TempDir(), "nope"), opts); err == nil || !strings.Contains(err.Error(), "no such directory") {
		t.Errorf("a missing directory: error %v", err)
	}
	t.Setenv("HF_HUB_OFFLINE", "1")
	loc, err = Locate(ctx, "gpt2-medium", opts)
	if err != nil || !errors.Is(loc.HubErr, ErrOffline) {
		t.Errorf("offline: %+v, %v; want HubErr wrapping ErrOffline", loc, err)
	}
	t.Setenv("HF_HUB_OFFLINE", "")
	t.Setenv("HF_ENDPOINT", hubtest.DeadEndpoint(t))
	loc, err = Locate(ctx, "gpt2-large", opts)
	if err != nil || !errors.Is(loc.HubErr, ErrHubUnreachable) {
		t.Errorf("no network: %+v, %v; want HubErr wrapping ErrHubUnreachable", loc, err)
	} else {
		hubtest.ExpectNeutral(t, loc.HubErr)
	}
	for _, r := range srv.Requests() {
		if strings.Contains(r, "/resolve/") {
			t.Errorf("Locate downloaded a file: %s", r)
		}
	}
}
