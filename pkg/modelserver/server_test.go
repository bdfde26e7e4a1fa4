package modelserver_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/modelclient"
	"github.com/gpt2taps/gpt2taps/pkg/modelserver"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/tools/testckpt"
)

// serveEnv makes the test binary act as gpt2taps serve (see TestMain): the
// tests start it as the server and the one-shot process, as modelclient
// starts the real binary.
const serveEnv = "GPT2TAPS_TEST_AS_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) == "1" {
		os.Exit(serveMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// serveMain is cmd/gpt2taps's serve subcommand, for the test binary.
func serveMain(args []string) int {
	if len(args) == 0 || args[0] != "serve" {
		fmt.Fprintln(os.Stderr, "test binary as gpt2taps: only serve")
		return 2
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	socket := fs.String("socket", "", "")
	backend := fs.String("backend", "", "")
	idle := fs.Duration("idle", modelclient.DefaultIdle, "")
	once := fs.Bool("once", false, "")
	nice := fs.Int("nice", 10, "")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	err := modelserver.Serve(context.Background(), modelserver.Options{Socket: *socket, Backend: *backend, Idle: *idle, Once: *once, Nice: *nice, Log: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "gpt2taps serve:", err)
		return 1
	}
	return 0
}

// asGpt2taps makes this test binary the gpt2taps the client runs, and returns
// its path.
func asGpt2taps(t *testing.T) string {
	t.Helper()
	t.Setenv(serveEnv, "1")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// privateDir points XDG_RUNTIME_DIR at a new short directory (sockets have
// short paths) and returns the private directory inside it.
func privateDir(t *testing.T) string {
	t.Helper()
	x, err := os.MkdirTemp("", "gs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(x) })
	t.Setenv("XDG_RUNTIME_DIR", x)
	t.Setenv("GPT2TAPS_SERVER", "")
	return filepath.Join(x, "gpt2taps")
}

// logBuf is a log written by a server's goroutines.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// inProcess is a modelclient Start that runs Serve in a goroutine of the
// test, stopped at the test's end.
func inProcess(t *testing.T, log *logBuf, starts *int) func(modelclient.Server) error {
	return func(s modelclient.Server) error {
		*starts++
		done := make(chan error, 1)
		go func() {
			done <- modelserver.Serve(context.Background(), modelserver.Options{Socket: s.Socket, Backend: s.Backend, Idle: s.Idle, Log: log})
		}()
		t.Cleanup(func() {
			stop(s.Socket)
			if err := <-done; err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
		return nil
	}
}

// stop asks the server on socket to exit, if one listens.
func stop(socket string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	modelclient.Ask(ctx, socket, modelclient.Request{V: modelclient.Version, Op: modelclient.OpStop})
}

var request = taps.Request{
	Points:     []string{"h.*.attn.c_proj", "blocks.*.hook_mlp_out", "hidden_states"},
	Reductions: []taps.Reduction{taps.CosineReduction("cosine", gpt2.AttnOut, gpt2.MLPOut), taps.StepLengthReduction("steps", gpt2.HiddenState)},
	Logits:     true,
}

const (
	text1 = "Nietzsche wrote that one must still have chaos in oneself to give birth to a dancing star."
	text2 = "The quick brown fox jumps over the lazy dog, again and again."
	text3 = "What does not kill me makes me stronger."
)

func newKey(t *testing.T, ckpt, text string) taps.Key {
	t.Helper()
	key, err := checkpoints.NewKey(context.Background(), ckpt, checkpoints.Options{Offline: true}, gpt2.Text(text), request)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// inProcessResult is model.RunCached's result, computed in this process in a
// cache of its own.
func inProcessResult(t *testing.T, ckpt, text string) *taps.Result {
	t.Helper()
	res, err := model.RunCached(context.Background(), model.Source{Model: ckpt, Backend: "go", Offline: true}, gpt2.Text(text), request, taps.Cache{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// sameResult fails unless got holds exactly want's numbers, ids and tokens.
func sameResult(t *testing.T, got, want *taps.Result) {
	t.Helper()
	if !slices.Equal(got.IDs, want.IDs) || !slices.Equal(got.Tokens, want.Tokens) || got.Config != want.Config || got.NLayer != want.NLayer {
		t.Fatalf("ids/tokens/config differ: %v %q %+v vs %v %q %+v", got.IDs, got.Tokens, got.Config, want.IDs, want.Tokens, want.Config)
	}
	sameArray := func(name string, a, b taps.Array) {
		t.Helper()
		if !slices.Equal(a.Dims, b.Dims) || !slices.Equal(a.Data, b.Data) {
			t.Fatalf("%s differs: dims %v vs %v", name, a.Dims, b.Dims)
		}
	}
	if len(got.Stacks) != len(want.Stacks) || len(got.Reduced) != len(want.Reduced) || (got.Logits == nil) != (want.Logits == nil) {
		t.Fatalf("got %d stacks, %d reductions, logits %v; want %d, %d, %v", len(got.Stacks), len(got.Reduced), got.Logits != nil, len(want.Stacks), len(want.Reduced), want.Logits != nil)
	}
	for k, s := range want.Stacks {
		g, ok := got.Stacks[k]
		if !ok || !slices.Equal(g.Indices, s.Indices) {
			t.Fatalf("stack %s missing or other indices", k)
		}
		sameArray(k.String(), g.Array, s.Array)
	}
	for name, a := range want.Reduced {
		sameArray(name, got.Reduced[name], a)
	}
	if want.Logits != nil {
		sameArray("logits", *got.Logits, *want.Logits)
	}
}

// TestWarmServerEqualsInProcess: captures through a server equal
// model.RunCached's exactly; the server loads the model once for several
// texts; a capture it stored is found in the cache next time without asking.
func TestWarmServerEqualsInProcess(t *testing.T) {
	privateDir(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 11)
	var log logBuf
	starts := 0
	var notes bytes.Buffer
	opts := modelclient.Options{Backend: "go", Idle: 10 * time.Second, Log: &notes, Start: inProcess(t, &log, &starts), Binary: "/nonexistent/gpt2taps"}
	cache := taps.Cache{Dir: t.TempDir()}
	ctx := context.Background()
	for _, text := range []string{text1, text2, text3} {
		res, err := modelclient.Capture(ctx, newKey(t, ckpt, text), cache, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Info.Computed || res.Info.CachePath == "" || res.Info.Dir != ckpt {
			t.Errorf("Info %+v: want computed, cached, dir %s", res.Info, ckpt)
		}
		sameResult(t, res, inProcessResult(t, ckpt, text))
	}
	if n := strings.Count(log.String(), "loaded "); n != 1 || starts != 1 {
		t.Errorf("3 texts: the model was loaded %d times, the server started %d times; want 1 and 1; log:\n%s", n, starts, log.String())
	}
	if !strings.Contains(notes.String(), "loaded "+ckpt) || strings.Contains(notes.String(), "one-shot") {
		t.Errorf("client notes %q: want the server's loading line and no fallback", notes.String())
	}
	res, err := modelclient.Capture(ctx, newKey(t, ckpt, text1), cache, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Info.Computed || strings.Count(log.String(), "captured ") != 3 {
		t.Errorf("a cached text: computed %v, server log:\n%s", res.Info.Computed, log.String())
	}
	sameResult(t, res, inProcessResult(t, ckpt, text1))
}

// TestConcurrentClients: two cells asking for the same new text at once both
// get it; the model runs it once.
func TestConcurrentClients(t *testing.T) {
	privateDir(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 12)
	var log logBuf
	starts := 0
	opts := modelclient.Options{Backend: "go", Idle: 10 * time.Second, Start: inProcess(t, &log, &starts), Binary: "/nonexistent/gpt2taps"}
	cache := taps.Cache{Dir: t.TempDir()}
	ctx := context.Background()
	// Warm up (the server starts once), then two clients at once.
	if _, err := modelclient.Capture(ctx, newKey(t, ckpt, text2), cache, opts); err != nil {
		t.Fatal(err)
	}
	key := newKey(t, ckpt, text1)
	results := make([]*taps.Result, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = modelclient.Capture(ctx, key, cache, opts)
		}()
	}
	wg.Wait()
	want := inProcessResult(t, ckpt, text1)
	for i := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		sameResult(t, results[i], want)
	}
	if n := strings.Count(log.String(), "captured "); n != 2 {
		t.Errorf("two texts, one asked twice at once: %d forward passes; want 2; log:\n%s", n, log.String())
	}
}

// TestOtherCheckpointOrBackendRefused: a server holds one model; a request for
// another checkpoint or backend on its socket is refused, clearly.
func TestOtherCheckpointOrBackendRefused(t *testing.T) {
	priv := privateDir(t)
	a, b := testckpt.Write(t, 2, 32, 4, 13), testckpt.Write(t, 2, 32, 4, 14)
	var log logBuf
	starts := 0
	opts := modelclient.Options{Backend: "go", Idle: 10 * time.Second, Start: inProcess(t, &log, &starts), Binary: "/nonexistent/gpt2taps"}
	cache := taps.Cache{Dir: t.TempDir()}
	ctx := context.Background()
	if _, err := modelclient.Capture(ctx, newKey(t, a, text1), cache, opts); err != nil {
		t.Fatal(err)
	}
	socket := modelclient.SocketPath(priv, a, "go")
	rep, err := modelclient.Ask(ctx, socket, modelclient.NewRequest(newKey(t, b, text1), "go", cache.Dir))
	if err != nil {
		t.Fatal(err)
	}
	if want := "this model server holds the checkpoint " + a + ", the request is for " + b; !strings.HasPrefix(rep.Error, want) {
		t.Errorf("another checkpoint: error %q, want it to begin %q", rep.Error, want)
	}
	rep, err = modelclient.Ask(ctx, socket, modelclient.NewRequest(newKey(t, a, text2), "xla:cpu", cache.Dir))
	if err != nil {
		t.Fatal(err)
	}
	if want := "this model server runs backend go, the request asks for xla:cpu"; !strings.HasPrefix(rep.Error, want) {
		t.Errorf("another backend: error %q, want it to begin %q", rep.Error, want)
	}
	// Through Capture, b gets its own server, which first stops a's: one
	// model in memory at a time.
	var notes bytes.Buffer
	opts.Log = &notes
	res, err := modelclient.Capture(ctx, newKey(t, b, text1), cache, opts)
	if err != nil {
		t.Fatal(err)
	}
	sameResult(t, res, inProcessResult(t, b, text1))
	if starts != 2 {
		t.Errorf("two checkpoints: %d servers started, want 2", starts)
	}
	if want := "note: stopped the model server of " + a + " (one model stays in memory at a time)\n"; !strings.HasPrefix(notes.String(), want) {
		t.Errorf("notes %q, want them to begin %q", notes.String(), want)
	}
	for listening(socket) { // a's server exits once it has replied
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBadInputSameErrorAsInProcess: what is wrong with a capture comes back
// from the server as the error model.RunCached gives for it.
func TestBadInputSameErrorAsInProcess(t *testing.T) {
	privateDir(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 15)
	cfg, err := gpt2.LoadConfig(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	var log logBuf
	starts := 0
	opts := modelclient.Options{Backend: "go", Idle: 10 * time.Second, Start: inProcess(t, &log, &starts), Binary: "/nonexistent/gpt2taps"}
	cache := taps.Cache{Dir: t.TempDir()}
	ctx := context.Background()
	long := make([]int, cfg.NPositions+1)
	for _, c := range []struct {
		name string
		ids  []int
		req  taps.Request
	}{
		{"empty text", nil, request},
		{"too long", long, request},
		{"outside the vocabulary", []int{1, cfg.VocabSize}, request},
		{"nothing requested", []int{1, 2}, taps.Request{}},
		{"unknown tap", []int{1, 2}, taps.Request{Points: []string{"h.*.nope"}}},
		{"layer out of range", []int{1, 2}, taps.Request{Points: []string{"h.7.attn.c_proj"}}},
	} {
		_, want := model.RunCached(ctx, model.Source{Model: ckpt, Backend: "go", Offline: true}, gpt2.IDs(c.ids), c.req, cache)
		if want == nil {
			t.Fatalf("%s: RunCached did not fail", c.name)
		}
		key := taps.Key{Model: ckpt, Dir: ckpt, Config: cfg, Tokens: gpt2.Encoding{IDs: c.ids, Tokens: make([]string, len(c.ids))}, Request: c.req}
		_, err := modelclient.Capture(ctx, key, cache, opts)
		if err == nil || err.Error() != want.Error() {
			t.Errorf("%s: Capture's error %v, want RunCached's %q", c.name, err, want)
		}
	}
	if n := strings.Count(log.String(), "loaded "); n != 0 {
		t.Errorf("bad input loaded the model %d times", n)
	}
}

// TestIdleTimeOut: a server without requests exits after its idle time-out
// and removes its socket.
func TestIdleTimeOut(t *testing.T) {
	priv := privateDir(t)
	if err := os.MkdirAll(priv, 0o700); err != nil {
		t.Fatal(err)
	}
	socket := filepath.Join(priv, "idle.sock")
	var log logBuf
	done := make(chan error, 1)
	go func() {
		done <- modelserver.Serve(context.Background(), modelserver.Options{Socket: socket, Backend: "go", Idle: 200 * time.Millisecond, Log: &log})
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(socket); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after the idle time-out the socket is still there (%v)", err)
	}
	if !strings.Contains(log.String(), "no request for 200ms: exiting") {
		t.Errorf("log %q", log.String())
	}
}

// TestStaleSocketReplaced: a socket file nobody listens on (a server killed)
// is replaced; a live server makes a second one exit "already running".
func TestStaleSocketReplaced(t *testing.T) {
	priv := privateDir(t)
	if err := os.MkdirAll(priv, 0o700); err != nil {
		t.Fatal(err)
	}
	socket := filepath.Join(priv, "stale.sock")
	ln, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Lstat(socket); err != nil {
		t.Fatalf("no stale socket file: %v", err)
	}
	var log logBuf
	done := make(chan error, 1)
	go func() {
		done <- modelserver.Serve(context.Background(), modelserver.Options{Socket: socket, Backend: "go", Idle: 10 * time.Second, Log: &log})
	}()
	for !strings.Contains(log.String(), "listening on") {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(log.String(), "replaced the stale socket "+socket) {
		t.Errorf("log %q: want the stale socket replaced", log.String())
	}
	err = modelserver.Serve(context.Background(), modelserver.Options{Socket: socket, Backend: "go", Idle: time.Second})
	if !errors.Is(err, modelserver.ErrAlreadyRunning) {
		t.Errorf("a second server on a live socket: %v, want ErrAlreadyRunning", err)
	}
	stop(socket)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(socket); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after a stop the socket is still there (%v)", err)
	}
}

// TestPrivateDirRefused: a server does not listen in a directory others may
// enter, and a client does not use one: its capture runs in a one-shot
// process, with a note saying what to fix.
func TestPrivateDirRefused(t *testing.T) {
	priv := privateDir(t)
	if err := os.Mkdir(priv, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(priv, 0o777); err != nil {
		t.Fatal(err)
	}
	err := modelserver.Serve(context.Background(), modelserver.Options{Socket: filepath.Join(priv, "x.sock"), Backend: "go", Idle: time.Second})
	if err == nil || !strings.Contains(err.Error(), "is open to others (mode -rwxrwxrwx): run chmod 700 "+priv) {
		t.Errorf("Serve in a world-open directory: %v", err)
	}
	ckpt := testckpt.Write(t, 2, 32, 4, 16)
	var notes bytes.Buffer
	opts := modelclient.Options{Backend: "go", Log: &notes, Binary: asGpt2taps(t),
		Start: func(modelclient.Server) error { t.Error("a server was started in a world-open directory"); return nil }}
	res, err := modelclient.Capture(context.Background(), newKey(t, ckpt, text1), taps.Cache{Dir: t.TempDir()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	sameResult(t, res, inProcessResult(t, ckpt, text1))
	if want := "note: not using a model server: model server directory " + priv + " is open to others (mode -rwxrwxrwx): run chmod 700 " + priv; !strings.Contains(notes.String(), want) || !strings.Contains(notes.String(), "one-shot process") {
		t.Errorf("notes %q: want %q … one-shot process", notes.String(), want)
	}
}

// TestFallbackWhenServerCannotStart: the capture runs in a one-shot process,
// with the same numbers, and a note says so.
func TestFallbackWhenServerCannotStart(t *testing.T) {
	privateDir(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 17)
	var notes bytes.Buffer
	opts := modelclient.Options{Backend: "go", Log: &notes, Binary: asGpt2taps(t),
		Start: func(modelclient.Server) error { return errors.New("no room") }}
	cache := taps.Cache{Dir: t.TempDir()}
	res, err := modelclient.Capture(context.Background(), newKey(t, ckpt, text1), cache, opts)
	if err != nil {
		t.Fatal(err)
	}
	sameResult(t, res, inProcessResult(t, ckpt, text1))
	if want := "note: the model server could not be started: no room; running this capture in a one-shot process\n"; !strings.HasPrefix(notes.String(), want) {
		t.Errorf("notes %q, want them to begin %q", notes.String(), want)
	}
	if !res.Info.Computed || res.Info.CachePath == "" {
		t.Errorf("one-shot Info %+v: want computed and cached", res.Info)
	}
	if ok, _ := cache.Has(newKey(t, ckpt, text1)); !ok {
		t.Error("the one-shot process did not store the taps in the cache")
	}
}

// TestFallbackWhenServerDiesMidRequest: a server that takes the request and
// dies before replying costs the cell nothing but time: a one-shot process
// computes it, and a note says what happened.
func TestFallbackWhenServerDiesMidRequest(t *testing.T) {
	privateDir(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 18)
	var notes bytes.Buffer
	dying := func(s modelclient.Server) error {
		ln, err := net.Listen("unix", s.Socket)
		if err != nil {
			return err
		}
		go func() {
			defer ln.Close()
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				buf := make([]byte, 1)
				if n, _ := c.Read(buf); n > 0 { // a request (not a probe): die
					c.Close()
					return
				}
				c.Close()
			}
		}()
		t.Cleanup(func() { ln.Close() })
		return nil
	}
	opts := modelclient.Options{Backend: "go", Log: &notes, Binary: asGpt2taps(t), Start: dying}
	res, err := modelclient.Capture(context.Background(), newKey(t, ckpt, text2), taps.Cache{Dir: t.TempDir()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	sameResult(t, res, inProcessResult(t, ckpt, text2))
	if want := "note: the model server stopped during the request: "; !strings.HasPrefix(notes.String(), want) || !strings.Contains(notes.String(), "; running this capture in a one-shot process\n") {
		t.Errorf("notes %q, want %q … one-shot", notes.String(), want)
	}
}

// TestDisabled: GPT2TAPS_SERVER=off and Options.Disabled run every capture in
// a one-shot process, without a note.
func TestDisabled(t *testing.T) {
	privateDir(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 19)
	bin := asGpt2taps(t)
	for _, c := range []struct {
		name     string
		env      string
		disabled bool
	}{{"GPT2TAPS_SERVER=off", "off", false}, {"Disabled", "", true}} {
		t.Setenv("GPT2TAPS_SERVER", c.env)
		var notes bytes.Buffer
		opts := modelclient.Options{Backend: "go", Log: &notes, Binary: bin, Disabled: c.disabled,
			Start: func(modelclient.Server) error { t.Errorf("%s: a server was started", c.name); return nil }}
		res, err := modelclient.Capture(context.Background(), newKey(t, ckpt, text3), taps.Cache{Dir: t.TempDir()}, opts)
		if err != nil {
			t.Fatal(err)
		}
		sameResult(t, res, inProcessResult(t, ckpt, text3))
		if strings.Contains(notes.String(), "note:") {
			t.Errorf("%s: notes %q", c.name, notes.String())
		}
	}
}

// TestUncachableStillReturned: when the tap cache cannot be written, the
// server hands the result over in a file, with the cache's note.
func TestUncachableStillReturned(t *testing.T) {
	privateDir(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 20)
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var log logBuf
	starts := 0
	var notes bytes.Buffer
	opts := modelclient.Options{Backend: "go", Log: &notes, Idle: 10 * time.Second, Start: inProcess(t, &log, &starts), Binary: "/nonexistent/gpt2taps"}
	res, err := modelclient.Capture(context.Background(), newKey(t, ckpt, text1), taps.Cache{Dir: notDir}, opts)
	if err != nil {
		t.Fatal(err)
	}
	sameResult(t, res, inProcessResult(t, ckpt, text1))
	if !strings.Contains(notes.String(), "note: the taps could not be cached") || res.Info.CachePath != "" {
		t.Errorf("notes %q, cache path %q: want the cache's note and no cache path", notes.String(), res.Info.CachePath)
	}
}

// TestKilledServerProcessIsReplaced: gpt2taps serve as a real, detached
// process (as notebooks start it); killed with SIGKILL, it leaves its socket
// behind; the next capture starts a new server, which replaces it.
func TestKilledServerProcessIsReplaced(t *testing.T) {
	priv := privateDir(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 21)
	var notes bytes.Buffer
	opts := modelclient.Options{Backend: "go", Log: &notes, Idle: 20 * time.Second, Binary: asGpt2taps(t)}
	socket := modelclient.SocketPath(priv, ckpt, "go")
	logPath := strings.TrimSuffix(socket, ".sock") + ".log"
	t.Cleanup(func() {
		stop(socket)
		for i := 0; i < 500 && listening(socket); i++ {
			time.Sleep(10 * time.Millisecond)
		}
	})
	cache := taps.Cache{Dir: t.TempDir()}
	ctx := context.Background()
	if _, err := modelclient.Capture(ctx, newKey(t, ckpt, text1), cache, opts); err != nil {
		t.Fatal(err)
	}
	pid := serverPID(t, logPath)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for syscall.Kill(pid, 0) == nil { // reaped by the client's goroutine
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Lstat(socket); err != nil {
		t.Fatalf("the killed server left no socket file (%v): nothing to test", err)
	}
	res, err := modelclient.Capture(ctx, newKey(t, ckpt, text2), cache, opts)
	if err != nil {
		t.Fatal(err)
	}
	sameResult(t, res, inProcessResult(t, ckpt, text2))
	logText, _ := os.ReadFile(logPath)
	if !strings.Contains(string(logText), "replaced the stale socket "+socket) || serverPID(t, logPath) == pid {
		t.Errorf("server log:\n%s\nwant a second server replacing the stale socket", logText)
	}
	if strings.Contains(notes.String(), "one-shot") {
		t.Errorf("notes %q: a new server should have served, not a one-shot process", notes.String())
	}
	// SIGTERM: the server exits and removes its socket.
	pid = serverPID(t, logPath)
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for syscall.Kill(pid, 0) == nil {
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Lstat(socket); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after SIGTERM the socket is still there (%v)", err)
	}
}

var pidRE = regexp.MustCompile(`pid (\d+)\)`)

// serverPID is the pid of the last server that logged to path.
func serverPID(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := pidRE.FindAllSubmatch(b, -1)
	if len(m) == 0 {
		t.Fatalf("no pid in the server log:\n%s", b)
	}
	pid, _ := strconv.Atoi(string(m[len(m)-1][1]))
	return pid
}

func listening(socket string) bool {
	c, err := net.DialTimeout("unix", socket, 100*time.Millisecond)
	if err == nil {
		c.Close()
	}
	return err == nil
}
