package main

// Tap-cache fault tests: corrupt and truncated cache files, unwritable cache directories, and two gpt2taps
// processes capturing the same (model, text) key at once.

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// cacheText is the text of the tap-cache tests.
const cacheText = "Nietzsche wrote that one must still have chaos in oneself."

// lessonRun runs the lesson on the tiny checkpoint with the tap cache in cacheDir, writing into e.root/name.
func lessonRun(t *testing.T, e *faultEnv, ckpt, cacheDir, name string) cliRun {
	t.Helper()
	return e.run(t, nil, "lesson", "--model", ckpt, "--text", cacheText, "--cache", cacheDir, "--out", filepath.Join(e.root, name))
}

// howTaps matches the lesson's report of where its taps came from, and how long that took.
var howTaps = regexp.MustCompile(`taps of \d+ tokens × \d+ layers (computed|loaded from the tap cache) in ([0-9.]+)s`)

// tapsSource returns "computed" or "loaded from the tap cache", and the seconds the lesson reported.
func tapsSource(t *testing.T, r cliRun) (string, float64) {
	t.Helper()
	m := howTaps.FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("the lesson did not say where its taps came from: %s", r.stderr)
	}
	secs, err := strconv.ParseFloat(m[2], 64)
	if err != nil {
		t.Fatal(err)
	}
	return m[1], secs
}

// cacheFile returns the one taps file in the cache directory.
func cacheFile(t *testing.T, dir string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.safetensors"))
	if err != nil || len(files) != 1 {
		t.Fatalf("cache %s holds %v (error %v), want one taps file", dir, files, err)
	}
	return files[0]
}

// readSummary returns e.root/name/summary.json.
func readSummary(t *testing.T, e *faultEnv, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(e.root, name, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// expectValidCache checks that the cache file reads back, checksums and all, with the reference taps: every
// tensor of the reference, bit for bit, and no other.
func expectValidCache(t *testing.T, path string, want map[string][]float32) {
	t.Helper()
	got := cachedTaps(t, path)
	if len(got) != len(want) {
		t.Fatalf("the cache file holds %d tensors, want the reference's %d", len(got), len(want))
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Fatalf("the cache file has no %s tensor", name)
		}
		if len(g) != len(w) {
			t.Fatalf("cached %s has %d values, want %d", name, len(g), len(w))
		}
		for i := range g {
			if g[i] != w[i] {
				t.Fatalf("cached %s value %d is %v, want %v", name, i, g[i], w[i])
			}
		}
	}
}

// referenceTaps reads the taps of a valid cache file: at least the lesson's three stacks.
func referenceTaps(t *testing.T, path string) map[string][]float32 {
	t.Helper()
	taps := cachedTaps(t, path)
	for _, name := range []string{"attn.c_proj", "mlp.c_proj", "hidden_states"} {
		if len(taps[name]) == 0 {
			t.Fatalf("%s has no %s tensor", path, name)
		}
	}
	return taps
}

// cachedTaps reads every float tensor of a cache file, stacks by kind name and reductions by name.
func cachedTaps(t *testing.T, path string) map[string][]float32 {
	t.Helper()
	f, err := taps.ReadFile(path)
	if err != nil {
		t.Fatalf("the cache file is not valid: %v", err)
	}
	out := map[string][]float32{}
	for k, s := range f.Result.Stacks {
		out[k.String()] = slices.Clone(s.Data)
	}
	for name, a := range f.Result.Reduced {
		out[name] = slices.Clone(a.Data)
	}
	return out
}

// TestCorruptTapCache damages the cached taps between lesson runs: the next run reports the damage, recomputes,
// writes the same summary.json as the first run, and leaves a valid cache file that a later run loads.
func TestCorruptTapCache(t *testing.T) {
	ckpt := faultCheckpoint(t)
	cases := []struct {
		name   string
		damage func([]byte) []byte
	}{
		{"truncated", func(d []byte) []byte { return d[:len(d)/2] }},
		{"empty", func([]byte) []byte { return nil }},
		{"flipped bit in a tensor", func(d []byte) []byte { d[len(d)-9] ^= 0x04; return d }},
		{"flipped bit in the header", func(d []byte) []byte { d[20] ^= 0x01; return d }},
		{"not a safetensors file", func([]byte) []byte { return []byte("<html>502 Bad Gateway</html>") }},
	}
	e := newFaultEnv(t)
	expectSuccess(t, lessonRun(t, e, ckpt, e.tapCache, "first"))
	path := cacheFile(t, e.tapCache)
	ref := referenceTaps(t, path)
	want := readSummary(t, e, "first")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, tc.damage(data), 0o644); err != nil {
				t.Fatal(err)
			}
			r := lessonRun(t, e, ckpt, e.tapCache, "again")
			expectSuccess(t, r)
			if how, _ := tapsSource(t, r); how != "computed" {
				t.Errorf("the damaged cache was used (taps %s)", how)
			}
			for _, want := range []string{"note: ignoring the cached taps", "recomputing"} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("the damage was not reported (%q): %s", want, r.stderr)
				}
			}
			if !bytes.Equal(readSummary(t, e, "again"), want) {
				t.Errorf("summary.json after recomputing differs from the first run's")
			}
			expectValidCache(t, path, ref)
			expectNothingLeft(t, []string{e.root})
		})
	}
	if how, _ := tapsSource(t, lessonRun(t, e, ckpt, e.tapCache, "last")); how != "loaded from the tap cache" {
		t.Errorf("the last run did not load the recomputed cache: %s", how)
	}
}

// TestUnwritableTapCache runs the lesson with a tap cache it cannot write: it computes, says so in a note naming
// the setting to change, and exits 0. A read-only cache that already holds the taps is read.
func TestUnwritableTapCache(t *testing.T) {
	ckpt := faultCheckpoint(t)
	e := newFaultEnv(t)
	writeFile(t, e.root, "a-file", []byte("x"))
	unwritable := []string{filepath.Join(e.root, "a-file", "cache")} // even root cannot create a directory below a file
	if os.Geteuid() != 0 {                                           // permission bits only bind other users
		ro := filepath.Join(e.root, "read-only")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		unwritable = append(unwritable, ro)
	}
	for i, dir := range unwritable {
		r := lessonRun(t, e, ckpt, dir, "out"+strconv.Itoa(i))
		expectSuccess(t, r)
		if how, _ := tapsSource(t, r); how != "computed" {
			t.Errorf("%s: taps %s, want computed", dir, how)
		}
		for _, want := range []string{"note: the taps could not be cached", "GPT2TAPS_CACHE", "writable directory"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("%s: no note %q: %s", dir, want, r.stderr)
			}
		}
		if _, err := os.Stat(filepath.Join(e.root, "out"+strconv.Itoa(i), "summary.json")); err != nil {
			t.Errorf("%s: no summary.json: %v", dir, err)
		}
	}

	// A cache made read-only after it was filled is still read.
	filled := filepath.Join(e.root, "filled")
	expectSuccess(t, lessonRun(t, e, ckpt, filled, "fill"))
	if err := os.Chmod(filled, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(filled, 0o755) })
	r := lessonRun(t, e, ckpt, filled, "from-read-only")
	expectSuccess(t, r)
	if how, _ := tapsSource(t, r); how != "loaded from the tap cache" {
		t.Errorf("read-only filled cache: taps %s, want loaded", how)
	}
	expectNothingLeft(t, []string{e.root})
}

// TestConcurrentLessonProcesses runs two lesson processes on the same model, text and cache directory at once.
// The test holds the key's lock while both start, so both find the cache empty and wait on the lock; once it is
// released, exactly one computes and the other loads what it wrote. Both succeed with the same summary.json, and
// the cache file is valid.
func TestConcurrentLessonProcesses(t *testing.T) {
	ckpt := faultCheckpoint(t)
	e := newFaultEnv(t)
	cacheDir := filepath.Join(e.root, "shared-cache")
	expectSuccess(t, lessonRun(t, e, ckpt, cacheDir, "reference"))
	path := cacheFile(t, cacheDir)
	ref := referenceTaps(t, path)
	want := readSummary(t, e, "reference")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}

	lock := flock.New(path + ".lock")
	if ok, err := lock.TryLock(); !ok || err != nil {
		t.Fatalf("take the key's lock: %v, %v", ok, err)
	}
	const hold = 2 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	names := []string{"a", "b"}
	type outcome struct {
		err    error
		stderr *bytes.Buffer
	}
	done := make([]chan outcome, len(names))
	for i, name := range names {
		cmd, _, stderr := e.command(ctx, nil, "lesson", "--model", ckpt, "--text", cacheText, "--cache", cacheDir,
			"--out", filepath.Join(e.root, name))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done[i] = make(chan outcome, 1)
		go func() { done[i] <- outcome{cmd.Wait(), stderr} }()
	}
	time.Sleep(hold)
	if err := lock.Unlock(); err != nil {
		t.Fatal(err)
	}
	computed := 0
	for i, name := range names {
		o := <-done[i]
		r := cliRun{args: []string{"lesson"}, stderr: o.stderr.String()}
		if o.err != nil {
			t.Fatalf("process %s failed: %v\n%s", name, o.err, r.stderr)
		}
		how, secs := tapsSource(t, r)
		t.Logf("process %s: taps %s after %.2fs", name, how, secs)
		if how == "computed" {
			computed++
		}
		// Both waited for the lock the test held: they did start at once.
		if secs < hold.Seconds()/2 {
			t.Errorf("process %s got its taps after %.2fs, before the lock held for %v was released", name, secs, hold)
		}
		if got := readSummary(t, e, name); !bytes.Equal(got, want) {
			t.Errorf("process %s wrote a summary.json that differs from the reference run's", name)
		}
	}
	if computed != 1 {
		t.Errorf("%d processes computed the taps, want exactly 1", computed)
	}
	expectValidCache(t, path, ref)
	expectNothingLeft(t, []string{e.root})
}
