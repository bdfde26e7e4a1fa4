package browsertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gpt2taps/gpt2taps/tools/nbtest"
)

// Jupyter is a Jupyter Notebook server started by StartJupyter.
type Jupyter struct {
	// Root is the folder the server serves.
	Root string
	// Base is the server's address, e.g. http://127.0.0.1:40123/.
	Base string
	// Token is the random token that authenticates the browser and the test.
	Token string

	cmd  *exec.Cmd
	log  *tailBuffer
	done chan struct{} // closed when the server has exited
}

// jupyterStart is the longest wait for the server to answer.
const jupyterStart = 90 * time.Second

// StartJupyter starts `jupyter notebook` serving root on a free loopback
// port with a random token, no browser, and configuration and runtime
// folders of its own (the user's kernels, including GoNB's, are still
// found). env entries ("NAME=value") are added to the server's environment,
// which its kernels and their cells inherit. The server, its kernels and
// every process they started are stopped when the test ends.
//
// Jupyter and the GoNB kernel must be installed (nbtest.Available; the
// test fails otherwise, as the nbconvert notebook tests do).
func StartJupyter(t testing.TB, root string, env []string) *Jupyter {
	t.Helper()
	if err := nbtest.Available(); err != nil {
		t.Fatalf("Jupyter with the GoNB kernel is needed: %v", err)
	}
	jupyter, err := exec.LookPath("jupyter")
	if err != nil {
		t.Fatalf("jupyter: %v (run scripts/install.sh)", err)
	}
	if out, err := exec.Command(jupyter, "notebook", "--version").CombinedOutput(); err != nil {
		t.Fatalf("jupyter notebook does not run: %v: %s (run scripts/install.sh)", err, lastLines(out, 5))
	} else {
		t.Logf("Jupyter Notebook %s", strings.TrimSpace(lastLines(out, 1)))
	}
	var lastErr error
	for range 3 { // a free port may be taken between choosing it and the server binding it
		j, err := startJupyter(t, jupyter, root, env)
		if err == nil {
			return j
		}
		lastErr = err
	}
	t.Fatalf("start Jupyter: %v", lastErr)
	return nil
}

func startJupyter(t testing.TB, jupyter, root string, env []string) (*Jupyter, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	var tok [16]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return nil, err
	}
	dir := t.TempDir()
	j := &Jupyter{
		Root:  root,
		Base:  fmt.Sprintf("http://127.0.0.1:%d/", port),
		Token: hex.EncodeToString(tok[:]),
		log:   &tailBuffer{max: 32 << 10},
		done:  make(chan struct{}),
	}
	args := []string{"notebook", "--no-browser", "--ip=127.0.0.1", "--port=" + strconv.Itoa(port), "--port-retries=0",
		"--notebook-dir=" + root, "--NotebookApp.token=" + j.Token, "--NotebookApp.open_browser=False"}
	if os.Geteuid() == 0 {
		args = append(args, "--allow-root") // CI runs as root
	}
	j.cmd = exec.Command(jupyter, args...)
	j.cmd.Dir = root
	j.cmd.Env = append(os.Environ(),
		"JUPYTER_CONFIG_DIR="+filepath.Join(dir, "config"),
		"JUPYTER_RUNTIME_DIR="+filepath.Join(dir, "runtime"),
		"PYDEVD_DISABLE_FILE_VALIDATION=1", // quiets a debugger warning on stderr
	)
	j.cmd.Env = append(j.cmd.Env, env...)
	j.cmd.Stdout, j.cmd.Stderr = j.log, j.log
	newProcessGroup(j.cmd)
	if err := j.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", jupyter, err)
	}
	go func() {
		_ = j.cmd.Wait()
		close(j.done)
	}()
	start := time.Now()
	for {
		if resp, err := j.get("api/status"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-j.done:
			return nil, fmt.Errorf("jupyter notebook exited at start (%v); its log ends:\n%s", j.cmd.ProcessState, lastLines(j.log.Bytes(), 30))
		case <-time.After(200 * time.Millisecond):
		}
		if time.Since(start) > jupyterStart {
			j.stop(t)
			return nil, fmt.Errorf("jupyter notebook did not answer on %s within %v; its log ends:\n%s", j.Base, jupyterStart, lastLines(j.log.Bytes(), 30))
		}
	}
	t.Logf("Jupyter serves %s at %s (ready in %.1fs)", root, j.Base, time.Since(start).Seconds())
	t.Cleanup(func() { j.stop(t) })
	return j, nil
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// NotebookURL returns the address of a notebook in the classic interface,
// given its path relative to Root, with the token.
func (j *Jupyter) NotebookURL(rel string) string {
	return j.Base + "notebooks/" + (&url.URL{Path: filepath.ToSlash(rel)}).EscapedPath() + "?token=" + j.Token
}

// Log returns the end of the server's log (its kernels log there too).
func (j *Jupyter) Log() string { return lastLines(j.log.Bytes(), 40) }

// get sends an authenticated GET to the server's REST API.
func (j *Jupyter) get(path string) (*http.Response, error) {
	return j.request(http.MethodGet, path)
}

func (j *Jupyter) request(method, path string) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, j.Base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "token "+j.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	// Read the body here: the context ends with this function.
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return resp, err
}

// shutdownKernels asks the server to shut down every running kernel, the
// way the interface's Shutdown does: GoNB then removes its temporary module.
func (j *Jupyter) shutdownKernels() error {
	resp, err := j.get("api/kernels")
	if err != nil {
		return err
	}
	var kernels []struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&kernels); err != nil {
		return fmt.Errorf("list kernels: %w", err)
	}
	for _, k := range kernels {
		if resp, err := j.request(http.MethodDelete, "api/kernels/"+url.PathEscape(k.ID)); err != nil {
			return err
		} else if resp.StatusCode != http.StatusNoContent {
			return fmt.Errorf("shut down kernel %s: %s", k.ID, resp.Status)
		}
	}
	return nil
}

// stop shuts the kernels down, then the server (SIGTERM, which stops its
// kernels too), and kills whatever of the processes it started is left.
func (j *Jupyter) stop(t testing.TB) {
	select {
	case <-j.done:
		return
	default:
	}
	tree := descendants(j.cmd.Process.Pid) // before the kernels go: their children may be orphaned
	if err := j.shutdownKernels(); err != nil {
		t.Logf("shut down Jupyter's kernels: %v", err)
	}
	tree = append(tree, descendants(j.cmd.Process.Pid)...)
	terminateGroup(j.cmd)
	select {
	case <-j.done:
	case <-time.After(15 * time.Second):
		t.Logf("Jupyter did not stop within 15s of SIGTERM: killing it")
		killGroup(j.cmd)
		<-j.done
	}
	if left := killAll(tree); len(left) > 0 {
		t.Logf("killed %d process(es) Jupyter left behind: %v", len(left), left)
	}
}
