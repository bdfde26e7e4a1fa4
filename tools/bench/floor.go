package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/model"
)

// MatmulFLOPs is the number of floating-point operations (2 per
// multiply-add) of the matrix products of cfg's whole forward pass on T tokens
// (gpt2.MatmulFLOPs).
func MatmulFLOPs(cfg gpt2.Config, T int) float64 { return gpt2.MatmulFLOPs(cfg, T) }

func product(dims []int) int {
	p := 1
	for _, d := range dims {
		p *= d
	}
	return p
}

// Floor times a backend on exactly the matrix multiplications of a model's
// forward pass, one after the other in the forward pass's order, with the
// model's own weights and random activations, and no other operation: no
// forward pass on that backend can be faster.
type Floor struct {
	mms     []gpt2.Matmul
	execs   []*graph.Exec
	lhs     []*tensors.Tensor   // per matmul kind: random activations
	rhs     [][]*tensors.Tensor // per layer, per matmul kind: the weight or random activations
	nLayer  int
	backend backends.Backend
}

// NewFloor prepares the floor of m's forward pass on T tokens. The
// activations are random with the given seed. Call Finalize when done.
func NewFloor(m *model.Model, T int, seed uint64) (*Floor, error) {
	if T < 1 || T > m.Config.NPositions {
		return nil, fmt.Errorf("floor: %d tokens, the model takes 1 to %d", T, m.Config.NPositions)
	}
	f := &Floor{mms: gpt2.BlockMatmuls(m.Config, T), nLayer: m.Config.NLayer, backend: m.Backend}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	for _, mm := range f.mms {
		var fn func(lhs, rhs *graph.Node) *graph.Node
		if mm.Dense() {
			fn = func(lhs, rhs *graph.Node) *graph.Node { return graph.Dot(lhs, rhs) }
		} else {
			eq := mm.Equation
			fn = func(lhs, rhs *graph.Node) *graph.Node { return graph.Einsum(eq, lhs, rhs) }
		}
		e, err := graph.NewExec(m.Backend, fn)
		if err != nil {
			f.Finalize()
			return nil, fmt.Errorf("floor: %s: %w", mm.Name, err)
		}
		f.execs = append(f.execs, e.WithName("floor_"+mm.Name))
		f.lhs = append(f.lhs, randomTensor(rng, mm.LHS))
	}
	shared := make([]*tensors.Tensor, len(f.mms)) // random right operands, the same for every layer
	for l := range f.nLayer {
		row := make([]*tensors.Tensor, len(f.mms))
		for i, mm := range f.mms {
			if mm.Weight == "" {
				if shared[i] == nil {
					shared[i] = randomTensor(rng, mm.RHS)
				}
				row[i] = shared[i]
				continue
			}
			name := mm.WeightName(l)
			v, err := m.Weight(name)
			if err != nil {
				f.Finalize()
				return nil, fmt.Errorf("floor: %w", err)
			}
			t, err := v.Value()
			if err != nil {
				f.Finalize()
				return nil, fmt.Errorf("floor: weight %s: %w", name, err)
			}
			if got := t.Shape().Dimensions; !slices.Equal(got, mm.RHS) {
				f.Finalize()
				return nil, fmt.Errorf("floor: weight %s has shape %v, want %v", name, got, mm.RHS)
			}
			row[i] = t
		}
		f.rhs = append(f.rhs, row)
	}
	return f, nil
}

// Run computes every matmul of one forward pass and frees the results.
func (f *Floor) Run() error {
	for l := range f.nLayer {
		for i, e := range f.execs {
			out, err := e.Exec1(f.lhs[i], f.rhs[l][i])
			if err != nil {
				return fmt.Errorf("floor: layer %d %s: %w", l, f.mms[i].Name, err)
			}
			if err := out.FinalizeAll(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Finalize frees the compiled graphs and the random activations (the weights
// belong to the model).
func (f *Floor) Finalize() {
	for _, e := range f.execs {
		e.Finalize()
	}
	seen := map[*tensors.Tensor]bool{}
	free := func(t *tensors.Tensor) {
		if t != nil && !seen[t] {
			seen[t] = true
			_ = t.FinalizeAll()
		}
	}
	for _, t := range f.lhs {
		free(t)
	}
	for _, row := range f.rhs {
		for i, t := range row {
			if f.mms[i].Weight == "" {
				free(t)
			}
		}
	}
	f.execs, f.lhs, f.rhs = nil, nil, nil
}

// randomTensor is a host tensor of uniform values in [-1, 1).
func randomTensor(rng *rand.Rand, dims []int) *tensors.Tensor {
	data := make([]float32, product(dims))
	for i := range data {
		data[i] = 2*rng.Float32() - 1
	}
	return tensors.FromFlatDataAndDimensions(data, dims...)
}

// KernelRounds are a floor job's rounds with one matmul kernel: the floor
// runs and the lesson captures beside them, in the same process.
type KernelRounds struct {
	// Kernel is the pure-Go backend's float32 matmul kernel
	// (backend.MatmulStock, backend.MatmulSIMD); "" on another backend.
	Kernel string `json:"kernel"`
	// Description is backend.MatmulDescription with the kernel on.
	Description string `json:"description,omitempty"`
	// FloorFirst is the first floor run with this kernel (with the first
	// kernel, it also compiles the floor's graphs).
	FloorFirst float64 `json:"floor_first_s"`
	// Floor and FloorCPU are the timed floor runs (wall, process CPU time).
	Floor    Timing `json:"floor"`
	FloorCPU Timing `json:"floor_cpu"`
	// Capture and CaptureCPU are the captures timed beside them.
	Capture    Timing `json:"capture"`
	CaptureCPU Timing `json:"capture_cpu"`
	// RoundRatios are capture / floor, round by round.
	RoundRatios Timing `json:"round_ratios"`
	// StockElementwise are captures timed in the same rounds with GoMLX's
	// stock elementwise code (backend.ElementwiseStock) instead of the SIMD
	// elementwise kernels; nil where those do not run, or with the stock
	// matmul kernel (whose captures are the slow ones).
	StockElementwise    *Timing `json:"capture_stock_elementwise,omitempty"`
	StockElementwiseCPU *Timing `json:"capture_stock_elementwise_cpu,omitempty"`
	// Elementwise is backend.ElementwiseDescription of the other captures.
	Elementwise string `json:"elementwise,omitempty"`
}

// runFloorJob loads the model and times Floor runs, alternating with lesson
// captures in the same process, with every kernel of the job: on a shared
// machine, only runs made side by side give an honest capture/floor ratio,
// and an honest comparison of the kernels. One round runs, for every kernel,
// one floor pass and one capture; the order reverses from round to round.
// The kernel that was on before the job is on again at the end.
func runFloorJob(ctx context.Context, job Job, prof *profiler, log io.Writer) (*JobResult, error) {
	prev := backend.Matmul()
	defer func() { _ = backend.SetMatmul(prev) }()
	l, res, err := loadForJob(ctx, job, log)
	if err != nil {
		return nil, err
	}
	prevEW := backend.Elementwise() // after the load, which applies GPT2TAPS_ELEMENTWISE
	defer func() { _ = backend.SetElementwise(prevEW) }()
	defer l.close()
	kernels, err := floorKernels(res.Backend, job.Kernels)
	if err != nil {
		return nil, err
	}
	f, err := NewFloor(l.m, len(l.key.Tokens.IDs), 1)
	if err != nil {
		return nil, err
	}
	defer f.Finalize()
	var items []*timed
	stockEW := map[int]*timed{} // kernel index → its captures with the stock elementwise code
	for i, k := range kernels {
		use, label := func() error { return nil }, ""
		if k.Kernel != "" {
			use, label = func() error { return firstError(backend.SetMatmul(k.Kernel), backend.SetElementwise(prevEW)) }, " ("+k.Kernel+" kernel)"
		}
		items = append(items,
			&timed{name: "matmul floor" + label, before: use, run: f.Run},
			&timed{name: "capture beside the floor" + label, before: use, run: captureRun(l)})
		if k.Kernel == backend.MatmulSIMD && prevEW == backend.ElementwiseSIMD {
			kernels[i].Elementwise = backend.ElementwiseDescription()
			stockEW[i] = &timed{name: "capture beside the floor" + label + ", stock elementwise code",
				before: func() error {
					return firstError(backend.SetMatmul(k.Kernel), backend.SetElementwise(backend.ElementwiseStock))
				}, run: captureRun(l)}
			items = append(items, stockEW[i])
		}
	}
	if err := timeRuns(ctx, job.Warmup, job.Repeat, prof, log, items...); err != nil {
		return nil, err
	}
	next := 0
	for i := range kernels {
		floor, capture := items[next], items[next+1]
		next += 2
		k := &kernels[i]
		if s := stockEW[i]; s != nil {
			next++
			wall, cpu := NewTiming(s.wall), NewTiming(s.cpu)
			k.StockElementwise, k.StockElementwiseCPU = &wall, &cpu
		}
		k.FloorFirst = floor.first
		k.Floor, k.FloorCPU = NewTiming(floor.wall), NewTiming(floor.cpu)
		k.Capture, k.CaptureCPU = NewTiming(capture.wall), NewTiming(capture.cpu)
		ratios := make([]float64, len(floor.wall))
		for r := range ratios {
			ratios[r] = capture.wall[r] / floor.wall[r]
		}
		k.RoundRatios = NewTiming(ratios)
	}
	res.Kernels = kernels
	return res, nil
}

// floorKernels checks the kernels a floor job asked for against the backend
// it runs on and describes each: every available kernel when none is asked
// for on the pure-Go backend; one entry without a kernel on another backend.
func floorKernels(backendName string, asked []string) ([]KernelRounds, error) {
	if !pureGo(backendName) {
		if len(asked) > 0 {
			return nil, fmt.Errorf("matmul kernels %v: kernels are a setting of the pure-Go backend, and this job runs on %s; drop --kernels or use --backend go", asked, backendName)
		}
		return []KernelRounds{{}}, nil
	}
	if len(asked) == 0 {
		asked = backend.MatmulKernels()
	}
	var out []KernelRounds
	for _, k := range asked {
		if err := backend.SetMatmul(k); err != nil {
			return nil, err
		}
		out = append(out, KernelRounds{Kernel: k, Description: backend.MatmulDescription()})
	}
	return out, nil
}

// firstError is the first non-nil error of errs.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
