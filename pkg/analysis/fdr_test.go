package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestBenjaminiHochberg(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		p    []float64
		q    float64
		want []bool
	}{
		// m = 5, thresholds k·0.01. Sorted: .005 ≤ .01, .01 ≤ .02, .03 ≤ .03,
		// .04 ≤ .04, .5 > .05 → largest k = 4: reject the four smallest.
		{"textbook", []float64{0.01, 0.04, 0.03, 0.005, 0.5}, 0.05, []bool{true, true, true, true, false}},
		// Step-up: .02 misses its own threshold .05/3 but .04 ≤ .05 at k = 3,
		// so all three are rejected (a step-down procedure would reject none).
		{"step-up", []float64{0.04, 0.02, 0.025}, 0.05, []bool{true, true, true}},
		// m = 4: thresholds .0125, .025, .0375, .05; only .001 and .02 pass, k = 2.
		{"partial", []float64{0.2, 0.001, 0.04, 0.02}, 0.05, []bool{false, true, false, true}},
		{"none", []float64{0.3, 0.02, 0.9}, 0.05, []bool{false, false, false}},
		{"all equal", []float64{0.05, 0.05, 0.05}, 0.05, []bool{true, true, true}},
		// NaN excluded from m: m = 2, thresholds .025, .05 → both rejected.
		// (Counting NaN, m = 3 would reject only .01.)
		{"NaN excluded", []float64{0.01, nan, 0.04}, 0.05, []bool{true, false, true}},
		{"layer 0 NaN", []float64{nan, 0.001, 0.3, 0.004}, 0.05, []bool{false, true, false, true}},
		{"all NaN", []float64{nan, nan}, 0.05, []bool{false, false}},
		{"empty", nil, 0.05, []bool{}},
		{"zero p", []float64{0, 0.9}, 0.05, []bool{true, false}},
		{"q = 0 rejects only p = 0", []float64{0, 0.001}, 0, []bool{true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := BenjaminiHochberg(tc.p, tc.q); !slices.Equal(got, tc.want) {
				t.Errorf("BenjaminiHochberg(%v, %v) = %v, want %v", tc.p, tc.q, got, tc.want)
			}
		})
	}
}

// TestBenjaminiHochbergMonotone checks on random p-values (fixed seed) that a
// p-value no larger than a rejected one is always rejected, and that the
// number of rejections is the largest k with p_(k) ≤ k·q/m.
func TestBenjaminiHochbergMonotone(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for trial := range 200 {
		n := 1 + rng.IntN(40)
		p := make([]float64, n)
		for i := range p {
			p[i] = math.Pow(rng.Float64(), 1+4*rng.Float64()) // skewed towards 0
			if rng.IntN(10) == 0 {
				p[i] = math.NaN()
			}
		}
		rej := BenjaminiHochberg(p, 0.05)
		var valid []float64
		for i := range p {
			if !math.IsNaN(p[i]) {
				valid = append(valid, p[i])
			} else if rej[i] {
				t.Fatalf("trial %d: NaN p-value %d rejected", trial, i)
			}
			for j := range p {
				if rej[j] && p[i] <= p[j] && !rej[i] {
					t.Fatalf("trial %d: p[%d] = %v ≤ rejected p[%d] = %v but not rejected", trial, i, p[i], j, p[j])
				}
			}
		}
		slices.Sort(valid)
		k := 0
		for rank := 1; rank <= len(valid); rank++ {
			if valid[rank-1] <= float64(rank)/float64(len(valid))*0.05 {
				k = rank
			}
		}
		got := 0
		for _, r := range rej {
			if r {
				got++
			}
		}
		if got != k {
			t.Fatalf("trial %d: %d rejections, want %d (p = %v)", trial, got, k, p)
		}
	}
}
