package hfcache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/internal/hfcache/hubtest"
)

func TestResolveCache(t *testing.T) {
	srv := hubtest.NewServer(t, nil) // knows no repository: any request that reaches it is a failure
	hubtest.Env(t, srv.URL)
	files := map[string][]byte{ConfigFile: hubtest.Config, WeightsFile: hubtest.Safetensors(6)}
	commit := hubtest.Commit("cached")
	large := Repo{ID: "openai-community/gpt2-large", Aliases: []string{"gpt2-large"}, Name: "gpt2-large"}
	tests := []struct {
		name     string
		repo     Repo
		revision string
		setup    func(t *testing.T, cache string) string // writes the cache; returns the expected directory
	}{
		{"by id", large, "", func(t *testing.T, cache string) string {
			return hubtest.WriteCache(t, cache, "openai-community/gpt2-large", "main", commit, files)
		}},
		{"by alias", large, "", func(t *testing.T, cache string) string {
			return hubtest.WriteCache(t, cache, "gpt2-large", "main", commit, files)
		}},
		{"id before alias", large, "", func(t *testing.T, cache string) string {
			hubtest.WriteCache(t, cache, "gpt2-large", "main", hubtest.Commit("older"), files)
			return hubtest.WriteCache(t, cache, "openai-community/gpt2-large", "main", commit, files)
		}},
		{"org/name", Repo{ID: "someone/tiny-gpt2"}, "", func(t *testing.T, cache string) string {
			return hubtest.WriteCache(t, cache, "someone/tiny-gpt2", "main", commit, files)
		}},
		{"sharded", Repo{ID: "someone/sharded"}, "", func(t *testing.T, cache string) string {
			shards := map[string][]byte{ConfigFile: hubtest.Config}
			for name, data := range hubtest.Shards {
				shards[name] = data
			}
			return hubtest.WriteCache(t, cache, "someone/sharded", "main", commit, shards)
		}},
		{"branch revision", Repo{ID: "someone/tiny"}, "v2", func(t *testing.T, cache string) string {
			hubtest.WriteCache(t, cache, "someone/tiny", "main", hubtest.Commit("other"), files)
			return hubtest.WriteCache(t, cache, "someone/tiny", "v2", commit, files)
		}},
		{"commit revision without refs", Repo{ID: "someone/tiny"}, commit, func(t *testing.T, cache string) string {
			return hubtest.WriteCache(t, cache, "someone/tiny", "", commit, files)
		}},
		{"single snapshot without refs", Repo{ID: "someone/tiny"}, "", func(t *testing.T, cache string) string {
			return hubtest.WriteCache(t, cache, "someone/tiny", "", commit, files)
		}},
		{"go-huggingface info file", Repo{ID: "someone/tiny"}, "", func(t *testing.T, cache string) string {
			hubtest.WriteCache(t, cache, "someone/tiny", "", hubtest.Commit("older"), files)
			snap := hubtest.WriteCache(t, cache, "someone/tiny", "", commit, files)
			hubtest.WriteDir(t, filepath.Join(cache, "models--someone--tiny", "info"),
				map[string][]byte{"main": []byte(`{"id": "someone/tiny", "sha": "` + commit + `"}`)})
			return snap
		}},
		{"plain files in snapshot", Repo{ID: "someone/copied"}, "", func(t *testing.T, cache string) string {
			snap := filepath.Join(cache, "models--someone--copied", "snapshots", commit)
			hubtest.WriteDir(t, snap, files)
			hubtest.WriteDir(t, filepath.Join(cache, "models--someone--copied", "refs"), map[string][]byte{"main": []byte(commit + "\n")})
			return snap
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := t.TempDir()
			want := tt.setup(t, cache)
			got, err := Resolve(context.Background(), tt.repo, Options{CacheDir: cache, Revision: tt.revision})
			if err != nil || got != want {
				t.Fatalf("Resolve(%+v) = %q, %v; want %q", tt.repo, got, err, want)
			}
		})
	}
	if n := srv.Count(""); n != 0 {
		t.Errorf("cached models made %d requests to the Hub, want none: %v", n, srv.Requests())
	}
}

func TestResolveCacheFromEnv(t *testing.T) {
	hubtest.Env(t, hubtest.DeadEndpoint(t))
	files := map[string][]byte{ConfigFile: hubtest.Config, WeightsFile: hubtest.Safetensors(2)}
	home := t.TempDir()
	want := hubtest.WriteCache(t, filepath.Join(home, "hub"), "openai-community/gpt2", "main", hubtest.Commit("x"), files)
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HUGGINGFACE_HUB_CACHE", "")
	t.Setenv("HF_HOME", home)
	got, err := Resolve(context.Background(), Repo{ID: "openai-community/gpt2"}, Options{})
	if err != nil || got != want {
		t.Fatalf("Resolve with HF_HOME = %q, %v; want %q", got, err, want)
	}
}

func TestResolveNotCached(t *testing.T) {
	files := map[string][]byte{ConfigFile: hubtest.Config, WeightsFile: hubtest.Safetensors(6)}
	truncated := map[string][]byte{ConfigFile: hubtest.Config, WeightsFile: files[WeightsFile][:20]}
	ptOnly := map[string][]byte{ConfigFile: hubtest.Config, "pytorch_model.bin": []byte("pickle")}
	commit := hubtest.Commit("c")
	large := Repo{ID: "openai-community/gpt2-large", Aliases: []string{"gpt2-large"}, Name: "gpt2-large"}
	tests := []struct {
		name       string
		offlineEnv string
		offline    bool
		setup      func(t *testing.T, cache string)
		wantReason string
	}{
		{"empty cache, offline option", "", true, func(*testing.T, string) {}, "not downloaded"},
		{"empty cache, HF_HUB_OFFLINE", "1", false, func(*testing.T, string) {}, "not downloaded"},
		{"truncated weights", "true", false, func(t *testing.T, cache string) {
			hubtest.WriteCache(t, cache, "openai-community/gpt2-large", "main", commit, truncated)
		}, "truncated or corrupt"},
		{"pytorch only", "", true, func(t *testing.T, cache string) {
			hubtest.WriteCache(t, cache, "gpt2-large", "main", commit, ptOnly)
		}, "only safetensors checkpoints are supported"},
		{"ref without snapshot", "", true, func(t *testing.T, cache string) {
			hubtest.WriteDir(t, filepath.Join(cache, "models--gpt2-large", "refs"), map[string][]byte{"main": []byte(commit)})
		}, "is missing"},
		{"missing blob", "", true, func(t *testing.T, cache string) {
			snap := hubtest.WriteCache(t, cache, "gpt2-large", "main", commit, files)
			target, _ := os.Readlink(filepath.Join(snap, WeightsFile))
			if err := os.Remove(filepath.Join(snap, target)); err != nil {
				t.Fatal(err)
			}
		}, "has no model.safetensors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := hubtest.NewServer(t, map[string][]hubtest.File{"openai-community/gpt2-large": {
				{Name: ConfigFile, Data: hubtest.Config}, {Name: WeightsFile, Data: files[WeightsFile], LFS: true}}})
			hubtest.Env(t, srv.URL)
			t.Setenv("HF_HUB_OFFLINE", tt.offlineEnv)
			cache := t.TempDir()
			tt.setup(t, cache)
			_, err := Resolve(context.Background(), large, Options{CacheDir: cache, Offline: tt.offline})
			if !errors.Is(err, ErrNotCached) || !errors.Is(err, ErrOffline) || errors.Is(err, ErrUnreachable) {
				t.Fatalf("Resolve error = %v, want ErrNotCached and ErrOffline", err)
			}
			for _, want := range []string{`"gpt2-large" is not in the cache at ` + cache, "offline mode is on", tt.wantReason,
				"turn offline mode off", "local checkpoint directory holding config.json and model.safetensors", "HF_HUB_CACHE"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			hubtest.ExpectNeutral(t, err)
			if n := srv.Count(""); n != 0 {
				t.Errorf("offline mode made %d requests to the Hub, want none", n)
			}
		})
	}
}

func TestResolveHubUnreachable(t *testing.T) {
	endpoint := hubtest.DeadEndpoint(t)
	hubtest.Env(t, endpoint)
	cache := t.TempDir()
	_, err := Resolve(context.Background(), Repo{ID: "openai-community/gpt2-large"}, Options{CacheDir: cache})
	if !errors.Is(err, ErrNotCached) || !errors.Is(err, ErrUnreachable) || errors.Is(err, ErrOffline) {
		t.Fatalf("Resolve error = %v, want ErrNotCached and ErrUnreachable", err)
	}
	t.Logf("unreachable Hub: %v", err)
	for _, want := range []string{cache, endpoint, "can't be reached", "config.json and model.safetensors",
		"HF_HUB_CACHE or HF_HOME"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	hubtest.ExpectNeutral(t, err)
}

func TestResolveHubErrors(t *testing.T) {
	srv := hubtest.NewServer(t, map[string][]hubtest.File{
		"someone/pt-only":   {{Name: ConfigFile, Data: hubtest.Config}, {Name: "pytorch_model.bin", Data: []byte("pickle"), LFS: true}},
		"someone/no-config": {{Name: WeightsFile, Data: hubtest.Safetensors(1), LFS: true}},
	})
	hubtest.Env(t, srv.URL)
	tests := []struct {
		name, id, revision string
		wantIs             error
		wantErr            string
	}{
		{"unknown id", "someone/nothing-here", "", ErrNoSuchRepo, "no such model on the Hub: someone/nothing-here"},
		{"unknown revision", "someone/pt-only", "v9", ErrNoSuchRepo, `no revision "v9"`},
		{"no safetensors", "someone/pt-only", "", nil, "only safetensors checkpoints are supported"},
		{"no config", "someone/no-config", "", nil, "has no config.json"},
		{"invalid revision", "someone/pt-only", "../x", nil, `invalid revision "../x"`},
		{"invalid id", "someone/bad name", "", nil, `"someone/bad name" is not a valid Hugging Face Hub model id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(context.Background(), Repo{ID: tt.id}, Options{CacheDir: t.TempDir(), Revision: tt.revision})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Resolve(%q) error = %v, want one containing %q", tt.id, err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Fatalf("Resolve(%q) error = %v, want errors.Is %v", tt.id, err, tt.wantIs)
			}
			hubtest.ExpectNeutral(t, err)
		})
	}
	if n := srv.Count("pytorch_model.bin"); n != 0 {
		t.Errorf("pytorch_model.bin was requested %d times, want never", n)
	}
}

// readSnapshot reads the files of dir, following symlinks.
func readSnapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	got := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		got[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestResolveDownload(t *testing.T) {
	single := []hubtest.File{
		{Name: ConfigFile, Data: hubtest.Config},
		{Name: WeightsFile, Data: hubtest.Safetensors(7, 3), LFS: true},
		{Name: "pytorch_model.bin", Data: []byte("pickle"), LFS: true},
		{Name: "tf_model.h5", Data: []byte("hdf5"), LFS: true},
		{Name: "README.md", Data: []byte("# GPT-2")},
	}
	sharded := []hubtest.File{{Name: ConfigFile, Data: hubtest.Config}, {Name: "pytorch_model.bin", Data: []byte("pickle"), LFS: true}}
	for _, name := range []string{IndexFile, "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"} {
		sharded = append(sharded, hubtest.File{Name: name, Data: hubtest.Shards[name], LFS: name != IndexFile})
	}
	tests := []struct {
		name     string
		repo     Repo
		revision string
		files    []hubtest.File
	}{
		{"with an alias", Repo{ID: "openai-community/gpt2", Aliases: []string{"gpt2"}, Name: "gpt2"}, "", single},
		{"org/name", Repo{ID: "someone/tiny"}, "", single},
		{"sharded", Repo{ID: "someone/sharded"}, "", sharded},
		{"commit revision", Repo{ID: "someone/tiny"}, hubtest.Commit("someone/tiny"), single},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := hubtest.NewServer(t, map[string][]hubtest.File{tt.repo.ID: tt.files})
			hubtest.Env(t, srv.URL)
			t.Setenv("HF_TOKEN", "hf_test_token")
			cache := t.TempDir()
			var progress bytes.Buffer
			opts := Options{CacheDir: cache, Revision: tt.revision, Progress: &progress}
			got, err := Resolve(context.Background(), tt.repo, opts)
			if err != nil {
				t.Fatalf("Resolve(%+v): %v", tt.repo, err)
			}
			commit := hubtest.Commit(tt.repo.ID)
			repoDir := hubtest.RepoDir(cache, tt.repo.ID)
			if want := filepath.Join(repoDir, "snapshots", commit); got != want {
				t.Fatalf("Resolve(%+v) = %q, want %q", tt.repo, got, want)
			}
			want := map[string][]byte{}
			var wantNames []string
			for _, f := range tt.files {
				if f.Name == ConfigFile || strings.Contains(f.Name, ".safetensors") {
					want[f.Name] = f.Data
					wantNames = append(wantNames, f.Name)
				}
			}
			snapshot := readSnapshot(t, got)
			var gotNames []string
			for name, data := range snapshot {
				gotNames = append(gotNames, name)
				if !bytes.Equal(data, want[name]) {
					t.Errorf("snapshot file %s differs from the served one", name)
				}
			}
			sort.Strings(gotNames)
			sort.Strings(wantNames)
			if fmt.Sprint(gotNames) != fmt.Sprint(wantNames) {
				t.Errorf("snapshot holds %v, want %v", gotNames, wantNames)
			}
			for _, other := range []string{"pytorch_model.bin", "tf_model.h5", "README.md"} {
				if n := srv.Count(other); n != 0 {
					t.Errorf("%s was requested %d times, want never", other, n)
				}
			}
			ref, err := os.ReadFile(filepath.Join(repoDir, "refs", "main"))
			if tt.revision == "" && string(ref) != commit {
				t.Errorf("refs/main = %q, %v; want %q", ref, err, commit)
			}
			if tt.revision != "" && err == nil {
				t.Errorf("refs/main written for a commit revision")
			}
			for _, auth := range srv.Auth() {
				if auth != "Bearer hf_test_token" {
					t.Errorf("request with Authorization %q, want the HF_TOKEN bearer token", auth)
				}
			}
			if !strings.Contains(progress.String(), IndexFile) && !strings.Contains(progress.String(), WeightsFile) {
				t.Errorf("progress report %q names no weights file", progress.String())
			}

			// The second time, the cache answers: no request at all.
			before := srv.Count("")
			again, err := Resolve(context.Background(), tt.repo, Options{CacheDir: cache, Revision: tt.revision})
			if err != nil || again != got {
				t.Fatalf("second Resolve(%+v) = %q, %v; want %q", tt.repo, again, err, got)
			}
			if n := srv.Count("") - before; n != 0 {
				t.Errorf("second Resolve made %d requests, want none", n)
			}
		})
	}
}

func TestResolveDownloadInterrupted(t *testing.T) {
	weights := hubtest.Safetensors(64, 64)
	srv := hubtest.NewServer(t, map[string][]hubtest.File{"someone/tiny": {
		{Name: ConfigFile, Data: hubtest.Config}, {Name: WeightsFile, Data: weights, LFS: true}}})
	hubtest.Env(t, srv.URL)
	cache := t.TempDir()
	repo := Repo{ID: "someone/tiny"}
	repoDir := hubtest.RepoDir(cache, repo.ID)
	snapFile := filepath.Join(repoDir, "snapshots", hubtest.Commit(repo.ID), WeightsFile)
	blob := filepath.Join(repoDir, "blobs", hubtest.SHA256(weights))

	tests := []struct {
		name    string
		fail    func()
		wantErr string
	}{
		{"server dies midway", func() { srv.Truncate(WeightsFile, 1) }, "failed"},
		{"corrupt content", func() { srv.Corrupt(WeightsFile, 1) }, "sha256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fail()
			_, err := Resolve(context.Background(), repo, Options{CacheDir: cache})
			t.Logf("failed download: %v", err)
			if !errors.Is(err, ErrNotCached) || !strings.Contains(err.Error(), tt.wantErr) ||
				!strings.Contains(err.Error(), "run again") {
				t.Fatalf("Resolve error = %v, want ErrNotCached containing %q and %q", err, tt.wantErr, "run again")
			}
			hubtest.ExpectNeutral(t, err)
			for _, path := range []string{snapFile, blob} {
				if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s left behind after a failed download (Lstat error %v)", path, err)
				}
			}
			_, err = Resolve(context.Background(), repo, Options{CacheDir: cache, Offline: true})
			if !errors.Is(err, ErrNotCached) {
				t.Fatalf("offline Resolve after a failed download: error = %v, want ErrNotCached", err)
			}

			// The server works again: the next run downloads the file afresh.
			got, err := Resolve(context.Background(), repo, Options{CacheDir: cache})
			if err != nil {
				t.Fatalf("Resolve after the failure: %v", err)
			}
			if data, err := os.ReadFile(filepath.Join(got, WeightsFile)); err != nil || !bytes.Equal(data, weights) {
				t.Fatalf("re-downloaded weights differ from the served ones (read error %v)", err)
			}
			if err := os.RemoveAll(repoDir); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestResolveReplacesBadCachedFile(t *testing.T) {
	weights := hubtest.Safetensors(16)
	srv := hubtest.NewServer(t, map[string][]hubtest.File{"someone/tiny": {
		{Name: ConfigFile, Data: hubtest.Config}, {Name: WeightsFile, Data: weights, LFS: true}}})
	hubtest.Env(t, srv.URL)
	cache := t.TempDir()
	commit := hubtest.Commit("someone/tiny")
	// A truncated blob under the right name, as a crash between download and check could leave.
	snap := hubtest.WriteCache(t, cache, "someone/tiny", "main", commit,
		map[string][]byte{ConfigFile: hubtest.Config, WeightsFile: weights[:len(weights)/2]})
	truncatedBlob := filepath.Join(hubtest.RepoDir(cache, "someone/tiny"), "blobs", hubtest.SHA256(weights[:len(weights)/2]))
	got, err := Resolve(context.Background(), Repo{ID: "someone/tiny"}, Options{CacheDir: cache})
	if err != nil || got != snap {
		t.Fatalf("Resolve = %q, %v; want %q", got, err, snap)
	}
	if data, err := os.ReadFile(filepath.Join(snap, WeightsFile)); err != nil || !bytes.Equal(data, weights) {
		t.Fatalf("weights not replaced by the served ones (read error %v)", err)
	}
	if _, err := os.Stat(truncatedBlob); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("truncated blob %s still there (Stat error %v)", truncatedBlob, err)
	}
	if n := srv.Count("/" + ConfigFile); n != 0 {
		t.Errorf("config.json, already cached and valid, was requested %d times", n)
	}
}

// TestResolveUnusableHubFile serves weights that are exactly the Hub's file (the hash matches) but not a valid
// safetensors file to this reader (an unknown dtype): the error says that downloading again won't help, the file
// stays in the cache as the Hub has it, and a second try does not download it again.
func TestResolveUnusableHubFile(t *testing.T) {
	header := `{"w":{"dtype":"F8_E9M9","shape":[2],"data_offsets":[0,2]}}`
	weights := append(append([]byte{byte(len(header)), 0, 0, 0, 0, 0, 0, 0}, header...), 1, 2)
	srv := hubtest.NewServer(t, map[string][]hubtest.File{"someone/odd": {
		{Name: ConfigFile, Data: hubtest.Config}, {Name: WeightsFile, Data: weights, LFS: true}}})
	hubtest.Env(t, srv.URL)
	cache := t.TempDir()
	for try := 1; try <= 2; try++ {
		_, err := Resolve(context.Background(), Repo{ID: "someone/odd"}, Options{CacheDir: cache})
		if err == nil || errors.Is(err, ErrNotCached) {
			t.Fatalf("try %d: Resolve error = %v, want one that is not ErrNotCached", try, err)
		}
		for _, want := range []string{"model.safetensors of the Hub repository someone/odd", `unknown safetensors dtype "F8_E9M9"`,
			"downloading it again won't help", "use another model or revision"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("try %d: error %q does not mention %q", try, err, want)
			}
		}
		hubtest.ExpectNeutral(t, err)
	}
	if n := srv.Count("GET /someone/odd/resolve/" + hubtest.Commit("someone/odd") + "/" + WeightsFile); n != 1 {
		t.Errorf("the weights were downloaded %d times, want once", n)
	}
}

// TestResolveRefusesSubfolderShard serves a sharded checkpoint whose index names a shard in a subfolder: Resolve
// refuses it with stfile.ReadIndex's error, the one the loader gives too, and never downloads the shard.
func TestResolveRefusesSubfolderShard(t *testing.T) {
	index := []byte(`{"weight_map": {"h.0.w": "sub/model-00001-of-00001.safetensors"}}`)
	srv := hubtest.NewServer(t, map[string][]hubtest.File{"someone/sub": {
		{Name: ConfigFile, Data: hubtest.Config}, {Name: IndexFile, Data: index},
		{Name: "sub/model-00001-of-00001.safetensors", Data: hubtest.Safetensors(1), LFS: true}}})
	hubtest.Env(t, srv.URL)
	_, err := Resolve(context.Background(), Repo{ID: "someone/sub"}, Options{CacheDir: t.TempDir()})
	want := `names shard "sub/model-00001-of-00001.safetensors" for tensor "h.0.w", which is not a file name next to the index`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Resolve error = %v, want one containing %q", err, want)
	}
	if n := srv.Count(".safetensors"); n != 0 {
		t.Errorf("the shard was requested %d times, want never", n)
	}
}

func TestResolveCancelled(t *testing.T) {
	srv := hubtest.NewServer(t, map[string][]hubtest.File{"someone/tiny": {
		{Name: ConfigFile, Data: hubtest.Config}, {Name: WeightsFile, Data: hubtest.Safetensors(1), LFS: true}}})
	hubtest.Env(t, srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Resolve(ctx, Repo{ID: "someone/tiny"}, Options{CacheDir: t.TempDir()})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Resolve with a cancelled context: error = %v, want context.Canceled", err)
	}
	if n := srv.Count(""); n != 0 {
		t.Errorf("cancelled Resolve made %d requests", n)
	}
}
