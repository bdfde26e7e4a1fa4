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
