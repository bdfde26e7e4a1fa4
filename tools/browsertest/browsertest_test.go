package browsertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB that records Skipf and Fatalf instead of
// stopping the test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

// TestChromiumMissing: without Chromium a browser test is skipped with the
// reason and the way to install it, and fails on CI.
func TestChromiumMissing(t *testing.T) {
	t.Setenv("GPT2TAPS_CHROMIUM", filepath.Join(t.TempDir(), "no-chromium"))
	t.Setenv("CI", "")
	r := &recorder{TB: t}
	if p := Chromium(r); p != "" || r.failed != "" || !strings.Contains(r.skipped, "apt-get install chromium") {
		t.Errorf("outside CI: path %q, skipped %q, failed %q; want a skip naming apt-get install chromium", p, r.skipped, r.failed)
	}
	t.Setenv("CI", "true")
	r = &recorder{TB: t}
	if p := Chromium(r); p != "" || r.skipped != "" || !strings.Contains(r.failed, "must run on CI") || !strings.Contains(r.failed, "apt-get install chromium") {
		t.Errorf("on CI: path %q, skipped %q, failed %q; want a failure", p, r.skipped, r.failed)
	}
}

// TestDescendantsKillsWhatLeftTheGroup: a process that left its parent's
// process group (as Jupyter's kernels do) survives the group's SIGKILL but
// not killAll of the tree recorded before.
func TestDescendantsKillsWhatLeftTheGroup(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the process tree is read from /proc (Linux only)")
	}
	setsid, err := exec.LookPath("setsid")
	if err != nil {
		t.Skip("setsid is not installed")
	}
	cmd := exec.Command("sh", "-c", setsid+" sleep 300 & sleep 300")
	newProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until both sleeps run and one has left for its own session: before
	// its setsid call it is still in the group, and would die with it.
	var tree []process
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(50 * time.Millisecond) {
		if tree = descendants(cmd.Process.Pid); len(tree) >= 2 && slices.ContainsFunc(tree, leadsSession) {
			break
		}
	}
	if len(tree) < 2 || !slices.ContainsFunc(tree, leadsSession) {
		killGroup(cmd)
		t.Fatalf("descendants found %v, want the two sleeps, one in a session of its own", tree)
	}
	killGroup(cmd)
	_ = cmd.Wait()
	running := func(p process) bool {
		_, start, ok := stat(p.pid)
		return ok && start == p.start
	}
	// The group's sleep dies with the group (the signal may take a moment);
	// the one in its own session stays.
	var alive []process
	for start := time.Now(); time.Since(start) < 5*time.Second; time.Sleep(20 * time.Millisecond) {
		alive = slices.DeleteFunc(slices.Clone(tree), func(p process) bool { return !running(p) })
		if len(alive) < len(tree) {
			break
		}
	}
	if len(alive) == 0 {
		t.Fatal("the sleep in its own session died with the group: the test shows nothing")
	}
	if len(alive) == len(tree) {
		t.Fatalf("killing the group left all of %v running", tree)
	}
	if killed := killAll(tree); len(killed) != len(alive) {
		t.Errorf("killAll killed %v, want the %v left", killed, alive)
	}
	time.Sleep(100 * time.Millisecond)
	for _, p := range tree {
		if _, start, ok := stat(p.pid); ok && start == p.start {
			t.Errorf("process %d still runs after killAll", p.pid)
		}
	}
}

// TestJupyterStartsAndStops: the server answers with its token only, and
// stopping it ends its kernels and everything they started.
func TestJupyterStartsAndStops(t *testing.T) {
	root := t.TempDir()
	j := StartJupyter(t, root, nil)
	resp, err := http.Get(j.Base + "api/kernels")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("without the token the server answered %s, want 403 Forbidden", resp.Status)
	}
	resp, err = j.request(http.MethodPost, "api/kernels")
	if err != nil {
		t.Fatal(err)
	}
	var k struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&k); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("start a kernel: %s, %v", resp.Status, err)
	}
	tree := descendants(j.cmd.Process.Pid)
	if runtime.GOOS == "linux" && len(tree) == 0 {
		t.Fatal("no process under the server after starting a kernel")
	}
	j.stop(t)
	select {
	case <-j.done:
	default:
		t.Fatal("the server still runs after stop")
	}
	for _, p := range tree {
		if _, start, ok := stat(p.pid); ok && start == p.start {
			t.Errorf("process %d (started by the server) still runs after stop", p.pid)
		}
	}
}

// TestNotebookTree: the copy's notebooks are copies (writing them leaves
// the checkout alone) and the rest links to the checkout.
func TestNotebookTree(t *testing.T) {
	repo := t.TempDir()
	for name, data := range map[string]string{"go.mod": "module x\n", "notebooks/a.ipynb": "{}", "notebooks/b.ipynb": "{}", "pkg/p/p.go": "package p\n"} {
		path := filepath.Join(repo, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root := NotebookTree(t, repo, "a.ipynb")
	if err := os.WriteFile(filepath.Join(root, "notebooks", "a.ipynb"), []byte(`{"changed": true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(repo, "notebooks", "a.ipynb")); string(data) != "{}" {
		t.Errorf("writing the copy changed the checkout's notebook: %s", data)
	}
	if _, err := os.Stat(filepath.Join(root, "notebooks", "b.ipynb")); err == nil {
		t.Error("a notebook not asked for was copied")
	}
	if data, err := os.ReadFile(filepath.Join(root, "notebooks", "..", "pkg", "p", "p.go")); err != nil || string(data) != "package p\n" {
		t.Errorf("the repository is not reachable at notebooks/..: %v", err)
	}
}

// leadsSession reports whether p is the leader of its own session (field 6 of
// /proc/pid/stat is its pid), as a process is after setsid.
func leadsSession(p process) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(p.pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3
	return len(f) > 3 && f[3] == strconv.Itoa(p.pid)
}
