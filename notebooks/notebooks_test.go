// Package notebooks_test executes the lesson notebooks in real Jupyter with the
// GoNB kernel and checks what a student would see: no errors, the figures, the
// Markdown, and the same numbers as `gpt2taps lesson`'s summary.json. Cells
// are found by their ids and tags, never by their source, so that teachers can
// edit the code.
package notebooks_test

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/modelclient"
	"github.com/gpt2taps/gpt2taps/tools/nbtest"
	"github.com/gpt2taps/gpt2taps/tools/testckpt"
)

const (
	part1 = "01_attention_vs_mlp_cosine.ipynb"
	part2 = "02_path_length_decomposition.ipynb"
)

// fixture is a generated checkpoint, a short text and the CLI's summary of them.
type fixture struct {
	ckpt, textFile, cache string
	report                string // the folder gpt2taps lesson wrote (figures, summary.json, explorer.html)
	summary               lesson.Summary
}

// gpt2taps runs the command line from the repository.
func gpt2taps(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"run", "../cmd/gpt2taps"}, args...)...)
	msg, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gpt2taps %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	return string(msg)
}

func setup(t *testing.T) fixture {
	t.Helper()
	if err := nbtest.Available(); err != nil {
		t.Fatalf("Jupyter with the GoNB kernel is needed: %v", err)
	}
	dir := t.TempDir()
	f := fixture{ckpt: testckpt.Write(t, 6, 64, 4, 5), textFile: filepath.Join(dir, "text.txt"), cache: filepath.Join(dir, "cache")}
	text := "Nietzsche was born in Röcken in 1844. He taught philology in Basel, wrote Thus Spoke Zarathustra, and collapsed in Turin in 1889."
	if err := os.WriteFile(f.textFile, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	// The command line's numbers, with a cache of its own so that the notebook computes its taps itself.
	out := filepath.Join(dir, "lesson")
	gpt2taps(t, "lesson", "--model", f.ckpt, "--backend", "go", "--text-file", f.textFile, "--out", out, "--cache", filepath.Join(dir, "cli-cache"))
	f.report = out
	var err error
	if f.summary, err = lesson.ReadSummary(filepath.Join(out, "summary.json")); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f fixture) env(extra ...string) []string {
	return append([]string{
		"GPT2TAPS_MODEL=" + f.ckpt, "GPT2TAPS_TEXT_FILE=" + f.textFile, "GPT2TAPS_CACHE=" + f.cache, "GOMLX_BACKEND=go",
		noServer,
	}, extra...)
}

// noServer: the run cell computes in a one-shot process, which leaves no
// model server running after the test (TestLessonNotebooks covers the server).
const noServer = env.Server + "=off"

// modelServer returns the environment for notebooks whose run cell uses a
// model server of this test's own: its private directory (XDG_RUNTIME_DIR)
// under a new temporary folder, short enough for a socket's path. When the
// test ends, every server there is asked to stop and must be gone, so that
// no server outlives the test. dir is where its sockets and logs lie.
func modelServer(t *testing.T) (vars []string, dir string) {
	t.Helper()
	x, err := os.MkdirTemp("", "nbsrv")
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(x, "gpt2taps")
	t.Cleanup(func() {
		if n := stopServers(t, dir); n > 1 {
			t.Errorf("%d model servers were running; the notebooks use one model", n)
		}
		os.RemoveAll(x)
	})
	return []string{"XDG_RUNTIME_DIR=" + x, env.Server + "=on", env.ServerIdle + "=5m"}, dir
}

// stopServers asks every model server with a socket in dir to stop, waits
// until each has removed its socket (it does so as it exits), and returns
// how many there were.
func stopServers(t *testing.T, dir string) int {
	t.Helper()
	socks, _ := filepath.Glob(filepath.Join(dir, "model-*.sock"))
	for _, sock := range socks {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := modelclient.Ask(ctx, sock, modelclient.Request{V: modelclient.Version, Op: modelclient.OpStop})
		cancel()
		if err != nil {
			t.Errorf("stop the model server at %s: %v", sock, err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			if _, err := os.Stat(sock); os.IsNotExist(err) {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("the model server at %s did not exit after it was asked to stop", sock)
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return len(socks)
}

func execute(t *testing.T, notebook string, env []string) *nbtest.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	start := time.Now()
	r, err := nbtest.Execute(ctx, notebook, nbtest.Options{Env: env, WorkDir: t.TempDir(), Timeout: 10 * time.Minute})
	if err != nil {
		t.Fatalf("execute %s: %v", notebook, err)
	}
	var times []string
	for _, c := range r.CodeCells() {
		if d, ok := c.Duration(); ok {
			times = append(times, fmt.Sprintf("%s:%.0fs", c.ID, d.Seconds()))
		}
	}
	t.Logf("%s executed in %.1fs; per code cell (id:seconds, GoNB stamps whole seconds): %s",
		notebook, time.Since(start).Seconds(), strings.Join(times, " "))
	return r
}

// cell returns the output text of the cell with this id or tag.
func cell(t *testing.T, r *nbtest.Result, name string) string {
	t.Helper()
	c, ok := r.Cell(name)
	if !ok {
		t.Fatalf("%s has no cell with id or tag %q", r.Path, name)
	}
	return c.Text()
}

// checkClean asserts no problems, at least minImages PNG images and some Markdown.
func checkClean(t *testing.T, r *nbtest.Result, minImages, minMarkdown int) {
	t.Helper()
	if p := r.Problems(); len(p) > 0 {
		t.Fatalf("%s: problems in the executed notebook:\n%s", r.Path, strings.Join(p, "\n"))
	}
	images, err := r.Images()
	if err != nil {
		t.Fatal(err)
	}
	png := 0
	for _, im := range images {
		if im.MIME == "image/png" && len(im.Data) > 1000 {
			png++
		}
	}
	if png < minImages {
		t.Errorf("%s shows %d PNG figures, want at least %d", r.Path, png, minImages)
	}
	if n := len(r.MarkdownCells()); n < minMarkdown {
		t.Errorf("%s has %d Markdown cells, want at least %d", r.Path, n, minMarkdown)
	}
	for _, c := range r.CodeCells() {
		if c.ExecutionCount == 0 && strings.TrimSpace(c.Source) != "" {
			t.Errorf("%s: code cell %s did not run", r.Path, c.ID)
		}
	}
}

// table parses the rows of a printed table: lines whose first field is an
// integer, into layer → the remaining fields.
func table(text string) map[int][]string {
	rows := map[int][]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		if l, err := strconv.Atoi(fields[0]); err == nil {
			rows[l] = fields[1:]
		}
	}
	return rows
}

// near compares a printed number with a summary value to the printed precision.
func near(t *testing.T, what, printed string, want lesson.Num, tol float64) {
	t.Helper()
	w := float64(want)
	if math.IsNaN(w) {
		if printed != "NaN" {
			t.Errorf("%s: notebook printed %s, summary.json has null", what, printed)
		}
		return
	}
	got, err := strconv.ParseFloat(printed, 64)
	if err != nil || math.Abs(got-w) > tol {
		t.Errorf("%s: notebook printed %s, summary.json has %v", what, printed, w)
	}
}

var lessonDiff = regexp.MustCompile(`largest difference from lesson\.Analyze's cosine: (\S+)`)

// TestLessonNotebooks executes notebooks 01 and 02 as a student would, the
// run cell asking a model server (started by the first run, kept loaded for
// the next notebook, stopped when the test ends): every number equals the
// command line's, and the set-up applied its build settings.
func TestLessonNotebooks(t *testing.T) {
	f := setup(t)
	L := f.summary.NLayer
	server, serverDir := modelServer(t)
	withServer := func() []string { return append(f.env(), server...) }

	// Part 1, first run: computes the taps, in the model server it starts.
	r1 := execute(t, part1, withServer())
	checkClean(t, r1, 2, 10)
	// The checkpoint cell handed the text to the server (Checkpoint.Prepare),
	// which computed it ahead with the lesson's request.
	if run := cell(t, r1, "run"); !strings.Contains(run, "computed in") || !strings.Contains(run, "started ahead") {
		t.Errorf("first run's run cell should say it computed the taps, started ahead by the checkpoint cell:\n%s", run)
	}
	socks, _ := filepath.Glob(filepath.Join(serverDir, "model-*.sock"))
	logs, _ := filepath.Glob(filepath.Join(serverDir, "model-*.log"))
	if len(socks) != 1 || len(logs) != 1 {
		t.Errorf("the run cell should have started one model server in %s: sockets %v, logs %v", serverDir, socks, logs)
	} else if log, _ := os.ReadFile(logs[0]); !strings.Contains(string(log), "captured ") || !strings.Contains(string(log), " ahead into ") {
		t.Errorf("the model server's log does not show the capture:\n%s", log)
	}
	// The set-up applied its build settings (GoNB echoes them).
	for _, want := range []string{`%goflags=["-ldflags=-s -w"]`, `Set: CGO_ENABLED="0"`} {
		if out := cell(t, r1, "setup"); !strings.Contains(out, want) {
			t.Errorf("the set-up cell's output lacks %q: its build settings were not applied:\n%s", want, out)
		}
	}
	if ckpt := cell(t, r1, "checkpoint"); !strings.Contains(ckpt, "GPT2TAPS_TEXT_FILE="+f.textFile) || !strings.Contains(ckpt, "GPT2TAPS_MODEL="+f.ckpt) {
		t.Errorf("the checkpoint cell should say that the environment replaced the model and the text:\n%s", ckpt)
	}
	if ckpt := cell(t, r1, "checkpoint"); !strings.Contains(ckpt, "backend: go (GOMLX_BACKEND=go)") {
		t.Errorf("the checkpoint cell should name the backend that will run:\n%s", ckpt)
	}
	request := cell(t, r1, "request")
	for _, point := range lesson.Request().Points {
		if !strings.Contains(request, point+" ") {
			t.Errorf("the request cell should show %s, which the lesson hooks:\n%s", point, request)
		}
	}
	// The visible cosine is exactly lesson.Analyze's (the same function, analysis.Cosine).
	m := lessonDiff.FindStringSubmatch(cell(t, r1, "cosine"))
	if m == nil {
		t.Fatalf("the cosine cell does not print its difference from lesson.Analyze's cosine:\n%s", cell(t, r1, "cosine"))
	}
	if d, err := strconv.ParseFloat(m[1], 64); err != nil || d != 0 {
		t.Errorf("the notebook's cosine differs from lesson.Analyze's by %s (want 0)", m[1])
	}
	rows := table(cell(t, r1, "cosine-table"))
	if len(rows) != L {
		t.Fatalf("the cosine table has %d layers, want %d", len(rows), L)
	}
	for l := range L {
		near(t, fmt.Sprintf("layer %d mean cosine", l), rows[l][0], f.summary.Cosine.PerLayerMean[l], 2e-6)
		near(t, fmt.Sprintf("layer %d cosine std", l), rows[l][1], f.summary.Cosine.PerLayerStd[l], 2e-6)
	}
	want := "does NOT hold"
	if f.summary.Claims.Holds {
		want = "HOLDS"
	}
	if claim := cell(t, r1, "claims"); !strings.Contains(claim, want) {
		t.Errorf("the claim cell should say %q (summary.json: holds = %v):\n%s", want, f.summary.Claims.Holds, claim)
	}

	// Part 2: step lengths and correlations, from the taps part 1 cached.
	r2 := execute(t, part2, withServer())
	checkClean(t, r2, 3, 10)
	if run := cell(t, r2, "run"); !strings.Contains(run, "loaded from the tap cache") {
		t.Errorf("part 2 should reuse part 1's taps:\n%s", run)
	}
	steps := table(cell(t, r2, "steps"))
	for l := range L {
		near(t, fmt.Sprintf("layer %d attn step mean", l), steps[l][0], f.summary.StepLengths.AttnMean[l], 6e-5)
		near(t, fmt.Sprintf("layer %d mlp step mean", l), steps[l][1], f.summary.StepLengths.MLPMean[l], 6e-5)
		near(t, fmt.Sprintf("layer %d hidden step mean", l), steps[l][2], f.summary.StepLengths.HiddenMean[l], 6e-5)
	}
	for i, id := range []string{"pearson-1", "pearson-0", "spearman-0"} {
		set := f.summary.Correlations[i]
		rows := table(cell(t, r2, id))
		for l := range L {
			near(t, fmt.Sprintf("%s/%d layer %d attn r", set.Method, set.FirstToken, l), rows[l][0], set.Attn[l].R, 6e-5)
			near(t, fmt.Sprintf("%s/%d layer %d mlp r", set.Method, set.FirstToken, l), rows[l][3], set.MLP[l].R, 6e-5)
		}
	}

	// Part 1 again: the run cell now loads the cache.
	again := execute(t, part1, f.env())
	checkClean(t, again, 2, 10)
	if c := cell(t, again, "run"); !strings.Contains(c, "loaded from the tap cache") {
		t.Errorf("second run's run cell should say it loaded the tap cache:\n%s", c)
	}
	// The notebooks tap what the lesson taps: the command line finds their taps in the cache.
	out := gpt2taps(t, "lesson", "--model", f.ckpt, "--backend", "go", "--text-file", f.textFile, "--out", t.TempDir(), "--cache", f.cache)
	if !strings.Contains(out, "loaded from the tap cache") {
		t.Errorf("gpt2taps lesson did not find the notebooks' taps in their cache (their request differs from lesson.Request):\n%s", out)
	}
}

// TestNotebooksOnShortTexts: with a text of one or two tokens every cell
// computes what is defined and says plainly what needs more tokens.
func TestNotebooksOnShortTexts(t *testing.T) {
	if err := nbtest.Available(); err != nil {
		t.Fatalf("Jupyter with the GoNB kernel is needed: %v", err)
	}
	dir := t.TempDir()
	ckpt := testckpt.Write(t, 6, 64, 4, 5)
	for _, tc := range []struct {
		notebook, text string
		notes          []string // cells that say what needs more tokens
	}{
		{part1, "Hi", nil},
		{part2, "Hi", []string{"token0", "pearson-1", "pearson-0", "spearman-0", "correlation-figure", "scatter"}},
	} {
		textFile := filepath.Join(t.TempDir(), "text.txt")
		if err := os.WriteFile(textFile, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		r := execute(t, tc.notebook, []string{"GPT2TAPS_MODEL=" + ckpt, "GPT2TAPS_TEXT_FILE=" + textFile,
			"GPT2TAPS_CACHE=" + filepath.Join(dir, "cache"), "GOMLX_BACKEND=go", noServer})
		if p := r.Problems(); len(p) > 0 {
			t.Fatalf("%s on %q: problems:\n%s", tc.notebook, tc.text, strings.Join(p, "\n"))
		}
		for _, id := range tc.notes {
			if out := cell(t, r, id); !strings.Contains(out, "not computed:") || !strings.Contains(out, "at least") {
				t.Errorf("%s on %q: cell %s should say what needs more tokens:\n%s", tc.notebook, tc.text, id, out)
			}
		}
	}
}

// TestNotebookShowsRuntimeErrors: a cell whose Go code fails at run time (here,
// a model that does not exist) shows the error in that cell's output, and the
// harness reports it.
func TestNotebookShowsRuntimeErrors(t *testing.T) {
	if err := nbtest.Available(); err != nil {
		t.Fatalf("Jupyter with the GoNB kernel is needed: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "no-such-model")
	r := execute(t, part1, []string{"GPT2TAPS_MODEL=" + missing, "GPT2TAPS_CACHE=" + t.TempDir(), "GOMLX_BACKEND=go", noServer})
	out := cell(t, r, "run")
	if !strings.Contains(out, "error:") || !strings.Contains(out, "no-such-model") {
		t.Errorf("the run cell should show the error naming the model:\n%s", out)
	}
	if len(r.Problems()) == 0 {
		t.Error("the failing cell was not reported as a problem")
	}
}
