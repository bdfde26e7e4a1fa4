package course

import (
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"gonum.org/v1/gonum/stat/distuv"
)

var figuresDir = flag.String("figures", "", "save every lesson figure the tests draw as PNG into this directory")

// The independent computations below are straight float64 loops over the
// raw taps, written apart from the package's code.

func angle64(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		ab, aa, bb = ab+x*y, aa+x*x, bb+y*y
	}
	c := ab / math.Sqrt(aa*bb)
	return math.Acos(math.Max(-1, math.Min(1, c)))
}

func dist64(a, b []float32) float64 {
	var s float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return math.Sqrt(s)
}

// meanStd: mean and population standard deviation, NaN skipped.
func meanStd(xs []float64) (mean, std float64, n int) {
	for _, x := range xs {
		if !math.IsNaN(x) {
			mean += x
			n++
		}
	}
	mean /= float64(n)
	for _, x := range xs {
		if !math.IsNaN(x) {
			std += (x - mean) * (x - mean)
		}
	}
	return mean, math.Sqrt(std / float64(n)), n
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) != math.IsNaN(want) || math.Abs(got-want) > tol*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.10g, independent computation %.10g", what, got, want)
	}
}

// hidden reads the raw hidden state vector of a result.
func hv(res *taps.Result, state, token int) []float32 {
	return res.Stacks[gpt2.HiddenState].Vec(state, token)
}

// synthetic makes results of a fake model of layers blocks and width dim for
// sentences: token strings from the words, " her" at its place; hidden states
// random with a growing, token-dependent offset (token 0 far off, as in
// GPT-2), and, with logits, resid_post of the last block and logits.
func synthetic(seed uint64, layers, dim int, texts []string, logits bool) []*taps.Result {
	rng := rand.New(rand.NewPCG(seed, 99))
	var out []*taps.Result
	for _, text := range texts {
		var tokens []string
		for i, w := range strings.Fields(text) {
			if i > 0 {
				w = " " + w
			}
			if word, ok := strings.CutSuffix(w, "."); ok {
				tokens = append(tokens, word, ".")
			} else {
				tokens = append(tokens, w)
			}
		}
		T := len(tokens)
		states := layers + 1
		h := make([]float32, states*T*dim)
		for s := range states {
			for tk := range T {
				for d := range dim {
					v := rng.NormFloat64() + float64(s)*0.3*float64((d+tk)%3)
					if tk == 0 {
						v += 5 * float64(s) * float64(d%2)
					}
					h[(s*T+tk)*dim+d] = float32(v)
				}
			}
		}
		res := &taps.Result{NLayer: layers, Tokens: tokens, IDs: make([]int, T), Stacks: map[gpt2.Kind]*taps.Stack{
			gpt2.HiddenState: {Kind: gpt2.HiddenState, Indices: upTo(states), Array: taps.Array{Dims: []int{states, T, dim}, Data: h}},
		}, Info: taps.Info{Model: "synthetic"}}
		if logits {
			post := make([]float32, T*dim)
			for i := range post {
				post[i] = h[layers*T*dim+i]*3 + float32(rng.NormFloat64())
			}
			res.Stacks[gpt2.ResidPost] = &taps.Stack{Kind: gpt2.ResidPost, Indices: []int{layers - 1}, Array: taps.Array{Dims: []int{1, T, dim}, Data: post}}
			const V = 50
			lg := make([]float32, T*V)
			for i := range lg {
				lg[i] = float32(rng.NormFloat64() * 3)
			}
			res.Logits = &taps.Array{Dims: []int{T, V}, Data: lg}
		}
		out = append(out, res)
	}
	return out
}

func upTo(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

var syntheticTexts = []string{
	"We called her twice today.",
	"The old man gave her a red apple from the tree.",
	"Then she saw her.",
	"Nobody told her anything about the long journey home.",
	"A dog followed her.",
	"They asked her about the map again and again.",
}

func targetOf(res *taps.Result) int {
	for i, tk := range res.Tokens {
		if tk == Target {
			return i
		}
	}
	return -1
}

// checkRotations recomputes lesson 1 from the raw taps.
func checkRotations(t *testing.T, results []*taps.Result, r RotationsResult) {
	t.Helper()
	L, S := results[0].NLayer, len(results)
	if r.Blocks != L || r.Sentences != S || len(r.Target) != L || len(r.TTest) != L {
		t.Fatalf("shape: blocks %d sentences %d rows %d tests %d", r.Blocks, r.Sentences, len(r.Target), len(r.TTest))
	}
	for l := range L {
		tg, nb := make([]float64, S), make([]float64, S)
		for s, res := range results {
			k := targetOf(res)
			if r.Positions[s] != k {
				t.Fatalf("sentence %d: target at %d, want %d", s, r.Positions[s], k)
			}
			tg[s] = angle64(hv(res, l, k), hv(res, l+1, k)) * 180 / math.Pi
			nb[s] = angle64(hv(res, l, k-1), hv(res, l+1, k-1)) * 180 / math.Pi
			near(t, "target angle", r.Target[l][s], tg[s], 1e-9)
			near(t, "neighbour angle", r.Neighbour[l][s], nb[s], 1e-9)
		}
		m1, sd1, _ := meanStd(tg)
		m2, sd2, _ := meanStd(nb)
		near(t, "target mean", r.TargetStats.Mean[l], m1, 1e-9)
		near(t, "target std", r.TargetStats.Std[l], sd1, 1e-9)
		near(t, "target sem", r.TargetStats.SEM[l], sd1*math.Sqrt(float64(S)/float64(S-1))/math.Sqrt(float64(S)), 1e-9)
		near(t, "neighbour mean", r.NeighbourStats.Mean[l], m2, 1e-9)
		// Welch: sample variances.
		v1, v2 := sd1*sd1*float64(S)/float64(S-1), sd2*sd2*float64(S)/float64(S-1)
		e1, e2 := v1/float64(S), v2/float64(S)
		tt := (m1 - m2) / math.Sqrt(e1+e2)
		df := (e1 + e2) * (e1 + e2) / (e1*e1/float64(S-1) + e2*e2/float64(S-1))
		p := 2 * (1 - distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.CDF(math.Abs(tt)))
		near(t, "t", float64(r.TTest[l].T), tt, 1e-9)
		near(t, "df", float64(r.TTest[l].DF), df, 1e-9)
		near(t, "p", float64(r.TTest[l].P), p, 1e-6)
		if r.TTest[l].Block != l+1 {
			t.Errorf("test %d names block %d", l, r.TTest[l].Block)
		}
	}
	// Benjamini–Hochberg by hand: sort p, largest k with p_(k) ≤ k q / m.
	ps := make([]float64, L)
	for l, x := range r.TTest {
		ps[l] = float64(x.P)
	}
	sorted := append([]float64(nil), ps...)
	sort.Float64s(sorted)
	cut := -1.0
	for k := L; k >= 1; k-- {
		if sorted[k-1] <= float64(k)/float64(L)*r.Q {
			cut = sorted[k-1]
			break
		}
	}
	for l, x := range r.TTest {
		if x.Significant != (ps[l] <= cut) {
			t.Errorf("block %d: significant %v with p %g, BH cut %g", l+1, x.Significant, ps[l], cut)
		}
	}
	// The control: every pair two distinct vectors of the batch, its angle
	// recomputed; the summary over them.
	if len(r.Random.Pairs) != DefaultPairs {
		t.Fatalf("%d random pairs, want %d", len(r.Random.Pairs), DefaultPairs)
	}
	var angles []float64
	states := map[int]bool{}
	for _, p := range r.Random.Pairs {
		if p.A == p.B {
			t.Fatalf("pair %+v of one vector", p)
		}
		a := angle64(hv(results[p.A.Sentence], p.A.State, p.A.Token), hv(results[p.B.Sentence], p.B.State, p.B.Token)) * 180 / math.Pi
		near(t, "random pair angle", p.Angle, a, 1e-9)
		angles = append(angles, a)
		states[p.A.State] = true
	}
	if len(states) != L+1 {
		t.Errorf("random pairs from %d of %d states", len(states), L+1)
	}
	m, sd, _ := meanStd(angles)
	sort.Float64s(angles)
	med := (angles[len(angles)/2-1] + angles[len(angles)/2]) / 2
	near(t, "random mean", r.Random.Mean, m, 1e-9)
	near(t, "random std", r.Random.Std, sd, 1e-9)
	near(t, "random median", r.Random.Median, med, 1e-9)
}

// checkNeighbours recomputes lesson 2 from the raw taps.
func checkNeighbours(t *testing.T, results []*taps.Result, r NeighboursResult) {
	t.Helper()
	states, S := results[0].NLayer+1, len(results)
	if r.States != states || len(r.Target) != states || len(r.Baseline) != states {
		t.Fatalf("states %d, rows %d/%d", r.States, len(r.Target), len(r.Baseline))
	}
	longest := 0
	for _, res := range results {
		longest = max(longest, len(res.Tokens))
	}
	if len(r.ByPosition) != longest-1 {
		t.Fatalf("%d position pairs, want %d", len(r.ByPosition), longest-1)
	}
	for s := range states {
		var tg []float64
		for n, res := range results {
			k := targetOf(res)
			a := angle64(hv(res, s, k-1), hv(res, s, k))
			near(t, "target angle", r.Target[s][n], a, 1e-9)
			tg = append(tg, a)
		}
		m, sd, _ := meanStd(tg)
		near(t, "target mean", r.TargetStats.Mean[s], m, 1e-9)
		near(t, "target std", r.TargetStats.Std[s], sd, 1e-9)
		var all, with, without []float64
		for p, pr := range r.Pairs {
			res := results[pr.Sentence]
			k := targetOf(res)
			if pr.A == pr.B || pr.A == k || pr.B == k || pr.A >= len(res.Tokens) || pr.B >= len(res.Tokens) {
				t.Fatalf("baseline pair %+v (target at %d)", pr, k)
			}
			a := angle64(hv(res, s, pr.A), hv(res, s, pr.B))
			near(t, "baseline angle", r.Baseline[s][p], a, 1e-9)
			all = append(all, a)
			if pr.A == 0 || pr.B == 0 {
				with = append(with, a)
			} else {
				without = append(without, a)
			}
		}
		m, _, _ = meanStd(all)
		near(t, "baseline mean", r.BaselineStats.Mean[s], m, 1e-9)
		m, _, n := meanStd(with)
		near(t, "with token 0 mean", r.WithToken0.Mean[s], m, 1e-9)
		if r.WithToken0.Count[s] != n || n == 0 || r.WithoutToken0.Count[s] != len(r.Pairs)-n {
			t.Errorf("state %d: %d/%d pairs with token 0, want %d", s, r.WithToken0.Count[s], r.WithoutToken0.Count[s], n)
		}
		m, _, _ = meanStd(without)
		near(t, "without token 0 mean", r.WithoutToken0.Mean[s], m, 1e-9)
		for i := range longest - 1 {
			var xs []float64
			for _, res := range results {
				if i+1 < len(res.Tokens) {
					xs = append(xs, angle64(hv(res, s, i), hv(res, s, i+1)))
				}
			}
			m, sd, n := meanStd(xs)
			near(t, "pair mean", r.ByPosition[i].Mean[s], m, 1e-9)
			near(t, "pair std", r.ByPosition[i].Std[s], sd, 1e-9)
			if r.ByPosition[i].Count[s] != n {
				t.Errorf("pair %d: count %d, want %d", i, r.ByPosition[i].Count[s], n)
			}
		}
	}
	if len(r.Pairs) != DefaultPairs || S != r.Sentences {
		t.Errorf("%d pairs, %d sentences", len(r.Pairs), r.Sentences)
	}
}

// ranks64 are 1-based ranks, ties averaged.
func ranks64(x []float64) []float64 {
	idx := upTo(len(x))
	sort.Slice(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && x[idx[j+1]] == x[idx[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			r[idx[k]] = float64(i+j)/2 + 1
		}
		i = j + 1
	}
	return r
}

func pearson64(x, y []float64) float64 {
	mx, _, _ := meanStd(x)
	my, _, _ := meanStd(y)
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

// checkPaths recomputes lesson 3 for one model from its raw taps.
func checkPaths(t *testing.T, res *taps.Result, m ModelPaths) {
	t.Helper()
	L, T := res.NLayer, len(res.Tokens)
	post := res.Stacks[gpt2.ResidPost]
	if m.Blocks != L || len(m.Paths) != L || len(m.LastBlock) != T || len(m.Predicted) != T {
		t.Fatalf("shape: %d blocks, %d rows, %d/%d tokens", m.Blocks, len(m.Paths), len(m.LastBlock), len(m.Predicted))
	}
	for l := range L {
		for tk := range T {
			near(t, "path length", m.Paths[l][tk], dist64(hv(res, l, tk), hv(res, l+1, tk)), 1e-9)
		}
	}
	V := res.Logits.Dims[1]
	lastHF, lastBlock, logit := make([]float64, T), make([]float64, T), make([]float64, T)
	cum := make([]float64, T)
	c, err := m.Cumulative(false)
	if err != nil {
		t.Fatal(err)
	}
	for tk := range T {
		for l := range L {
			cum[tk] += dist64(hv(res, l, tk), hv(res, l+1, tk))
			near(t, "cumulative", c.At(l, tk), cum[tk], 1e-9)
		}
		lastHF[tk] = dist64(hv(res, L-1, tk), hv(res, L, tk))
		lastBlock[tk] = dist64(hv(res, L-1, tk), post.Vec(0, tk))
		near(t, "last block path", m.LastBlock[tk], lastBlock[tk], 1e-9)
		best, bestV := -1, math.Inf(-1)
		for v := range V {
			if x := float64(res.Logits.Data[tk*V+v]); x > bestV {
				best, bestV = v, x
			}
		}
		logit[tk] = bestV
		if m.Predicted[tk] != best || m.Logit[tk] != bestV {
			t.Errorf("token %d: predicted %d (%g), want %d (%g)", tk, m.Predicted[tk], m.Logit[tk], best, bestV)
		}
	}
	f := PathFirstToken
	near(t, "pearson after ln_f", float64(m.AfterLNF.Pearson), pearson64(lastHF[f:], logit[f:]), 1e-9)
	near(t, "spearman after ln_f", float64(m.AfterLNF.Spearman), pearson64(ranks64(lastHF[f:]), ranks64(logit[f:])), 1e-9)
	near(t, "pearson block", float64(m.BlockOnly.Pearson), pearson64(lastBlock[f:], logit[f:]), 1e-9)
	near(t, "spearman block", float64(m.BlockOnly.Spearman), pearson64(ranks64(lastBlock[f:]), ranks64(logit[f:])), 1e-9)
	if m.AfterLNF.N != T-f {
		t.Errorf("n = %d, want %d", m.AfterLNF.N, T-f)
	}
}

// checkTrajectories recomputes lesson 4: the top principal variance by power
// iteration on the covariance built by loops, the projections' consistency
// with it, and the mean trajectories' distances.
func checkTrajectories(t *testing.T, words []WordRuns, r TrajectoriesResult) {
	t.Helper()
	var obs [][]float64
	means := make([][][]float64, len(words)) // [w][s][d]
	for w, v := range words {
		means[w] = make([][]float64, r.States)
		for n, res := range v.Results {
			k := -1
			for i, tk := range res.Tokens {
				if tk == v.Word {
					k = i
				}
			}
			if r.Positions[w][n] != k {
				t.Fatalf("word %q sentence %d at %d, want %d", v.Word, n, r.Positions[w][n], k)
			}
			for s := range r.States {
				x := hv(res, s, k)
				row := make([]float64, len(x))
				if means[w][s] == nil {
					means[w][s] = make([]float64, len(x))
				}
				for d := range x {
					row[d] = float64(x[d])
					means[w][s][d] += row[d] / float64(len(v.Results))
				}
				obs = append(obs, row)
			}
		}
	}
	N, D := len(obs), len(obs[0])
	mu := make([]float64, D)
	for _, o := range obs {
		for d := range D {
			mu[d] += o[d] / float64(N)
		}
	}
	cov := make([][]float64, D)
	var total float64
	for i := range D {
		cov[i] = make([]float64, D)
		for j := range D {
			for _, o := range obs {
				cov[i][j] += (o[i] - mu[i]) * (o[j] - mu[j]) / float64(N-1)
			}
		}
		total += cov[i][i]
	}
	v := make([]float64, D)
	for i := range v {
		v[i] = 1 / math.Sqrt(float64(D)+float64(i))
	}
	var lambda float64
	for range 3000 {
		next := make([]float64, D)
		for i := range D {
			for j := range D {
				next[i] += cov[i][j] * v[j]
			}
		}
		lambda = math.Sqrt(dot(next, next))
		for i := range next {
			next[i] /= lambda
		}
		v = next
	}
	near(t, "PC1 variance", r.Variance[0], lambda, 1e-6)
	near(t, "PC1 ratio", r.Ratio[0], lambda/total, 1e-6)
	// PC1 coordinates are ±(x − μ)·v (a sign per component).
	sign := 0.0
	i := 0
	for w := range words {
		for n := range r.Points[w] {
			for s := range r.States {
				c := 0.0
				for d := range D {
					c += (obs[i][d] - mu[d]) * v[d]
				}
				if sign == 0 && math.Abs(c) > 1e-3 {
					sign = math.Copysign(1, c*r.Points[w][n][s][0])
				}
				near(t, "PC1 coordinate", r.Points[w][n][s][0], sign*c, 1e-5)
				i++
			}
		}
	}
	p := 0
	for a := range words {
		for b := a + 1; b < len(words); b++ {
			d := r.Distances[p]
			if d.A != words[a].Word || d.B != words[b].Word {
				t.Fatalf("distance %d between %q and %q", p, d.A, d.B)
			}
			for s := range r.States {
				var e float64
				for k := range D {
					e += (means[a][s][k] - means[b][s][k]) * (means[a][s][k] - means[b][s][k])
				}
				near(t, "distance", d.Distance[s], math.Sqrt(e), 1e-9)
				near(t, "relative distance", d.Relative[s], math.Sqrt(e)/((math.Sqrt(dot(means[a][s], means[a][s]))+math.Sqrt(dot(means[b][s], means[b][s])))/2), 1e-9)
			}
			p++
		}
	}
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// drawAll draws every figure and, with -figures, saves them.
func drawAll(t *testing.T, prefix string, figs []Figure, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range figs {
		png, err := f.Figure.PNG()
		if err != nil || len(png) < 1000 {
			t.Errorf("figure %s: %v (%d bytes)", f.Name, err, len(png))
		}
	}
	if *figuresDir != "" {
		for i := range figs {
			figs[i].Name = prefix + figs[i].Name
		}
		if _, err := SaveFigures(*figuresDir, figs); err != nil {
			t.Error(err)
		}
	}
}

// roundTrip writes v as JSON and reads it back into out.
func roundTrip(t *testing.T, v, out any) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lesson.json")
	if err := WriteJSON(path, v); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatal(err)
	}
}

func TestRotationsSynthetic(t *testing.T) {
	results := synthetic(1, 4, 8, syntheticTexts, false)
	r, err := Rotations(results, Target, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkRotations(t, results, r)
	var back RotationsResult
	roundTrip(t, r, &back)
	checkRotations(t, results, back) // the JSON holds the same numbers
	figs, err := back.Figures()
	drawAll(t, "synthetic-", figs, err)
}

func TestNeighboursSynthetic(t *testing.T) {
	results := synthetic(2, 4, 8, syntheticTexts, false)
	r, err := Neighbours(results, Target, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkNeighbours(t, results, r)
	var back NeighboursResult
	roundTrip(t, r, &back)
	checkNeighbours(t, results, back)
	figs, err := back.Figures()
	drawAll(t, "synthetic-", figs, err)
	// A single long sentence's last pair has one sentence: its SEM is NaN,
	// written as null and read back as NaN.
	last := back.ByPosition[len(back.ByPosition)-1]
	if last.Count[0] != 1 || !math.IsNaN(last.SEM[0]) {
		t.Errorf("last pair: count %d, SEM %v; want 1 and NaN", last.Count[0], last.SEM[0])
	}
}

func TestPathsSynthetic(t *testing.T) {
	var runs []ModelRun
	for i, L := range []int{2, 5} {
		res := synthetic(uint64(3+i), L, 8, []string{strings.Repeat("word ", 30) + "end."}, true)[0]
		runs = append(runs, ModelRun{Model: "fake-" + string(rune('a'+i)), Result: res})
	}
	r, err := Paths(runs)
	if err != nil {
		t.Fatal(err)
	}
	var back PathsResult
	roundTrip(t, r, &back)
	for i, run := range runs {
		checkPaths(t, run.Result, r.Models[i])
		checkPaths(t, run.Result, back.Models[i])
	}
	figs, err := back.Figures()
	drawAll(t, "synthetic-", figs, err)
}

func TestTrajectoriesSynthetic(t *testing.T) {
	var words []WordRuns
	for i, w := range Words() {
		var texts []string
		for _, s := range syntheticTexts {
			swapped, err := ReplaceWord(s, Target, w)
			if err != nil {
				t.Fatal(err)
			}
			texts = append(texts, swapped)
		}
		words = append(words, WordRuns{Word: w, Results: synthetic(uint64(10+i), 4, 6, texts, false)})
	}
	r, err := Trajectories(words)
	if err != nil {
		t.Fatal(err)
	}
	checkTrajectories(t, words, r)
	var back TrajectoriesResult
	roundTrip(t, r, &back)
	checkTrajectories(t, words, back)
	figs, err := back.Figures()
	drawAll(t, "synthetic-", figs, err)
}

// TestLessonErrors: bad input is one line naming what is wrong.
func TestLessonErrors(t *testing.T) {
	good := synthetic(5, 2, 4, syntheticTexts[:3], false)
	missing := synthetic(5, 2, 4, []string{"We called her.", "We called them.", "The book is hers.", "Nobody."}, false)
	noHidden := synthetic(5, 2, 4, syntheticTexts[:2], false)
	noHidden[1] = &taps.Result{NLayer: 2, Tokens: noHidden[1].Tokens, Stacks: map[gpt2.Kind]*taps.Stack{}}
	other := append(synthetic(5, 2, 4, syntheticTexts[:1], false), synthetic(5, 3, 4, syntheticTexts[1:2], false)...)
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"empty", func() error { _, err := Rotations(nil, Target, Options{}); return err }, "rotations: no sentences"},
		{"missing", func() error { _, err := Neighbours(missing, Target, Options{}); return err }, `neighbours: sentence 1 ("We called them."): " her" is missing (and 2 more sentences)`},
		{"no hidden", func() error { _, err := Rotations(noHidden, Target, Options{}); return err }, "rotations: sentence 1: the result holds no hidden_states: capture it with course.HiddenRequest()"},
		{"two models", func() error { _, err := Rotations(other, Target, Options{}); return err }, "sentence 1: a 3-layer model of width 4, sentence 0 a 2-layer one"},
		{"no models", func() error { _, err := Paths(nil); return err }, "paths: no models"},
		{"no logits", func() error { _, err := Paths([]ModelRun{{Model: "m", Result: good[1]}}); return err }, "paths: model 0 (m): get \"h.1.resid_post\""},
		{"one version", func() error { _, err := Trajectories([]WordRuns{{Target, good}}); return err }, "trajectories: 1 versions"},
		{"uneven versions", func() error {
			_, err := Trajectories([]WordRuns{{Target, good}, {Target, good[:2]}})
			return err
		}, `version " her" has 2 sentences`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %v, want one line containing %q", err, tc.want)
			}
		})
	}
}

func TestSeriesJSON(t *testing.T) {
	data, err := json.Marshal(struct {
		S Series
		N Number
	}{Series{1, math.NaN(), math.Inf(1)}, Number(math.NaN())})
	if err != nil || string(data) != `{"S":[1,null,null],"N":null}` {
		t.Fatalf("%s, %v", data, err)
	}
	var back struct {
		S Series
		N Number
	}
	if err := json.Unmarshal(data, &back); err != nil || back.S[0] != 1 || !math.IsNaN(back.S[1]) || !math.IsNaN(float64(back.N)) {
		t.Errorf("%+v, %v", back, err)
	}
}
