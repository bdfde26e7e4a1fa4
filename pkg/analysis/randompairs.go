package analysis

import (
	"fmt"
	"math/rand/v2"
)

// Pair is an ordered pair of distinct indices into a set of vectors (for
// instance a flattened sentence × layer × token index).
type Pair struct{ A, B int }

// pairStream is the PCG stream of RandomPairs: fixed, so that a seed alone
// names the sample.
const pairStream = 0x9e3779b97f4a7c15

// RandomPairs draws n random ordered pairs (A, B) of distinct indices in
// [0, count), for controls such as the angle between random pairs of hidden
// vectors. keep, if not nil, restricts the pairs (e.g. to pairs that do not
// involve the target token, or to the same layer); pairs it rejects are
// drawn again.
//
// Sampling is with replacement and uniform over the ordered pairs that keep
// accepts: A and B are drawn independently and uniformly (rand.IntN) and
// redrawn when A == B or keep says no. The generator is
// rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) from math/rand/v2, so a
// seed always gives the same pairs (a test pins the first ones). It returns
// an error for n < 0, count < 2, or when keep rejects nearly every pair
// (more than 1000·(n+1) draws fail).
func RandomPairs(n, count int, seed uint64, keep func(a, b int) bool) ([]Pair, error) {
	if n < 0 {
		return nil, fmt.Errorf("random pairs: %d pairs requested: pass a count ≥ 0", n)
	}
	if count < 2 {
		return nil, fmt.Errorf("random pairs from %d vectors: need at least 2 to form a pair", count)
	}
	rng := rand.New(rand.NewPCG(seed, pairStream))
	pairs := make([]Pair, 0, n)
	budget := 1000 * (n + 1)
	for len(pairs) < n {
		a, b := rng.IntN(count), rng.IntN(count)
		if a != b && (keep == nil || keep(a, b)) {
			pairs = append(pairs, Pair{A: a, B: b})
			continue
		}
		if budget--; budget == 0 {
			return nil, fmt.Errorf("random pairs: the filter rejected nearly every pair (%d of %d found among %d vectors): loosen it", len(pairs), n, count)
		}
	}
	return pairs, nil
}
