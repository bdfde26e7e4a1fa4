package notebooks_test

// Tests of the course notebooks 04–07 (package course's four lessons): each executed in real Jupyter on generated
// checkpoints and a short list of sentences (GPT2TAPS_SENTENCES_FILE) or two models (GPT2TAPS_MODELS), with no
// problem in any cell, its visible computation equal to the lesson's, its printed table and the JSON it saves
// (GPT2TAPS_OUT_DIR) checked against an independent float64 computation over taps captured here with model.RunBatch
// and m.Run of the same checkpoint (straight loops, not pkg/course or pkg/analysis); and notebook 04 run in Chromium.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gpt2taps/gpt2taps/tools/coursecheck"

	"gonum.org/v1/gonum/mat"

	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/course"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/tools/browsertest"
	"github.com/gpt2taps/gpt2taps/tools/nbtest"
	"github.com/gpt2taps/gpt2taps/tools/testckpt"
)

const (
	course04 = "04_rotations.ipynb"
	course05 = "05_neighbour_angles.ipynb"
	course06 = "06_path_length_and_logits.ipynb"
	course07 = "07_state_space_trajectories.ipynb"
)

// courseFixture is where a course notebook runs in a test: a tap cache, the folder it saves its lesson into, and
// the sentences file that replaces its sentences.
type courseFixture struct {
	cache, out, sentencesFile string
}

func courseSetup(t *testing.T, sentences []string) courseFixture {
	t.Helper()
	if err := nbtest.Available(); err != nil {
		t.Fatalf("Jupyter with the GoNB kernel is needed: %v", err)
	}
	dir := t.TempDir()
	f := courseFixture{cache: filepath.Join(dir, "cache"), out: filepath.Join(dir, "out"), sentencesFile: filepath.Join(dir, "sentences.txt")}
	if err := os.WriteFile(f.sentencesFile, []byte(strings.Join(sentences, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// env is the notebook's environment: the model (one, or a list for notebook 06), the sentences file, the cache,
// the output folder, the pure-Go backend, and no other override.
func (f courseFixture) env(modelVars ...string) []string {
	return append([]string{
		env.Model + "=", env.Models + "=", env.TextFile + "=",
		env.SentencesFile + "=" + f.sentencesFile, env.Cache + "=" + f.cache, env.OutDir + "=" + f.out, "GOMLX_BACKEND=go",
	}, modelVars...)
}

// readLesson checks that the notebook saved the lesson's figures as PNG images and its JSON, and reads the JSON.
func (f courseFixture) readLesson(t *testing.T, name string, figures []string, v any) {
	t.Helper()
	for _, fig := range figures {
		data, err := os.ReadFile(filepath.Join(f.out, fig+".png"))
		if err != nil {
			t.Fatalf("the save cell did not write %s.png: %v", fig, err)
		}
		if _, err := png.Decode(bytes.NewReader(data)); err != nil {
			t.Errorf("%s.png is not a PNG: %v", fig, err)
		}
	}
	data, err := os.ReadFile(filepath.Join(f.out, name+".json"))
	if err != nil {
		t.Fatalf("the save cell did not write %s.json: %v", name, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s.json: %v", name, err)
	}
}

var courseDiff = regexp.MustCompile(`largest difference from course\.\w+: ([^\n]+)`)

// checkSameAsLesson: the cell's visible computation equals the lesson's exactly (every "largest difference" it
// prints is 0).
func checkSameAsLesson(t *testing.T, r *nbtest.Result, id string) {
	t.Helper()
	out := cell(t, r, id)
	m := courseDiff.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("cell %s does not print its difference from the lesson's numbers:\n%s", id, out)
	}
	nums := regexp.MustCompile(`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|NaN|[-+]?Inf`).FindAllString(m[1], -1)
	if len(nums) == 0 {
		t.Fatalf("cell %s: no number in %q", id, m[0])
	}
	for _, n := range nums {
		if d, err := strconv.ParseFloat(n, 64); err != nil || d != 0 {
			t.Errorf("cell %s: the visible computation differs from the lesson's (%s), want 0", id, m[0])
		}
	}
}

// courseExecute executes the notebook (execute) and keeps a copy of the executed notebook in
// browsertest.ArtifactDir ($GPT2TAPS_ARTIFACTS/<test>, kept, when set).
func courseExecute(t *testing.T, notebook string, env []string) *nbtest.Result {
	t.Helper()
	r := execute(t, notebook, env)
	data, err := os.ReadFile(r.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(browsertest.ArtifactDir(t), notebook), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return r
}

// checkCourseRun: the run cell said what it computed, and the notebook's Markdown and figures are there.
func checkCourseRun(t *testing.T, r *nbtest.Result, minImages int, want string) {
	t.Helper()
	checkClean(t, r, minImages, 10)
	if run := cell(t, r, "run"); !strings.Contains(run, want) {
		t.Errorf("%s: the run cell should say %q:\n%s", r.Path, want, run)
	}
	if _, ok := r.Cell("expect-md"); !ok {
		t.Errorf("%s has no cell expect-md (what to expect, with random weights too)", r.Path)
	} else if c, _ := r.Cell("expect-md"); !strings.Contains(c.Source, "random weights") {
		t.Errorf("%s: expect-md does not say what to expect with random weights", r.Path)
	}
}

// The independent computation: float64 loops over the raw taps.

// courseModel loads a checkpoint on the pure-Go backend.
func courseModel(t *testing.T, dir string) *model.Model {
	t.Helper()
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(dir, b.Backend)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); b.Backend.Finalize() })
	return m
}

// courseBatch captures the hidden states of the sentences with model.RunBatch.
func courseBatch(t *testing.T, dir string, sentences []string) []*taps.Result {
	t.Helper()
	ins := make([]gpt2.Input, len(sentences))
	for i, s := range sentences {
		ins[i] = gpt2.Text(s)
	}
	res, err := courseModel(t, dir).RunBatch(ins, taps.Request{Points: []string{"hidden_states"}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func vec64(res *taps.Result, state, token int) []float64 {
	h := res.Stacks[gpt2.HiddenState]
	D := h.Dims[2]
	out := make([]float64, D)
	for i, x := range h.Data[(state*h.Dims[1]+token)*D:][:D] {
		out[i] = float64(x)
	}
	return out
}

func dot64(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func rad64(a, b []float64) float64 {
	return math.Acos(math.Max(-1, math.Min(1, dot64(a, b)/math.Sqrt(dot64(a, a)*dot64(b, b)))))
}

func deg64(a, b []float64) float64 { return rad64(a, b) * 180 / math.Pi }

func dist64(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += (a[i] - b[i]) * (a[i] - b[i])
	}
	return math.Sqrt(s)
}

// printedRows parses a printed table: lines whose first field is an integer, into that integer → its numbers
// (fields that parse as numbers; "±" and the like skipped).
func printedRows(text string) map[int][]float64 {
	rows := map[int][]float64{}
	for _, line := range strings.Split(text, "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		k, err := strconv.Atoi(fields[0])
		if err != nil {
			continue
		}
		var nums []float64
		for _, f := range fields[1:] {
			if v, err := strconv.ParseFloat(f, 64); err == nil {
				nums = append(nums, v)
			}
		}
		rows[k] = nums
	}
	return rows
}

// TestCourseRotationsNotebook: notebook 04 (lesson 1) on a 3-block checkpoint and six sentences.
func TestCourseRotationsNotebook(t *testing.T) {
	sentences := course.Sentences()[:6]
	f := courseSetup(t, sentences)
	dir := testckpt.Write(t, 3, 16, 2, 21)
	r := courseExecute(t, course04, f.env(env.Model+"="+dir))
	checkCourseRun(t, r, 2, "6 computed, 0 loaded from the tap cache")
	if s := cell(t, r, "sentences"); !strings.Contains(s, "the 6 sentences come from "+env.SentencesFile) || !strings.Contains(s, "[ her]") {
		t.Errorf("the sentences cell should say the file replaced the sentences, and mark the word:\n%s", s)
	}
	checkSameAsLesson(t, r, "rotations")
	var got course.RotationsResult
	f.readLesson(t, "rotations", []string{"rotations-by-block", "rotations-random-pairs"}, &got)

	results := courseBatch(t, dir, sentences)
	L, S := 3, len(sentences)
	if got.Model != dir || got.Word != " her" || got.Sentences != S || got.Blocks != L || got.Q != course.DefaultQ {
		t.Fatalf("model %q, word %q, %d sentences, %d blocks, q %g", got.Model, got.Word, got.Sentences, got.Blocks, got.Q)
	}
	target, neighbour := make([][]float64, L), make([][]float64, L)
	for s, res := range results {
		at := coursecheck.WordAt(t, res, " her")
		if got.Positions[s] != at {
			t.Errorf("sentence %d: the word at %d, want %d", s, got.Positions[s], at)
		}
		for l := range L {
			target[l] = append(target[l], deg64(vec64(res, l, at), vec64(res, l+1, at)))
			neighbour[l] = append(neighbour[l], deg64(vec64(res, l, at-1), vec64(res, l+1, at-1)))
			coursecheck.CloseTo(t, fmt.Sprintf("target rotation block %d sentence %d", l+1, s), got.Target[l][s], target[l][s], 1e-6)
			coursecheck.CloseTo(t, fmt.Sprintf("neighbour rotation block %d sentence %d", l+1, s), got.Neighbour[l][s], neighbour[l][s], 1e-6)
		}
	}
	coursecheck.CheckStats(t, "target", got.TargetStats, target)
	coursecheck.CheckStats(t, "neighbour", got.NeighbourStats, neighbour)
	table := printedRows(cell(t, r, "ttest"))
	ps := make([]float64, L)
	for l := range L {
		tt, df, p := coursecheck.Welch(target[l], neighbour[l])
		ps[l] = p
		w := got.TTest[l]
		if w.Block != l+1 {
			t.Errorf("t-test %d is of block %d", l, w.Block)
		}
		coursecheck.CloseTo(t, fmt.Sprintf("t of block %d", l+1), float64(w.T), tt, 1e-6)
		coursecheck.CloseTo(t, fmt.Sprintf("df of block %d", l+1), float64(w.DF), df, 1e-6)
		coursecheck.CloseTo(t, fmt.Sprintf("p of block %d", l+1), float64(w.P), p, 1e-6)
		// The printed table: block → target mean, std, neighbour mean, std, t, p.
		row := table[l+1]
		if len(row) < 6 {
			t.Fatalf("the t-test table has no row for block %d:\n%s", l+1, cell(t, r, "ttest"))
		}
		tm, ts, _, _ := coursecheck.Summary(target[l])
		nm, ns, _, _ := coursecheck.Summary(neighbour[l])
		for i, want := range []float64{tm, ts, nm, ns, tt} {
			coursecheck.CloseTo(t, fmt.Sprintf("printed column %d of block %d", i, l+1), row[i], want, 1e-3)
		}
		coursecheck.CloseTo(t, fmt.Sprintf("printed p of block %d", l+1), row[5], p, 0.01)
	}
	for l, sig := range coursecheck.BH(ps, course.DefaultQ) {
		if got.TTest[l].Significant != sig {
			t.Errorf("block %d significant %v, want %v", l+1, got.TTest[l].Significant, sig)
		}
	}
	// The control: DefaultPairs pairs of DefaultSeed over every (sentence, state, token).
	var refs []course.VectorRef
	for s, res := range results {
		for st := range L + 1 {
			for tk := range res.Tokens {
				refs = append(refs, course.VectorRef{Sentence: s, State: st, Token: tk})
			}
		}
	}
	rc := got.Random
	if rc.Seed != course.DefaultSeed || len(rc.Pairs) != course.DefaultPairs {
		t.Fatalf("control of seed %d with %d pairs", rc.Seed, len(rc.Pairs))
	}
	var angles []float64
	for i, p := range coursecheck.DrawPairs(course.DefaultPairs, len(refs), course.DefaultSeed, nil) {
		a, b := refs[p[0]], refs[p[1]]
		if rc.Pairs[i].A != a || rc.Pairs[i].B != b {
			t.Fatalf("pair %d is %+v, want %v–%v", i, rc.Pairs[i], a, b)
		}
		angles = append(angles, deg64(vec64(results[a.Sentence], a.State, a.Token), vec64(results[b.Sentence], b.State, b.Token)))
		coursecheck.CloseTo(t, fmt.Sprintf("pair %d angle", i), rc.Pairs[i].Angle, angles[i], 1e-6)
	}
	mean, std, _, _ := coursecheck.Summary(angles)
	coursecheck.CloseTo(t, "control mean", rc.Mean, mean, 1e-9)
	coursecheck.CloseTo(t, "control std", rc.Std, std, 1e-9)
	coursecheck.CloseTo(t, "control median", rc.Median, coursecheck.Median(angles), 1e-9)
	if c := cell(t, r, "control"); !strings.Contains(c, fmt.Sprintf("mean %.2f°", mean)) {
		t.Errorf("the control cell should print the control's mean %.2f°:\n%s", mean, c)
	}
}

// TestCourseNeighboursNotebook: notebook 05 (lesson 2) on a 2-block checkpoint and six sentences.
func TestCourseNeighboursNotebook(t *testing.T) {
	sentences := course.Sentences()[6:12]
	f := courseSetup(t, sentences)
	dir := testckpt.Write(t, 2, 16, 2, 22)
	r := courseExecute(t, course05, f.env(env.Model+"="+dir))
	checkCourseRun(t, r, 3, "6 computed, 0 loaded from the tap cache")
	checkSameAsLesson(t, r, "angles")
	var got course.NeighboursResult
	f.readLesson(t, "neighbours", []string{"neighbours-by-state", "neighbours-baseline", "neighbours-by-position"}, &got)

	results := courseBatch(t, dir, sentences)
	states, S := 3, len(sentences)
	if got.Sentences != S || got.States != states || got.Word != " her" || got.Seed != course.DefaultSeed {
		t.Fatalf("%d sentences, %d states, word %q, seed %d", got.Sentences, got.States, got.Word, got.Seed)
	}
	target := make([][]float64, states)
	at := make([]int, S)
	longest := 0
	for n, res := range results {
		at[n] = coursecheck.WordAt(t, res, " her")
		longest = max(longest, len(res.Tokens))
		for s := range states {
			target[s] = append(target[s], rad64(vec64(res, s, at[n]-1), vec64(res, s, at[n])))
			coursecheck.CloseTo(t, fmt.Sprintf("angle state %d sentence %d", s, n), got.Target[s][n], target[s][n], 1e-6)
		}
	}
	if !slices.Equal(got.Positions, at) {
		t.Errorf("positions %v, want %v", got.Positions, at)
	}
	coursecheck.CheckStats(t, "target", got.TargetStats, target)
	if len(got.ByPosition) != longest-1 {
		t.Fatalf("%d position pairs, want %d", len(got.ByPosition), longest-1)
	}
	for i := range longest - 1 {
		rows := make([][]float64, states)
		for s := range states {
			for _, res := range results {
				v := math.NaN()
				if i+1 < len(res.Tokens) {
					v = rad64(vec64(res, s, i), vec64(res, s, i+1))
				}
				rows[s] = append(rows[s], v)
			}
		}
		coursecheck.CheckStats(t, fmt.Sprintf("position pair %d", i), got.ByPosition[i], rows)
	}
	// The baseline: pairs of distinct positions of one sentence, neither the word.
	type token struct{ n, pos int }
	var tokens []token
	for n, res := range results {
		for p := range res.Tokens {
			tokens = append(tokens, token{n, p})
		}
	}
	pairs := coursecheck.DrawPairs(course.DefaultPairs, len(tokens), course.DefaultSeed, func(a, b int) bool {
		ta, tb := tokens[a], tokens[b]
		return ta.n == tb.n && ta.pos != at[ta.n] && tb.pos != at[tb.n]
	})
	if len(got.Pairs) != len(pairs) {
		t.Fatalf("%d baseline pairs, want %d", len(got.Pairs), len(pairs))
	}
	base, with, without := make([][]float64, states), make([][]float64, states), make([][]float64, states)
	for p, pr := range pairs {
		a, b := tokens[pr[0]], tokens[pr[1]]
		if g := got.Pairs[p]; g.Sentence != a.n || g.A != a.pos || g.B != b.pos {
			t.Fatalf("baseline pair %d is %+v, want sentence %d, %d–%d", p, g, a.n, a.pos, b.pos)
		}
		for s := range states {
			angle := rad64(vec64(results[a.n], s, a.pos), vec64(results[a.n], s, b.pos))
			coursecheck.CloseTo(t, fmt.Sprintf("baseline pair %d state %d", p, s), got.Baseline[s][p], angle, 1e-6)
			base[s] = append(base[s], angle)
			w, wo := math.NaN(), angle
			if a.pos == 0 || b.pos == 0 {
				w, wo = angle, math.NaN()
			}
			with[s], without[s] = append(with[s], w), append(without[s], wo)
		}
	}
	coursecheck.CheckStats(t, "baseline", got.BaselineStats, base)
	coursecheck.CheckStats(t, "baseline with token 0", got.WithToken0, with)
	coursecheck.CheckStats(t, "baseline without token 0", got.WithoutToken0, without)
	// The printed table: state → the neighbours' mean, std, the baseline's mean, std.
	table := printedRows(cell(t, r, "baseline"))
	for s := range states {
		tm, ts, _, _ := coursecheck.Summary(target[s])
		bm, bs, _, _ := coursecheck.Summary(base[s])
		if row := table[s]; len(row) < 4 {
			t.Errorf("the baseline table has no row for state %d", s)
		} else {
			for i, want := range []float64{tm, ts, bm, bs} {
				coursecheck.CloseTo(t, fmt.Sprintf("printed column %d of state %d", i, s), row[i], want, 1e-4)
			}
		}
	}
}

// TestCoursePathsNotebook: notebook 06 (lesson 3) on two checkpoints of different depth (GPT2TAPS_MODELS) and a
// short text (GPT2TAPS_TEXT_FILE).
func TestCoursePathsNotebook(t *testing.T) {
	f := courseSetup(t, []string{"unused"})
	dirs := []string{testckpt.Write(t, 2, 16, 2, 23), testckpt.Write(t, 4, 16, 2, 24)}
	text := "The ferry crosses the grey river twice every morning, and once more at night when the lamps are lit."
	textFile := filepath.Join(t.TempDir(), "ferry.txt")
	if err := os.WriteFile(textFile, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	r := courseExecute(t, course06, f.env(env.Models+"="+strings.Join(dirs, ","), env.TextFile+"="+textFile))
	checkCourseRun(t, r, 4, "computed in")
	if m := cell(t, r, "models"); !strings.Contains(m, env.Models+" is set") || !strings.Contains(m, env.TextFile+"="+textFile) {
		t.Errorf("the models cell should say the environment replaced the models and the text:\n%s", m)
	}
	checkSameAsLesson(t, r, "paths")
	var got course.PathsResult
	f.readLesson(t, "paths", []string{"paths-cumulative", "paths-logit", "paths-cumulative-block", "paths-logit-block"}, &got)
	if got.FirstToken != 1 || len(got.Models) != 2 {
		t.Fatalf("first token %d, %d models", got.FirstToken, len(got.Models))
	}
	logitsTable := printedRows(strings.ReplaceAll(cell(t, r, "logits"), dirs[0], "0 "))
	for i, dir := range dirs {
		L := []int{2, 4}[i]
		res, err := courseModel(t, dir).Run(gpt2.Text(text), taps.Request{Points: []string{"hidden_states", fmt.Sprintf("h.%d.resid_post", L-1)}, Logits: true})
		if err != nil {
			t.Fatal(err)
		}
		mp, T := got.Models[i], len(res.Tokens)
		if mp.Model != dir || mp.Blocks != L || !slices.Equal(mp.Tokens, res.Tokens) || len(mp.Paths) != L {
			t.Fatalf("model %d: %q, %d blocks, %d tokens, %d rows", i, mp.Model, mp.Blocks, len(mp.Tokens), len(mp.Paths))
		}
		for l := range L {
			for tk := range T {
				coursecheck.CloseTo(t, fmt.Sprintf("%s path %d token %d", dir, l, tk), mp.Paths[l][tk], dist64(vec64(res, l, tk), vec64(res, l+1, tk)), 1e-6)
			}
		}
		post := res.Stacks[gpt2.ResidPost]
		D, V := post.Dims[2], res.Logits.Dims[1]
		blockOnly, logit := make([]float64, T), make([]float64, T)
		for tk := range T {
			out := make([]float64, D)
			for d := range D {
				out[d] = float64(post.Data[tk*D+d])
			}
			blockOnly[tk] = dist64(out, vec64(res, L-1, tk))
			coursecheck.CloseTo(t, fmt.Sprintf("%s last block token %d", dir, tk), mp.LastBlock[tk], blockOnly[tk], 1e-6)
			row := res.Logits.Data[tk*V : (tk+1)*V]
			best := 0
			for v := range row {
				if row[v] > row[best] {
					best = v
				}
			}
			logit[tk] = float64(row[best])
			if mp.Predicted[tk] != best || math.Abs(mp.Logit[tk]-logit[tk]) > 1e-5*math.Max(1, math.Abs(logit[tk])) {
				t.Errorf("%s token %d: predicted %d (%g), want %d (%g)", dir, tk, mp.Predicted[tk], mp.Logit[tk], best, logit[tk])
			}
		}
		for _, c := range []struct {
			name string
			x    []float64
			got  course.Correlation
		}{{"after ln_f", mp.Paths[L-1], mp.AfterLNF}, {"block only", blockOnly, mp.BlockOnly}} {
			x, y := c.x[1:], logit[1:]
			if c.got.N != T-1 {
				t.Errorf("%s %s: n = %d, want %d", dir, c.name, c.got.N, T-1)
			}
			pr, sr := coursecheck.Pearson(x, y), coursecheck.Pearson(coursecheck.Ranks(x), coursecheck.Ranks(y))
			coursecheck.CloseTo(t, dir+" "+c.name+" pearson", float64(c.got.Pearson), pr, 1e-6)
			coursecheck.CloseTo(t, dir+" "+c.name+" pearson p", float64(c.got.PearsonP), coursecheck.CorrP(pr, T-1), 1e-5)
			coursecheck.CloseTo(t, dir+" "+c.name+" spearman", float64(c.got.Spearman), sr, 1e-9)
			coursecheck.CloseTo(t, dir+" "+c.name+" spearman p", float64(c.got.SpearmanP), coursecheck.CorrP(sr, T-1), 1e-6)
			if i == 0 && c.name == "after ln_f" {
				// The printed table's first model row: n, Pearson r, p, Spearman ρ, p.
				if row := logitsTable[0]; len(row) < 3 || row[0] != float64(T-1) {
					t.Errorf("the logits cell's first row %v, want n = %d first:\n%s", row, T-1, cell(t, r, "logits"))
				} else {
					coursecheck.CloseTo(t, "printed Pearson r", row[1], pr, 1e-4)
				}
			}
		}
	}
}

// TestCourseTrajectoriesNotebook: notebook 07 (lesson 4) on a 2-block checkpoint, four sentences and the course's
// three words; the PCA checked against the eigenvectors of the covariance matrix.
func TestCourseTrajectoriesNotebook(t *testing.T) {
	sentences := course.Sentences()[10:14]
	f := courseSetup(t, sentences)
	dir := testckpt.Write(t, 2, 16, 2, 25)
	r := courseExecute(t, course07, f.env(env.Model+"="+dir))
	checkCourseRun(t, r, 3, "4 computed, 0 loaded from the tap cache")
	checkSameAsLesson(t, r, "pca")
	var got course.TrajectoriesResult
	f.readLesson(t, "trajectories", []string{"trajectories", "trajectories-scree", "trajectories-distance"}, &got)

	words := []string{" her", " him", " round"}
	var all []string
	for _, w := range words {
		for _, s := range sentences {
			all = append(all, strings.Replace(s, " her", w, 1))
		}
	}
	results := courseBatch(t, dir, all)
	S, states, D := len(sentences), 3, 16
	if !slices.Equal(got.Words, words) || got.Sentences != S || got.States != states {
		t.Fatalf("words %q, %d sentences, %d states", got.Words, got.Sentences, got.States)
	}
	var obs [][]float64
	means := make([][][]float64, len(words)) // [w][s][d]
	for w, word := range words {
		means[w] = make([][]float64, states)
		for s := range states {
			means[w][s] = make([]float64, D)
		}
		for n := range S {
			res := results[w*S+n]
			at := coursecheck.WordAt(t, res, word)
			if got.Positions[w][n] != at {
				t.Errorf("%q in sentence %d at %d, want %d", word, n, got.Positions[w][n], at)
			}
			for s := range states {
				x := vec64(res, s, at)
				for d := range D {
					means[w][s][d] += x[d] / float64(S)
				}
				obs = append(obs, x)
			}
		}
	}
	N := len(obs)
	mu := make([]float64, D)
	for _, o := range obs {
		for d := range D {
			mu[d] += o[d] / float64(N)
		}
	}
	cov := mat.NewSymDense(D, nil)
	var total float64
	for i := range D {
		for j := i; j < D; j++ {
			var c float64
			for _, o := range obs {
				c += (o[i] - mu[i]) * (o[j] - mu[j])
			}
			cov.SetSym(i, j, c/float64(N-1))
		}
		total += cov.At(i, i)
	}
	var eig mat.EigenSym
	if !eig.Factorize(cov, true) {
		t.Fatal("eigendecomposition failed")
	}
	values := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	K := min(course.TrajectoryComponents, D)
	if len(got.Variance) != K || len(got.Ratio) != K {
		t.Fatalf("%d variances, %d ratios, want %d", len(got.Variance), len(got.Ratio), K)
	}
	for k := range K {
		lambda := values[D-1-k]
		coursecheck.CloseTo(t, fmt.Sprintf("variance of PC%d", k+1), got.Variance[k], lambda, 1e-6*values[D-1]/math.Max(lambda, 1e-300))
		coursecheck.CloseTo(t, fmt.Sprintf("ratio of PC%d", k+1), got.Ratio[k], lambda/total, 1e-6)
	}
	// Coordinates on PC1–3: ±(x − μ)·v_k, one sign per component.
	for k := range 3 {
		v := mat.Col(nil, D-1-k, &vecs)
		sign, i := 0.0, 0
		for w := range words {
			for n := range S {
				for s := range states {
					c := 0.0
					for d := range D {
						c += (obs[i][d] - mu[d]) * v[d]
					}
					if sign == 0 && math.Abs(c) > 1e-3 {
						sign = math.Copysign(1, c*got.Points[w][n][s][k])
					}
					coursecheck.CloseTo(t, fmt.Sprintf("PC%d of %q sentence %d state %d", k+1, words[w], n, s), got.Points[w][n][s][k], sign*c, 1e-6)
					i++
				}
			}
		}
		for w := range words {
			for s := range states {
				c := 0.0
				for d := range D {
					c += (means[w][s][d] - mu[d]) * v[d]
				}
				coursecheck.CloseTo(t, fmt.Sprintf("PC%d of %q's mean at state %d", k+1, words[w], s), got.Means[w][s][k], sign*c, 1e-6)
			}
		}
	}
	norm := func(x []float64) float64 { return math.Sqrt(dot64(x, x)) }
	p := 0
	distances := printedRows(cell(t, r, "distances"))
	for a := range words {
		for b := a + 1; b < len(words); b++ {
			d := got.Distances[p]
			if d.A != words[a] || d.B != words[b] {
				t.Fatalf("distance %d is between %q and %q", p, d.A, d.B)
			}
			for s := range states {
				want := dist64(means[a][s], means[b][s])
				rel := want / ((norm(means[a][s]) + norm(means[b][s])) / 2)
				coursecheck.CloseTo(t, fmt.Sprintf("distance %q–%q at %d", d.A, d.B, s), d.Distance[s], want, 1e-9)
				coursecheck.CloseTo(t, fmt.Sprintf("relative distance %q–%q at %d", d.A, d.B, s), d.Relative[s], rel, 1e-9)
				if row := distances[s]; len(row) < p+1 { // the distances; the relative ones, in ( ), are not numbers
					t.Errorf("the distances table has no column %d at state %d:\n%s", p, s, cell(t, r, "distances"))
				} else {
					coursecheck.CloseTo(t, fmt.Sprintf("printed distance %q–%q at %d", d.A, d.B, s), row[p], want, 1e-3)
				}
			}
			p++
		}
	}
	scree := cell(t, r, "scree")
	if want := fmt.Sprintf("PC1 %8.2f%%", 100*values[D-1]/total); !strings.Contains(strings.Join(strings.Fields(scree), " "), strings.Join(strings.Fields(want), " ")) {
		t.Errorf("the scree cell should print %q:\n%s", want, scree)
	}
}

// TestCourseNotebookInBrowser opens notebook 04 as a student does: in Chromium, through Jupyter Notebook's web
// interface, with the GoNB kernel; runs all cells from the Cell menu and checks that every cell ran without a
// problem, every image decoded, and the visible rotations equal the lesson's. Notebook 04 has no interactive
// widget: the figures are its content. Screenshots go to browsertest.ArtifactDir.
func TestCourseNotebookInBrowser(t *testing.T) {
	b := browsertest.NewBrowser(t) // first: skips (or fails on CI) without Chromium
	sentences := course.Sentences()[:6]
	f := courseSetup(t, sentences)
	dir := testckpt.Write(t, 3, 16, 2, 21)
	root := browsertest.NotebookTree(t, "..", course04)
	j := browsertest.StartJupyter(t, root, f.env(env.Model+"="+dir))
	start := time.Now()
	book := browsertest.OpenNotebook(t, b, j, "notebooks/"+course04)
	if err := book.RunAll(15 * time.Minute); err != nil {
		t.Fatal(err)
	}
	r, err := book.Result()
	if err != nil {
		t.Fatal(err)
	}
	if p := r.Problems(); len(p) > 0 {
		t.Errorf("%s, run in the browser: problems in the cells:\n%s", course04, strings.Join(p, "\n"))
	}
	for _, c := range r.CodeCells() {
		if c.ExecutionCount == 0 && strings.TrimSpace(c.Source) != "" {
			t.Errorf("%s: code cell %d did not run", course04, c.Index)
		}
	}
	checkSameAsLesson(t, r, "rotations")
	images, err := book.Images()
	if err != nil {
		t.Fatal(err)
	}
	decoded := 0
	for _, im := range images {
		if im.Complete && im.NaturalWidth > 0 {
			decoded++
		} else {
			t.Errorf("%s: an image did not decode: %+v", course04, im)
		}
	}
	if decoded < 2 {
		t.Errorf("%s shows %d decoded images, want at least 2", course04, decoded)
	}
	sel, _, err := book.Cell("figure", "figure")
	if err != nil {
		t.Fatal(err)
	}
	// The lesson's figure as a student sees it: its cell scrolled to the top of the page, the menu bar above.
	q, _ := json.Marshal(sel)
	if _, err := browsertest.Eval[bool](b, fmt.Sprintf(`(document.querySelector(%s).scrollIntoView({block: 'start'}), true)`, q)); err != nil {
		t.Fatal(err)
	}
	shot, err := b.ViewportScreenshot("notebook04-figure")
	if err != nil {
		t.Error(err)
	}
	for _, p := range b.Problems() {
		t.Errorf("%s: the page reported: %s", course04, p)
	}
	if err := book.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: opened and run in the browser in %.1fs, %d images decoded; screenshot %s", course04, time.Since(start).Seconds(), decoded, shot)
}
