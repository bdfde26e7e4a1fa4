package modelclient

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gpt2taps/gpt2taps/internal/goexp"
	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/tools/testckpt"
)

// TestLinksNoGoMLX: a cell asking for a capture builds without GoMLX.
func TestLinksNoGoMLX(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/gpt2taps/gpt2taps/pkg/modelclient").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/gomlx/gomlx") || strings.HasPrefix(dep, "github.com/gomlx/gopjrt") {
			t.Errorf("modelclient links %s", dep)
		}
	}
}

func setRuntimeDir(t *testing.T) string {
	t.Helper()
	x := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", x)
	return filepath.Join(x, "gpt2taps")
}

// TestPrivateDir: created 0700; refused, saying what to fix, when open to
// others, owned by someone else, or not a directory.
func TestPrivateDir(t *testing.T) {
	want := setRuntimeDir(t)
	dir, err := PrivateDir()
	if err != nil || dir != want {
		t.Fatalf("PrivateDir() = %q, %v; want %q", dir, err, want)
	}
	if info, _ := os.Stat(dir); info.Mode().Perm() != 0o700 {
		t.Errorf("mode %v, want 0700", info.Mode().Perm())
	}
	for _, mode := range []os.FileMode{0o777, 0o750, 0o701} {
		os.Chmod(dir, mode)
		_, err := PrivateDir()
		if err == nil || !strings.Contains(err.Error(), "is open to others (mode "+mode.String()+"): run chmod 700 "+dir) {
			t.Errorf("mode %v: %v", mode, err)
		}
	}
	os.Chmod(dir, 0o700)
	if os.Getuid() == 0 { // root can give it away
		if err := os.Chown(dir, 12345, 12345); err != nil {
			t.Fatal(err)
		}
		_, err := PrivateDir()
		if err == nil || !strings.Contains(err.Error(), "belongs to uid 12345, not to you (uid 0): remove it") {
			t.Errorf("owned by another user: %v", err)
		}
		os.Chown(dir, 0, 0)
	}
	os.Remove(dir)
	other := t.TempDir()
	if err := os.Symlink(other, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := PrivateDir(); err == nil || !strings.Contains(err.Error(), "is not a directory: remove it") {
		t.Errorf("a symbolic link: %v", err)
	}
	os.Remove(dir)
	t.Setenv("XDG_RUNTIME_DIR", "")
	if dir, _ := PrivateDir(); !strings.HasPrefix(filepath.Base(dir), "gpt2taps-") || filepath.Dir(dir) != filepath.Clean(os.TempDir()) {
		t.Errorf("without XDG_RUNTIME_DIR: %q", dir)
	}
}

// TestSocketPath: one socket per checkpoint and backend.
func TestSocketPath(t *testing.T) {
	a, b := SocketPath("/r", "/m/a", "go"), SocketPath("/r", "/m/b", "go")
	c, d := SocketPath("/r", "/m/a", "xla:cpu"), SocketPath("/r", "/m/a/", "go")
	if a == b || a == c || a != d || filepath.Dir(a) != "/r" || !strings.HasSuffix(a, ".sock") {
		t.Errorf("sockets %s %s %s %s", a, b, c, d)
	}
	if err := checkSocketPath("/" + strings.Repeat("x", 120)); err == nil {
		t.Error("a 121-byte socket path was accepted")
	}
}

// TestRequestCarriesTheKey: the request survives JSON with the key's tokens
// and request, reductions included.
func TestRequestCarriesTheKey(t *testing.T) {
	ckpt := testckpt.Write(t, 2, 32, 4, 1)
	req := taps.Request{Points: []string{"h.*.attn.c_proj", "hidden_states.1"}, Logits: true, Reductions: []taps.Reduction{
		taps.CosineReduction("c", gpt2.AttnOut, gpt2.MLPOut), taps.NormReduction("n", gpt2.ResidMid), taps.StepLengthReduction("s", gpt2.HiddenState)}}
	key, err := checkpoints.NewKey(context.Background(), ckpt, checkpoints.Options{}, gpt2.Text("a small text"), req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(NewRequest(key, "go", "/cache"))
	if err != nil {
		t.Fatal(err)
	}
	var got Request
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	tr, err := got.TapsRequest()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tr, req) || !reflect.DeepEqual(got.Encoding(), key.Tokens) || got.Config != key.Config ||
		got.Dir != ckpt || got.Backend != "go" || got.CacheDir != "/cache" || got.V != Version {
		t.Errorf("round trip: %+v", got)
	}
	got.Reductions[0].Inputs[0] = "nope"
	if _, err := got.TapsRequest(); err == nil || !strings.Contains(err.Error(), `unknown tap kind "nope"`) {
		t.Errorf("unknown kind: %v", err)
	}
}

// TestCacheHitAsksNobody: a capture the cache holds starts no server and no
// process.
func TestCacheHitAsksNobody(t *testing.T) {
	setRuntimeDir(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 2)
	req := taps.Request{Reductions: []taps.Reduction{taps.NormReduction("n", gpt2.HiddenState)}}
	key, err := checkpoints.NewKey(context.Background(), ckpt, checkpoints.Options{}, gpt2.Text("cached"), req)
	if err != nil {
		t.Fatal(err)
	}
	cache := taps.Cache{Dir: t.TempDir()}
	T := len(key.Tokens.IDs)
	fake := &taps.Result{Config: key.Config, NLayer: 2, IDs: key.Tokens.IDs, Stacks: map[gpt2.Kind]*taps.Stack{},
		Reduced: map[string]taps.Array{"n": {Dims: []int{3, T}, Data: make([]float32, 3*T)}}}
	if _, err := cache.Do(context.Background(), key, func() (*taps.Result, error) { return fake, nil }); err != nil {
		t.Fatal(err)
	}
	opts := Options{Binary: "/nonexistent", Start: func(Server) error { t.Error("a server was started"); return nil }}
	res, err := Capture(context.Background(), key, cache, opts)
	if err != nil || res.Info.Computed || res.Info.CachePath == "" {
		t.Fatalf("Capture: %v, %+v", err, res)
	}
}

// TestNoBinaryNoCapture: without a server or a binary the error says so in
// one line (after the note).
func TestNoBinaryNoCapture(t *testing.T) {
	setRuntimeDir(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 3)
	key, err := checkpoints.NewKey(context.Background(), ckpt, checkpoints.Options{}, gpt2.Text("x"), taps.Request{Logits: true})
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	_, err = Capture(context.Background(), key, taps.Cache{Dir: t.TempDir()}, Options{Log: &log, Binary: "/nonexistent/gpt2taps"})
	if err == nil || !strings.Contains(err.Error(), "the one-shot capture (/nonexistent/gpt2taps serve --once) failed") || strings.Contains(err.Error(), "\n") {
		t.Errorf("error %v", err)
	}
	if !strings.HasPrefix(log.String(), "note: the model server could not be started") {
		t.Errorf("log %q", log.String())
	}
}

// TestSourceStamp: the stamp follows the sources and go.mod, not tests or
// docs. What it costs on this repository is logged.
func TestSourceStamp(t *testing.T) {
	root := t.TempDir()
	write := func(name, s string) {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module "+module+"\n")
	write("pkg/a/a.go", "package a")
	write("pkg/a/x.txt", "embedded")
	stamp := func() string {
		s, err := sourceStamp(root, "go")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s0 := stamp()
	write("pkg/a/a_test.go", "package a")
	write("README.md", "docs")
	write("pkg/a/testdata/t.go", "package t")
	write("tools/gonb/go.mod", "module other")
	write("tools/gonb/x.go", "package x")
	write("out/test-artifacts/shot.png", "png")
	write("reference/__pycache__/r.pyc", "pyc")
	write("bin/gpt2taps", "binary")
	if s := stamp(); s != s0 {
		t.Error("tests, docs, testdata, test artifacts, build outputs or another module changed the stamp")
	}
	later := time.Now().Add(time.Minute)
	for _, f := range []string{"pkg/a/a.go", "pkg/a/x.txt", "go.mod"} {
		os.Chtimes(filepath.Join(root, f), later, later)
		if s := stamp(); s == s0 {
			t.Errorf("touching %s left the stamp", f)
		}
		s0 = stamp()
	}
	t.Setenv("GOEXPERIMENT", "nosimd")
	if stamp() == s0 {
		t.Error("GOEXPERIMENT left the stamp")
	}
	repo, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	const n = 10
	for range n {
		if _, err := sourceStamp(repo, "go"); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("the stamp of %s (no go command): %v each", repo, time.Since(start)/n)
}

// TestBuiltBinary builds cmd/gpt2taps into the user's cache (slow the first
// time: it links GoMLX; the notebook tests' model server reuses the build)
// and times the check that finds it up to date. -short skips it.
func TestBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: building cmd/gpt2taps takes a minute the first time")
	}
	// A notebook's kernel need not set GOEXPERIMENT: the server is built
	// with the SIMD kernel all the same (on amd64).
	t.Setenv("GOEXPERIMENT", "")
	os.Unsetenv("GOEXPERIMENT")
	var log strings.Builder
	start := time.Now()
	bin, err := BuiltBinary(&log)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first BuiltBinary: %v (%q)", time.Since(start), log.String())
	log.Reset()
	start = time.Now()
	if again, err := BuiltBinary(&log); err != nil || again != bin || log.Len() != 0 {
		t.Fatalf("second BuiltBinary: %q, %v, log %q", again, err, log.String())
	}
	t.Logf("up-to-date BuiltBinary: %v", time.Since(start))
	if out, err := exec.Command(bin, "help").CombinedOutput(); err != nil || !strings.Contains(string(out), "usage: gpt2taps") {
		t.Errorf("%s help: %v\n%s", bin, err, out)
	}
	if runtime.GOARCH == "amd64" {
		out, err := exec.Command("go", "version", "-m", bin).CombinedOutput()
		if err != nil || !regexp.MustCompile(`(?m)^\s*build\s+GOEXPERIMENT=(.*,)?simd(,.*)?$`).Match(out) {
			t.Errorf("the model server was built without GOEXPERIMENT=simd (its stock matmul kernel is 6–10× slower): go version -m: %v\n%s", err, out)
		}
	}
}

func TestBuildEnvAddsSIMD(t *testing.T) {
	got := goexp.Value(buildEnv([]string{"PATH=/bin"}))
	want := ""
	if runtime.GOARCH == "amd64" {
		want = "simd"
	}
	if got != want {
		t.Errorf("GOEXPERIMENT of the server build with none set = %q, want %q", got, want)
	}
	if got := goexp.Value(buildEnv([]string{"GOEXPERIMENT=nosimd"})); got != "nosimd" {
		t.Errorf("an explicit GOEXPERIMENT=nosimd became %q", got)
	}
}
