package hfcache

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gpt2taps/gpt2taps/internal/hfcache/hubtest"
)

// TestLookup: the cache is searched as Resolve searches it (id, then aliases), incomplete snapshots do not count,
// and the network is never used.
func TestLookup(t *testing.T) {
	srv := hubtest.NewServer(t, nil)
	hubtest.Env(t, srv.URL)
	cache := t.TempDir()
	files := map[string][]byte{ConfigFile: hubtest.Config, WeightsFile: hubtest.Safetensors(6)}
	repo := Repo{ID: "openai-community/gpt2", Aliases: []string{"gpt2"}, Name: "gpt2"}
	if dir, err := Lookup(repo, Options{CacheDir: cache}); err != nil || dir != "" {
		t.Fatalf("empty cache: Lookup = %q, %v; want \"\", nil", dir, err)
	}
	hubtest.WriteCache(t, cache, "someone/partial", "main", hubtest.Commit("p"), map[string][]byte{ConfigFile: hubtest.Config})
	if dir, err := Lookup(Repo{ID: "someone/partial"}, Options{CacheDir: cache}); err != nil || dir != "" {
		t.Errorf("a snapshot without weights: Lookup = %q, %v; want \"\", nil", dir, err)
	}
	want := hubtest.WriteCache(t, cache, "gpt2", "main", hubtest.Commit("x"), files)
	if dir, err := Lookup(repo, Options{CacheDir: cache}); err != nil || dir != want {
		t.Errorf("cached under the legacy id: Lookup = %q, %v; want %q", dir, err, want)
	}
	if _, err := Lookup(Repo{ID: "not a valid id"}, Options{CacheDir: cache}); err == nil {
		t.Error("an invalid id should be an error")
	}
	if n := srv.Count(""); n != 0 {
		t.Errorf("Lookup made %d requests to the Hub, want none", n)
	}
}

func TestCheckpointFiles(t *testing.T) {
	weights := hubtest.Safetensors(6)
	shardRepo := []hubtest.File{{Name: ConfigFile, Data: hubtest.Config}, {Name: "README.md", Data: []byte("hi")},
		{Name: "sub/extra.safetensors", Data: weights, LFS: true}}
	for name, data := range hubtest.Shards {
		shardRepo = append(shardRepo, hubtest.File{Name: name, Data: data, LFS: name != IndexFile})
	}
	srv := hubtest.NewServer(t, map[string][]hubtest.File{
		"openai-community/gpt2": {{Name: ConfigFile, Data: hubtest.Config}, {Name: WeightsFile, Data: weights, LFS: true},
			{Name: "pytorch_model.bin", Data: []byte("big")}},
		"someone/sharded": shardRepo,
		"someone/bin":     {{Name: ConfigFile, Data: hubtest.Config}, {Name: "pytorch_model.bin", Data: []byte("x")}},
	})
	hubtest.Env(t, srv.URL)
	ctx := context.Background()
	opts := Options{CacheDir: t.TempDir()}

	got, err := CheckpointFiles(ctx, Repo{ID: "openai-community/gpt2", Name: "gpt2"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []RemoteFile{{ConfigFile, int64(len(hubtest.Config))}, {WeightsFile, int64(len(weights))}}
	if !slices.Equal(got, want) {
		t.Errorf("single file: %v, want %v", got, want)
	}

	got, err = CheckpointFiles(ctx, Repo{ID: "someone/sharded"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range got {
		names = append(names, f.Name)
		if f.Size != int64(len(hubtest.Shards[f.Name])) && f.Name != ConfigFile {
			t.Errorf("%s: size %d, want %d", f.Name, f.Size, len(hubtest.Shards[f.Name]))
		}
	}
	wantNames := []string{ConfigFile, IndexFile, "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}
	if !slices.Equal(names, wantNames) {
		t.Errorf("sharded: files %v, want %v", names, wantNames)
	}

	for _, tc := range []struct {
		name string
		repo string
		env  func()
		is   error
	}{
		{"no such repo", "someone/missing", func() {}, ErrNoSuchRepo},
		{"offline", "openai-community/gpt2", func() { t.Setenv("HF_HUB_OFFLINE", "1") }, ErrOffline},
		{"unreachable", "openai-community/gpt2", func() { t.Setenv("HF_HUB_OFFLINE", ""); t.Setenv("HF_ENDPOINT", hubtest.DeadEndpoint(t)) }, ErrUnreachable},
	} {
		tc.env()
		_, err := CheckpointFiles(ctx, Repo{ID: tc.repo}, opts)
		if !errors.Is(err, tc.is) {
			t.Errorf("%s: error %v, want one wrapping %v", tc.name, err, tc.is)
		} else {
			hubtest.ExpectNeutral(t, err)
		}
	}
	hubtest.Env(t, srv.URL)
	if _, err := CheckpointFiles(ctx, Repo{ID: "someone/bin"}, opts); err == nil {
		t.Error("a repository without safetensors weights should be an error")
	}
	for _, r := range srv.Requests() {
		if strings.Contains(r, "/resolve/") {
			t.Errorf("CheckpointFiles downloaded a file: %s", r)
		}
	}
}

// TestCheckpointFilesDeadline: a Hub that does not answer before the caller's deadline counts as unreachable.
func TestCheckpointFilesDeadline(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	hubtest.Env(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := CheckpointFiles(ctx, Repo{ID: "openai-community/gpt2"}, Options{CacheDir: t.TempDir()})
	if !errors.Is(err, ErrUnreachable) {
		t.Errorf("error %v, want one wrapping ErrUnreachable", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := CheckpointFiles(ctx, Repo{ID: "openai-community/gpt2"}, Options{CacheDir: t.TempDir()}); !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnreachable) {
		t.Errorf("cancelled: error %v, want context.Canceled only", err)
	}
}
