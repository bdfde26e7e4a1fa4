// Package hubtest provides a fake Hugging Face Hub and cache writers for tests of the code that resolves and
// downloads models: a Server that answers the revision API and file downloads the way the Hub does (with faults on
// demand), and WriteCache, which files a repository in a cache the way huggingface_hub does.
package hubtest

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// File is one file of a fake Hub repository.
type File struct {
	Name string // path in the repository, slash-separated
	Data []byte
	LFS  bool // stored with Git LFS: the Hub reports its sha256 and serves it through a linked ETag
}

// Server mimics the parts of the Hub API that resolution and go-huggingface's hub use: the revision API
// (/api/models/<id>/revision/<rev>?blobs=true) and file downloads (/<id>/resolve/<commit>/<file>, HEAD and GET).
// Every repository's commit is Commit(id); revisions "main" and that commit exist.
type Server struct {
	*httptest.Server
	repos map[string][]File // by id

	mu       sync.Mutex
	requests []string       // "METHOD path"
	auth     []string       // Authorization headers seen
	truncate map[string]int // file name → number of GETs to cut off halfway
	corrupt  map[string]int // file name → number of GETs served with a flipped byte
}

// NewServer starts a fake Hub serving repos (by id), closed when the test ends.
func NewServer(t testing.TB, repos map[string][]File) *Server {
	s := &Server{repos: repos, truncate: map[string]int{}, corrupt: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Truncate makes the next n GETs of the file named name stop halfway, as a server that dies midway.
func (s *Server) Truncate(name string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.truncate[name] += n
}

// Corrupt makes the next n GETs of the file named name serve it with its last byte flipped.
func (s *Server) Corrupt(name string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.corrupt[name] += n
}

// Count returns how many requests had a path ending with suffix ("" counts them all).
func (s *Server) Count(suffix string) int {
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

// Requests returns every request served so far, as "METHOD path".
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// Auth returns the Authorization header of every request served so far.
func (s *Server) Auth() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auth...)
}

// Commit is the commit hash of repository id's revisions on the fake Hub.
func Commit(id string) string {
	sum := sha1.Sum([]byte(id))
	return hex.EncodeToString(sum[:])
}

// GitBlobID is the git object id of a file holding data: what the Hub reports as blobId for non-LFS files.
func GitBlobID(data []byte) string {
	sum := sha1.Sum(append([]byte(fmt.Sprintf("blob %d\x00", len(data))), data...))
	return hex.EncodeToString(sum[:])
}

// SHA256 is the hex sha256 of data: what the Hub reports for LFS files, and their blob name in a cache.
func SHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func (s *Server) serve(w http.ResponseWriter, req *http.Request) {
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
		if rev != "main" && rev != Commit(id) {
			notFound("RevisionNotFound")
			return
		}
		var siblings []map[string]any
		for _, f := range files {
			sib := map[string]any{"rfilename": f.Name}
			if req.URL.Query().Get("blobs") == "true" {
				sib["size"] = len(f.Data)
				sib["blobId"] = GitBlobID(f.Data)
				if f.LFS {
					sib["lfs"] = map[string]any{"sha256": SHA256(f.Data), "size": len(f.Data), "pointerSize": 130}
					sib["blobId"] = GitBlobID([]byte("pointer " + f.Name))
				}
			}
			siblings = append(siblings, sib)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "sha": Commit(id), "siblings": siblings})
		return
	}
	id, rest, ok := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/resolve/")
	if !ok {
		http.NotFound(w, req)
		return
	}
	rev, name, _ := strings.Cut(rest, "/")
	if rev != Commit(id) {
		notFound("RevisionNotFound")
		return
	}
	for _, f := range s.repos[id] {
		if f.Name != name {
			continue
		}
		w.Header().Set("X-Repo-Commit", rev)
		if f.LFS {
			w.Header().Set("X-Linked-Etag", `"`+SHA256(f.Data)+`"`)
			w.Header().Set("X-Linked-Size", strconv.Itoa(len(f.Data)))
			w.Header().Set("ETag", `"cdn-etag"`)
		} else {
			w.Header().Set("ETag", `"`+GitBlobID(f.Data)+`"`)
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(f.Data)))
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
		data := f.Data
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

// Env points the Hub endpoint at endpoint for the rest of the test and clears the environment that would change
// resolution (offline mode, tokens).
func Env(t testing.TB, endpoint string) {
	t.Setenv("HF_ENDPOINT", endpoint)
	t.Setenv("HF_HUB_OFFLINE", "")
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HUGGING_FACE_HUB_TOKEN", "")
	t.Setenv("HF_TOKEN_PATH", filepath.Join(t.TempDir(), "no-token"))
}

// DeadEndpoint returns an http URL on 127.0.0.1 where nothing listens.
func DeadEndpoint(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

// Safetensors builds a small safetensors file holding one F32 tensor "h.<i>.w" per value count given.
func Safetensors(sizes ...int) []byte {
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

// Config is a config.json for the files Safetensors builds.
var Config = []byte(`{"model_type": "gpt2", "n_layer": 2, "n_embd": 4}`)

// Shards are a sharded checkpoint's weight files and index, for Safetensors-built shards.
var Shards = map[string][]byte{
	"model-00001-of-00002.safetensors": Safetensors(3, 2),
	"model-00002-of-00002.safetensors": Safetensors(5),
	"model.safetensors.index.json": []byte(`{"metadata": {"total_size": 40}, "weight_map": {"h.0.w": "model-00001-of-00002.safetensors", ` +
		`"h.1.w": "model-00001-of-00002.safetensors", "h.2.w": "model-00002-of-00002.safetensors"}}`),
}

// WriteDir writes files (by slash-separated path) into dir.
func WriteDir(t testing.TB, dir string, files map[string][]byte) {
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

// RepoDir is the folder of repository id in cacheDir.
func RepoDir(cacheDir, id string) string {
	return filepath.Join(cacheDir, "models--"+strings.ReplaceAll(id, "/", "--"))
}

// WriteCache files a repository in cacheDir the way huggingface_hub does: contents in blobs/<sha256>, relative
// symlinks in snapshots/<commit>/, and refs/<ref> (unless ref is ""). It returns the snapshot directory.
func WriteCache(t testing.TB, cacheDir, id, ref, commit string, files map[string][]byte) string {
	t.Helper()
	repoDir := RepoDir(cacheDir, id)
	snap := filepath.Join(repoDir, "snapshots", commit)
	for name, data := range files {
		blob := filepath.Join(repoDir, "blobs", SHA256(data))
		WriteDir(t, filepath.Dir(blob), map[string][]byte{filepath.Base(blob): data})
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
		WriteDir(t, filepath.Join(repoDir, "refs"), map[string][]byte{ref: []byte(commit)})
	}
	return snap
}

// CallerWords are words only a caller of the resolving packages may put in a
// message: its flags, settings and commands.
var CallerWords = []string{"--model", "GPT2TAPS_MODEL", "modelName", "gpt2taps", "--smoke", "notebook", "--offline", "random-checkpoint"}

// ExpectNeutral fails the test if err's message names a caller's flag,
// setting or command: low-level messages must not know their callers.
func ExpectNeutral(t testing.TB, err error) {
	t.Helper()
	for _, w := range CallerWords {
		if strings.Contains(err.Error(), w) {
			t.Errorf("error %q mentions %q: the package's messages must not know their callers", err, w)
		}
	}
}
