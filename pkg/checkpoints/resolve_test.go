package checkpoints

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"

	"github.com/gpt2taps/gpt2taps/internal/hfcache/hubtest"
	"github.com/gpt2taps/gpt2taps/internal/stfile"
)

func TestResolveLocalDir(t *testing.T) {
	hubtest.Env(t, hubtest.DeadEndpoint(t))
	root := t.TempDir()
	weights := hubtest.Safetensors(4)
	dirs := map[string]map[string][]byte{
		"single":     {"config.json": hubtest.Config, "model.safetensors": weights},
		"sharded":    {"config.json": hubtest.Config},
		"no-config":  {"model.safetensors": weights},
		"no-weights": {"config.json": hubtest.Config},
		"pt-only":    {"config.json": hubtest.Config, "pytorch_model.bin": []byte("pickle")},
		"truncated":  {"config.json": hubtest.Config, "model.safetensors": weights[:len(weights)-3]},
		"bad-config": {"config.json": []byte(`{"model_type": "gp`), "model.safetensors": weights},
		"bad-shard": {"config.json": hubtest.Config, gpt2.WeightsIndexFile: hubtest.Shards[gpt2.WeightsIndexFile],
			"model-00001-of-00002.safetensors": hubtest.Shards["model-00001-of-00002.safetensors"]},
	}
	for name, files := range dirs {
		hubtest.WriteDir(t, filepath.Join(root, name), files)
	}
	hubtest.WriteDir(t, filepath.Join(root, "sharded"), hubtest.Shards)
	hubtest.WriteDir(t, root, map[string][]byte{"file.safetensors": weights})

	tests := []struct {
		name    string
		model   string
		want    string // directory expected, when no error
		wantErr string
		wantIs  error
	}{
		{"single file", filepath.Join(root, "single"), filepath.Join(root, "single"), "", nil},
		{"sharded", filepath.Join(root, "sharded"), filepath.Join(root, "sharded"), "", nil},
		{"no config", filepath.Join(root, "no-config"), "", "has no config.json", nil},
		{"no weights", filepath.Join(root, "no-weights"), "", "has no model.safetensors", nil},
		{"pytorch only", filepath.Join(root, "pt-only"), "", "only safetensors checkpoints are supported", nil},
		{"truncated weights", filepath.Join(root, "truncated"), "", "truncated or corrupt", nil},
		{"bad config", filepath.Join(root, "bad-config"), "", "not a JSON object", nil},
		{"missing shard", filepath.Join(root, "bad-shard"), "", "has no model-00002-of-00002.safetensors", nil},
		{"a file", filepath.Join(root, "file.safetensors"), "", "is a file, not a directory", nil},
		{"absent absolute path", filepath.Join(root, "nope"), "", "no such directory", fs.ErrNotExist},
		{"absent relative path", "./nope-" + strconv.Itoa(os.Getpid()), "", "no such directory", fs.ErrNotExist},
		{"absent home path", "~/nope-" + strconv.Itoa(os.Getpid()), "", "no such directory", fs.ErrNotExist},
		{"absent nested path", "a/b/c", "", "no such directory", fs.ErrNotExist},
		{"not an id", "gpt 2", "", "neither an existing directory nor a valid Hugging Face Hub model id", nil},
		{"empty", "", "", "empty model argument", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve(context.Background(), tt.model, Options{CacheDir: t.TempDir()})
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("Resolve(%q) = %q, %v; want %q", tt.model, got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Resolve(%q) error = %v, want one containing %q", tt.model, err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Fatalf("Resolve(%q) error = %v, want errors.Is %v", tt.model, err, tt.wantIs)
			}
			hubtest.ExpectNeutral(t, err)
		})
	}
}

// TestResolveCache finds GPT-2's models in the cache under their canonical and their legacy ids, whichever
// the argument names, without asking the Hub.
func TestResolveCache(t *testing.T) {
	srv := hubtest.NewServer(t, nil) // knows no repository: any request that reaches it is a failure
	hubtest.Env(t, srv.URL)
	files := map[string][]byte{"config.json": hubtest.Config, "model.safetensors": hubtest.Safetensors(6)}
	commit := hubtest.Commit("cached")
	tests := []struct {
		name, model, cachedAs string
	}{
		{"transformers layout", "gpt2-large", "openai-community/gpt2-large"},
		{"legacy layout", "gpt2-large", "gpt2-large"},
		{"legacy layout by canonical id", "openai-community/gpt2-xl", "gpt2-xl"},
		{"canonical layout by canonical id", "openai-community/gpt2", "openai-community/gpt2"},
		{"distilgpt2", "distilgpt2", "distilbert/distilgpt2"},
		{"org/name", "someone/tiny-gpt2", "someone/tiny-gpt2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := t.TempDir()
			want := hubtest.WriteCache(t, cache, tt.cachedAs, "main", commit, files)
			got, err := Resolve(context.Background(), tt.model, Options{CacheDir: cache})
			if err != nil || got != want {
				t.Fatalf("Resolve(%q) = %q, %v; want %q", tt.model, got, err, want)
			}
		})
	}
	if n := srv.Count(""); n != 0 {
		t.Errorf("cached models made %d requests to the Hub, want none: %v", n, srv.Requests())
	}
}

// TestResolveNotCached checks the errors.Is targets a caller adds its hints by, and that the messages say
// what to do without naming any caller.
func TestResolveNotCached(t *testing.T) {
	t.Run("offline", func(t *testing.T) {
		srv := hubtest.NewServer(t, nil)
		hubtest.Env(t, srv.URL)
		cache := t.TempDir()
		_, err := Resolve(context.Background(), "gpt2-large", Options{CacheDir: cache, Offline: true})
		if !errors.Is(err, ErrModelNotCached) || !errors.Is(err, ErrOffline) || errors.Is(err, ErrHubUnreachable) {
			t.Fatalf("Resolve error = %v, want ErrModelNotCached and ErrOffline", err)
		}
		for _, want := range []string{`"gpt2-large" is not in the cache at ` + cache, "models--openai-community--gpt2-large: not downloaded",
			"models--gpt2-large: not downloaded", "offline mode is on", "turn offline mode off",
			"local checkpoint directory holding config.json and model.safetensors", "HF_HUB_CACHE"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
		hubtest.ExpectNeutral(t, err)
		if n := srv.Count(""); n != 0 {
			t.Errorf("offline mode made %d requests to the Hub, want none", n)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		endpoint := hubtest.DeadEndpoint(t)
		hubtest.Env(t, endpoint)
		_, err := Resolve(context.Background(), "gpt2-large", Options{CacheDir: t.TempDir()})
		if !errors.Is(err, ErrModelNotCached) || !errors.Is(err, ErrHubUnreachable) || errors.Is(err, ErrOffline) {
			t.Fatalf("Resolve error = %v, want ErrModelNotCached and ErrHubUnreachable", err)
		}
		for _, want := range []string{endpoint, "can't be reached", "config.json and model.safetensors", "HF_HUB_CACHE or HF_HOME"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
		hubtest.ExpectNeutral(t, err)
	})
	t.Run("no such model", func(t *testing.T) {
		srv := hubtest.NewServer(t, nil)
		hubtest.Env(t, srv.URL)
		_, err := Resolve(context.Background(), "someone/nothing-here", Options{CacheDir: t.TempDir()})
		if !errors.Is(err, ErrNoSuchModel) || errors.Is(err, ErrModelNotCached) ||
			!strings.Contains(err.Error(), "no such model on the Hub: someone/nothing-here") {
			t.Fatalf("Resolve error = %v, want ErrNoSuchModel naming the id", err)
		}
		hubtest.ExpectNeutral(t, err)
	})
}

// TestResolveDownload downloads a legacy id: it lands in the canonical id's cache folder, as transformers
// files it, and the legacy id finds it there afterwards.
func TestResolveDownload(t *testing.T) {
	weights := hubtest.Safetensors(7, 3)
	srv := hubtest.NewServer(t, map[string][]hubtest.File{"openai-community/gpt2": {
		{Name: "config.json", Data: hubtest.Config}, {Name: "model.safetensors", Data: weights, LFS: true}}})
	hubtest.Env(t, srv.URL)
	cache := t.TempDir()
	var progress bytes.Buffer
	got, err := Resolve(context.Background(), "gpt2", Options{CacheDir: cache, Progress: &progress})
	want := filepath.Join(hubtest.RepoDir(cache, "openai-community/gpt2"), "snapshots", hubtest.Commit("openai-community/gpt2"))
	if err != nil || got != want {
		t.Fatalf("Resolve(gpt2) = %q, %v; want %q", got, err, want)
	}
	if data, err := os.ReadFile(filepath.Join(got, "model.safetensors")); err != nil || !bytes.Equal(data, weights) {
		t.Errorf("downloaded weights differ from the served ones (read error %v)", err)
	}
	if !strings.Contains(progress.String(), "model.safetensors") {
		t.Errorf("progress report %q does not name the weights", progress.String())
	}
	before := srv.Count("")
	if again, err := Resolve(context.Background(), "gpt2", Options{CacheDir: cache}); err != nil || again != got {
		t.Fatalf("second Resolve(gpt2) = %q, %v; want %q", again, err, got)
	}
	if n := srv.Count("") - before; n != 0 {
		t.Errorf("second Resolve made %d requests, want none", n)
	}
}

func TestModelArgumentKind(t *testing.T) {
	tests := []struct {
		arg    string
		isPath bool
	}{
		{"gpt2", false},
		{"gpt2-large", false},
		{"openai-community/gpt2-large", false},
		{"some_org/model.v2", false},
		{"./gpt2", true},
		{"../models/gpt2", true},
		{"/data/gpt2", true},
		{"~/gpt2", true},
		{"models/gpt2/large", true},
		{"org/bad name", true},
		{"org--name", false},
		{"-gpt2", false},
		{"gpt2.", false},
		{"gpt 2", false},
	}
	for _, tt := range tests {
		if got := looksLikePath(tt.arg); got != tt.isPath {
			t.Errorf("looksLikePath(%q) = %v, want %v", tt.arg, got, tt.isPath)
		}
	}
}

// subfolderCheckpoint writes a random checkpoint in two shards and moves the second into sub/, naming it
// sub/<shard> in the index. It returns the directory and the checkpoint's files as a Hub would serve them.
func subfolderCheckpoint(t *testing.T) (string, []hubtest.File) {
	t.Helper()
	dir := writeRandom(t, tinyConfig(), RandomOptions{Seed: 4, Shards: 2})
	const shard = "model-00002-of-00002.safetensors"
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, shard), filepath.Join(dir, "sub", shard)); err != nil {
		t.Fatal(err)
	}
	index, err := os.ReadFile(filepath.Join(dir, gpt2.WeightsIndexFile))
	if err != nil {
		t.Fatal(err)
	}
	index = bytes.ReplaceAll(index, []byte(`"`+shard+`"`), []byte(`"sub/`+shard+`"`))
	if err := os.WriteFile(filepath.Join(dir, gpt2.WeightsIndexFile), index, 0o644); err != nil {
		t.Fatal(err)
	}
	var files []hubtest.File
	for _, name := range []string{"config.json", gpt2.WeightsIndexFile, "model-00001-of-00002.safetensors", "sub/" + shard} {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, hubtest.File{Name: name, Data: data, LFS: strings.HasSuffix(name, ".safetensors")})
	}
	return dir, files
}

// TestResolveSubfolderShard: a checkpoint whose index names a shard in a subfolder (sub/x.safetensors) is
// refused with one error, the same at resolution — of a local directory or of a Hub model — and at load, so that
// no model resolves that then fails to load. Shards next to the index resolve and load.
func TestResolveSubfolderShard(t *testing.T) {
	hubtest.Env(t, hubtest.DeadEndpoint(t))
	load := func(dir string) error {
		cfg, err := gpt2.LoadConfig(dir)
		if err == nil {
			_, err = gpt2.LoadWeights(dir, cfg, gpt2.LoadOptions{})
		}
		return err
	}

	// The control: the same checkpoint with its shards next to the index resolves and loads.
	flat := writeRandom(t, tinyConfig(), RandomOptions{Seed: 4, Shards: 2})
	if dir, err := Resolve(context.Background(), flat, Options{}); err != nil || dir != flat {
		t.Fatalf("Resolve of the sharded checkpoint = %q, %v", dir, err)
	}
	if err := load(flat); err != nil {
		t.Fatalf("loading the sharded checkpoint: %v", err)
	}

	dir, files := subfolderCheckpoint(t)
	_, indexErr := stfile.ReadIndex(filepath.Join(dir, gpt2.WeightsIndexFile))
	if indexErr == nil {
		t.Fatal("stfile.ReadIndex accepted an index naming a shard in a subfolder")
	}
	refusal := indexErr.Error() // the one error, as every path must give it
	for _, want := range []string{`names shard "sub/model-00002-of-00002.safetensors"`, "not a file name next to the index",
		"subfolders", "put the shards next to the index"} {
		if !strings.Contains(refusal, want) {
			t.Errorf("refusal %q does not say %q", refusal, want)
		}
	}
	hubtest.ExpectNeutral(t, indexErr)

	_, err := Resolve(context.Background(), dir, Options{})
	if err == nil || !strings.Contains(err.Error(), refusal) {
		t.Errorf("Resolve of the local directory: error %v, want one containing %q", err, refusal)
	}
	err = load(dir)
	if err == nil || !strings.Contains(err.Error(), refusal) {
		t.Errorf("Load: error %v, want one containing %q", err, refusal)
	}

	// From the Hub: refused once the index is read, before the shards are downloaded.
	srv := hubtest.NewServer(t, map[string][]hubtest.File{"someone/sub-shards": files})
	hubtest.Env(t, srv.URL)
	cache := t.TempDir()
	_, err = Resolve(context.Background(), "someone/sub-shards", Options{CacheDir: cache})
	snapIndex := filepath.Join(hubtest.RepoDir(cache, "someone/sub-shards"), "snapshots", hubtest.Commit("someone/sub-shards"), gpt2.WeightsIndexFile)
	hubRefusal := strings.ReplaceAll(refusal, filepath.Join(dir, gpt2.WeightsIndexFile), snapIndex)
	if err == nil || !strings.Contains(err.Error(), hubRefusal) {
		t.Errorf("Resolve of the Hub model: error %v, want one containing %q", err, hubRefusal)
	}
	if n := srv.Count(".safetensors"); n != 0 {
		t.Errorf("%d shard requests, want none: %v", n, srv.Requests())
	}
}

func ExampleResolve() {
	dir, err := os.MkdirTemp("", "gpt2-checkpoint")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type": "gpt2"}`), 0o644)
	// The smallest safetensors file: an 8-byte little-endian header length, then the JSON header "{}".
	_ = os.WriteFile(filepath.Join(dir, "model.safetensors"), []byte("\x02\x00\x00\x00\x00\x00\x00\x00{}"), 0o644)

	// A directory is used as is (once checked); a Hub id such as "gpt2-large" is looked up in the cache.
	resolved, err := Resolve(context.Background(), dir, Options{Offline: true})
	fmt.Println(resolved == dir, err)
	// Output: true <nil>
}
