package viz

import (
	"math"
	"math/rand/v2"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
)

// Synthetic data shaped like the course's lessons (GPT-2 XL: 48 blocks; 54
// sentences).
const (
	courseBlocks    = 48
	courseSentences = 54
)

// testRotations returns [blocks, sentences] rotation angles in degrees of
// the target and of its neighbour: ~88° in block 1, ~10° in the middle,
// rising near the output, the target rising more.
func testRotations() (target, neighbour analysis.Matrix) {
	rng := rand.New(rand.NewPCG(11, 12))
	target, neighbour = analysis.NewMatrix(courseBlocks, courseSentences), analysis.NewMatrix(courseBlocks, courseSentences)
	for l := range courseBlocks {
		u := float64(l) / (courseBlocks - 1)
		base := 9 + 25*math.Pow(u, 6)
		if l == 0 {
			base = 87
		}
		for s := range courseSentences {
			target.Data[l*courseSentences+s] = base*(1+0.4*math.Pow(u, 4)) + 2*rng.NormFloat64()
			neighbour.Data[l*courseSentences+s] = base + 2*rng.NormFloat64()
		}
	}
	return target, neighbour
}

// testRandomAngles returns random-pair angles in degrees around 75°.
func testRandomAngles(n int) []float64 {
	rng := rand.New(rand.NewPCG(13, 14))
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Max(5, math.Min(175, 75+8*rng.NormFloat64()))
	}
	return out
}

// testPositionPairs returns per-pair statistics of neighbour angles in
// radians over 25 states: pair 0↔1 near 2.7 rad, the others near 1.2,
// later pairs missing in short sentences (NaN at the end of pair 14).
func testPositionPairs() []analysis.LayerStats {
	rng := rand.New(rand.NewPCG(15, 16))
	const states, pairs = 25, 15
	out := make([]analysis.LayerStats, pairs)
	for i := range pairs {
		m := analysis.NewMatrix(states, courseSentences)
		for l := range states {
			base := 1.0 + 0.4*math.Sin(float64(l)/6) + 0.01*float64(i)
			if i == 0 {
				base = 2.5 + 0.2*float64(l)/states
			}
			if l == 0 {
				base += 0.2
			}
			for s := range courseSentences {
				m.Data[l*courseSentences+s] = base + 0.1*rng.NormFloat64()
				if i == pairs-1 && s > 5 {
					m.Data[l*courseSentences+s] = math.NaN()
				}
			}
		}
		out[i] = analysis.PerLayer(m)
	}
	return out
}

// testModels are the four GPT-2 sizes and their depths.
var testModels = []struct {
	name   string
	layers int
}{{"gpt2", 12}, {"gpt2-medium", 24}, {"gpt2-large", 36}, {"gpt2-xl", 48}}

// testPaths returns per-model [layers, tokens] path lengths of a 340-token
// text (token 0 ten times longer), and per token the last transition's
// length and the predicted token's logit: negatively correlated in gpt2,
// unrelated in the others.
func testPaths() (paths []analysis.Matrix, last, logit [][]float64) {
	rng := rand.New(rand.NewPCG(17, 18))
	const tokens = 340
	for mi, m := range testModels {
		p := analysis.NewMatrix(m.layers, tokens)
		lx, ly := make([]float64, tokens), make([]float64, tokens)
		for t := range tokens {
			for l := range m.layers {
				v := (3 + 2*rng.Float64()) * (1 + float64(l)/float64(m.layers))
				if l == m.layers-1 {
					v *= 4
				}
				if t == 0 {
					v *= 10
				}
				p.Data[l*tokens+t] = v
			}
			lx[t] = p.Data[(m.layers-1)*tokens+t]
			ly[t] = 10 + 3*rng.NormFloat64()
			if mi == 0 {
				ly[t] = 40 - 1.2*lx[t] + 2*rng.NormFloat64()
			}
		}
		paths, last, logit = append(paths, p), append(last, lx), append(logit, ly)
	}
	return paths, last, logit
}

// testStates returns lesson-4-like hidden states of the target: for each of
// 3 words × 20 sentences × 25 layers a 64-dim vector (rows in that order,
// word-major), on a shared curve through depth from which the words drift
// apart with depth, " round" most.
func testStates() (x analysis.Matrix, words []string, sentences, layers int) {
	rng := rand.New(rand.NewPCG(19, 20))
	words = []string{" her", " him", " round"}
	sentences, layers = 20, 25
	const dim = 64
	x = analysis.NewMatrix(len(words)*sentences*layers, dim)
	dir := func(seed uint64) []float64 {
		r := rand.New(rand.NewPCG(seed, 1))
		v := make([]float64, dim)
		for i := range v {
			v[i] = r.NormFloat64()
		}
		return v
	}
	a, b, wd := dir(1), dir(2), [][]float64{dir(3), dir(4), dir(5)}
	for w := range words {
		for s := range sentences {
			for l := range layers {
				u := float64(l) / float64(layers-1)
				row := x.Row((w*sentences+s)*layers + l)
				sep := u * u * []float64{0.4, 0.6, 1.6}[w]
				for i := range row {
					row[i] = 3*u*a[i] + math.Sin(3*u)*b[i] + sep*wd[w][i] + 0.15*rng.NormFloat64()
				}
			}
		}
	}
	return x, words, sentences, layers
}
