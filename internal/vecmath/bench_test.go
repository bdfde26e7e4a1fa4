package vecmath

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkExp times Exp against the scalar loop simplego runs (math.Exp in
// float64), on a row of a 1024-token softmax.
func BenchmarkExp(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := inputs(rng, 1024, -30, 0, false)
	dst := make([]float32, len(x))
	for _, bc := range []struct {
		name string
		fn   func(dst, src []float32)
	}{{"vecmath", Exp}, {"math.Exp", expGo}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				bc.fn(dst, x)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)), "ns/value")
		})
	}
}
