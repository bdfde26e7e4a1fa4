package lesson

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// syntheticTaps builds a result holding Request's taps whose attention and MLP
// outputs have the cosine cos(l) at every token of layer l, and whose hidden
// states jump by token0Step at token 0 and by about 1 elsewhere.
func syntheticTaps(L, T, D int, cos func(l int) float32, token0Step float32) *taps.Result {
	rng := rand.New(rand.NewPCG(1, 2))
	attn := make([]float32, L*T*D)
	mlp := make([]float32, L*T*D)
	hidden := make([]float32, (L+1)*T*D)
	// At each token, the MLP output is a random vector turned to the angle
	// arccos(c) from the attention output, within the plane the two span. The
	// vectors are the same at every layer, so that layers of equal c get
	// bit-identical cosines.
	for tok := range T {
		u, r := make([]float64, D), make([]float64, D)
		var uu, ur, rr, length float64
		for d := range D {
			u[d], r[d] = rng.NormFloat64(), rng.NormFloat64()
			x := rng.NormFloat64()
			uu, ur, length = uu+u[d]*u[d], ur+u[d]*r[d], length+x*x
		}
		for d := range D { // r ⟂ u
			r[d] -= ur / uu * u[d]
			rr += r[d] * r[d]
		}
		nu, nr, length := math.Sqrt(uu), math.Sqrt(rr), math.Sqrt(length)
		for l := range L {
			c, off := float64(cos(l)), (l*T+tok)*D
			for d := range D {
				attn[off+d] = float32(u[d])
				mlp[off+d] = float32(length * (c*u[d]/nu + math.Sqrt(1-c*c)*r[d]/nr))
			}
		}
	}
	for l := 1; l <= L; l++ {
		for tok := range T {
			step := float32(1 + 0.1*rng.NormFloat64())
			if tok == 0 {
				step = token0Step
			}
			for d := range D {
				prev := hidden[((l-1)*T+tok)*D+d]
				add := float32(0)
				if d == 0 {
					add = step
				}
				hidden[(l*T+tok)*D+d] = prev + add
			}
		}
	}
	layers := func(n int) []int {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	return &taps.Result{
		Config: gpt2.Config{NLayer: L, NEmbd: D, NHead: 1}, NLayer: L, IDs: make([]int, T), Tokens: make([]string, T),
		Stacks: map[gpt2.Kind]*taps.Stack{
			gpt2.AttnOut:     {Kind: gpt2.AttnOut, Indices: layers(L), Array: taps.Array{Dims: []int{L, T, D}, Data: attn}},
			gpt2.MLPOut:      {Kind: gpt2.MLPOut, Indices: layers(L), Array: taps.Array{Dims: []int{L, T, D}, Data: mlp}},
			gpt2.HiddenState: {Kind: gpt2.HiddenState, Indices: layers(L + 1), Array: taps.Array{Dims: []int{L + 1, T, D}, Data: hidden}},
		},
		Info: taps.Info{Model: "synthetic"},
	}
}

func TestClaims(t *testing.T) {
	const L, T, D = 12, 40, 8
	cases := []struct {
		name      string
		cos       func(l int) float32
		t0        float32
		holds     bool
		nearZero  bool
		edgesHigh bool
		outlier   bool
	}{
		{"lesson pattern", func(l int) float32 {
			if l == 0 || l == L-1 {
				return 0.2
			}
			return 0.01
		}, 50, true, true, true, true},
		{"middle not near zero", func(int) float32 { return 0.3 }, 1, false, false, false, false},
		{"edges lower", func(l int) float32 {
			if l == 0 || l == L-1 {
				return -0.1
			}
			return 0
		}, 1, false, true, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Analyze(syntheticTaps(L, T, D, tc.cos, tc.t0))
			if err != nil {
				t.Fatal(err)
			}
			for l := range L { // the synthetic taps are what the cases say
				for tok := range T {
					if got := a.Cosine.At(l, tok); math.Abs(got-float64(tc.cos(l))) > 1e-6 {
						t.Fatalf("layer %d, token %d: cosine %v, want %v", l, tok, got, tc.cos(l))
					}
				}
			}
			c := a.Claims
			if c.Holds != tc.holds || c.MiddleNearZero != tc.nearZero || c.EdgesHigher != tc.edgesHigh || c.Token0Outlier != tc.outlier {
				t.Errorf("claims %+v; want holds %v, near zero %v, edges higher %v, outlier %v", c, tc.holds, tc.nearZero, tc.edgesHigh, tc.outlier)
			}
			if c.MiddleLayers != [2]int{3, 9} {
				t.Errorf("middle layers %v, want [3 9]", c.MiddleLayers)
			}
			if tc.outlier && math.Abs(float64(c.Token0StepRatio)-50) > 10 {
				t.Errorf("token 0 step ratio %v, want about 50", c.Token0StepRatio)
			}
		})
	}
}
