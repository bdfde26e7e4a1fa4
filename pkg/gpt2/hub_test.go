package gpt2

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// hubTestSafetensors builds a small safetensors file holding one float32 tensor per value count given.
func hubTestSafetensors(sizes ...int) []byte {
	header := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var data []byte
	for i, n := range sizes {
		start := len(data)
		for j := 0; j < n; j++ {
			data = binary.LittleEndian.AppendUint32(data, uint32(i*1000+j))
		}
		header[fmt.Sprintf("h.%d.w", i)] = map[string]any{
			"dtype": "F32", "shape": []int{n}, "data_offsets": []int{start, len(data)},
		}
	}
	headerJSON, _ := json.Marshal(header)
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(headerJSON)))
	out = append(out, headerJSON...)
	return append(out, data...)
}

var hubTestConfig = []byte(`{"model_type": "gpt2", "n_layer": 2, "n_embd": 4}`)

// hubTestWriteDir writes files into dir.
func hubTestWriteDir(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// hubTestWriteCache writes a repository into a cache the way huggingface_hub does: contents in blobs/<sha256>,
// relative symlinks in snapshots/<commit>/, and refs/<ref> (unless ref is "").
func hubTestWriteCache(t *testing.T, cacheDir, repoID, ref, commit string, files map[string][]byte) string {
	t.Helper()
	repoDir := filepath.Join(cacheDir, "models--"+strings.ReplaceAll(repoID, "/", "--"))
	snap := filepath.Join(repoDir, "snapshots", commit)
	for name, data := range files {
		sum := sha256.Sum256(data)
		blob := filepath.Join(repoDir, "blobs", hex.EncodeToString(sum[:]))
		hubTestWriteDir(t, filepath.Dir(blob), map[string][]byte{filepath.Base(blob): data})
		link := filepath.Join(snap, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			t.Fatal(err)
		}
		rel, err := filepath.Rel(filepath.Dir(link), blob)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(rel, link); err != nil {
			t.Fatal(err)
		}
	}
	if ref != "" {
		hubTestWriteDir(t, filepath.Join(repoDir, "refs"), map[string][]byte{ref: []byte(commit)})
	}
	return snap
}

// hubTestFile is one file of a fake Hub repository.
type hubTestFile struct {
	name string
	data []byte
	lfs  bool
}

// hubTestServer mimics the parts of the Hub API that ResolveModel and go-huggingface's hub use.
type hubTestServer struct {
	*httptest.Server
	t     *testing.T
	repos map[string][]hubTestFile // by id; every repo's commit is hubTestCommit(id)

	mu       sync.Mutex
	requests []string       // "METHOD path"
	auth     []string       // Authorization headers seen
	truncate map[string]int // file name → number of GETs to cut off halfway
	corrupt  map[string]int // file name → number of GETs served with a flipped byte
}

func hubTestCommit(id string) string {
	sum := sha1.Sum([]byte(id))
	return hex.EncodeToString(sum[:])
}

func hubTestGitBlobID(data []byte) string {
	sum := sha1.Sum(append([]byte(fmt.Sprintf("blob %d\x00", len(data))), data...))
	return hex.EncodeToString(sum[:])
}

func hubTestSHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func newHubTestServer(t *testing.T, repos map[string][]hubTestFile) *hubTestServer {
	s := &hubTestServer{t: t, repos: repos, truncate: map[string]int{}, corrupt: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// count returns how many requests had a path ending with suffix.
func (s *hubTestServer) count(suffix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if strings.HasSuffix(r, suffix) {
			n++
		}
	}
	return n
}

func (s *hubTestServer) serve(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, req.Method+" "+req.URL.Path)
	s.auth = append(s.auth, req.Header.Get("Authorization"))
	s.mu.Unlock()
	notFound := func(code string) {
		w.Header().Set("X-Error-Code", code)
		http.Error(w, code, http.StatusNotFound)
	}
	if rest, ok := strings.CutPrefix(req.URL.Path, "/api/models/"); ok {
		id, rev, ok := strings.Cut(rest, "/revision/")
		files, known := s.repos[id]
		if !ok || !known {
			notFound("RepoNotFound")
			return
		}
		if rev != "main" && rev != hubTestCommit(id) {
			notFound("RevisionNotFound")
			return
		}
		var siblings []map[string]any
		for _, f := range files {
			sib := map[string]any{"rfilename": f.name}
			if req.URL.Query().Get("blobs") == "true" {
				sib["size"] = len(f.data)
				sib["blobId"] = hubTestGitBlobID(f.data)
				if f.lfs {
					sib["lfs"] = map[string]any{"sha256": hubTestSHA256(f.data), "size": len(f.data), "pointerSize": 130}
					sib["blobId"] = hubTestGitBlobID([]byte("pointer " + f.name))
				}
			}
			siblings = append(siblings, sib)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "sha": hubTestCommit(id), "siblings": siblings})
		return
	}
	id, rest, ok := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/resolve/")
	if !ok {
		http.NotFound(w, req)
		return
	}
	rev, name, _ := strings.Cut(rest, "/")
	if rev != hubTestCommit(id) {
		notFound("RevisionNotFound")
		return
	}
	for _, f := range s.repos[id] {
		if f.name != name {
			continue
		}
		w.Header().Set("X-Repo-Commit", rev)
		if f.lfs {
			w.Header().Set("X-Linked-Etag", `"`+hubTestSHA256(f.data)+`"`)
			w.Header().Set("X-Linked-Size", strconv.Itoa(len(f.data)))
			w.Header().Set("ETag", `"cdn-etag"`)
		} else {
			w.Header().Set("ETag", `"`+hubTestGitBlobID(f.data)+`"`)
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
		if req.Method == http.MethodHead {
			return
		}
		s.mu.Lock()
		truncate, corrupt := s.truncate[name] > 0, s.corrupt[name] > 0
		if truncate {
			s.truncate[name]--
		}
		if corrupt {
			s.corrupt[name]--
		}
		s.mu.Unlock()
		data := f.data
		switch {
		case truncate:
			_, _ = w.Write(data[:len(data)/2])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler) // the server dies midway through the file
		case corrupt:
			data = bytes.Clone(data)
			data[len(data)-1] ^= 0xff
		}
		_, _ = w.Write(data)
		return
	}
	notFound("EntryNotFound")
}

// hubTestEnv points the Hub endpoint at endpoint and clears the environment that would change the tests.
func hubTestEnv(t *testing.T, endpoint string) {
	t.Setenv("HF_ENDPOINT", endpoint)
	t.Setenv("HF_HUB_OFFLINE", "")
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HUGGING_FACE_HUB_TOKEN", "")
	t.Setenv("HF_TOKEN_PATH", filepath.Join(t.TempDir(), "no-token"))
}

// hubTestDeadEndpoint returns an http URL on 127.0.0.1 where nothing listens.
func hubTestDeadEndpoint(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

var hubTestShards = map[string][]byte{
	"model-00001-of-00002.safetensors": hubTestSafetensors(3, 2),
	"model-00002-of-00002.safetensors": hubTestSafetensors(5),
	hubWeightsIndex: []byte(`{"metadata": {"total_size": 40}, "weight_map": {"h.0.w": "model-00001-of-00002.safetensors", ` +
		`"h.1.w": "model-00001-of-00002.safetensors", "h.2.w": "model-00002-of-00002.safetensors"}}`),
}

func TestCheckSafetensorsFile(t *testing.T) {
	good := hubTestSafetensors(4, 3)
	headerOnly := hubTestSafetensors()
	tests := []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{"complete", good, ""},
		{"no tensors", headerOnly, ""},
		{"truncated data", good[:len(good)-1], "header describes"},
		{"trailing bytes", append(bytes.Clone(good), 0), "header describes"},
		{"truncated header", good[:12], "header length"},
		{"shorter than length prefix", good[:5], "too short"},
		{"empty", nil, "too short"},
		{"header not JSON", append(binary.LittleEndian.AppendUint64(nil, 4), "{{{{"...), "not JSON"},
		{"reversed offsets", func() []byte {
			h := []byte(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`)
			return append(append(binary.LittleEndian.AppendUint64(nil, uint64(len(h))), h...), 0, 0, 0, 0)
		}(), "bad data_offsets"},
		{"huge header length", binary.LittleEndian.AppendUint64(nil, 1<<40), "header length"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".safetensors")
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			err := hubCheckSafetensorsFile(path)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("hubCheckSafetensorsFile: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("hubCheckSafetensorsFile error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestResolveModelLocalDir(t *testing.T) {
	hubTestEnv(t, hubTestDeadEndpoint(t))
	root := t.TempDir()
	weights := hubTestSafetensors(4)
	dirs := map[string]map[string][]byte{
		"single":     {hubConfigFile: hubTestConfig, hubWeightsFile: weights},
		"sharded":    {hubConfigFile: hubTestConfig},
		"no-config":  {hubWeightsFile: weights},
		"no-weights": {hubConfigFile: hubTestConfig},
		"pt-only":    {hubConfigFile: hubTestConfig, "pytorch_model.bin": []byte("pickle")},
		"truncated":  {hubConfigFile: hubTestConfig, hubWeightsFile: weights[:len(weights)-3]},
		"bad-config": {hubConfigFile: []byte(`{"model_type": "gp`), hubWeightsFile: weights},
		"bad-shard": {hubConfigFile: hubTestConfig, hubWeightsIndex: hubTestShards[hubWeightsIndex],
			"model-00001-of-00002.safetensors": hubTestShards["model-00001-of-00002.safetensors"]},
	}
	for name, files := range dirs {
		hubTestWriteDir(t, filepath.Join(root, name), files)
	}
	hubTestWriteDir(t, filepath.Join(root, "sharded"), hubTestShards)
	hubTestWriteDir(t, root, map[string][]byte{"file.safetensors": weights})

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
		{"truncated weights", filepath.Join(root, "truncated"), "", "incomplete or corrupt", nil},
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
			got, err := ResolveModel(context.Background(), tt.model, ResolveOptions{CacheDir: t.TempDir()})
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ResolveModel(%q) = %q, %v; want %q", tt.model, got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ResolveModel(%q) error = %v, want one containing %q", tt.model, err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Fatalf("ResolveModel(%q) error = %v, want errors.Is %v", tt.model, err, tt.wantIs)
			}
		})
	}
}

func TestResolveModelCache(t *testing.T) {
	srv := newHubTestServer(t, nil) // knows no repository: any request that reaches it is a failure
	hubTestEnv(t, srv.URL)
	files := map[string][]byte{hubConfigFile: hubTestConfig, hubWeightsFile: hubTestSafetensors(6)}
	commit := hubTestCommit("cached")
	tests := []struct {
		name     string
		model    string
		revision string
		setup    func(t *testing.T, cache string) string // writes the cache; returns the expected directory
	}{
		{"transformers layout", "gpt2-large", "", func(t *testing.T, cache string) string {
			return hubTestWriteCache(t, cache, "openai-community/gpt2-large", "main", commit, files)
		}},
		{"legacy layout", "gpt2-large", "", func(t *testing.T, cache string) string {
			return hubTestWriteCache(t, cache, "gpt2-large", "main", commit, files)
		}},
		{"legacy layout by canonical id", "openai-community/gpt2-xl", "", func(t *testing.T, cache string) string {
			return hubTestWriteCache(t, cache, "gpt2-xl", "main", commit, files)
		}},
		{"org/name", "someone/tiny-gpt2", "", func(t *testing.T, cache string) string {
			return hubTestWriteCache(t, cache, "someone/tiny-gpt2", "main", commit, files)
		}},
		{"sharded", "someone/sharded", "", func(t *testing.T, cache string) string {
			shards := map[string][]byte{hubConfigFile: hubTestConfig}
			for name, data := range hubTestShards {
				shards[name] = data
			}
			return hubTestWriteCache(t, cache, "someone/sharded", "main", commit, shards)
		}},
		{"branch revision", "gpt2", "v2", func(t *testing.T, cache string) string {
			hubTestWriteCache(t, cache, "openai-community/gpt2", "main", hubTestCommit("other"), files)
			return hubTestWriteCache(t, cache, "openai-community/gpt2", "v2", commit, files)
		}},
		{"commit revision without refs", "gpt2", commit, func(t *testing.T, cache string) string {
			return hubTestWriteCache(t, cache, "openai-community/gpt2", "", commit, files)
		}},
		{"single snapshot without refs", "gpt2-medium", "", func(t *testing.T, cache string) string {
			return hubTestWriteCache(t, cache, "openai-community/gpt2-medium", "", commit, files)
		}},
		{"go-huggingface info file", "someone/tiny", "", func(t *testing.T, cache string) string {
			hubTestWriteCache(t, cache, "someone/tiny", "", hubTestCommit("older"), files)
			snap := hubTestWriteCache(t, cache, "someone/tiny", "", commit, files)
			hubTestWriteDir(t, filepath.Join(cache, "models--someone--tiny", "info"),
				map[string][]byte{"main": []byte(`{"id": "someone/tiny", "sha": "` + commit + `"}`)})
			return snap
		}},
		{"plain files in snapshot", "someone/copied", "", func(t *testing.T, cache string) string {
			snap := filepath.Join(cache, "models--someone--copied", "snapshots", commit)
			hubTestWriteDir(t, snap, files)
			hubTestWriteDir(t, filepath.Join(cache, "models--someone--copied", "refs"), map[string][]byte{"main": []byte(commit + "\n")})
			return snap
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := t.TempDir()
			want := tt.setup(t, cache)
			got, err := ResolveModel(context.Background(), tt.model, ResolveOptions{CacheDir: cache, Revision: tt.revision})
			if err != nil || got != want {
				t.Fatalf("ResolveModel(%q) = %q, %v; want %q", tt.model, got, err, want)
			}
		})
	}
	if n := srv.count(""); n != 0 {
		t.Errorf("cached models made %d requests to the Hub, want none: %v", n, srv.requests)
	}
}

func TestResolveModelCacheFromEnv(t *testing.T) {
	hubTestEnv(t, hubTestDeadEndpoint(t))
	files := map[string][]byte{hubConfigFile: hubTestConfig, hubWeightsFile: hubTestSafetensors(2)}
	home := t.TempDir()
	want := hubTestWriteCache(t, filepath.Join(home, "hub"), "openai-community/gpt2", "main", hubTestCommit("x"), files)
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HUGGINGFACE_HUB_CACHE", "")
	t.Setenv("HF_HOME", home)
	got, err := ResolveModel(context.Background(), "gpt2", ResolveOptions{})
	if err != nil || got != want {
		t.Fatalf("ResolveModel(gpt2) with HF_HOME = %q, %v; want %q", got, err, want)
	}
}

func TestResolveModelNotCached(t *testing.T) {
	files := map[string][]byte{hubConfigFile: hubTestConfig, hubWeightsFile: hubTestSafetensors(6)}
	truncated := map[string][]byte{hubConfigFile: hubTestConfig, hubWeightsFile: files[hubWeightsFile][:20]}
	ptOnly := map[string][]byte{hubConfigFile: hubTestConfig, "pytorch_model.bin": []byte("pickle")}
	commit := hubTestCommit("c")
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
			hubTestWriteCache(t, cache, "openai-community/gpt2-large", "main", commit, truncated)
		}, "incomplete or corrupt"},
		{"pytorch only", "", true, func(t *testing.T, cache string) {
			hubTestWriteCache(t, cache, "gpt2-large", "main", commit, ptOnly)
		}, "only safetensors checkpoints are supported"},
		{"ref without snapshot", "", true, func(t *testing.T, cache string) {
			hubTestWriteDir(t, filepath.Join(cache, "models--gpt2-large", "refs"), map[string][]byte{"main": []byte(commit)})
		}, "is missing"},
		{"missing blob", "", true, func(t *testing.T, cache string) {
			snap := hubTestWriteCache(t, cache, "gpt2-large", "main", commit, files)
			target, _ := os.Readlink(filepath.Join(snap, hubWeightsFile))
			if err := os.Remove(filepath.Join(snap, target)); err != nil {
				t.Fatal(err)
			}
		}, "has no model.safetensors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newHubTestServer(t, map[string][]hubTestFile{"openai-community/gpt2-large": {
				{hubConfigFile, hubTestConfig, false}, {hubWeightsFile, files[hubWeightsFile], true}}})
			hubTestEnv(t, srv.URL)
			t.Setenv("HF_HUB_OFFLINE", tt.offlineEnv)
			cache := t.TempDir()
			tt.setup(t, cache)
			_, err := ResolveModel(context.Background(), "gpt2-large", ResolveOptions{CacheDir: cache, Offline: tt.offline})
			if !errors.Is(err, ErrModelNotCached) {
				t.Fatalf("ResolveModel error = %v, want ErrModelNotCached", err)
			}
			for _, want := range []string{cache, "offline mode", tt.wantReason, "random-checkpoint", "HF_HUB_CACHE"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if n := srv.count(""); n != 0 {
				t.Errorf("offline mode made %d requests to the Hub, want none", n)
			}
		})
	}
}

func TestResolveModelHubUnreachable(t *testing.T) {
	endpoint := hubTestDeadEndpoint(t)
	hubTestEnv(t, endpoint)
	cache := t.TempDir()
	_, err := ResolveModel(context.Background(), "gpt2-large", ResolveOptions{CacheDir: cache})
	if !errors.Is(err, ErrModelNotCached) {
		t.Fatalf("ResolveModel error = %v, want ErrModelNotCached", err)
	}
	t.Logf("unreachable Hub: %v", err)
	for _, want := range []string{cache, endpoint, "can't be reached", "config.json and model.safetensors",
		"gpt2taps random-checkpoint --preset gpt2-large --seed 1 --out DIR", "HF_HUB_CACHE or HF_HOME"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestResolveModelHubErrors(t *testing.T) {
	srv := newHubTestServer(t, map[string][]hubTestFile{
		"someone/pt-only":   {{hubConfigFile, hubTestConfig, false}, {"pytorch_model.bin", []byte("pickle"), true}},
		"someone/no-config": {{hubWeightsFile, hubTestSafetensors(1), true}},
	})
	hubTestEnv(t, srv.URL)
	tests := []struct {
		name, model, revision string
		wantIs                error
		wantErr               string
	}{
		{"unknown id", "someone/nothing-here", "", ErrNoSuchModel, "no such model on the Hub: someone/nothing-here"},
		{"unknown revision", "someone/pt-only", "v9", ErrNoSuchModel, `no revision "v9"`},
		{"no safetensors", "someone/pt-only", "", nil, "only safetensors checkpoints are supported"},
		{"no config", "someone/no-config", "", nil, "has no config.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ResolveModel(context.Background(), tt.model, ResolveOptions{CacheDir: t.TempDir(), Revision: tt.revision})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ResolveModel(%q) error = %v, want one containing %q", tt.model, err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Fatalf("ResolveModel(%q) error = %v, want errors.Is %v", tt.model, err, tt.wantIs)
			}
		})
	}
	if n := srv.count("pytorch_model.bin"); n != 0 {
		t.Errorf("pytorch_model.bin was requested %d times, want never", n)
	}
}

// hubTestReadSnapshot reads the files of dir, following symlinks.
func hubTestReadSnapshot(t *testing.T, dir string) map[string][]byte {
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

func TestResolveModelDownload(t *testing.T) {
	single := []hubTestFile{
		{hubConfigFile, hubTestConfig, false},
		{hubWeightsFile, hubTestSafetensors(7, 3), true},
		{"pytorch_model.bin", []byte("pickle"), true},
		{"tf_model.h5", []byte("hdf5"), true},
		{"README.md", []byte("# GPT-2"), false},
	}
	sharded := []hubTestFile{{hubConfigFile, hubTestConfig, false}, {"pytorch_model.bin", []byte("pickle"), true}}
	for _, name := range []string{hubWeightsIndex, "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"} {
		sharded = append(sharded, hubTestFile{name, hubTestShards[name], name != hubWeightsIndex})
	}
	tests := []struct {
		name, model, repoID, revision string
		files                         []hubTestFile
	}{
		{"legacy id", "gpt2", "openai-community/gpt2", "", single},
		{"org/name", "someone/tiny", "someone/tiny", "", single},
		{"sharded", "someone/sharded", "someone/sharded", "", sharded},
		{"commit revision", "someone/tiny", "someone/tiny", hubTestCommit("someone/tiny"), single},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newHubTestServer(t, map[string][]hubTestFile{tt.repoID: tt.files})
			hubTestEnv(t, srv.URL)
			t.Setenv("HF_TOKEN", "hf_test_token")
			cache := t.TempDir()
			var progress bytes.Buffer
			opts := ResolveOptions{CacheDir: cache, Revision: tt.revision, Progress: &progress}
			got, err := ResolveModel(context.Background(), tt.model, opts)
			if err != nil {
				t.Fatalf("ResolveModel(%q): %v", tt.model, err)
			}
			commit := hubTestCommit(tt.repoID)
			repoDir := filepath.Join(cache, "models--"+strings.ReplaceAll(tt.repoID, "/", "--"))
			if want := filepath.Join(repoDir, "snapshots", commit); got != want {
				t.Fatalf("ResolveModel(%q) = %q, want %q", tt.model, got, want)
			}
			want := map[string][]byte{}
			var wantNames []string
			for _, f := range tt.files {
				if f.name == hubConfigFile || strings.Contains(f.name, ".safetensors") {
					want[f.name] = f.data
					wantNames = append(wantNames, f.name)
				}
			}
			snapshot := hubTestReadSnapshot(t, got)
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
				if n := srv.count(other); n != 0 {
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
			for _, auth := range srv.auth {
				if auth != "Bearer hf_test_token" {
					t.Errorf("request with Authorization %q, want the HF_TOKEN bearer token", auth)
				}
			}
			if !strings.Contains(progress.String(), hubWeightsIndex) && !strings.Contains(progress.String(), hubWeightsFile) {
				t.Errorf("progress report %q names no weights file", progress.String())
			}

			// The second time, the cache answers: no request at all.
			before := srv.count("")
			again, err := ResolveModel(context.Background(), tt.model, ResolveOptions{CacheDir: cache, Revision: tt.revision})
			if err != nil || again != got {
				t.Fatalf("second ResolveModel(%q) = %q, %v; want %q", tt.model, again, err, got)
			}
			if n := srv.count("") - before; n != 0 {
				t.Errorf("second ResolveModel made %d requests, want none", n)
			}
		})
	}
}

func TestResolveModelDownloadInterrupted(t *testing.T) {
	weights := hubTestSafetensors(64, 64)
	srv := newHubTestServer(t, map[string][]hubTestFile{"someone/tiny": {
		{hubConfigFile, hubTestConfig, false}, {hubWeightsFile, weights, true}}})
	hubTestEnv(t, srv.URL)
	cache := t.TempDir()
	repoDir := filepath.Join(cache, "models--someone--tiny")
	snapFile := filepath.Join(repoDir, "snapshots", hubTestCommit("someone/tiny"), hubWeightsFile)
	blob := filepath.Join(repoDir, "blobs", hubTestSHA256(weights))

	tests := []struct {
		name    string
		failure map[string]int
		wantErr string
	}{
		{"server dies midway", srv.truncate, "failed"},
		{"corrupt content", srv.corrupt, "sha256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.mu.Lock()
			tt.failure[hubWeightsFile] = 1
			srv.mu.Unlock()
			_, err := ResolveModel(context.Background(), "someone/tiny", ResolveOptions{CacheDir: cache})
			t.Logf("failed download: %v", err)
			if !errors.Is(err, ErrModelNotCached) || !strings.Contains(err.Error(), tt.wantErr) ||
				!strings.Contains(err.Error(), "run again") {
				t.Fatalf("ResolveModel error = %v, want ErrModelNotCached containing %q and %q", err, tt.wantErr, "run again")
			}
			for _, path := range []string{snapFile, blob} {
				if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s left behind after a failed download (Lstat error %v)", path, err)
				}
			}
			_, err = ResolveModel(context.Background(), "someone/tiny", ResolveOptions{CacheDir: cache, Offline: true})
			if !errors.Is(err, ErrModelNotCached) {
				t.Fatalf("offline ResolveModel after a failed download: error = %v, want ErrModelNotCached", err)
			}

			// The server works again: the next run downloads the file afresh.
			got, err := ResolveModel(context.Background(), "someone/tiny", ResolveOptions{CacheDir: cache})
			if err != nil {
				t.Fatalf("ResolveModel after the failure: %v", err)
			}
			if data, err := os.ReadFile(filepath.Join(got, hubWeightsFile)); err != nil || !bytes.Equal(data, weights) {
				t.Fatalf("re-downloaded weights differ from the served ones (read error %v)", err)
			}
			if err := os.RemoveAll(repoDir); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestResolveModelReplacesBadCachedFile(t *testing.T) {
	weights := hubTestSafetensors(16)
	srv := newHubTestServer(t, map[string][]hubTestFile{"someone/tiny": {
		{hubConfigFile, hubTestConfig, false}, {hubWeightsFile, weights, true}}})
	hubTestEnv(t, srv.URL)
	cache := t.TempDir()
	commit := hubTestCommit("someone/tiny")
	// A truncated blob under the right name, as a crash between download and check could leave.
	snap := hubTestWriteCache(t, cache, "someone/tiny", "main", commit,
		map[string][]byte{hubConfigFile: hubTestConfig, hubWeightsFile: weights[:len(weights)/2]})
	truncatedBlob := filepath.Join(cache, "models--someone--tiny", "blobs", hubTestSHA256(weights[:len(weights)/2]))
	got, err := ResolveModel(context.Background(), "someone/tiny", ResolveOptions{CacheDir: cache})
	if err != nil || got != snap {
		t.Fatalf("ResolveModel = %q, %v; want %q", got, err, snap)
	}
	if data, err := os.ReadFile(filepath.Join(snap, hubWeightsFile)); err != nil || !bytes.Equal(data, weights) {
		t.Fatalf("weights not replaced by the served ones (read error %v)", err)
	}
	if _, err := os.Stat(truncatedBlob); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("truncated blob %s still there (Stat error %v)", truncatedBlob, err)
	}
	if n := srv.count("/" + hubConfigFile); n != 0 {
		t.Errorf("config.json, already cached and valid, was requested %d times", n)
	}
}

func TestResolveModelCancelled(t *testing.T) {
	srv := newHubTestServer(t, map[string][]hubTestFile{"someone/tiny": {
		{hubConfigFile, hubTestConfig, false}, {hubWeightsFile, hubTestSafetensors(1), true}}})
	hubTestEnv(t, srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ResolveModel(ctx, "someone/tiny", ResolveOptions{CacheDir: t.TempDir()})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("ResolveModel with a cancelled context: error = %v, want context.Canceled", err)
	}
	if n := srv.count(""); n != 0 {
		t.Errorf("cancelled ResolveModel made %d requests", n)
	}
}

func TestHubToken(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	hubTestWriteDir(t, filepath.Dir(tokenFile), map[string][]byte{"token": []byte("hf_from_file\n")})
	tests := []struct {
		name, explicit, env, path, want string
	}{
		{"explicit wins", "hf_explicit", "hf_env", tokenFile, "hf_explicit"},
		{"HF_TOKEN", "", "hf_env", tokenFile, "hf_env"},
		{"token file", "", "", tokenFile, "hf_from_file"},
		{"none", "", "", filepath.Join(t.TempDir(), "absent"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HF_TOKEN", tt.env)
			t.Setenv("HUGGING_FACE_HUB_TOKEN", "")
			t.Setenv("HF_TOKEN_PATH", tt.path)
			if got := hubToken(tt.explicit); got != tt.want {
				t.Errorf("hubToken(%q) = %q, want %q", tt.explicit, got, tt.want)
			}
		})
	}
}

func TestDefaultHubCacheDir(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                                   string
		hubCache, legacyCache, hfHome, xdgHome string
		want                                   string
	}{
		{"HF_HUB_CACHE", "/c/hub", "/c/legacy", "/c/home", "/c/xdg", "/c/hub"},
		{"HUGGINGFACE_HUB_CACHE", "", "/c/legacy", "/c/home", "/c/xdg", "/c/legacy"},
		{"HF_HOME", "", "", "/c/home", "/c/xdg", "/c/home/hub"},
		{"XDG_CACHE_HOME", "", "", "", "/c/xdg", "/c/xdg/huggingface/hub"},
		{"default", "", "", "", "", filepath.Join(home, ".cache", "huggingface", "hub")},
		{"tilde", "~/hfcache", "", "", "", filepath.Join(home, "hfcache")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HF_HUB_CACHE", tt.hubCache)
			t.Setenv("HUGGINGFACE_HUB_CACHE", tt.legacyCache)
			t.Setenv("HF_HOME", tt.hfHome)
			t.Setenv("XDG_CACHE_HOME", tt.xdgHome)
			if got := DefaultHubCacheDir(); got != filepath.FromSlash(tt.want) {
				t.Errorf("DefaultHubCacheDir() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHubModelArgumentKind(t *testing.T) {
	tests := []struct {
		arg          string
		isID, isPath bool
	}{
		{"gpt2", true, false},
		{"gpt2-large", true, false},
		{"openai-community/gpt2-large", true, false},
		{"some_org/model.v2", true, false},
		{"./gpt2", false, true},
		{"../models/gpt2", false, true},
		{"/data/gpt2", false, true},
		{"~/gpt2", false, true},
		{"models/gpt2/large", false, true},
		{"org/bad name", false, true},
		{"org--name", false, false},
		{"-gpt2", false, false},
		{"gpt2.", false, false},
		{"gpt 2", false, false},
	}
	for _, tt := range tests {
		if got := hubIsRepoID(tt.arg); got != tt.isID {
			t.Errorf("hubIsRepoID(%q) = %v, want %v", tt.arg, got, tt.isID)
		}
		if got := hubLooksLikePath(tt.arg); got != tt.isPath {
			t.Errorf("hubLooksLikePath(%q) = %v, want %v", tt.arg, got, tt.isPath)
		}
	}
}

func TestHubFormatProgress(t *testing.T) {
	tests := []struct {
		done, total int64
		want        string
	}{
		{0, 548105171, "0 B / 548.1 MB (0%)"},
		{1200000000, 3250000000, "1.2 GB / 3.2 GB (36%)"},
		{999, -1, "999 B"},
		{6431829964, 6431829964, "6.4 GB / 6.4 GB (100%)"},
	}
	for _, tt := range tests {
		if got := hubFormatProgress(tt.done, tt.total); got != tt.want {
			t.Errorf("hubFormatProgress(%d, %d) = %q, want %q", tt.done, tt.total, got, tt.want)
		}
	}
}

func ExampleResolveModel() {
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
	resolved, err := ResolveModel(context.Background(), dir, ResolveOptions{Offline: true})
	fmt.Println(resolved == dir, err)
	// Output: true <nil>
}
