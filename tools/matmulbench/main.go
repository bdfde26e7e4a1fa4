// Command matmulbench times the pure-Go backend's float32 matmul kernels side
// by side in one process: GoMLX simplego's stock kernel and this project's
// SIMD GEMM (internal/gemm), on the matrix products of one GPT-2 block,
// computed through simplego exactly as the forward pass does (graph.Exec of
// graph.Dot for the Conv1D products, graph.Einsum for the attention's), and
// prints GFLOP/s of each and their ratio.
//
//	GOEXPERIMENT=simd go run ./tools/matmulbench                  # gpt2-large shapes, 342 tokens
//	GOEXPERIMENT=simd go run ./tools/matmulbench -width 768 -heads 12   # gpt2
//
// Each round times every product with each kernel, the kernels' order
// alternating from round to round, so that a change in the machine's load
// hits both alike; the table gives the median over rounds [min–max], in
// GFLOP/s of wall time and of the process's CPU time (user + system, which
// moves much less than wall time on a shared machine), and the ratio of the
// medians. Without the SIMD kernel (a build without GOEXPERIMENT=simd, or a
// CPU without AVX2 and FMA) it times the stock kernel alone and says why.
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// product is one matrix product of a GPT-2 block.
type product struct {
	name, equation string // equation "" means graph.Dot
	lhs, rhs       []int
	flops          float64
}

// products returns one block's products on T tokens of width d with heads
// heads (MLP width 4d), in the order the forward pass runs them.
func products(T, d, heads int) []product {
	dh := d / heads
	ps := []product{
		{"attn.c_attn", "", []int{T, d}, []int{d, 3 * d}, 0},
		{"attn.scores", "qhd,khd->hqk", []int{T, heads, dh}, []int{T, heads, dh}, 0},
		{"attn.context", "hqk,khd->qhd", []int{heads, T, T}, []int{T, heads, dh}, 0},
		{"attn.c_proj", "", []int{T, d}, []int{d, d}, 0},
		{"mlp.c_fc", "", []int{T, d}, []int{d, 4 * d}, 0},
		{"mlp.c_proj", "", []int{T, 4 * d}, []int{4 * d, d}, 0},
	}
	for i := range ps {
		p := &ps[i]
		if p.equation == "" {
			p.flops = 2 * float64(p.lhs[0]*p.lhs[1]*p.rhs[1])
		} else { // both attention products: heads × T × T × dh multiply-adds
			p.flops = 2 * float64(heads*T*T*dh)
		}
	}
	return ps
}

func (p product) label() string {
	dims := func(d []int) string {
		s := make([]string, len(d))
		for i, v := range d {
			s[i] = fmt.Sprint(v)
		}
		return "[" + strings.Join(s, "×") + "]"
	}
	how := "·"
	if p.equation != "" {
		how = " " + p.equation + " "
	}
	return fmt.Sprintf("%s %s%s%s", p.name, dims(p.lhs), how, dims(p.rhs))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("matmulbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	T := fs.Int("tokens", 342, "tokens (rows of the activations)")
	width := fs.Int("width", 1280, "model width (gpt2-large 1280, gpt2 768)")
	heads := fs.Int("heads", 20, "attention heads (gpt2-large 20, gpt2 12)")
	rounds := fs.Int("rounds", 5, "timed rounds (each runs every product with each kernel)")
	reps := fs.Int("reps", 3, "runs of a product per timing")
	backendName := fs.String("backend", "go", "the pure-Go backend's configuration, e.g. go:parallelism=2")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *T < 1 || *width < 1 || *heads < 1 || *width%*heads != 0 || *rounds < 1 || *reps < 1 {
		fmt.Fprintln(stderr, "matmulbench: -tokens, -width, -heads, -rounds and -reps must be positive, and -width a multiple of -heads")
		return 2
	}
	if err := bench(stdout, *backendName, products(*T, *width, *heads), *rounds, *reps); err != nil {
		fmt.Fprintln(stderr, "matmulbench:", err)
		return 1
	}
	return 0
}

// timing is one measurement: seconds of wall and CPU time for reps runs.
type timing struct{ wall, cpu float64 }

func bench(w io.Writer, backendName string, ps []product, rounds, reps int) error {
	c, err := backend.New(backendName)
	if err != nil {
		return err
	}
	defer c.Backend.Finalize()
	if !strings.HasPrefix(c.Name, "go") {
		return fmt.Errorf("backend %s is not the pure-Go one", c.Name)
	}
	report := c.String()
	defaultKernel := backend.Matmul()
	defer func() { _ = backend.SetMatmul(defaultKernel) }()
	kernels := backend.MatmulKernels()
	descriptions := map[string]string{}
	for _, k := range kernels {
		if err := backend.SetMatmul(k); err != nil {
			return err
		}
		descriptions[k] = backend.MatmulDescription()
	}

	rng := rand.New(rand.NewPCG(1, 2))
	execs := make([]*graph.Exec, len(ps))
	inputs := make([][2]*tensors.Tensor, len(ps))
	for i, p := range ps {
		eq := p.equation
		execs[i], err = graph.NewExec(c.Backend, func(a, b *graph.Node) *graph.Node {
			if eq == "" {
				return graph.Dot(a, b)
			}
			return graph.Einsum(eq, a, b)
		})
		if err != nil {
			return err
		}
		defer execs[i].Finalize()
		inputs[i] = [2]*tensors.Tensor{randomTensor(rng, p.lhs), randomTensor(rng, p.rhs)}
	}
	runOnce := func(i int) error {
		outs, err := execs[i].Exec(inputs[i][0], inputs[i][1])
		for _, o := range outs {
			o.FinalizeAll()
		}
		return err
	}
	// Warm-up: compile every graph and fill the buffer pools, with each kernel.
	for _, k := range kernels {
		if err := backend.SetMatmul(k); err != nil {
			return err
		}
		for i := range ps {
			if err := runOnce(i); err != nil {
				return fmt.Errorf("%s: %w", ps[i].name, err)
			}
		}
	}

	times := map[string][][]timing{} // kernel → product → rounds
	for _, k := range kernels {
		times[k] = make([][]timing, len(ps)+1) // the last: the whole block
	}
	for r := range rounds {
		order := slices.Clone(kernels)
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, k := range order {
			if err := backend.SetMatmul(k); err != nil {
				return err
			}
			var block timing
			for i := range ps {
				w0, c0 := time.Now(), cpuTime()
				for range reps {
					if err := runOnce(i); err != nil {
						return err
					}
				}
				t := timing{time.Since(w0).Seconds(), (cpuTime() - c0).Seconds()}
				times[k][i] = append(times[k][i], t)
				block.wall += t.wall
				block.cpu += t.cpu
			}
			times[k][len(ps)] = append(times[k][len(ps)], block)
		}
	}

	threads := runtime.GOMAXPROCS(0)
	fmt.Fprintf(w, "float32 matmul kernels of the pure-Go backend, through simplego (graph.Exec), side by side in one process\n")
	fmt.Fprintf(w, "backend: %s\n", report)
	for _, k := range kernels {
		fmt.Fprintf(w, "kernel %-5s = %s\n", k, descriptions[k])
	}
	if len(kernels) == 1 {
		fmt.Fprintf(w, "(the SIMD kernel is not available here: only the stock kernel is timed)\n")
	}
	fmt.Fprintf(w, "GOMAXPROCS %d, %d rounds of %d runs each; GFLOP/s median [min–max], of wall time and of process CPU time\n\n", threads, rounds, reps)
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	header := "product\tGFLOP"
	for _, k := range kernels {
		header += fmt.Sprintf("\t%s GFLOP/s\t%s GFLOP/cpu-s", k, k)
	}
	if len(kernels) == 2 {
		header += "\tsimd/stock (wall)\t(cpu)"
	}
	fmt.Fprintln(tw, header)
	total := 0.0
	for _, p := range ps {
		total += p.flops
	}
	for i := range len(ps) + 1 {
		label, flops := "one block (all of the above)", total
		if i < len(ps) {
			label, flops = ps[i].label(), ps[i].flops
		}
		flops *= float64(reps)
		line := fmt.Sprintf("%s\t%.3g", label, flops/float64(reps)/1e9)
		med := map[string][2]float64{}
		for _, k := range kernels {
			ws, cs := rates(times[k][i], flops)
			med[k] = [2]float64{median(ws), median(cs)}
			line += fmt.Sprintf("\t%s\t%s", summary(ws), summary(cs))
		}
		if len(kernels) == 2 {
			line += fmt.Sprintf("\t%.2f×\t%.2f×", med[backend.MatmulSIMD][0]/med[backend.MatmulStock][0],
				med[backend.MatmulSIMD][1]/med[backend.MatmulStock][1])
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

// rates turns timings into GFLOP/s of wall and of CPU time.
func rates(ts []timing, flops float64) (wall, cpu []float64) {
	for _, t := range ts {
		wall = append(wall, flops/t.wall/1e9)
		if t.cpu > 0 {
			cpu = append(cpu, flops/t.cpu/1e9)
		}
	}
	return wall, cpu
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

func summary(xs []float64) string {
	if len(xs) == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f [%.1f–%.1f]", median(xs), slices.Min(xs), slices.Max(xs))
}

func randomTensor(rng *rand.Rand, dims []int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return tensors.FromFlatDataAndDimensions(x, dims...)
}
