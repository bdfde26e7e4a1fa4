package main

// Tests of `gpt2taps course`: each lesson run on generated checkpoints, its JSON read back and every number checked
// against an independent computation (straight float64 loops over taps captured here with model.RunBatch and
// m.Run of the same checkpoint, not pkg/course), the figures decoded, the second run served from the tap cache;
// and the bad inputs, each one line, a non-zero exit and nothing left in --out.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/tools/coursecheck"

	"gonum.org/v1/gonum/mat"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/course"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/tools/testckpt"
)

// courseEnv isolates a test from the environment: its own tap cache (returned), an empty Hugging Face cache, a Hub
// endpoint where nothing listens, no GPT2TAPS_MODEL(S).
func courseEnv(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	cache := filepath.Join(root, "taps-cache")
	for k, v := range map[string]string{
		"GPT2TAPS_CACHE": cache, "GPT2TAPS_MODEL": "", "GPT2TAPS_MODELS": "",
		"HF_HOME": filepath.Join(root, "hf"), "HF_HUB_CACHE": filepath.Join(root, "hf", "hub"),
		"HF_ENDPOINT": closedEndpoint(t), "HF_HUB_OFFLINE": "", "HF_TOKEN_PATH": filepath.Join(root, "no-token"),
	} {
		t.Setenv(k, v)
	}
	return cache
}

// runCourseCLI runs `gpt2taps course args…` in-process, with stdin (when not nil) as standard input.
func runCourseCLI(t *testing.T, stdin []byte, args ...string) cliRun {
	t.Helper()
	if stdin != nil {
		f, err := os.CreateTemp(t.TempDir(), "stdin")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(stdin); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Seek(0, 0); err != nil {
			t.Fatal(err)
		}
		old := os.Stdin
		os.Stdin = f
		defer func() { os.Stdin = old; f.Close() }()
	}
	args = append([]string{"course"}, args...)
	code, stdout, stderr := runCLI(t, args...)
	return cliRun{args: args, code: code, stdout: stdout, stderr: stderr}
}

// readCourseJSON checks that standard output lists the figures and then the JSON, all in out, that the figures are
// PNG images, and reads the JSON into v.
func readCourseJSON(t *testing.T, r cliRun, out, lessonName string, figures []string, v any) {
	t.Helper()
	var want []string
	for _, f := range figures {
		want = append(want, filepath.Join(out, f+".png"))
	}
	want = append(want, filepath.Join(out, lessonName+".json"))
	if got := strings.Fields(r.stdout); !slices.Equal(got, want) {
		t.Fatalf("standard output %q, want the files written %q", got, want)
	}
	for _, p := range want[:len(want)-1] {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(data)); err != nil {
			t.Errorf("%s is not a PNG: %v", p, err)
		}
	}
	data, err := os.ReadFile(want[len(want)-1])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", want[len(want)-1], err)
	}
}

// openCourseModel loads a checkpoint on the pure-Go backend, for the independent captures.
func openCourseModel(t *testing.T, dir string) *model.Model {
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

// hiddenBatch captures the hidden states of sentences with model.RunBatch and returns them with the tokens.
func hiddenBatch(t *testing.T, dir string, sentences []string) []*taps.Result {
	t.Helper()
	ins := make([]gpt2.Input, len(sentences))
	for i, s := range sentences {
		ins[i] = gpt2.Text(s)
	}
	res, err := openCourseModel(t, dir).RunBatch(ins, taps.Request{Points: []string{"hidden_states"}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// The independent computations: float64 loops over the raw taps.

func hvec(res *taps.Result, state, token int) []float32 {
	h := res.Stacks[gpt2.HiddenState]
	D := h.Dims[2]
	at := (state*h.Dims[1] + token) * D
	return h.Data[at : at+D]
}

func radians64(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		ab, aa, bb = ab+x*y, aa+x*x, bb+y*y
	}
	return math.Acos(math.Max(-1, math.Min(1, ab/math.Sqrt(aa*bb))))
}

func degrees64(a, b []float32) float64 { return radians64(a, b) * 180 / math.Pi }

func distance64(a, b []float32) float64 {
	var s float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return math.Sqrt(s)
}

func writeLines(t *testing.T, dir, name string, lines []string) string {
	t.Helper()
	return writeText(t, dir, name, strings.Join(lines, "\n")+"\n")
}

// TestCourseRotations: lesson 1 on the course's 54 sentences (the default, --lesson by number), against the
// independent computation; the second run is served from the tap cache and writes the same JSON.
func TestCourseRotations(t *testing.T) {
	cache := courseEnv(t)
	dir := testckpt.Write(t, 3, 16, 2, 11)
	out := filepath.Join(t.TempDir(), "out")
	r := runCourseCLI(t, nil, "--lesson", "1", "--model", dir, "--out", out, "--backend", "go", "--seed", "7", "--pairs", "500")
	expectSuccess(t, r)
	t.Logf("stderr:\n%s", r.stderr)
	var got course.RotationsResult
	readCourseJSON(t, r, out, "rotations", []string{"rotations-by-block", "rotations-random-pairs"}, &got)

	sentences := course.Sentences()
	results := hiddenBatch(t, dir, sentences)
	L, S := 3, len(sentences)
	if got.Model != dir || got.Word != " her" || got.Sentences != S || got.Blocks != L || got.Q != course.DefaultQ {
		t.Fatalf("model %q, word %q, %d sentences, %d blocks, q %g", got.Model, got.Word, got.Sentences, got.Blocks, got.Q)
	}
	target, neighbour := make([][]float64, L), make([][]float64, L)
	for s, res := range results {
		at := coursecheck.WordAt(t, res, " her")
		if got.Positions[s] != at {
			t.Errorf("sentence %d: target at %d, want %d", s, got.Positions[s], at)
		}
		for l := range L {
			target[l] = append(target[l], degrees64(hvec(res, l, at), hvec(res, l+1, at)))
			neighbour[l] = append(neighbour[l], degrees64(hvec(res, l, at-1), hvec(res, l+1, at-1)))
		}
	}
	for l := range L {
		for s := range S {
			coursecheck.CloseTo(t, fmt.Sprintf("target rotation block %d sentence %d", l+1, s), got.Target[l][s], target[l][s], 1e-6)
			coursecheck.CloseTo(t, fmt.Sprintf("neighbour rotation block %d sentence %d", l+1, s), got.Neighbour[l][s], neighbour[l][s], 1e-6)
		}
	}
	coursecheck.CheckStats(t, "target", got.TargetStats, target)
	coursecheck.CheckStats(t, "neighbour", got.NeighbourStats, neighbour)
	ps := make([]float64, L)
	for l := range L {
		tt, df, p := coursecheck.Welch(target[l], neighbour[l])
		tl := got.TTest[l]
		if tl.Block != l+1 {
			t.Errorf("t-test %d is of block %d", l, tl.Block)
		}
		coursecheck.CloseTo(t, fmt.Sprintf("t of block %d", l+1), float64(tl.T), tt, 1e-6)
		coursecheck.CloseTo(t, fmt.Sprintf("df of block %d", l+1), float64(tl.DF), df, 1e-6)
		coursecheck.CloseTo(t, fmt.Sprintf("p of block %d", l+1), float64(tl.P), p, 1e-6)
		ps[l] = p
	}
	for l, sig := range coursecheck.BH(ps, course.DefaultQ) {
		if got.TTest[l].Significant != sig {
			t.Errorf("block %d significant %v, want %v", l+1, got.TTest[l].Significant, sig)
		}
	}
	// The control: 500 pairs of seed 7 over every (sentence, state, token).
	type ref struct{ s, st, t int }
	var refs []ref
	for s, res := range results {
		for st := range L + 1 {
			for tk := range res.Tokens {
				refs = append(refs, ref{s, st, tk})
			}
		}
	}
	rc := got.Random
	if rc.Seed != 7 || len(rc.Pairs) != 500 {
		t.Fatalf("control of seed %d with %d pairs, want 7 and 500", rc.Seed, len(rc.Pairs))
	}
	var angles []float64
	for i, p := range coursecheck.DrawPairs(500, len(refs), 7, nil) {
		a, b := refs[p[0]], refs[p[1]]
		gp := rc.Pairs[i]
		if (ref{gp.A.Sentence, gp.A.State, gp.A.Token}) != a || (ref{gp.B.Sentence, gp.B.State, gp.B.Token}) != b {
			t.Fatalf("pair %d is %+v, want %v–%v", i, gp, a, b)
		}
		angle := degrees64(hvec(results[a.s], a.st, a.t), hvec(results[b.s], b.st, b.t))
		coursecheck.CloseTo(t, fmt.Sprintf("pair %d angle", i), gp.Angle, angle, 1e-6)
		angles = append(angles, angle)
	}
	mean, std, _, _ := coursecheck.Summary(angles)
	coursecheck.CloseTo(t, "control mean", rc.Mean, mean, 1e-9)
	coursecheck.CloseTo(t, "control std", rc.Std, std, 1e-9)
	coursecheck.CloseTo(t, "control median", rc.Median, coursecheck.Median(angles), 1e-9)

	// Again: every sentence from the tap cache, the same numbers.
	before, err := os.ReadFile(filepath.Join(out, "rotations.json"))
	if err != nil {
		t.Fatal(err)
	}
	again := runCourseCLI(t, nil, "--lesson", "rotations", "--model", dir, "--out", out, "--backend", "go", "--seed", "7", "--pairs", "500")
	expectSuccess(t, again)
	if want := fmt.Sprintf("0 computed, %d loaded from the tap cache", S); !strings.Contains(again.stderr, want) {
		t.Errorf("the second run should be served from the tap cache (%q):\n%s", want, again.stderr)
	}
	after, err := os.ReadFile(filepath.Join(out, "rotations.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("the second run wrote other numbers")
	}
	if entries, _ := os.ReadDir(cache); len(entries) == 0 {
		t.Errorf("nothing in the tap cache %s", cache)
	}
}

// TestCourseNeighbours: lesson 2 on sentences read from standard input, against the independent computation.
func TestCourseNeighbours(t *testing.T) {
	courseEnv(t)
	dir := testckpt.Write(t, 2, 16, 2, 12)
	sentences := course.Sentences()[:8]
	out := filepath.Join(t.TempDir(), "out")
	r := runCourseCLI(t, []byte(strings.Join(sentences, "\r\n")+"\r\n"), "--lesson", "neighbours", "--model", dir, "--sentences", "-",
		"--out", out, "--backend", "go", "--pairs", "300")
	expectSuccess(t, r)
	var got course.NeighboursResult
	readCourseJSON(t, r, out, "neighbours", []string{"neighbours-by-state", "neighbours-baseline", "neighbours-by-position"}, &got)

	results := hiddenBatch(t, dir, sentences)
	states, S := 3, len(sentences)
	if got.Sentences != S || got.States != states || got.Word != " her" || got.Seed != course.DefaultSeed {
		t.Fatalf("%d sentences, %d states, word %q, seed %d", got.Sentences, got.States, got.Word, got.Seed)
	}
	target := make([][]float64, states)
	longest := 0
	at := make([]int, S)
	for n, res := range results {
		at[n] = coursecheck.WordAt(t, res, " her")
		longest = max(longest, len(res.Tokens))
		for s := range states {
			target[s] = append(target[s], radians64(hvec(res, s, at[n]-1), hvec(res, s, at[n])))
			coursecheck.CloseTo(t, fmt.Sprintf("target angle state %d sentence %d", s, n), got.Target[s][n], target[s][n], 1e-6)
		}
	}
	if !slices.Equal(got.Positions, at) {
		t.Errorf("target positions %v, want %v", got.Positions, at)
	}
	coursecheck.CheckStats(t, "target", got.TargetStats, target)
	// By position pair i↔i+1 over the sentences that long.
	if len(got.ByPosition) != longest-1 {
		t.Fatalf("%d position pairs, want %d", len(got.ByPosition), longest-1)
	}
	for i := range longest - 1 {
		rows := make([][]float64, states)
		for s := range states {
			for _, res := range results {
				v := math.NaN()
				if i+1 < len(res.Tokens) {
					v = radians64(hvec(res, s, i), hvec(res, s, i+1))
				}
				rows[s] = append(rows[s], v)
			}
		}
		coursecheck.CheckStats(t, fmt.Sprintf("position pair %d", i), got.ByPosition[i], rows)
	}
	// The baseline: pairs of distinct positions of one sentence, neither the target.
	type token struct{ n, pos int }
	var tokens []token
	for n, res := range results {
		for p := range res.Tokens {
			tokens = append(tokens, token{n, p})
		}
	}
	pairs := coursecheck.DrawPairs(300, len(tokens), course.DefaultSeed, func(a, b int) bool {
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
			angle := radians64(hvec(results[a.n], s, a.pos), hvec(results[a.n], s, b.pos))
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
}

// TestCoursePaths: lesson 3 on two checkpoints of different depth and a text file, against the independent
// computation; the second run is served from the tap cache.
func TestCoursePaths(t *testing.T) {
	courseEnv(t)
	dirs := []string{testckpt.Write(t, 2, 16, 2, 13), testckpt.Write(t, 4, 16, 2, 14)}
	text := "The ferry crosses the grey river twice every morning, and once more at night when the lamps are lit."
	file := writeText(t, t.TempDir(), "ferry.txt", text)
	out := filepath.Join(t.TempDir(), "out")
	args := []string{"--lesson", "paths", "--model", dirs[0], "--model", dirs[1], "--text-file", file, "--out", out, "--backend", "go"}
	r := runCourseCLI(t, nil, args...)
	expectSuccess(t, r)
	var got course.PathsResult
	readCourseJSON(t, r, out, "paths", []string{"paths-cumulative", "paths-logit", "paths-cumulative-block", "paths-logit-block"}, &got)
	if got.FirstToken != 1 || len(got.Models) != 2 {
		t.Fatalf("first token %d, %d models", got.FirstToken, len(got.Models))
	}
	for i, dir := range dirs {
		L := []int{2, 4}[i]
		last := fmt.Sprintf("h.%d.resid_post", L-1)
		res, err := openCourseModel(t, dir).Run(gpt2.Text(text), taps.Request{Points: []string{"hidden_states", last}, Logits: true})
		if err != nil {
			t.Fatal(err)
		}
		mp := got.Models[i]
		T := len(res.Tokens)
		if mp.Model != dir || mp.Blocks != L || !slices.Equal(mp.Tokens, res.Tokens) || len(mp.Paths) != L {
			t.Fatalf("model %d: %q, %d blocks, %d tokens, %d rows", i, mp.Model, mp.Blocks, len(mp.Tokens), len(mp.Paths))
		}
		for l := range L {
			for tk := range T {
				coursecheck.CloseTo(t, fmt.Sprintf("%s path %d token %d", dir, l, tk), mp.Paths[l][tk], distance64(hvec(res, l, tk), hvec(res, l+1, tk)), 1e-6)
			}
		}
		post := res.Stacks[gpt2.ResidPost]
		D := post.Dims[2]
		blockOnly, logit := make([]float64, T), make([]float64, T)
		V := res.Logits.Dims[1]
		for tk := range T {
			blockOnly[tk] = distance64(post.Data[tk*D:(tk+1)*D], hvec(res, L-1, tk))
			coursecheck.CloseTo(t, fmt.Sprintf("%s last block token %d", dir, tk), mp.LastBlock[tk], blockOnly[tk], 1e-6)
			row := res.Logits.Data[tk*V : (tk+1)*V]
			best := 0
			for v := range row {
				if row[v] > row[best] {
					best = v
				}
			}
			logit[tk] = float64(row[best])
			if mp.Predicted[tk] != best || mp.Logit[tk] != logit[tk] {
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
		}
	}
	again := runCourseCLI(t, nil, args...)
	expectSuccess(t, again)
	if n := strings.Count(again.stderr, "loaded from the tap cache in"); n != 2 {
		t.Errorf("the second run should load both models' taps from the tap cache (%d did):\n%s", n, again.stderr)
	}
}

// TestCourseTrajectories: lesson 4 with the course's three words on a few sentences, against the independent
// computation (the PCA from the eigenvectors of the covariance matrix).
func TestCourseTrajectories(t *testing.T) {
	courseEnv(t)
	dir := testckpt.Write(t, 2, 16, 2, 15)
	sentences := course.Sentences()[10:15]
	file := writeLines(t, t.TempDir(), "s.txt", sentences)
	out := filepath.Join(t.TempDir(), "out")
	r := runCourseCLI(t, nil, "--lesson", "4", "--model", dir, "--sentences", file, "--out", out, "--backend", "go")
	expectSuccess(t, r)
	var got course.TrajectoriesResult
	readCourseJSON(t, r, out, "trajectories", []string{"trajectories", "trajectories-scree", "trajectories-distance"}, &got)

	words := []string{" her", " him", " round"}
	var all []string
	for _, w := range words {
		for _, s := range sentences {
			all = append(all, strings.Replace(s, " her", w, 1))
		}
	}
	results := hiddenBatch(t, dir, all)
	S, states, D := len(sentences), 3, 16
	if !slices.Equal(got.Words, words) || got.Sentences != S || got.States != states {
		t.Fatalf("words %q, %d sentences, %d states", got.Words, got.Sentences, got.States)
	}
	// The observations: every word × sentence × state, the word's hidden vector.
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
				x := hvec(res, s, at)
				row := make([]float64, D)
				for d := range D {
					row[d] = float64(x[d])
					means[w][s][d] += row[d] / float64(S)
				}
				obs = append(obs, row)
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
		sign := 0.0
		i := 0
		for w := range words {
			for n := range S {
				for s := range states {
					var c float64
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
				var c float64
				for d := range D {
					c += (means[w][s][d] - mu[d]) * v[d]
				}
				coursecheck.CloseTo(t, fmt.Sprintf("PC%d of %q's mean at state %d", k+1, words[w], s), got.Means[w][s][k], sign*c, 1e-6)
			}
		}
	}
	norm := func(x []float64) float64 {
		var s float64
		for _, v := range x {
			s += v * v
		}
		return math.Sqrt(s)
	}
	p := 0
	for a := range words {
		for b := a + 1; b < len(words); b++ {
			d := got.Distances[p]
			if d.A != words[a] || d.B != words[b] {
				t.Fatalf("distance %d is between %q and %q", p, d.A, d.B)
			}
			for s := range states {
				diff := make([]float64, D)
				for k := range D {
					diff[k] = means[a][s][k] - means[b][s][k]
				}
				coursecheck.CloseTo(t, fmt.Sprintf("distance %q–%q at %d", d.A, d.B, s), d.Distance[s], norm(diff), 1e-9)
				coursecheck.CloseTo(t, fmt.Sprintf("relative distance %q–%q at %d", d.A, d.B, s), d.Relative[s], norm(diff)/((norm(means[a][s])+norm(means[b][s]))/2), 1e-9)
			}
			p++
		}
	}
}

// TestCourseFaults: every bad input is found before anything runs: one line on standard error, a non-zero exit
// (2 for the command line), nothing in --out and nothing in the tap cache.
func TestCourseFaults(t *testing.T) {
	cache := courseEnv(t)
	root := t.TempDir()
	good := testckpt.Write(t, 2, 16, 2, 16)
	short := faultCheckpoint(t) // n_positions 24
	sentences := course.Sentences()[:3]
	file := writeLines(t, root, "good.txt", sentences)
	missing := writeLines(t, root, "missing.txt", []string{sentences[0], "The river was calm that evening.", "Nobody came.", sentences[1]})
	split := writeLines(t, root, "split.txt", []string{sentences[0], "The answer is here."})
	empty := writeText(t, root, "empty.txt", "")
	blank := writeText(t, root, "blank.txt", "\n\n  \n")
	gap := writeText(t, root, "gap.txt", sentences[0]+"\n\n"+sentences[1]+"\n")
	long := writeLines(t, root, "long.txt", []string{sentences[0], strings.Repeat("word ", 30) + "and then we met her again."})
	one := writeLines(t, root, "one.txt", sentences[:1])
	noRound := writeLines(t, root, "twice.txt", []string{sentences[0], "She saw her and her friend."})
	longText := writeText(t, root, "long-text.txt", strings.Repeat(" word", 30))
	shortText := writeText(t, root, "short-text.txt", "Hi there")
	out := filepath.Join(root, "out")
	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"missing word", []string{"--lesson", "rotations", "--model", good, "--sentences", missing}, 1,
			[]string{"missing.txt: sentence 1", `"The river was calm that evening."`, `" her" is missing`, "and 1 more sentence", "--word"}},
		{"word split or inside another", []string{"--lesson", "neighbours", "--model", good, "--sentences", split}, 1,
			[]string{"sentence 1", "inside a longer word"}},
		{"word twice", []string{"--lesson", "trajectories", "--model", good, "--sentences", noRound}, 1,
			[]string{"twice.txt: sentence 1", `" her" is 2 tokens`}},
		{"another word missing", []string{"--lesson", "rotations", "--model", good, "--sentences", file, "--word", " him"}, 1,
			[]string{"sentence 0", `" him" is missing`, "and 2 more sentences"}},
		{"empty sentence list", []string{"--lesson", "rotations", "--model", good, "--sentences", empty}, 1, []string{"empty.txt holds no sentences"}},
		{"only blank lines", []string{"--lesson", "neighbours", "--model", good, "--sentences", blank}, 1, []string{"holds no sentences"}},
		{"a blank line", []string{"--lesson", "trajectories", "--model", good, "--sentences", gap}, 1, []string{"gap.txt: line 2 is blank"}},
		{"sentences file missing", []string{"--lesson", "rotations", "--model", good, "--sentences", filepath.Join(root, "nope.txt")}, 1,
			[]string{"read sentences file", "nope.txt"}},
		{"one sentence for the t-test", []string{"--lesson", "rotations", "--model", good, "--sentences", one}, 1, []string{"one sentence", "at least 2"}},
		{"sentence too long", []string{"--lesson", "rotations", "--model", short, "--sentences", long}, 1,
			[]string{"sentence 1", "the text has 37 tokens but the model takes at most 24 (n_positions)"}},
		{"text too long", []string{"--lesson", "paths", "--model", good, "--model", short, "--text-file", longText}, 1,
			[]string{"the text has 30 tokens but the model takes at most 24 (n_positions)"}},
		{"text too short", []string{"--lesson", "paths", "--model", good, "--text-file", shortText}, 1, []string{"2 tokens", "at least 4"}},
		{"empty text", []string{"--lesson", "paths", "--model", good, "--text", ""}, 1, []string{"no tokens"}},
		{"model directory missing", []string{"--lesson", "rotations", "--model", filepath.Join(root, "no-model")}, 1, []string{"no such directory", "no-model"}},
		{"model not cached, offline", []string{"--lesson", "trajectories", "--offline"}, 1,
			[]string{`"gpt2-medium" is not in the cache`, "offline", "drop --offline", "--model DIR"}},
		{"one of the models not cached", []string{"--lesson", "paths", "--model", good, "--model", "gpt2-large"}, 1,
			[]string{`"gpt2-large" is not in the cache`, "can't be reached", "--model DIR"}},
		{"unknown lesson", []string{"--lesson", "5", "--model", good}, 2, []string{`unknown lesson "5"`, "rotations (1)", "trajectories (4)"}},
		{"no lesson", []string{"--model", good}, 2, []string{"no lesson"}},
		{"two models for one", []string{"--lesson", "neighbours", "--model", good + "," + good}, 2, []string{"2 models", "only paths"}},
		{"empty model", []string{"--lesson", "paths", "--model", ""}, 2, []string{"--model was given an empty value"}},
		{"word for paths", []string{"--lesson", "paths", "--model", good, "--word", " her"}, 2, []string{"--word is not for lesson paths"}},
		{"text for rotations", []string{"--lesson", "rotations", "--model", good, "--text-file", longText}, 2, []string{"--text-file is not for lesson rotations"}},
		{"seed for trajectories", []string{"--lesson", "trajectories", "--model", good, "--seed", "3"}, 2, []string{"--seed is not for lesson trajectories"}},
		{"one word for trajectories", []string{"--lesson", "trajectories", "--model", good, "--word", " her"}, 2, []string{"at least two"}},
		{"two words for rotations", []string{"--lesson", "rotations", "--model", good, "--word", " her", "--word", " him"}, 2, []string{"follows one word"}},
		{"empty word", []string{"--lesson", "rotations", "--model", good, "--word", ""}, 2, []string{"--word was given an empty value"}},
		{"seed 0", []string{"--lesson", "rotations", "--model", good, "--seed", "0"}, 2, []string{"--seed 0"}},
		{"pairs 0", []string{"--lesson", "neighbours", "--model", good, "--pairs", "0"}, 2, []string{"--pairs 0"}},
		{"pairs for paths", []string{"--lesson", "paths", "--model", good, "--pairs", "10"}, 2, []string{"--pairs is not for lesson paths"}},
		{"sentences for paths", []string{"--lesson", "paths", "--model", good, "--sentences", file}, 2, []string{"--sentences is not for lesson paths"}},
		{"a version's word split", []string{"--lesson", "trajectories", "--model", good, "--sentences", file, "--word", " her", "--word", " xylophone"}, 1,
			[]string{"good.txt: sentence 0", `" xylophone" is split across tokens`, "and 2 more sentences"}},
		{"lesson misspelled", []string{"--lesson", "rotation", "--model", good}, 2, []string{`unknown lesson "rotation"`}},
		{"out below a file", []string{"--lesson", "rotations", "--model", good, "--sentences", file, "--out", filepath.Join(file, "out")}, 1,
			[]string{"cannot be created", "not a directory"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if !slices.Contains(args, "--out") {
				args = append(args, "--out", out)
			}
			r := runCourseCLI(t, nil, append(args, "--backend", "go")...)
			expectFailure(t, r, false, tc.wants...)
			if r.code != tc.code {
				t.Errorf("exit status %d, want %d", r.code, tc.code)
			}
			if r.stdout != "" {
				t.Errorf("standard output %q after a failure", r.stdout)
			}
			expectNothingLeft(t, []string{root}, out)
			expectNoFilesIn(t, cache)
		})
	}
	r := runCourseCLI(t, nil, "--lesson", "rotations", "--model", good)
	expectFailure(t, r, false, "no output: give --out DIR")
	if r.code != 2 {
		t.Errorf("no --out: exit %d, want 2", r.code)
	}
}
