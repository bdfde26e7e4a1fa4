package inprocess

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/compare"
)

// The rate probe: one matrix product of about the size of GPT-2's, timed on the backend that will run the
// forward passes (compare.Rate says how the forecast uses it).
const (
	probeRows, probeInner, probeCols = 256, 1024, 1024 // [256,1024]·[1024,1024]: 0.54 GFLOP
	probeRuns                        = 3               // timed runs, after one that compiles
)

// ProbeRate times the probe product on the backend named backendName ("" → $GOMLX_BACKEND, else auto; see
// backend.New) and returns its rate, for compare.Plan.Forecast. It takes well under a second on the pure-Go backend.
func ProbeRate(backendName string) (compare.Rate, error) {
	choice, err := backend.New(backendName)
	if err != nil {
		return compare.Rate{}, err
	}
	defer choice.Backend.Finalize()
	exec, err := graph.NewExec(choice.Backend, func(a, b *graph.Node) *graph.Node { return graph.Dot(a, b) })
	if err != nil {
		return compare.Rate{}, fmt.Errorf("rate probe: %w", err)
	}
	defer exec.Finalize()
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(dims ...int) *tensors.Tensor {
		data := make([]float32, dims[0]*dims[1])
		for i := range data {
			data[i] = 2*rng.Float32() - 1
		}
		return tensors.FromFlatDataAndDimensions(data, dims...)
	}
	a, b := random(probeRows, probeInner), random(probeInner, probeCols)
	defer a.FinalizeAll()
	defer b.FinalizeAll()
	var times []time.Duration
	for i := range probeRuns + 1 {
		start := time.Now()
		out, err := exec.Exec1(a, b)
		if err != nil {
			return compare.Rate{}, fmt.Errorf("rate probe: %w", err)
		}
		err = out.ConstFlatData(func(any) {}) // waits for the result to reach the host
		_ = out.FinalizeAll()
		if err != nil {
			return compare.Rate{}, fmt.Errorf("rate probe: %w", err)
		}
		if i > 0 {
			times = append(times, time.Since(start))
		}
	}
	// The median, not the best: on a machine shared with other work, the forward passes meet the same load.
	slices.Sort(times)
	median := times[len(times)/2]
	flop := 2.0 * probeRows * probeInner * probeCols
	return compare.Rate{
		Backend: choice.String(),
		FLOPS:   flop / median.Seconds(),
		Probe:   fmt.Sprintf("median of %d runs of one [%d,%d]·[%d,%d] product", probeRuns, probeRows, probeInner, probeInner, probeCols),
	}, nil
}
