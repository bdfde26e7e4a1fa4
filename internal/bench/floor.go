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

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
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
func NewFloor(m *gpt2.Model, T int, seed uint64) (*Floor, error) {
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

// runFloorJob loads the model and times Floor runs, alternating with lesson
// captures in the same process: on a shared machine, only runs made side by
// side give an honest capture/floor ratio.
func runFloorJob(ctx context.Context, job Job, prof *profiler, log io.Writer) (*JobResult, error) {
	j, m, res, err := loadForJob(ctx, job, log)
	if err != nil {
		return nil, err
	}
	defer m.Finalize()
	f, err := NewFloor(m, len(j.Encoding.IDs), 1)
	if err != nil {
		return nil, err
	}
	defer f.Finalize()
	c, err := taps.NewCapturer(m, j.Request)
	if err != nil {
		return nil, err
	}
	floor := &timed{name: "matmul floor", run: f.Run}
	capture := &timed{name: "capture beside the floor", run: captureRun(c, j.Input())}
	if err := timeRuns(ctx, job.Warmup, job.Repeat, prof, log, floor, capture); err != nil {
		return nil, err
	}
	floor.record(res)
	var beside JobResult
	capture.record(&beside)
	res.Beside = &beside.Timing
	ratios := make([]float64, len(floor.wall))
	for i := range ratios {
		ratios[i] = capture.wall[i] / floor.wall[i]
	}
	res.RoundRatios = NewTiming(ratios)
	return res, nil
}
