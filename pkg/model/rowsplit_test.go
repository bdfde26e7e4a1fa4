package model

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// randomModel is a model of cfg with random weights, on the pure-Go backend.
func randomModel(tb testing.TB, cfg gpt2.Config) *Model {
	tb.Helper()
	choice, err := backend.New("go") // with the project's matmul kernel where it runs
	if err != nil {
		tb.Fatal(err)
	}
	m := &Model{Config: cfg, Backend: choice.Backend, Context: context.New()}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, w := range cfg.Weights() {
		n := 1
		for _, d := range w.Shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(rng.NormFloat64() * 0.05)
		}
		m.setVariable(w.Name, tensors.FromFlatDataAndDimensions(data, w.Shape...))
	}
	return m
}

// forwardExec compiles the forward pass of m, returning the final hidden state.
func forwardExec(tb testing.TB, m *Model) *context.Exec {
	tb.Helper()
	e, err := context.NewExec(m.Backend, m.Context, func(ctx *context.Context, ids *graph.Node) *graph.Node {
		h, _ := m.Forward(ctx, ids, ForwardOptions{})
		return h
	})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func tokens(T, vocab int) *tensors.Tensor {
	ids := make([]int32, T)
	for i := range ids {
		ids[i] = int32((i * 7919) % vocab)
	}
	return tensors.FromFlatDataAndDimensions(ids, T)
}

// TestRowSplitChangesNoNumber: cutting the token-wise work into pieces gives
// bit for bit the numbers of the whole.
func TestRowSplitChangesNoNumber(t *testing.T) {
	cfg := oddConfig()
	cfg.NPositions = 64
	m := randomModel(t, cfg)
	run := func(pieces int) []float32 {
		forcedPieces = pieces
		defer func() { forcedPieces = 0 }()
		e := forwardExec(t, m)
		defer e.Finalize()
		out, err := e.Exec(tokens(13, cfg.VocabSize))
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float32](out[0])
	}
	whole := run(1)
	for _, pieces := range []int{2, 3, 13, 20} {
		got := run(pieces)
		for i := range whole {
			if got[i] != whole[i] {
				t.Fatalf("%d pieces: value %d is %v, the whole gives %v", pieces, i, got[i], whole[i])
			}
		}
	}
}

// BenchmarkRowSplit times the forward pass of a gpt2-shaped model (12 blocks
// of width 768, cut to 4 blocks to keep the run short) on 256 tokens with the
// token-wise work whole and cut into GOMAXPROCS pieces, alternating the two in
// every round so that both meet the same load: how much the cut is worth on
// this machine, as the ratio cut/whole (below 1: the cut is faster).
//
//	GOMLX_BACKEND=go go test ./pkg/model -run XXX -bench RowSplit -benchtime 5x
func BenchmarkRowSplit(b *testing.B) {
	cfg, _ := gpt2.Preset("gpt2")
	cfg.NLayer = 4
	m := randomModel(b, cfg)
	in := tokens(256, cfg.VocabSize)
	pieces := []int{1, runtime.GOMAXPROCS(0)}
	execs := make([]*context.Exec, len(pieces))
	for i, p := range pieces {
		forcedPieces = p
		execs[i] = forwardExec(b, m)
		defer execs[i].Finalize()
		if _, err := execs[i].Exec(in); err != nil { // builds this graph with p pieces, and compiles it
			b.Fatal(err)
		}
	}
	forcedPieces = 0
	total := make([]time.Duration, len(pieces))
	b.ResetTimer()
	for b.Loop() {
		for i, e := range execs {
			start := time.Now()
			out, err := e.Exec(in)
			if err != nil {
				b.Fatal(err)
			}
			total[i] += time.Since(start)
			out[0].FinalizeAll()
		}
	}
	whole, cut := total[0].Seconds()/float64(b.N), total[1].Seconds()/float64(b.N)
	b.ReportMetric(whole, "s/whole")
	b.ReportMetric(cut, fmt.Sprintf("s/%d-pieces", pieces[1]))
	b.ReportMetric(cut/whole, "cut/whole")
}
