package main

// Fault tests that run the gpt2taps binary as a real subprocess: broken checkpoints, odd texts and unwritable
// outputs. Every failure must be one line on standard error that names the problem and what to do, a non-zero exit
// status, no panic trace, and nothing half-written left on disk. The binary is built once, in TestMain.
//
// The Hub cases are in faults_hub_test.go, the tap-cache and two-process cases in faults_cache_test.go, and
// docs/errors.md lists every case with its behaviour.

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gpt2taps/gpt2taps/internal/stfile"
	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// faultBin is the gpt2taps binary built by TestMain; faultTmp holds it and the shared base checkpoint.
var faultBin, faultTmp string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

// runTests builds the binary, runs the tests and removes the build directory.
func runTests(m *testing.M) int {
	var err error
	if faultTmp, err = os.MkdirTemp("", "gpt2taps-faults-"); err != nil {
		fmt.Fprintln(os.Stderr, "faults: make a temporary directory:", err)
		return 1
	}
	defer os.RemoveAll(faultTmp)
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	faultBin = filepath.Join(faultTmp, "gpt2taps")
	if out, err := exec.Command(goTool, "build", "-o", faultBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "faults: build gpt2taps: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// Shape of the tiny checkpoint the fault tests break: n_positions is small so a short text is "too long".
const (
	faultLayers    = 2
	faultEmbd      = 16
	faultHeads     = 2
	faultPositions = 24
)

var (
	faultBaseOnce sync.Once
	faultBaseDir  string
	faultBaseErr  error
)

// faultCheckpoint returns a fresh copy of a tiny random F32 checkpoint (2 layers, width 16, n_positions 24, GPT-2's
// vocabulary) that the test may break as it likes.
func faultCheckpoint(t *testing.T) string {
	t.Helper()
	faultBaseOnce.Do(func() {
		cfg, err := gpt2.Preset("gpt2")
		if err != nil {
			faultBaseErr = err
			return
		}
		cfg.NLayer, cfg.NEmbd, cfg.NHead, cfg.NInner, cfg.NPositions = faultLayers, faultEmbd, faultHeads, 4*faultEmbd, faultPositions
		faultBaseDir = filepath.Join(faultTmp, "base-ckpt")
		faultBaseErr = checkpoints.WriteRandom(faultBaseDir, cfg, checkpoints.RandomOptions{Seed: 7})
	})
	if faultBaseErr != nil {
		t.Fatalf("write the base checkpoint: %v", faultBaseErr)
	}
	dir := filepath.Join(t.TempDir(), "ckpt")
	if err := os.CopyFS(dir, os.DirFS(faultBaseDir)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// faultEnv is an isolated environment for the binary: its own Hugging Face cache (empty), a Hub endpoint where
// nothing listens (no network), its own tap cache and home, and the pure Go backend.
type faultEnv struct {
	root     string // everything the binary may write is below root
	hfCache  string
	tapCache string
	endpoint string
	extra    []string // more KEY=VALUE settings
}

func newFaultEnv(t *testing.T) *faultEnv {
	t.Helper()
	root := t.TempDir()
	e := &faultEnv{
		root:     root,
		hfCache:  filepath.Join(root, "hf", "hub"),
		tapCache: filepath.Join(root, "taps-cache"),
		endpoint: closedEndpoint(t),
	}
	if err := os.MkdirAll(e.hfCache, 0o755); err != nil {
		t.Fatal(err)
	}
	return e
}

// closedEndpoint returns an http URL on 127.0.0.1 where nothing listens.
func closedEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}

// environ is the subprocess environment: the test's own, minus everything that would change the outcome.
func (e *faultEnv) environ() []string {
	drop := []string{"HF_", "HUGGINGFACE_", "HUGGING_FACE_", "GPT2TAPS_", "GOMLX_", "XDG_CACHE_HOME=", "HOME="}
	var env []string
	for _, kv := range os.Environ() {
		keep := true
		for _, p := range drop {
			if strings.HasPrefix(kv, p) {
				keep = false
			}
		}
		if keep {
			env = append(env, kv)
		}
	}
	env = append(env,
		"HOME="+filepath.Join(e.root, "home"),
		"XDG_CACHE_HOME="+filepath.Join(e.root, "home", ".cache"),
		"HF_HOME="+filepath.Join(e.root, "hf"),
		"HF_HUB_CACHE="+e.hfCache,
		"HF_ENDPOINT="+e.endpoint,
		"HF_TOKEN_PATH="+filepath.Join(e.root, "no-token"),
		"GPT2TAPS_CACHE="+e.tapCache,
		"GOMLX_BACKEND=go",
	)
	return append(env, e.extra...)
}

// cliRun is the outcome of one run of the binary.
type cliRun struct {
	args           []string
	code           int
	stdout, stderr string
}

// command starts no process; it prepares one run of the binary with stdin as its standard input.
func (e *faultEnv) command(ctx context.Context, stdin []byte, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.CommandContext(ctx, faultBin, args...)
	cmd.Env = e.environ()
	cmd.Dir = e.root
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// run runs the binary to completion (at most a minute).
func (e *faultEnv) run(t *testing.T, stdin []byte, args ...string) cliRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd, stdout, stderr := e.command(ctx, stdin, args...)
	err := cmd.Run()
	r := cliRun{args: args, stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run gpt2taps %v: %v", args, err)
	}
	return r
}

// expectFailure checks that r failed the contract way: exit status ≠ 0, standard error exactly one line
// "gpt2taps <command>: …" holding every string in wants (case-insensitive), no panic trace. With progress set, lines
// the command printed before failing (model loaded, download progress) are allowed before the error line.
func expectFailure(t *testing.T, r cliRun, progress bool, wants ...string) {
	t.Helper()
	t.Logf("gpt2taps %s → exit %d: %s", strings.Join(r.args, " "), r.code, strings.TrimSpace(r.stderr))
	if r.code == 0 {
		t.Errorf("exit status 0, want non-zero")
	}
	for _, bad := range []string{"panic", "goroutine ", "runtime error", ".go:"} {
		if strings.Contains(r.stderr, bad) {
			t.Errorf("standard error holds %q (a panic trace or source location): %s", bad, r.stderr)
		}
	}
	var lines []string
	for _, l := range strings.FieldsFunc(r.stderr, func(c rune) bool { return c == '\n' || c == '\r' }) {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		t.Fatalf("nothing on standard error")
	}
	if !progress && len(lines) != 1 {
		t.Errorf("standard error has %d lines, want exactly one: %q", len(lines), r.stderr)
	}
	msg := lines[len(lines)-1]
	if prefix := "gpt2taps " + r.args[0] + ": "; !strings.HasPrefix(msg, prefix) {
		t.Errorf("error line %q does not start with %q", msg, prefix)
	}
	for _, l := range lines[:len(lines)-1] {
		if strings.HasPrefix(l, "gpt2taps ") {
			t.Errorf("more than one error line: %q", r.stderr)
		}
	}
	// Test directories are named after the test, which often names the fault: leave them out of the match.
	bare := strings.ToLower(testDirs.ReplaceAllString(msg, "TMP"))
	for _, w := range wants {
		if !strings.Contains(bare, strings.ToLower(w)) {
			t.Errorf("error line lacks %q: %s", w, msg)
		}
	}
}

// testDirs matches the directories t.TempDir makes: os.TempDir()/TestName123/.
var testDirs = regexp.MustCompile(regexp.QuoteMeta(os.TempDir()) + `/Test[^/]*`)

// expectSuccess checks that r exited 0 without a panic trace.
func expectSuccess(t *testing.T, r cliRun) {
	t.Helper()
	if r.code != 0 || strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine ") {
		t.Fatalf("gpt2taps %s: exit %d, want 0; stderr:\n%s", strings.Join(r.args, " "), r.code, r.stderr)
	}
}

// leftovers returns the files below root that a failed or interrupted write may leave behind: temporary files of
// atomic writes (*.tmp-*, .ref-*), partial downloads (*.downloading) and the random-checkpoint staging folders.
func leftovers(t *testing.T, root string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if strings.Contains(name, ".tmp-") || strings.HasSuffix(name, ".downloading") || strings.HasPrefix(name, ".ref-") {
			found = append(found, path)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return found
}

// expectNothingLeft checks that no temporary file is left below the roots and that none of the paths exists.
func expectNothingLeft(t *testing.T, roots []string, paths ...string) {
	t.Helper()
	for _, root := range roots {
		if l := leftovers(t, root); len(l) > 0 {
			t.Errorf("temporary files left behind: %v", l)
		}
	}
	for _, p := range paths {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s exists after a failed run", p)
		}
	}
}

// expectNoFilesIn checks that dir (which may not exist) holds no files other than tap-cache lock files.
func expectNoFilesIn(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".lock") {
			t.Errorf("%s left in %s after a failed run", e.Name(), dir)
		}
	}
}

// readHeader splits a safetensors file into its JSON header and its data section.
func readHeader(t *testing.T, path string) (map[string]json.RawMessage, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(data)
	var header map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+n], &header); err != nil {
		t.Fatal(err)
	}
	return header, data[8+n:]
}

// writeRaw writes a safetensors file from a header and a data section, exactly as given (no validation).
func writeRaw(t *testing.T, path string, header map[string]json.RawMessage, data []byte) {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	out = append(append(out, h...), data...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// editEntry rewrites tensor name's header entry in the safetensors file at path.
func editEntry(t *testing.T, path, name string, edit func(e map[string]any)) {
	t.Helper()
	header, data := readHeader(t, path)
	var e map[string]any
	if err := json.Unmarshal(header[name], &e); err != nil {
		t.Fatalf("tensor %s: %v", name, err)
	}
	edit(e)
	raw, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	header[name] = raw
	writeRaw(t, path, header, data)
}

// rewriteTensors reads every tensor of the safetensors file at path, lets edit change the list, and writes a
// valid safetensors file with the result.
func rewriteTensors(t *testing.T, path string, edit func([]stfile.Entry) []stfile.Entry) {
	t.Helper()
	f, err := stfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var entries []stfile.Entry
	for _, name := range f.Names() {
		dtype, shape, _ := f.Info(name)
		b, err := f.Bytes(name)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, stfile.Entry{Name: name, DType: dtype, Shape: shape, Data: bytes.Clone(b)})
	}
	meta := f.Metadata()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := stfile.WriteFile(path, edit(entries), meta); err != nil {
		t.Fatal(err)
	}
}

// editConfig rewrites dir/config.json.
func editConfig(t *testing.T, dir string, edit func(c map[string]any)) {
	t.Helper()
	path := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	edit(c)
	if data, err = json.Marshal(c); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeFile writes data to dir/name.
func writeFile(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// f32Bytes encodes values as little-endian F32.
func f32Bytes(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// TestCheckpointFaults breaks a checkpoint in every way the issue lists and runs capture and lesson on it.
// NaN and ±Inf weights are refused (not warned about): they only ever produce NaN taps and figures.
func TestCheckpointFaults(t *testing.T) {
	weights := func(dir string) string { return filepath.Join(dir, "model.safetensors") }
	cases := []struct {
		name  string
		shard int // write the checkpoint in this many shards (0: one file)
		brk   func(t *testing.T, dir string)
		wants []string // the problem, and what to do
	}{
		{"truncated weights", 0, func(t *testing.T, dir string) {
			data, _ := os.ReadFile(weights(dir))
			writeFile(t, dir, "model.safetensors", data[:len(data)/2])
		}, []string{"model.safetensors", "truncated or corrupt", "download it again"}},
		{"shorter than the header length", 0, func(t *testing.T, dir string) {
			writeFile(t, dir, "model.safetensors", []byte{1, 2, 3})
		}, []string{"model.safetensors", "too short", "download it again"}},
		{"header length beyond the file", 0, func(t *testing.T, dir string) {
			data, _ := os.ReadFile(weights(dir))
			binary.LittleEndian.PutUint64(data, uint64(len(data)))
			writeFile(t, dir, "model.safetensors", data)
		}, []string{"model.safetensors", "header length", "download it again"}},
		{"malformed header JSON", 0, func(t *testing.T, dir string) {
			data, _ := os.ReadFile(weights(dir))
			data[8] = '['
			writeFile(t, dir, "model.safetensors", data)
		}, []string{"model.safetensors", "JSON", "download it again"}},
		{"overlapping offsets", 0, func(t *testing.T, dir string) {
			// h.0.ln_1.weight follows h.0.ln_1.bias: start it one value early, into the bias.
			editEntry(t, weights(dir), "h.0.ln_1.weight", func(e map[string]any) {
				o := e["data_offsets"].([]any)
				e["data_offsets"] = []float64{o[0].(float64) - 4, o[1].(float64) - 4}
			})
		}, []string{"model.safetensors", "overlap", "download it again"}},
		{"offsets out of range", 0, func(t *testing.T, dir string) {
			header, data := readHeader(t, weights(dir))
			writeRaw(t, weights(dir), header, data[:len(data)-4])
		}, []string{"model.safetensors", "download it again"}},
		{"offsets that do not match the shape", 0, func(t *testing.T, dir string) {
			editEntry(t, weights(dir), "ln_f.bias", func(e map[string]any) { e["shape"] = []int{faultEmbd + 1} })
		}, []string{"ln_f.bias", "data_offsets", "download it again"}},
		{"unknown dtype", 0, func(t *testing.T, dir string) {
			editEntry(t, weights(dir), "ln_f.bias", func(e map[string]any) { e["dtype"] = "Q4_K" })
		}, []string{"ln_f.bias", "Q4_K"}},
		{"integer dtype", 0, func(t *testing.T, dir string) {
			editEntry(t, weights(dir), "ln_f.bias", func(e map[string]any) { e["dtype"] = "I32" })
		}, []string{"ln_f.bias", "I32", "F32, F16 and BF16", "convert"}},
		{"missing tensor", 0, func(t *testing.T, dir string) {
			rewriteTensors(t, weights(dir), func(es []stfile.Entry) []stfile.Entry {
				return slicesDelete(es, "h.1.mlp.c_fc.bias")
			})
		}, []string{"h.1.mlp.c_fc.bias", "missing", "download the checkpoint again"}},
		{"unexpected tensor", 0, func(t *testing.T, dir string) {
			rewriteTensors(t, weights(dir), func(es []stfile.Entry) []stfile.Entry {
				return append(es, stfile.Entry{Name: "h.5.ln_1.weight", DType: "F32", Shape: []int{1}, Data: f32Bytes(1)})
			})
		}, []string{"h.5.ln_1.weight", "unexpected", "config.json belongs to these weights"}},
		{"wrong shape", 0, func(t *testing.T, dir string) {
			rewriteTensors(t, weights(dir), func(es []stfile.Entry) []stfile.Entry {
				for i := range es {
					if es[i].Name == "ln_f.weight" {
						es[i].Shape = []int{4, faultEmbd / 4}
					}
				}
				return es
			})
		}, []string{"ln_f.weight", "shape [4 4]", "want [16]", "do not match"}},
		{"NaN weight", 0, func(t *testing.T, dir string) {
			setValue(t, weights(dir), "h.0.attn.c_proj.bias", 3, float32(math.NaN()))
		}, []string{"h.0.attn.c_proj.bias", "NaN", "flat index 3", "download it again"}},
		{"Inf weight", 0, func(t *testing.T, dir string) {
			setValue(t, weights(dir), "wte.weight", 0, float32(math.Inf(-1)))
		}, []string{"wte.weight", "-Inf", "download it again"}},
		{"no weights", 0, func(t *testing.T, dir string) {
			if err := os.Remove(weights(dir)); err != nil {
				t.Fatal(err)
			}
		}, []string{"no model.safetensors", "safetensors weights"}},
		{"missing config.json", 0, func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "config.json")); err != nil {
				t.Fatal(err)
			}
		}, []string{"no config.json", "config.json and model.safetensors"}},
		{"config.json not JSON", 0, func(t *testing.T, dir string) {
			writeFile(t, dir, "config.json", []byte(`{"n_layer": 2,`))
		}, []string{"config.json", "not a JSON object"}},
		{"config.json lacks fields", 0, func(t *testing.T, dir string) {
			editConfig(t, dir, func(c map[string]any) { delete(c, "n_head"); delete(c, "vocab_size") })
		}, []string{"config.json", "n_head, vocab_size", "must set"}},
		{"unsupported activation", 0, func(t *testing.T, dir string) {
			editConfig(t, dir, func(c map[string]any) { c["activation_function"] = "relu" })
		}, []string{`"relu"`, "not supported", "gelu_new"}},
		{"n_embd not divisible by n_head", 0, func(t *testing.T, dir string) {
			editConfig(t, dir, func(c map[string]any) { c["n_head"] = 3 })
		}, []string{"n_embd = 16", "n_head = 3", "fix config.json"}},
		{"not a GPT-2", 0, func(t *testing.T, dir string) {
			editConfig(t, dir, func(c map[string]any) { c["model_type"] = "llama" })
		}, []string{`"llama"`, "GPT-2 checkpoint"}},
		{"config.json of another size", 0, func(t *testing.T, dir string) {
			editConfig(t, dir, func(c map[string]any) { c["n_layer"] = 3 })
		}, []string{"h.2.", "missing", "config.json belongs to these weights"}},
		{"index names a missing shard", 2, func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "model-00002-of-00002.safetensors")); err != nil {
				t.Fatal(err)
			}
		}, []string{"model-00002-of-00002.safetensors"}},
		{"index not JSON", 2, func(t *testing.T, dir string) {
			writeFile(t, dir, "model.safetensors.index.json", []byte(`{"weight_map": {`))
		}, []string{"model.safetensors.index.json", "not valid JSON", "delete it"}},
		{"index names a shard in a subfolder", 2, func(t *testing.T, dir string) {
			const shard = "model-00002-of-00002.safetensors"
			if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(filepath.Join(dir, shard), filepath.Join(dir, "sub", shard)); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(filepath.Join(dir, "model.safetensors.index.json"))
			writeFile(t, dir, "model.safetensors.index.json", bytes.ReplaceAll(data, []byte(`"`+shard+`"`), []byte(`"sub/`+shard+`"`)))
		}, []string{`names shard "sub/model-00002-of-00002.safetensors"`, "not a file name next to the index", "put the shards next to the index"}},
		{"index and shard disagree", 2, func(t *testing.T, dir string) {
			data, _ := os.ReadFile(filepath.Join(dir, "model.safetensors.index.json"))
			data = bytes.Replace(data, []byte(`"ln_f.bias": "model-00002-of-00002`), []byte(`"ln_f.bias": "model-00001-of-00002`), 1)
			writeFile(t, dir, "model.safetensors.index.json", data)
		}, []string{"ln_f.bias", "index and shards do not match", "download the checkpoint again"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := faultCheckpoint(t)
			if tc.shard > 0 {
				dir = shardedCheckpoint(t, tc.shard)
			}
			tc.brk(t, dir)
			e := newFaultEnv(t)
			out := filepath.Join(e.root, "out")
			tapsFile := filepath.Join(e.root, "taps.safetensors") // capture checks its output directory first: it must exist
			r := e.run(t, nil, "capture", "--model", dir, "--text", "Hello world", "--out", tapsFile)
			expectFailure(t, r, false, tc.wants...)
			r = e.run(t, nil, "lesson", "--model", dir, "--text", "Hello world", "--out", out)
			expectFailure(t, r, false, tc.wants...)
			expectNothingLeft(t, []string{e.root, dir}, out, tapsFile)
			expectNoFilesIn(t, e.tapCache)
		})
	}
}

// shardedCheckpoint writes the tiny checkpoint in n shards with model.safetensors.index.json.
func shardedCheckpoint(t *testing.T, n int) string {
	t.Helper()
	cfg, err := gpt2.LoadConfig(faultCheckpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "sharded")
	if err := checkpoints.WriteRandom(dir, cfg, checkpoints.RandomOptions{Seed: 7, Shards: n}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// slicesDelete returns es without the entry called name.
func slicesDelete(es []stfile.Entry, name string) []stfile.Entry {
	var out []stfile.Entry
	for _, e := range es {
		if e.Name != name {
			out = append(out, e)
		}
	}
	return out
}

// setValue overwrites element i of the F32 tensor name in the safetensors file at path.
func setValue(t *testing.T, path, name string, i int, v float32) {
	t.Helper()
	rewriteTensors(t, path, func(es []stfile.Entry) []stfile.Entry {
		for _, e := range es {
			if e.Name == name {
				copy(e.Data[4*i:], f32Bytes(v))
			}
		}
		return es
	})
}

// TestTextFaults runs tokenize, capture and lesson on odd texts. Empty text: tokenize prints empty lists, capture
// and lesson refuse it. Whitespace only and NUL bytes are valid texts (GPT-2 tokenizes them). Invalid UTF-8 is
// refused naming the offset. A text longer than n_positions tokens is refused with the count and the limit.
func TestTextFaults(t *testing.T) {
	long := strings.Repeat(" word", faultPositions+1) // one token per " word"
	cases := []struct {
		name   string
		text   []byte
		tokens int      // tokenize's token count: 0 or more exactly, -1 tokenize fails too, -2 any positive count
		wants  []string // capture's and lesson's error; nil: they succeed
		// progress: capture prints "loaded …" before this error, as it checks the length after loading.
		progress bool
	}{
		{"empty", nil, 0, []string{"the text has no tokens"}, false},
		{"whitespace only", []byte(" \n\t  \n"), -2, nil, false},
		{"NUL bytes", []byte("a\x00b\x00\x00"), -2, nil, false},
		{"invalid UTF-8", []byte("caf\xe9 au lait"), -1, []string{"not valid UTF-8", "offset 3", "0xe9", "convert"}, false},
		{"truncated UTF-8 at the end", []byte("emoji \xf0\x9f\x98"), -1, []string{"not valid UTF-8", "offset 6", "convert"}, false},
		{"longer than n_positions", []byte(long), faultPositions + 1, []string{fmt.Sprintf("%d tokens", faultPositions+1), fmt.Sprintf("at most %d", faultPositions), "shorten the text"}, true},
	}
	ckpt := faultCheckpoint(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newFaultEnv(t)
			textFile := filepath.Join(e.root, "text.txt")
			if err := os.WriteFile(textFile, tc.text, 0o644); err != nil {
				t.Fatal(err)
			}
			// tokenize, from a file and from standard input.
			tokens := 0
			for _, args := range [][]string{{"tokenize", "--text-file", textFile}, {"tokenize", "--text-file", "-"}} {
				r := e.run(t, tc.text, args...)
				if tc.tokens == -1 {
					expectFailure(t, r, false, tc.wants...)
					continue
				}
				expectSuccess(t, r)
				var got struct {
					IDs    []int    `json:"ids"`
					Tokens []string `json:"tokens"`
				}
				if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
					t.Fatalf("tokenize output is not JSON: %v: %s", err, r.stdout)
				}
				if (tc.tokens >= 0 && len(got.IDs) != tc.tokens) || (tc.tokens == -2 && len(got.IDs) == 0) ||
					len(got.IDs) != len(got.Tokens) || strings.Join(got.Tokens, "") != string(tc.text) {
					t.Errorf("tokenize: %d ids, tokens %q; want them to rejoin into %q (count %d)", len(got.IDs), got.Tokens, tc.text, tc.tokens)
				}
				tokens = len(got.IDs)
			}
			out := filepath.Join(e.root, "out")
			tapsFile := filepath.Join(out, "taps.safetensors")
			if err := os.MkdirAll(out, 0o755); err != nil {
				t.Fatal(err)
			}
			capture := e.run(t, nil, "capture", "--model", ckpt, "--text-file", textFile, "--out", tapsFile)
			lessonOut := filepath.Join(e.root, "lesson")
			lesson := e.run(t, nil, "lesson", "--model", ckpt, "--text-file", textFile, "--out", lessonOut)
			if tc.wants == nil {
				expectSuccess(t, capture)
				expectSuccess(t, lesson)
				f, err := taps.ReadFile(tapsFile)
				if err != nil {
					t.Fatal(err)
				}
				if len(f.Result.IDs) != tokens {
					t.Errorf("capture wrote %d tokens, tokenize printed %d", len(f.Result.IDs), tokens)
				}
				if _, err := os.Stat(filepath.Join(lessonOut, "summary.json")); err != nil {
					t.Errorf("lesson wrote no summary.json: %v", err)
				}
				return
			}
			expectFailure(t, capture, tc.progress, tc.wants...)
			expectFailure(t, lesson, false, tc.wants...)
			expectNothingLeft(t, []string{e.root}, tapsFile, lessonOut)
			expectNoFilesIn(t, e.tapCache)
		})
	}
}

// TestOutputFaults gives outputs that cannot be written: the run fails naming the path, and leaves no temporary
// file behind.
func TestOutputFaults(t *testing.T) {
	ckpt := faultCheckpoint(t)
	e := newFaultEnv(t)
	blocker := filepath.Join(e.root, "a-file")
	writeFile(t, e.root, "a-file", []byte("not a directory"))
	nonEmpty := filepath.Join(e.root, "non-empty")
	if err := os.MkdirAll(nonEmpty, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, nonEmpty, "keep.txt", []byte("mine"))
	// progress: whether a progress line may precede the error; capture and lesson check their output
	// directory before loading anything, so none does here.
	cases := []struct {
		name     string
		args     []string
		code     int
		wants    []string
		progress bool
	}{
		{"capture into a missing directory", []string{"capture", "--model", ckpt, "--text", "hi", "--out", filepath.Join(e.root, "missing", "taps.safetensors")}, 1, []string{"missing", "no such file or directory", "exists and is writable"}, false},
		{"capture below a file", []string{"capture", "--model", ckpt, "--text", "hi", "--out", filepath.Join(blocker, "taps.safetensors")}, 1, []string{"a-file", "not a directory", "exists and is writable"}, false},
		{"lesson below a file", []string{"lesson", "--model", ckpt, "--text", "hi", "--out", filepath.Join(blocker, "figs")}, 1, []string{"a-file", "not a directory"}, false},
		{"random-checkpoint into a non-empty directory", []string{"random-checkpoint", "--layers", "1", "--embd", "8", "--heads", "2", "--out", nonEmpty}, 1, []string{"non-empty", "not empty", "remove it first or choose another"}, false},
		{"random-checkpoint below a file", []string{"random-checkpoint", "--layers", "1", "--embd", "8", "--heads", "2", "--out", filepath.Join(blocker, "ckpt")}, 1, []string{"a-file"}, false},
		{"random-checkpoint with an unknown dtype", []string{"random-checkpoint", "--layers", "1", "--embd", "8", "--heads", "2", "--dtype", "F8", "--out", filepath.Join(e.root, "ckpt")}, 1, []string{"F8"}, false},
		{"missing text file", []string{"capture", "--model", ckpt, "--text-file", filepath.Join(e.root, "nope.txt"), "--out", filepath.Join(e.root, "t.safetensors")}, 1, []string{"nope.txt", "no such file"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.run(t, nil, tc.args...)
			expectFailure(t, r, tc.progress, tc.wants...)
			if r.code != tc.code {
				t.Errorf("exit status %d, want %d", r.code, tc.code)
			}
			expectNothingLeft(t, []string{e.root}, filepath.Join(e.root, "ckpt"), filepath.Join(e.root, "t.safetensors"))
		})
	}
	if data, err := os.ReadFile(filepath.Join(nonEmpty, "keep.txt")); err != nil || string(data) != "mine" {
		t.Errorf("random-checkpoint touched the non-empty directory's file: %q, %v", data, err)
	}
}
