package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPaths are where Debian's chromium package puts the browser.
var chromiumPaths = []string{"/usr/bin/chromium", "/usr/lib/chromium/chromium"}

// SkipReason is why a browser test does not run where Chromium is missing.
const SkipReason = "chromium is not installed: install it with `apt-get install chromium` (scripts/install.sh does when run as root)"

// Chromium returns the path of the Chromium program: $GPT2TAPS_CHROMIUM
// when set, else Debian's /usr/bin/chromium, else "chromium" on PATH. When
// there is none the test is skipped with SkipReason, except on CI
// (CI=true), where it fails: there the browser tests must run.
func Chromium(t testing.TB) string {
	t.Helper()
	path, err := findChromium()
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and %s (%v); the browser tests must run on CI", SkipReason, err)
		return ""
	}
	t.Skipf("%s (%v)", SkipReason, err)
	return ""
}

func findChromium() (string, error) {
	if p := os.Getenv("GPT2TAPS_CHROMIUM"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			return "", fmt.Errorf("GPT2TAPS_CHROMIUM=%s: %w", p, err)
		}
		return p, nil
	}
	for _, p := range chromiumPaths {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		return "", fmt.Errorf("looked in %s and on PATH", strings.Join(chromiumPaths, ", "))
	}
	return p, nil
}

// Browser is one headless Chromium with one tab, closed when the test ends.
type Browser struct {
	// Ctx is the chromedp context of the tab: pass it to chromedp.Run and Do.
	Ctx context.Context

	t         testing.TB
	artifacts string
	log       *tailBuffer

	mu       sync.Mutex
	problems []string // uncaught exceptions and console errors of the pages
}

// Window size of the browser, in CSS pixels: wide enough for the notebook
// and the explorer side by side with its detail panel.
const windowWidth, windowHeight = 1280, 1000

// NewBrowser starts a headless Chromium with a fresh profile, no sandbox
// (tests run as root on CI) and none of its background network traffic
// (updates, sync, safe browsing, QUIC), so it talks to nothing but the pages
// it is sent to. It is stopped when the test ends.
func NewBrowser(t testing.TB) *Browser {
	t.Helper()
	path := Chromium(t)
	b := &Browser{t: t, artifacts: ArtifactDir(t), log: &tailBuffer{max: 16 << 10}}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("allow-file-access-from-files", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium-profile")),
		chromedp.WindowSize(windowWidth, windowHeight),
		chromedp.CombinedOutput(b.log),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	start := time.Now()
	// The first action starts the browser; it must not carry a time-out (see chromedp.Run).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v; its output ends:\n%s", path, err, lastLines(b.log.Bytes(), 20))
	}
	t.Logf("started %s in %.1fs", path, time.Since(start).Seconds())
	b.Ctx = ctx
	go b.watchConsole()
	return b
}

// watchConsole records the page's uncaught exceptions and console errors.
func (b *Browser) watchConsole() {
	for m, err := range chromedp.Console(b.Ctx) {
		if err != nil {
			return
		}
		if m.IsException() || m.Type == chromedp.ConsoleError || m.Type == "assert" {
			b.mu.Lock()
			b.problems = append(b.problems, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line+1))
			b.mu.Unlock()
		}
	}
}

// Problems returns the uncaught exceptions and console errors seen so far,
// and forgets them.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.problems
	b.problems = nil
	return p
}

// Run runs one action on the tab with a time limit.
func Run[T any](b *Browser, limit time.Duration, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(b.Ctx, limit)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// Do runs actions on the tab, in order, with a time limit for all of them.
func (b *Browser) Do(limit time.Duration, steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.Ctx, limit)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

// Eval evaluates a JavaScript expression in the page and decodes its
// (JSON) result into a T; promises are awaited.
func Eval[T any](b *Browser, expr string) (T, error) {
	return Run(b, time.Minute, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// Screenshot saves a PNG of the first element matching the CSS selector
// (the whole page when sel is empty) as ArtifactDir/name.png and returns
// its path.
func (b *Browser) Screenshot(name, sel string) (string, error) {
	var png []byte
	var err error
	if sel == "" {
		png, err = Run(b, time.Minute, chromedp.FullScreenshot(100))
	} else {
		png, err = Run(b, time.Minute, chromedp.Screenshot(chromedp.CSS(sel)))
	}
	return b.savePNG(name, png, err)
}

// savePNG writes a screenshot as ArtifactDir/name.png, unless taking it
// failed with err, and returns its path.
func (b *Browser) savePNG(name string, png []byte, err error) (string, error) {
	if err != nil {
		return "", fmt.Errorf("screenshot %s: %w", name, err)
	}
	path := filepath.Join(b.artifacts, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return "", fmt.Errorf("screenshot %s: %w", name, err)
	}
	return path, nil
}

// ViewportScreenshot saves a PNG of what the browser's window shows as
// ArtifactDir/name.png and returns its path.
func (b *Browser) ViewportScreenshot(name string) (string, error) {
	png, err := Run(b, time.Minute, chromedp.CaptureScreenshot())
	return b.savePNG(name, png, err)
}

// ArtifactDir returns the folder for a test's screenshots and executed
// notebooks: $GPT2TAPS_ARTIFACTS/<test name> when the variable is set (kept
// after the test), else a temporary folder removed after the test.
func ArtifactDir(t testing.TB) string {
	t.Helper()
	root := os.Getenv("GPT2TAPS_ARTIFACTS")
	if root == "" {
		return t.TempDir()
	}
	dir := filepath.Join(root, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("GPT2TAPS_ARTIFACTS: %v", err)
	}
	return dir
}

// tailBuffer keeps the last max bytes written to it (a process's log).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

// Write appends p, dropping the oldest bytes beyond the limit.
func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if extra := len(b.buf) - b.max; extra > 0 {
		b.buf = append(b.buf[:0], b.buf[extra:]...)
	}
	return len(p), nil
}

// Bytes returns a copy of what the buffer holds.
func (b *tailBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf...)
}

// lastLines returns the last n lines of out, trimmed.
func lastLines(out []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
