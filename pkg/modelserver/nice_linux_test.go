package modelserver_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/modelclient"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/tools/testckpt"
)

// TestServerRunsNiced: a started server (gpt2taps serve, whose --nice is 10
// by default) runs every thread — those its forward pass started too — at
// nice 10, so that what it computes ahead gives way to the notebook's cells.
func TestServerRunsNiced(t *testing.T) {
	priv := privateDir(t)
	ckpt := testckpt.Write(t, 2, 32, 4, 37)
	opts := modelclient.Options{Backend: "go", Idle: 20 * time.Second, Binary: asGpt2taps(t)}
	socket := modelclient.SocketPath(priv, ckpt, "go")
	t.Cleanup(func() {
		stop(socket)
		for i := 0; i < 500 && listening(socket); i++ {
			time.Sleep(10 * time.Millisecond)
		}
	})
	if _, err := modelclient.Capture(context.Background(), newKey(t, ckpt, text1), taps.Cache{Dir: t.TempDir()}, opts); err != nil {
		t.Fatal(err)
	}
	pid := serverPID(t, strings.TrimSuffix(socket, ".sock")+".log")
	stats, err := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "stat"))
	if err != nil || len(stats) < 2 {
		t.Fatalf("threads of the server %d: %v %v", pid, stats, err)
	}
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // a thread that ended
		}
		// Fields after the command's closing parenthesis: state is field 3, nice field 19.
		fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if nice := fields[19-3]; nice != "10" {
			t.Errorf("thread %s of the server runs at nice %s, want 10", filepath.Base(filepath.Dir(p)), nice)
		}
	}
}
