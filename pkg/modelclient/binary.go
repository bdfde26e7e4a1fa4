package modelclient

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gofrs/flock"

	"github.com/gpt2taps/gpt2taps/internal/goexp"
)

// module is the module whose cmd/gpt2taps is the server.
const module = "github.com/gpt2taps/gpt2taps"

// BuiltBinary returns the gpt2taps binary built from this repository's
// sources (found from this source file's path: the notebooks build the
// repository from source) into <user cache dir>/gpt2taps/bin/gpt2taps. It
// runs `go build` only when the sources changed since the last build: a stamp
// of the Go toolchain, GOEXPERIMENT (simd added: buildEnv), GOFLAGS,
// CGO_ENABLED and the name, size and
// modification time of every file of the module's packages (tests, docs and
// notebooks aside) is kept next to the binary; while it matches, no go
// command runs. A build says so on log, once.
func BuiltBinary(log io.Writer) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	bin := filepath.Join(base, "gpt2taps", "bin", "gpt2taps")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", fmt.Errorf("build the model server: %w", err)
	}
	goCmd, err := goTool()
	if err != nil {
		return "", err
	}
	stamp, err := sourceStamp(root, goCmd)
	if err != nil {
		return "", err
	}
	if upToDate(bin, stamp) {
		return bin, nil
	}
	// Two cells may build at once: one builds, the other waits and finds it done.
	lk := flock.New(bin + ".lock")
	if err := lk.Lock(); err == nil {
		defer lk.Unlock()
	}
	if upToDate(bin, stamp) {
		return bin, nil
	}
	fmt.Fprintf(log, "note: building the model server (go build ./cmd/gpt2taps in %s), once per change of the sources…\n", root)
	// Build beside bin and rename, so that a running server keeps its file and
	// nobody starts a half-written one.
	tmp := bin + ".new"
	cmd := exec.Command(goCmd, "build", "-o", tmp, "./cmd/gpt2taps")
	cmd.Dir = root
	cmd.Env = buildEnv(os.Environ())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build the model server (go build ./cmd/gpt2taps in %s): %v: %s", root, err, firstLine(out.String()))
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", fmt.Errorf("build the model server: %w", err)
	}
	if err := os.WriteFile(bin+".stamp", []byte(stamp+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("build the model server: %w", err)
	}
	return bin, nil
}

// buildEnv is the environment of the server's go build: env, with simd
// added to GOEXPERIMENT on amd64 unless it names simd or nosimd (goexp): the
// server does the forward passes, and without the experiment the pure-Go
// backend has only GoMLX's stock matmul kernel, 6–10× slower. A notebook's
// kernel need not have GOEXPERIMENT set (only the kernel scripts/install.sh
// registers sets it), so the build must not depend on it.
func buildEnv(env []string) []string {
	if runtime.GOARCH != "amd64" {
		return env
	}
	return goexp.WithSIMD(env)
}

// upToDate reports whether bin exists and was built from sources with stamp.
func upToDate(bin, stamp string) bool {
	got, err := os.ReadFile(bin + ".stamp")
	if err != nil || strings.TrimSpace(string(got)) != stamp {
		return false
	}
	_, err = os.Stat(bin)
	return err == nil
}

// repoRoot is the root of the repository holding this source file, checked
// by its go.mod's module line.
func repoRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return "", fmt.Errorf("cannot find the gpt2taps sources to build the model server (this program was built without them): put a gpt2taps binary on PATH, or set GPT2TAPS_SERVER=off")
	}
	root := filepath.Dir(filepath.Dir(filepath.Dir(file))) // …/pkg/modelclient/binary.go
	f, err := os.Open(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("cannot find the gpt2taps sources to build the model server: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			if strings.Trim(strings.TrimSpace(rest), `"`) == module {
				return root, nil
			}
			break
		}
	}
	return "", fmt.Errorf("cannot build the model server: %s/go.mod is not module %s", root, module)
}

// goTool is the go command: on PATH, else the one of the toolchain that built
// this program.
func goTool() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("cannot build the model server: no go command on PATH")
}

// sourceStamp describes what the build depends on, cheaply (no file is read
// but go.mod and go.sum, whose contents pin the dependencies).
func sourceStamp(root, goCmd string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "gpt2taps-build/1\x00%s/%s\x00", runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(h, "GOEXPERIMENT=%s\x00", goexp.Value(buildEnv(os.Environ())))
	for _, v := range []string{"GOFLAGS", "CGO_ENABLED", "GOTOOLCHAIN", "CC"} {
		fmt.Fprintf(h, "%s=%s\x00", v, os.Getenv(v))
	}
	stat := func(path string, info fs.FileInfo) {
		fmt.Fprintf(h, "%s\x00", path)
		h.Write(binary.LittleEndian.AppendUint64(nil, uint64(info.Size())))
		h.Write(binary.LittleEndian.AppendUint64(nil, uint64(info.ModTime().UnixNano())))
	}
	if info, err := os.Stat(goCmd); err == nil { // another Go version
		stat(goCmd, info)
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path == root {
				return nil
			}
			if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || skipDirs[name] {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil { // another module
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || strings.HasSuffix(name, "_test.go") || strings.HasSuffix(name, ".md") || strings.HasSuffix(name, ".ipynb") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		stat(path, info)
		if path == filepath.Join(root, "go.mod") || path == filepath.Join(root, "go.sum") {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("cannot build the model server: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// skipDirs are the directories of the repository that hold no sources of
// the binary: notebooks, documents, scripts, Python, and what tests and
// builds write there (out/test-artifacts, bin/, __pycache__). A test that
// writes a screenshot into out/ while a notebook cell checks the binary must
// not make that cell rebuild it.
var skipDirs = map[string]bool{
	"testdata": true, "notebooks": true, "docs": true, "node_modules": true,
	"out": true, "bin": true, "__pycache__": true, "reference": true, "scripts": true, "docker": true,
}

// firstLine is s's first non-empty line.
func firstLine(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return ""
}
