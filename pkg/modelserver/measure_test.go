package modelserver_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/modelclient"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// TestMeasureWarmServerVsOneShot times (reports, never asserts) a capture of
// a new text through a warm server and through a one-shot process, on a
// random checkpoint of gpt2's shape, with the lesson's request. It writes a
// 0.5 GB checkpoint: it runs only with GPT2TAPS_MEASURE=1.
func TestMeasureWarmServerVsOneShot(t *testing.T) {
	if os.Getenv("GPT2TAPS_MEASURE") != "1" {
		t.Skip("set GPT2TAPS_MEASURE=1 to time the model server")
	}
	priv := privateDir(t)
	cfg, _ := gpt2.Preset("gpt2")
	ckpt := filepath.Join(t.TempDir(), "gpt2")
	if err := checkpoints.WriteRandom(ckpt, cfg, checkpoints.RandomOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	bin := asGpt2taps(t)
	socket := modelclient.SocketPath(priv, ckpt, "go")
	t.Cleanup(func() { stop(socket) })
	ctx := context.Background()
	cache := taps.Cache{Dir: t.TempDir()}
	words := strings.Fields(lesson.NietzscheText)
	text := func(i int) string { return strings.Join(words[i*7:i*7+120], " ") } // new texts of about the same length
	capture := func(name string, i int, opts modelclient.Options) {
		t.Helper()
		key, err := checkpoints.NewKey(ctx, ckpt, checkpoints.Options{}, gpt2.Text(text(i)), lesson.Request())
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		res, err := modelclient.Capture(ctx, key, cache, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-34s %3d tokens: %6.2fs (computed %v)", name, len(res.IDs), time.Since(start).Seconds(), res.Info.Computed)
	}
	server := modelclient.Options{Backend: "go", Idle: time.Minute, Binary: bin}
	capture("server, first text (start, load)", 0, server)
	for i := 1; i <= 3; i++ {
		capture("warm server, new text", i, server)
	}
	oneShot := modelclient.Options{Backend: "go", Binary: bin, Disabled: true}
	for i := 4; i <= 5; i++ {
		capture("one-shot process, new text", i, oneShot)
	}
	logPath := strings.TrimSuffix(socket, ".sock") + ".log"
	if log, err := os.ReadFile(logPath); err == nil {
		t.Logf("server log:\n%s", log)
	}
	// The server's peak memory against the F32 weights (the checkpoint is F32).
	var weights int64
	files, _ := filepath.Glob(filepath.Join(ckpt, "*.safetensors"))
	for _, f := range files {
		if info, err := os.Stat(f); err == nil {
			weights += info.Size()
		}
	}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(serverPID(t, logPath)) + "/status")
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok && err == nil {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			t.Logf("server peak RSS %.0f MB = %.2f× the F32 weights (%.0f MB)", float64(kb)/1024, float64(kb*1024)/float64(weights), float64(weights)/(1<<20))
		}
	}
}
