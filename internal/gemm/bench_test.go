package gemm

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// matmul returns A [m,k] row-major and B [k,n] row-major as Operands, as in
// x·W with W stored [in, out].
func matmul(rng *rand.Rand, m, k, n int) (Operand, Operand) {
	a := Operand{Data: randData(rng, m*k), Batch: []int{0}, Cross: Strided(m, k), Contract: Strided(k, 1)}
	b := Operand{Data: randData(rng, k*n), Batch: []int{0}, Cross: Strided(n, 1), Contract: Strided(k, n)}
	return a, b
}

func randData(rng *rand.Rand, n int) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(rng.NormFloat64())
	}
	return d
}

func BenchmarkProduct(b *testing.B) {
	for _, s := range []struct{ m, k, n int }{{342, 1280, 3840}, {342, 1280, 1280}, {342, 1280, 5120}, {342, 5120, 1280}} {
		for _, threads := range []int{1, runtime.GOMAXPROCS(0)} {
			b.Run(fmt.Sprintf("%dx%dx%d/threads=%d", s.m, s.k, s.n, threads), func(bb *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				x, w := matmul(rng, s.m, s.k, s.n)
				c := make([]float32, s.m*s.n)
				t0 := processCPU()
				for bb.Loop() {
					if err := Product(c, x, w, Options{Threads: threads}); err != nil {
						bb.Fatal(err)
					}
				}
				flops := 2 * float64(s.m*s.k*s.n) * float64(bb.N)
				bb.ReportMetric(flops/bb.Elapsed().Seconds()/1e9, "GFLOP/s")
				if cpu := processCPU() - t0; cpu > 0 {
					bb.ReportMetric(flops/cpu.Seconds()/1e9, "GFLOP/cpu-s")
				}
			})
		}
	}
}
