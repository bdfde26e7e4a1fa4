package backend

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/gpt2taps/gpt2taps/internal/gemm"
)

// useGEMMForTest routes float32 DotGeneral to internal/gemm for the test:
// through the SIMD kernel where it runs, else by installing the hook anyway,
// so that gemm's portable micro-kernel computes (the conversion of
// DotGeneral's axes is then tested in every build).
func useGEMMForTest(t *testing.T) {
	t.Helper()
	installMatmul()
	if slices.Contains(MatmulKernels(), MatmulSIMD) {
		prev := Matmul()
		if err := SetMatmul(MatmulSIMD); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = SetMatmul(prev) })
		return
	}
	if err := hookDotGeneral(); err != nil {
		t.Fatalf("hook simplego's DotGeneral: %v", err)
	}
	matmul.on.Store(true)
	t.Cleanup(func() {
		matmul.on.Store(false)
		unhookDotGeneral()
	})
}

// dotCase is one product through simplego: an einsum equation (the
// reference's definition, and what the graph computes unless dot is set) and
// the operands' dimensions.
type dotCase struct {
	name     string
	eq       string
	lhs, rhs []int
	dot      *[4][]int // DotGeneral's lhsContracting, lhsBatch, rhsContracting, rhsBatch, when eq is written for it
}

func dotCases() []dotCase {
	dg := func(lc, lb, rc, rb []int) *[4][]int { return &[4][]int{lc, lb, rc, rb} }
	return []dotCase{
		{name: "1×1", eq: "ij,jk->ik", lhs: []int{1, 1}, rhs: []int{1, 1}},
		{name: "primes", eq: "ij,jk->ik", lhs: []int{7, 13}, rhs: []int{13, 11}},
		{name: "T=1 Conv1D", eq: "ij,jk->ik", lhs: []int{1, 96}, rhs: []int{96, 200}},
		{name: "not block multiples", eq: "ij,jk->ik", lhs: []int{131, 263}, rhs: []int{263, 67}},
		{name: "lhs transposed", eq: "ji,jk->ik", lhs: []int{19, 5}, rhs: []int{19, 23}},
		{name: "rhs transposed", eq: "ij,kj->ik", lhs: []int{5, 19}, rhs: []int{23, 19}},
		{name: "both transposed", eq: "ji,kj->ik", lhs: []int{19, 5}, rhs: []int{23, 19}},
		{name: "matrix·vector", eq: "ij,j->i", lhs: []int{9, 17}, rhs: []int{17}},
		{name: "batch first", eq: "bij,bjk->bik", lhs: []int{3, 5, 7}, rhs: []int{3, 7, 4}},
		{name: "batch inside", eq: "ibj,jbk->bik", lhs: []int{5, 3, 7}, rhs: []int{7, 3, 4}},
		{name: "scores qhd,khd->hqk", eq: "qhd,khd->hqk", lhs: []int{37, 4, 16}, rhs: []int{37, 4, 16}},
		{name: "context hqk,khd->qhd", eq: "hqk,khd->qhd", lhs: []int{4, 37, 37}, rhs: []int{37, 4, 16}},
		{name: "scores T=1", eq: "qhd,khd->hqk", lhs: []int{1, 3, 8}, rhs: []int{1, 3, 8}},
		{name: "scores T=1024", eq: "qhd,khd->hqk", lhs: []int{1024, 2, 64}, rhs: []int{1024, 2, 64}},
		{name: "context T=1024", eq: "hqk,khd->qhd", lhs: []int{2, 1024, 1024}, rhs: []int{1024, 2, 64}},
		// DotGeneral directly: batch axes out of order, two contracting axes,
		// and an output laid out as simplego normalizes it (batch, lhs cross, rhs cross).
		{name: "DotGeneral batch axes reversed", eq: "abij,bajk->baik", lhs: []int{2, 3, 5, 4}, rhs: []int{3, 2, 4, 6},
			dot: dg([]int{3}, []int{1, 0}, []int{2}, []int{0, 1})},
		{name: "DotGeneral two contracting axes", eq: "icj,jkc->ik", lhs: []int{6, 3, 5}, rhs: []int{5, 7, 3},
			dot: dg([]int{1, 2}, nil, []int{2, 0}, nil)},
	}
}

// einsum computes a two-operand einsum equation in float64, directly from
// its definition: the reference for every case.
func einsum(eq string, lhs []float32, lhsDims []int, rhs []float32, rhsDims []int) ([]float64, []int) {
	ins, out, _ := strings.Cut(eq, "->")
	l, r, _ := strings.Cut(ins, ",")
	size := map[rune]int{}
	for i, c := range l {
		size[c] = lhsDims[i]
	}
	for i, c := range r {
		size[c] = rhsDims[i]
	}
	var letters []rune
	for c := range size {
		letters = append(letters, c)
	}
	slices.Sort(letters)
	strides := func(spec string) map[rune]int {
		s, st := map[rune]int{}, 1
		rs := []rune(spec)
		for i := len(rs) - 1; i >= 0; i-- {
			s[rs[i]] = st
			st *= size[rs[i]]
		}
		return s
	}
	// Per letter (in the order iterated): its size and its stride in each operand.
	sz, ls, rs, os := make([]int, len(letters)), make([]int, len(letters)), make([]int, len(letters)), make([]int, len(letters))
	lm, rm, om := strides(l), strides(r), strides(out)
	for j, c := range letters {
		sz[j], ls[j], rs[j], os[j] = size[c], lm[c], rm[c], om[c]
	}
	var outDims []int
	n := 1
	for _, c := range out {
		outDims = append(outDims, size[c])
		n *= size[c]
	}
	res := make([]float64, n)
	idx := make([]int, len(letters))
	var li, ri, oi int
	for {
		res[oi] += float64(lhs[li]) * float64(rhs[ri])
		j := len(letters) - 1
		for ; j >= 0; j-- {
			idx[j]++
			li, ri, oi = li+ls[j], ri+rs[j], oi+os[j]
			if idx[j] < sz[j] {
				break
			}
			li, ri, oi = li-idx[j]*ls[j], ri-idx[j]*rs[j], oi-idx[j]*os[j]
			idx[j] = 0
		}
		if j < 0 {
			return res, outDims
		}
	}
}

func randomFloats(rng *rand.Rand, dims []int) []float32 {
	n := 1
	for _, d := range dims {
		n *= d
	}
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// runDot runs the case on backend c and returns the flat result and its dimensions.
func runDot(t *testing.T, c Choice, tc dotCase, lhs, rhs []float32) ([]float32, []int) {
	t.Helper()
	exec, err := graph.NewExec(c.Backend, func(a, b *graph.Node) *graph.Node {
		if tc.dot != nil {
			return graph.DotGeneral(a, tc.dot[0], tc.dot[1], b, tc.dot[2], tc.dot[3])
		}
		return graph.Einsum(tc.eq, a, b)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(lhs, tc.lhs...), tensors.FromFlatDataAndDimensions(rhs, tc.rhs...))
	if err != nil {
		t.Fatal(err)
	}
	return tensors.MustCopyFlatData[float32](outs[0]), outs[0].Shape().Dimensions
}

// TestDotGeneralThroughSimplego runs every case through simplego's
// DotGeneral with gemm and with the stock kernel, and compares both with the
// float64 einsum: each element within 4·√K·ε₃₂·Σ|a·b| (float32
// accumulation), K the number of terms summed.
func TestDotGeneralThroughSimplego(t *testing.T) {
	c, err := New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Backend.Finalize()
	useGEMMForTest(t)
	rng := rand.New(rand.NewPCG(11, 12))
	eps := float64(math.Nextafter32(1, 2) - 1)
	for _, tc := range dotCases() {
		t.Run(tc.name, func(t *testing.T) {
			lhs, rhs := randomFloats(rng, tc.lhs), randomFloats(rng, tc.rhs)
			want, wantDims := einsum(tc.eq, lhs, tc.lhs, rhs, tc.rhs)
			scale, _ := einsum(tc.eq, absFloats(lhs), tc.lhs, absFloats(rhs), tc.rhs)
			k := 1
			for i, d := range tc.lhs {
				if ins, out, _ := strings.Cut(tc.eq, "->"); !strings.ContainsRune(out, rune(ins[i])) {
					k *= d
				}
			}
			for _, kernel := range []string{"gemm", MatmulStock} {
				before := matmul.gemmCalls.Load()
				matmul.on.Store(kernel == "gemm")
				got, dims := runDot(t, c, tc, lhs, rhs)
				matmul.on.Store(true)
				if calls := matmul.gemmCalls.Load() - before; (calls > 0) != (kernel == "gemm") {
					t.Fatalf("%s: gemm computed %d products", kernel, calls)
				}
				if !slices.Equal(dims, wantDims) {
					t.Fatalf("%s: output dimensions %v, want %v", kernel, dims, wantDims)
				}
				var worst float64
				for i, w := range want {
					d := math.Abs(float64(got[i]) - w)
					worst = max(worst, d)
					if tol := 4 * math.Sqrt(float64(k)) * eps * scale[i]; !(d <= tol) {
						t.Fatalf("%s: element %d = %g, want %g (diff %.3g > %.3g)", kernel, i, got[i], w, d, tol)
					}
				}
				t.Logf("%s: max abs diff from float64 %.3g", kernel, worst)
			}
		})
	}
}

func absFloats(x []float32) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(math.Abs(float64(v)))
	}
	return y
}

// TestDotGeneralOtherDTypes checks that what gemm does not compute (float64
// here) still goes to simplego's own kernel.
func TestDotGeneralOtherDTypes(t *testing.T) {
	c, err := New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Backend.Finalize()
	useGEMMForTest(t)
	before := matmul.gemmCalls.Load()
	exec := graph.MustNewExec(c.Backend, func(a, b *graph.Node) *graph.Node { return graph.Dot(a, b) })
	defer exec.Finalize()
	out := exec.MustExec([][]float64{{1, 2}, {3, 4}}, [][]float64{{5}, {6}})[0]
	if got := out.Value().([][]float64); got[0][0] != 17 || got[1][0] != 39 {
		t.Errorf("float64 product = %v, want [[17] [39]]", got)
	}
	if n := matmul.gemmCalls.Load() - before; n != 0 {
		t.Errorf("gemm computed %d float64 products", n)
	}
}

// TestMatmulChoice checks the kernel switch: SetMatmul, GPT2TAPS_MATMUL and
// what the device report says.
func TestMatmulChoice(t *testing.T) {
	name, simd, reason := gemm.SIMD()
	kernels := MatmulKernels()
	t.Logf("kernels %v, active %s: %s", kernels, Matmul(), MatmulDescription())
	if got := slices.Contains(kernels, MatmulSIMD); got != simd {
		t.Fatalf("MatmulKernels() = %v, but gemm.SIMD() = %v (%s): the hook into simplego failed? %s", kernels, simd, reason, disabledReason())
	}
	prev := Matmul()
	t.Cleanup(func() { _ = SetMatmul(prev) })

	if err := SetMatmul(MatmulStock); err != nil {
		t.Fatal(err)
	}
	// Without the SIMD kernel the report gives the more useful reason: why it is unavailable.
	stockWhy := map[bool]string{true: `chosen with SetMatmul("stock")`, false: reason}[simd]
	if Matmul() != MatmulStock || MatmulDescription() != "GoMLX stock kernel ("+stockWhy+")" {
		t.Errorf("after SetMatmul(stock): %s, %q", Matmul(), MatmulDescription())
	}
	if err := SetMatmul("fast"); err == nil || !strings.Contains(err.Error(), `unknown matmul kernel "fast": use "simd" or "stock"`) {
		t.Errorf("SetMatmul(fast): %v", err)
	}
	err := SetMatmul(MatmulSIMD)
	switch {
	case simd && (err != nil || Matmul() != MatmulSIMD || MatmulDescription() != "gpt2taps SIMD GEMM ("+name+")"):
		t.Errorf("SetMatmul(simd): %v; %s, %q", err, Matmul(), MatmulDescription())
	case !simd && (err == nil || !strings.Contains(err.Error(), reason) || Matmul() != MatmulStock):
		t.Errorf("SetMatmul(simd) without the SIMD kernel: %v; %s", err, Matmul())
	}

	for _, tc := range []struct {
		env, wantDevice, wantErr string
	}{
		{"stock", "float32 matmul: GoMLX stock kernel (" + map[bool]string{true: "chosen with GPT2TAPS_MATMUL=stock", false: reason}[simd] + ")", ""},
		{"", map[bool]string{true: "float32 matmul: gpt2taps SIMD GEMM (" + name + ")", false: "float32 matmul: GoMLX stock kernel (" + reason + ")"}[simd], ""},
		{"simd", "float32 matmul: gpt2taps SIMD GEMM (" + name + ")", map[bool]string{true: "", false: `backend "go": GPT2TAPS_MATMUL: the "simd" matmul kernel is not available: ` + reason}[simd]},
		{"blas", "", `backend "go": GPT2TAPS_MATMUL: unknown matmul kernel "blas"`},
	} {
		t.Setenv(MatmulEnvVar, tc.env)
		c, err := New("go")
		if tc.wantErr != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Errorf("%s=%s: error %v, want %q", MatmulEnvVar, tc.env, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s=%s: %v", MatmulEnvVar, tc.env, err)
			continue
		}
		if d := c.Device(); !strings.HasSuffix(d, tc.wantDevice+", "+elementwiseSummary()) || !strings.HasPrefix(d, "pure Go (GoMLX simplego), ") {
			t.Errorf("%s=%s: Device() = %q, want it to end with %q and the elementwise kernels", MatmulEnvVar, tc.env, d, tc.wantDevice)
		}
		c.Backend.Finalize()
	}
}
