package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/cpu"
)

// layout is an operand stored row-major with dimensions dims, whose batch,
// cross and contracting indices combine the listed axes (first slowest).
type layout struct {
	dims                   []int
	batch, cross, contract []int
}

func (l layout) operand(t *testing.T, rng *rand.Rand) Operand {
	t.Helper()
	n := 1
	for _, d := range l.dims {
		n *= d
	}
	op := Operand{Data: randData(rng, n)}
	var err error
	if op.Batch, err = Offsets(l.dims, l.batch); err != nil {
		t.Fatal(err)
	}
	if op.Cross, err = Offsets(l.dims, l.cross); err != nil {
		t.Fatal(err)
	}
	if op.Contract, err = Offsets(l.dims, l.contract); err != nil {
		t.Fatal(err)
	}
	return op
}

// productCase is one product: its two operands' layouts.
type productCase struct {
	name string
	a, b layout
}

// matmulCases are x·W for [m,k]·[k,n] in the four transpositions, for the
// given sizes.
func matmulCases(m, k, n int) []productCase {
	name := fmt.Sprintf("%dx%dx%d", m, k, n)
	aRow := layout{dims: []int{m, k}, cross: []int{0}, contract: []int{1}} // A [M,K]
	aCol := layout{dims: []int{k, m}, cross: []int{1}, contract: []int{0}} // A stored transposed [K,M]
	bKN := layout{dims: []int{k, n}, cross: []int{1}, contract: []int{0}}  // B [K,N], as Conv1D weights
	bNK := layout{dims: []int{n, k}, cross: []int{0}, contract: []int{1}}  // B [N,K], as q·kᵀ
	return []productCase{
		{name + "/A·B", aRow, bKN},
		{name + "/A·Bᵀ", aRow, bNK},
		{name + "/Aᵀ·B", aCol, bKN},
		{name + "/Aᵀ·Bᵀ", aCol, bNK},
	}
}

// productCases: awkward sizes (1×1, primes, one row, sizes around the block
// sizes), T = 1024, and the forward pass's batched products.
func productCases() []productCase {
	var cases []productCase
	for _, s := range [][3]int{
		{1, 1, 1}, {1, 1, 17}, {1, 5, 1}, {3, 1, 2}, {2, 3, 5}, {7, 13, 11}, {17, 31, 29},
		{4, 16, 16}, {5, 257, 33}, {129, 7, 513}, {1, 300, 700}, {131, 263, 67}, {1024, 64, 48},
	} {
		cases = append(cases, matmulCases(s[0], s[1], s[2])...)
	}
	const T, H, D = 37, 3, 8
	cases = append(cases,
		// scores "qhd,khd->hqk": batch h, contracting d, both [T,H,D].
		productCase{"scores qhd,khd->hqk",
			layout{dims: []int{T, H, D}, batch: []int{1}, cross: []int{0}, contract: []int{2}},
			layout{dims: []int{T + 2, H, D}, batch: []int{1}, cross: []int{0}, contract: []int{2}}},
		// context "hqk,khd->qhd": probabilities [H,T,T'], values [T',H,D].
		productCase{"context hqk,khd->qhd",
			layout{dims: []int{H, T, T + 2}, batch: []int{0}, cross: []int{1}, contract: []int{2}},
			layout{dims: []int{T + 2, H, D}, batch: []int{1}, cross: []int{2}, contract: []int{0}}},
		// T = 1024 in the scores.
		productCase{"scores T=1024",
			layout{dims: []int{1024, 2, 64}, batch: []int{1}, cross: []int{0}, contract: []int{2}},
			layout{dims: []int{1024, 2, 64}, batch: []int{1}, cross: []int{0}, contract: []int{2}}},
		// Several axes of each kind, batch axes listed out of order.
		productCase{"multi-axis",
			layout{dims: []int{2, 3, 5, 4, 7}, batch: []int{3, 0}, cross: []int{1, 4}, contract: []int{2}},
			layout{dims: []int{5, 4, 6, 2}, batch: []int{1, 3}, cross: []int{2}, contract: []int{0}}},
		productCase{"contracting over two axes",
			layout{dims: []int{3, 11, 4}, cross: []int{1}, contract: []int{2, 0}},
			layout{dims: []int{4, 9, 3}, cross: []int{1}, contract: []int{0, 2}}},
	)
	return cases
}

// kernels are the micro-kernels to test: the portable one, and the SIMD one
// when it runs here.
func kernels() map[string]kernelFunc {
	ks := map[string]kernelFunc{"go": kernelGo}
	if name, ok, _ := SIMD(); ok {
		ks[name] = microKernel
	}
	return ks
}

// checkProduct compares c with the float64 reference: each element within
// 4·√K·ε₃₂·Σ_k|a·b| (a probabilistic bound for float32 accumulation), and
// returns the largest absolute difference.
func checkProduct(t *testing.T, c []float32, a, b Operand) float64 {
	t.Helper()
	want := Naive(a, b)
	k := len(a.Contract)
	scale := Naive(absOperand(a), absOperand(b)) // Σ_k |a·b|
	eps := float64(math.Nextafter32(1, 2) - 1)
	var worst float64
	bad := 0
	for i, w := range want {
		d := math.Abs(float64(c[i]) - w)
		worst = max(worst, d)
		if tol := 4*math.Sqrt(float64(k))*eps*scale[i] + 1e-30; !(d <= tol) {
			if bad < 5 {
				t.Errorf("element %d: got %g, want %g (diff %.3g > tolerance %.3g)", i, c[i], w, d, tol)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d elements out of tolerance", bad, len(want))
	}
	return worst
}

func absOperand(op Operand) Operand {
	d := make([]float32, len(op.Data))
	for i, v := range op.Data {
		d[i] = float32(math.Abs(float64(v)))
	}
	op.Data = d
	return op
}

func TestProductMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range productCases() {
		a, b := tc.a.operand(t, rng), tc.b.operand(t, rng)
		for kname, kernel := range kernels() {
			for _, threads := range []int{1, 2, 3} {
				t.Run(fmt.Sprintf("%s/%s/threads=%d", tc.name, kname, threads), func(t *testing.T) {
					c := make([]float32, len(a.Batch)*len(a.Cross)*len(b.Cross))
					for i := range c {
						c[i] = float32(math.NaN()) // Product must overwrite everything
					}
					p, err := newPlan(c, a, b, Options{Threads: threads})
					if err != nil {
						t.Fatal(err)
					}
					p.run(kernel)
					checkProduct(t, c, a, b)
				})
			}
		}
	}
}

// TestProductPublic runs Product itself (the kernel SIMD reports) on the
// forward pass's shapes at a reduced width, and logs the largest difference.
func TestProductPublic(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range matmulCases(341, 320, 960) {
		a, b := tc.a.operand(t, rng), tc.b.operand(t, rng)
		c := make([]float32, len(a.Cross)*len(b.Cross))
		if err := Product(c, a, b, Options{Threads: runtime.GOMAXPROCS(0)}); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: max abs diff from float64 %.3g", tc.name, checkProduct(t, c, a, b))
	}
}

// TestProductStart checks that the caller's Start decides how many helpers
// run, and that the product is complete when none can be started.
func TestProductStart(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	a, b := matmul(rng, 200, 70, 900)
	for _, free := range []int{0, 1, 5} {
		t.Run(fmt.Sprintf("free workers=%d", free), func(t *testing.T) {
			var started, asked atomic.Int32
			start := func(task func()) bool {
				asked.Add(1)
				if int(started.Load()) >= free {
					return false
				}
				started.Add(1)
				go task()
				return true
			}
			c := make([]float32, 200*900)
			if err := Product(c, a, b, Options{Threads: 4, Start: start}); err != nil {
				t.Fatal(err)
			}
			checkProduct(t, c, a, b)
			if want := int32(min(free, 3)); started.Load() != want {
				t.Errorf("started %d helpers, want %d (threads 4 = caller + 3)", started.Load(), want)
			}
			if asked.Load() > 3 {
				t.Errorf("asked for %d workers with 4 threads", asked.Load())
			}
		})
	}
}

func TestProductCuts(t *testing.T) {
	cases := []struct {
		batch, m, n, threads int
		minTasks             int
	}{
		{1, 342, 1280, 2, 4},
		{1, 342, 3840, 2, 8},
		{20, 342, 64, 2, 20},
		{1, 1024, 64, 4, 8},
		{1, 1, 1, 8, 1},
	}
	for _, tc := range cases {
		p := &plan{batch: tc.batch, m: tc.m, n: tc.n, threads: tc.threads}
		p.cut()
		if p.tasks < tc.minTasks || p.stripW%nr != 0 || p.chunkH%mr != 0 ||
			p.strips*p.stripW < p.n || (p.strips-1)*p.stripW >= p.n || p.chunks*p.chunkH < p.m || (p.chunks-1)*p.chunkH >= p.m {
			t.Errorf("batch %d, %d×%d, %d threads: strips %d×%d, chunks %d×%d, %d tasks (want ≥ %d)",
				tc.batch, tc.m, tc.n, tc.threads, p.strips, p.stripW, p.chunks, p.chunkH, p.tasks, tc.minTasks)
		}
	}
}

func TestProductErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	a, b := matmul(rng, 3, 4, 5)
	c := make([]float32, 15)
	cases := map[string]struct {
		c    []float32
		a, b Operand
		want string
	}{
		"output size":          {make([]float32, 14), a, b, "output holds 14 values, want 1×3×5 = 15"},
		"contracting sizes":    {c, a, Operand{b.Data, b.Batch, b.Cross, b.Contract[:3]}, "contracting sizes differ: 4 and 3"},
		"batch sizes":          {c, a, Operand{b.Data, []int{0, 0}, b.Cross, b.Contract}, "batch sizes differ: 1 and 2"},
		"out of range":         {c, Operand{a.Data[:11], a.Batch, a.Cross, a.Contract}, b, "left operand reaches offset 11 but holds 11 values"},
		"negative offset":      {c, a, Operand{b.Data, b.Batch, []int{0, 1, -1, 3, 4}, b.Contract}, "right operand has a negative cross offset -1"},
		"empty contract table": {c, Operand{a.Data, a.Batch, a.Cross, nil}, Operand{b.Data, b.Batch, b.Cross, nil}, "left operand has no contracting offsets"},
	}
	for name, tc := range cases {
		err := Product(tc.c, tc.a, tc.b, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, tc.want)
		}
	}
}

func TestOffsets(t *testing.T) {
	dims := []int{2, 3, 4}
	cases := []struct {
		axes []int
		want []int
	}{
		{nil, []int{0}},
		{[]int{2}, []int{0, 1, 2, 3}},
		{[]int{1}, []int{0, 4, 8}},
		{[]int{0, 2}, []int{0, 1, 2, 3, 12, 13, 14, 15}},
		{[]int{2, 0}, []int{0, 12, 1, 13, 2, 14, 3, 15}},
	}
	for _, tc := range cases {
		got, err := Offsets(dims, tc.axes)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("Offsets(%v, %v) = %v, %v; want %v", dims, tc.axes, got, err, tc.want)
		}
	}
	for _, axes := range [][]int{{3}, {-1}, {1, 1}} {
		if _, err := Offsets(dims, axes); err == nil {
			t.Errorf("Offsets(%v, %v): no error", dims, axes)
		}
	}
	if _, err := Offsets([]int{2, 0}, []int{0}); err == nil {
		t.Error("Offsets with a zero dimension: no error")
	}
}

// TestSIMDReport checks that the SIMD kernel runs exactly where it should:
// built with GOEXPERIMENT=simd for amd64 (Go 1.26) on a CPU with AVX2 and FMA.
func TestSIMDReport(t *testing.T) {
	name, ok, reason := SIMD()
	want := simdExperiment && runtime.GOARCH == "amd64" && cpu.X86.HasAVX2 && cpu.X86.HasFMA &&
		strings.HasPrefix(runtime.Version(), "go1.26")
	t.Logf("SIMD() = %q, %v, %q", name, ok, reason)
	if ok != want {
		t.Fatalf("SIMD() reports %v (%q), want %v", ok, reason, want)
	}
	if ok && (name != "AVX2+FMA" || reason != "") {
		t.Errorf("SIMD() = %q, %q; want AVX2+FMA and no reason", name, reason)
	}
	if !ok && (name != "" || reason == "") {
		t.Errorf("SIMD() = %q, %q; want no name and a reason", name, reason)
	}
}
