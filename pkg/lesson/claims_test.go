package lesson

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// syntheticTaps builds taps whose cosines follow cos(l) at every token and
// whose hidden states jump by token0Step at token 0 and by about 1 elsewhere.
func syntheticTaps(L, T, D int, cos func(l int) float32, token0Step float32) *Taps {
	rng := rand.New(rand.NewPCG(1, 2))
	t := &Taps{Model: "synthetic", Config: gpt2.Config{NLayer: L, NEmbd: D, NHead: 1}, IDs: make([]int, T), Tokens: make([]string, T)}
	t.Attn = make([]float32, L*T*D)
	t.MLP = make([]float32, L*T*D)
	t.Hidden = make([]float32, (L+1)*T*D)
	t.Cosine = make([]float32, L*T)
	for i := range t.Attn {
		t.Attn[i] = float32(rng.NormFloat64())
		t.MLP[i] = float32(rng.NormFloat64())
	}
	for l := 1; l <= L; l++ {
		for tok := range T {
			step := float32(1 + 0.1*rng.NormFloat64())
			if tok == 0 {
				step = token0Step
			}
			for d := range D {
				prev := t.Hidden[((l-1)*T+tok)*D+d]
				add := float32(0)
				if d == 0 {
					add = step
				}
				t.Hidden[(l*T+tok)*D+d] = prev + add
			}
		}
	}
	for l := range L {
		for tok := range T {
			t.Cosine[l*T+tok] = cos(l)
		}
	}
	return t
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
