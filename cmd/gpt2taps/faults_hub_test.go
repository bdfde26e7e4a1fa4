package main

// Hub fault tests: the binary resolving a Hub id with no network, offline, against an unknown id, and downloads that
// break midway or whose process is killed midway. A small fake Hub (fakeHub) serves a real tiny checkpoint.

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeHub serves one model repository the way the Hugging Face Hub does for checkpoints.Resolve and go-huggingface: the
// revision API (/api/models/<id>/revision/<rev>?blobs=true) and file downloads (/<id>/resolve/<commit>/<file>,
// HEAD and GET). model.safetensors is an LFS file (checked by sha256), config.json a plain git file (checked by
// its git blob id).
type fakeHub struct {
	*httptest.Server
	id     string
	commit string
	files  map[string][]byte
	quit   chan struct{} // closed at cleanup: releases hanging handlers

	mu      sync.Mutex
	faults  map[string][]string // file name → faults for its next GETs: "truncate", "corrupt", "hang"
	fetches map[string]int      // file name → GETs served
}

func newFakeHub(t *testing.T, id string, files map[string][]byte) *fakeHub {
	t.Helper()
	sum := sha1.Sum([]byte(id))
	h := &fakeHub{id: id, commit: hex.EncodeToString(sum[:]), files: files, quit: make(chan struct{}),
		faults: map[string][]string{}, fetches: map[string]int{}}
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.Close)
	t.Cleanup(func() { close(h.quit) }) // runs first
	return h
}

// fail makes the next GETs of file fail in the given ways, one per GET.
func (h *fakeHub) fail(file string, faults ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.faults[file] = append(h.faults[file], faults...)
}

// served returns how many GETs of file were served.
func (h *fakeHub) served(file string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.fetches[file]
}

func fakeSHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func fakeGitBlobID(data []byte) string {
	sum := sha1.Sum(append([]byte(fmt.Sprintf("blob %d\x00", len(data))), data...))
	return hex.EncodeToString(sum[:])
}

func (h *fakeHub) serve(w http.ResponseWriter, req *http.Request) {
	notFound := func(code string) {
		w.Header().Set("X-Error-Code", code)
		http.Error(w, code, http.StatusNotFound)
	}
	if rest, ok := strings.CutPrefix(req.URL.Path, "/api/models/"); ok {
		id, _, ok := strings.Cut(rest, "/revision/")
		if !ok || id != h.id {
			notFound("RepoNotFound")
			return
		}
		var siblings []map[string]any
		for name, data := range h.files {
			sib := map[string]any{"rfilename": name, "size": len(data), "blobId": fakeGitBlobID(data)}
			if strings.HasSuffix(name, ".safetensors") {
				sib["lfs"] = map[string]any{"sha256": fakeSHA256(data), "size": len(data), "pointerSize": 134}
				sib["blobId"] = fakeGitBlobID([]byte("lfs pointer of " + name))
			}
			siblings = append(siblings, sib)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": h.id, "sha": h.commit, "siblings": siblings})
		return
	}
	id, rest, ok := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/resolve/")
	rev, name, _ := strings.Cut(rest, "/")
	data, known := h.files[name]
	if !ok || id != h.id || rev != h.commit || !known {
		notFound("EntryNotFound")
		return
	}
	w.Header().Set("X-Repo-Commit", h.commit)
	if strings.HasSuffix(name, ".safetensors") {
		w.Header().Set("X-Linked-Etag", `"`+fakeSHA256(data)+`"`)
		w.Header().Set("X-Linked-Size", strconv.Itoa(len(data)))
		w.Header().Set("ETag", `"cdn-etag"`)
	} else {
		w.Header().Set("ETag", `"`+fakeGitBlobID(data)+`"`)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	if req.Method == http.MethodHead {
		return
	}
	h.mu.Lock()
	h.fetches[name]++
	fault := ""
	if fs := h.faults[name]; len(fs) > 0 {
		fault, h.faults[name] = fs[0], fs[1:]
	}
	h.mu.Unlock()
	switch fault {
	case "truncate": // the server dies midway through the file
		_, _ = w.Write(data[:len(data)/2])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	case "hang": // half the file, then nothing until the client goes away
		_, _ = w.Write(data[:len(data)/2])
		w.(http.Flusher).Flush()
		select {
		case <-req.Context().Done():
		case <-h.quit:
		}
		panic(http.ErrAbortHandler)
	case "corrupt":
		data = bytes.Clone(data)
		data[len(data)/3] ^= 0x20
	}
	_, _ = w.Write(data)
}

// hubFiles returns the files of the tiny checkpoint, to serve.
func hubFiles(t *testing.T) map[string][]byte {
	t.Helper()
	dir := faultCheckpoint(t)
	files := map[string][]byte{}
	for _, name := range []string{"config.json", "model.safetensors"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = data
	}
	files["README.md"] = []byte("# tiny\n")
	return files
}

// TestModelFaults resolves models that cannot be had: no network, offline, unknown ids, paths that do not exist.
// Each error says how to give --model a local directory instead (the command line's hint, added to the package's
// neutral message), or how to fix the argument.
func TestModelFaults(t *testing.T) {
	e := newFaultEnv(t)
	writeFile(t, e.root, "a-file", []byte("x"))
	hub := newFakeHub(t, "someone/tiny", hubFiles(t))
	local := "local checkpoint directory holding config.json and model.safetensors" // the package's neutral remedy
	cases := []struct {
		name  string
		args  []string
		env   []string
		wants []string
	}{
		{"no network", []string{"capture", "--model", "someone/tiny", "--text", "hi", "--out", "t.safetensors"}, nil,
			[]string{"not in the Hugging Face cache", "can't be reached", local, "--model DIR", "random-checkpoint", "HF_HUB_CACHE"}},
		{"no network, lesson's default model", []string{"lesson", "--out", "figs"}, nil,
			[]string{`"gpt2-large" is not in the cache`, "can't be reached", local, "--model DIR"}},
		{"HF_HUB_OFFLINE", []string{"capture", "--model", "gpt2", "--text", "hi", "--out", "t.safetensors"}, []string{"HF_HUB_OFFLINE=1"},
			[]string{"offline mode is on", "turn offline mode off", "drop --offline", local, "--model DIR"}},
		{"--offline", []string{"lesson", "--model", "gpt2-medium", "--offline", "--out", "figs"}, nil,
			[]string{"offline mode is on", "drop --offline", local, "--model DIR"}},
		{"unknown Hub id", []string{"capture", "--model", "someone/nothing-here", "--text", "hi", "--out", "t.safetensors"}, []string{"HF_ENDPOINT=" + hub.URL},
			[]string{"no such model on the Hub", "someone/nothing-here", "check the model id"}},
		{"invalid Hub id", []string{"capture", "--model", "gpt2 large!", "--text", "hi", "--out", "t.safetensors"}, nil,
			[]string{`"gpt2 large!" is neither an existing directory nor a valid Hugging Face Hub model id`}},
		{"missing directory", []string{"capture", "--model", "./checkpoints/gpt2", "--text", "hi", "--out", "t.safetensors"}, nil,
			[]string{"no such directory ./checkpoints/gpt2", "pass an existing directory holding config.json"}},
		{"a file, not a directory", []string{"lesson", "--model", "a-file", "--out", "figs"}, nil,
			[]string{"a-file is a file, not a directory", "pass the directory that holds config.json"}},
		{"no model", []string{"capture", "--text", "hi", "--out", "t.safetensors"}, nil,
			[]string{"no model", "give --model DIR"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.extra = tc.env
			r := e.run(t, nil, tc.args...)
			expectFailure(t, r, false, tc.wants...)
			expectNothingLeft(t, []string{e.root}, filepath.Join(e.root, "t.safetensors"), filepath.Join(e.root, "figs"))
			if entries, _ := os.ReadDir(e.hfCache); len(entries) > 0 {
				t.Errorf("the Hugging Face cache is not empty after a failed resolve: %v", entries)
			}
		})
	}
}

// TestDownloadFaults downloads the tiny checkpoint from a fake Hub whose transfer breaks: the run fails saying to
// run again, no partial file stays in the cache or is ever taken for a complete one (an offline run still finds
// nothing), and the next run downloads afresh and succeeds.
func TestDownloadFaults(t *testing.T) {
	for _, fault := range []struct {
		name  string
		wants []string
	}{
		{"truncate", []string{"download of model.safetensors", "failed", "partial file was removed", "run again"}},
		{"corrupt", []string{"model.safetensors has sha256", "the Hub reports", "run again"}},
	} {
		t.Run(fault.name, func(t *testing.T) {
			files := hubFiles(t)
			hub := newFakeHub(t, "someone/tiny", files)
			hub.fail("model.safetensors", fault.name)
			e := newFaultEnv(t)
			e.extra = []string{"HF_ENDPOINT=" + hub.URL}
			out := filepath.Join(e.root, "taps.safetensors")
			args := []string{"capture", "--model", "someone/tiny", "--text", "hi", "--out", out}
			r := e.run(t, nil, args...)
			expectFailure(t, r, true, fault.wants...)
			expectNothingLeft(t, []string{e.root}, out, hubSnapshotFile(e, hub, "model.safetensors"), hubBlob(e, hub, "model.safetensors"))
			expectNotCached(t, e, args)

			r = e.run(t, nil, args...)
			expectSuccess(t, r)
			expectDownloaded(t, e, hub, files)
			if n := hub.served("model.safetensors"); n != 2 {
				t.Errorf("model.safetensors downloaded %d times, want 2 (the failed try and the new one)", n)
			}
		})
	}
}

// TestKilledDownload kills the binary while it downloads the weights (the fake Hub stalls halfway): the half file
// is never taken for a complete one, and the next run restarts the download and succeeds.
func TestKilledDownload(t *testing.T) {
	files := hubFiles(t)
	hub := newFakeHub(t, "someone/tiny", files)
	hub.fail("model.safetensors", "hang")
	e := newFaultEnv(t)
	e.extra = []string{"HF_ENDPOINT=" + hub.URL}
	out := filepath.Join(e.root, "taps.safetensors")
	args := []string{"capture", "--model", "someone/tiny", "--text", "hi", "--out", out}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd, _, stderr := e.command(ctx, nil, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	partial := hubBlob(e, hub, "model.safetensors") + ".downloading"
	for {
		if info, err := os.Stat(partial); err == nil && info.Size() >= int64(len(files["model.safetensors"])/2) {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("gpt2taps exited (%v) before the download reached half the file; stderr: %s", err, stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
	t.Logf("killed mid-download; stderr so far: %q", stderr.String())
	for _, p := range []string{out, hubSnapshotFile(e, hub, "model.safetensors"), hubBlob(e, hub, "model.safetensors")} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s exists after the download was killed", p)
		}
	}
	expectNotCached(t, e, args)

	r := e.run(t, nil, args...)
	expectSuccess(t, r)
	expectDownloaded(t, e, hub, files)
	if l := leftovers(t, e.root); len(l) > 0 {
		t.Errorf("the partial download is still there after a successful run: %v", l)
	}
}

// hubRepoDir is the fake Hub repository's folder in e's Hugging Face cache.
func hubRepoDir(e *faultEnv, hub *fakeHub) string {
	return filepath.Join(e.hfCache, "models--"+strings.ReplaceAll(hub.id, "/", "--"))
}

// hubSnapshotFile is where file of the fake repository lands in the cache.
func hubSnapshotFile(e *faultEnv, hub *fakeHub, file string) string {
	return filepath.Join(hubRepoDir(e, hub), "snapshots", hub.commit, file)
}

// hubBlob is the blob an LFS file of the fake repository is stored in.
func hubBlob(e *faultEnv, hub *fakeHub, file string) string {
	return filepath.Join(hubRepoDir(e, hub), "blobs", fakeSHA256(hub.files[file]))
}

// expectNotCached checks that an offline run does not take what an interrupted download left for the model.
func expectNotCached(t *testing.T, e *faultEnv, args []string) {
	t.Helper()
	r := e.run(t, nil, append(args, "--offline")...)
	expectFailure(t, r, false, "not in the Hugging Face cache", "offline mode is on")
}

// expectDownloaded checks that the cache holds exactly the served files.
func expectDownloaded(t *testing.T, e *faultEnv, hub *fakeHub, files map[string][]byte) {
	t.Helper()
	for _, name := range []string{"config.json", "model.safetensors"} {
		got, err := os.ReadFile(hubSnapshotFile(e, hub, name))
		if err != nil || !bytes.Equal(got, files[name]) {
			t.Errorf("cached %s differs from the served one (read error %v)", name, err)
		}
	}
}
