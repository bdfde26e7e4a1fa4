package modelserver_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/modelclient"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/tools/testckpt"
)

// prepareKey is key's tokens with no request: what a notebook's checkpoint
// cell hands to Prepare.
func prepareKey(key taps.Key) taps.Key {
	key.Request = taps.Request{}
	return key
}

// inProcessServer is a server run in this test's process on the first
// capture (modelclient.Options.Start), its log, how many times it started,
// the options that start it, and a tap cache of the test's own.
func inProcessServer(t *testing.T) (*logBuf, *int, modelclient.Options, taps.Cache) {
	log, starts := &logBuf{}, new(int)
	opts := modelclient.Options{Backend: "go", Idle: 10 * time.Second, Start: inProcess(t, log, starts), Binary: "/nonexistent/gpt2taps"}
	return log, starts, opts, taps.Cache{Dir: t.TempDir()}
}

// waitFor polls cond for up to 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestPrepareComputesAheadWithTheLastRequest: after a capture, Prepare of a
// new text returns at once and the server computes it with that capture's
// request; the capture that follows gets it as computed ahead, exactly the
// in-process result, and a later one as loaded from the cache.
func TestPrepareComputesAheadWithTheLastRequest(t *testing.T) {
	privateDir(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 31)
	log, starts, opts, cache := inProcessServer(t)
	ctx := context.Background()
	if _, err := modelclient.Capture(ctx, newKey(t, ckpt, text1), cache, opts); err != nil {
		t.Fatal(err)
	}
	key := newKey(t, ckpt, text2)
	if err := modelclient.Prepare(ctx, prepareKey(key), cache, opts); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the text computed ahead into the cache", func() bool { ok, _ := cache.Has(key); return ok })
	res, err := modelclient.Capture(ctx, key, cache, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Info.Computed || !res.Info.Ahead || res.Info.Elapsed <= 0 || !strings.Contains(res.Info.String(), "computed in") || !strings.Contains(res.Info.String(), "ahead") {
		t.Errorf("Info %+v (%s): want computed ahead, with the forward pass's time", res.Info, res.Info)
	}
	sameResult(t, res, inProcessResult(t, ckpt, text2))
	if n := strings.Count(log.String(), "captured "); n != 2 || !strings.Contains(log.String(), "ahead into") || *starts != 1 {
		t.Errorf("server started %d times, log:\n%s\nwant one server, two forward passes, one of them ahead", *starts, log.String())
	}
	again, err := modelclient.Capture(ctx, key, cache, opts)
	if err != nil {
		t.Fatal(err)
	}
	if again.Info.Computed || again.Info.Ahead {
		t.Errorf("asked again: Info %+v; want loaded from the cache", again.Info)
	}
	sameResult(t, again, res)
}

// TestCaptureWaitsForPrepare: a capture asked while the server still computes
// the same text ahead waits for that forward pass instead of running another.
func TestCaptureWaitsForPrepare(t *testing.T) {
	privateDir(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 32)
	log, _, opts, cache := inProcessServer(t)
	ctx := context.Background()
	if _, err := modelclient.Capture(ctx, newKey(t, ckpt, text1), cache, opts); err != nil {
		t.Fatal(err)
	}
	key := newKey(t, ckpt, text3)
	if err := modelclient.Prepare(ctx, prepareKey(key), cache, opts); err != nil {
		t.Fatal(err)
	}
	res, err := modelclient.Capture(ctx, key, cache, opts) // at once: the forward pass is under way, or done
	if err != nil {
		t.Fatal(err)
	}
	if !res.Info.Computed || !res.Info.Ahead {
		t.Errorf("Info %+v: want computed ahead", res.Info)
	}
	if n := strings.Count(log.String(), "captured "); n != 2 {
		t.Errorf("%d forward passes for two texts; log:\n%s", n, log.String())
	}
	sameResult(t, res, inProcessResult(t, ckpt, text3))
}

// TestPrepareBeforeAnyCapture: a server that never captured (and whose
// checkpoint has no kept request) only loads the model on a Prepare naming
// no taps, and computes ahead with the Prepare's own request otherwise; a
// later Prepare uses the last capture's request, whatever it names.
func TestPrepareBeforeAnyCapture(t *testing.T) {
	privateDir(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 33)
	log, _, opts, cache := inProcessServer(t)
	ctx := context.Background()
	key := newKey(t, ckpt, text1)
	if err := modelclient.Prepare(ctx, prepareKey(key), cache, opts); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the model loaded", func() bool { return strings.Contains(log.String(), "loaded ") })
	named := newKey(t, ckpt, text2)
	if err := modelclient.Prepare(ctx, named, cache, opts); err != nil {
		t.Fatal(err)
	}
	res, err := modelclient.Capture(ctx, named, cache, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Info.Computed || !res.Info.Ahead || strings.Count(log.String(), "loaded ") != 1 {
		t.Errorf("Info %+v, log:\n%s\nwant computed ahead with the Prepare's request, the model loaded once", res.Info, log.String())
	}
	if ok, _ := cache.Has(key); ok {
		t.Error("a Prepare naming no taps, before any capture, computed something")
	}
	// The last capture's request wins over the one a Prepare names.
	other := newKey(t, ckpt, text3)
	other.Request = taps.Request{Points: []string{"hidden_states"}}
	if err := modelclient.Prepare(ctx, other, cache, opts); err != nil {
		t.Fatal(err)
	}
	want := newKey(t, ckpt, text3) // the last capture's request
	waitFor(t, "the text computed ahead with the last request", func() bool { ok, _ := cache.Has(want); return ok })
	if ok, _ := cache.Has(other); ok {
		t.Error("Prepare computed the request it named, not the last capture's")
	}
}

// TestPrepareRemembersAcrossRestarts: the last request outlives its server
// (kept next to the socket), so the next server of the checkpoint computes
// ahead on its first Prepare.
func TestPrepareRemembersAcrossRestarts(t *testing.T) {
	priv := privateDir(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 34)
	_, starts, opts, cache := inProcessServer(t)
	ctx := context.Background()
	if _, err := modelclient.Capture(ctx, newKey(t, ckpt, text1), cache, opts); err != nil {
		t.Fatal(err)
	}
	socket := modelclient.SocketPath(priv, ckpt, "go")
	stop(socket)
	waitFor(t, "the server gone", func() bool { return !listening(socket) })
	key := newKey(t, ckpt, text2)
	if err := modelclient.Prepare(ctx, prepareKey(key), cache, opts); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the text computed ahead by the new server", func() bool { ok, _ := cache.Has(key); return ok })
	if *starts != 2 {
		t.Errorf("servers started: %d, want 2", *starts)
	}
}

// TestPrepareOff: with servers off, Prepare starts nothing and is no error.
func TestPrepareOff(t *testing.T) {
	privateDir(t)
	t.Setenv("GPT2TAPS_SERVER", "off")
	ckpt := testckpt.Write(t, 2, 32, 4, 35)
	_, starts, opts, cache := inProcessServer(t)
	if err := modelclient.Prepare(context.Background(), prepareKey(newKey(t, ckpt, text1)), cache, opts); err != nil || *starts != 0 {
		t.Errorf("Prepare with GPT2TAPS_SERVER=off: error %v, %d servers started; want none of either", err, *starts)
	}
}

// TestPrepareIgnoresTooLongText: a text the model cannot take is left for
// the capture to report; the server goes on serving.
func TestPrepareIgnoresTooLongText(t *testing.T) {
	privateDir(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 36) // 1024 positions
	log, _, opts, cache := inProcessServer(t)
	ctx := context.Background()
	if _, err := modelclient.Capture(ctx, newKey(t, ckpt, text1), cache, opts); err != nil {
		t.Fatal(err)
	}
	long := newKey(t, ckpt, text3)
	long.Tokens = gpt2.Encoding{IDs: make([]int, 1100), Tokens: make([]string, 1100)}
	if err := modelclient.Prepare(ctx, prepareKey(long), cache, opts); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the prepare's error in the log", func() bool { return strings.Contains(log.String(), "prepare: ") })
	if _, err := modelclient.Capture(ctx, newKey(t, ckpt, text2), cache, opts); err != nil {
		t.Fatalf("the server after a failed prepare: %v", err)
	}
}
