package gpt2_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/gpt2taps/gpt2taps/internal/bench"
	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// matmulModel writes a random checkpoint of cfg and loads it on the pure-Go
// backend.
func matmulModel(tb testing.TB, cfg gpt2.Config) *gpt2.Model {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "ckpt")
	if err := gpt2.WriteRandomCheckpoint(dir, cfg, gpt2.RandomOptions{Seed: 5}); err != nil {
		tb.Fatal(err)
	}
	choice, err := backend.New("go")
	if err != nil {
		tb.Fatal(err)
	}
	m, err := gpt2.Load(dir, choice.Backend)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(m.Finalize)
	return m
}

// matmulConfig is a small GPT-2 whose attention is not square (heads ≠ head
// width) so that operand shapes are told apart.
func matmulConfig() gpt2.Config {
	return gpt2.Config{NLayer: 2, NEmbd: 48, NHead: 3, NPositions: 32, NInner: 192, VocabSize: 97,
		LayerNormEpsilon: 1e-5, Activation: "gelu_new"}
}

// forwardMatmuls builds the forward pass on T tokens and returns the operand
// shapes of its matrix multiplications, sorted.
func forwardMatmuls(t *testing.T, m *gpt2.Model, T int, logits bool) []string {
	t.Helper()
	exec, err := context.NewExec(m.Backend, m.Context, func(ctx *context.Context, ids *graph.Node) *graph.Node {
		hidden, lg := m.Forward(ctx, ids, gpt2.ForwardOptions{Logits: logits})
		if lg != nil {
			return lg
		}
		return hidden
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	ids := make([]int32, T)
	for i := range ids {
		ids[i] = int32(i % m.Config.VocabSize)
	}
	_, g, err := exec.ExecWithGraph(tensors.FromFlatDataAndDimensions(ids, T))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range g.Nodes() {
		if n.Type() == graph.NodeTypeDotGeneral || n.Type() == graph.NodeTypeDot {
			in := n.Inputs()
			got = append(got, fmt.Sprint(in[0].Shape().Dimensions, in[1].Shape().Dimensions))
		}
	}
	sort.Strings(got)
	return got
}

// TestFloorTimesTheForwardPassMatmuls checks that the matmul floor of the
// benchmark (bench.Matmuls) times exactly the matrix multiplications of the
// forward pass, and that the LM head is only built when logits are asked for.
func TestFloorTimesTheForwardPassMatmuls(t *testing.T) {
	cfg := matmulConfig()
	m := matmulModel(t, cfg)
	const T = 7
	var want []string
	for range cfg.NLayer {
		for _, mm := range bench.Matmuls(cfg, T) {
			want = append(want, fmt.Sprint(mm.LHS, mm.RHS))
		}
	}
	sort.Strings(want)
	if got := forwardMatmuls(t, m, T, false); !slices.Equal(got, want) {
		t.Errorf("the forward pass multiplies\n%v\nthe floor times\n%v", got, want)
	}
	withHead := append(slices.Clone(want), fmt.Sprint([]int{T, cfg.NEmbd}, []int{cfg.VocabSize, cfg.NEmbd}))
	sort.Strings(withHead)
	if got := forwardMatmuls(t, m, T, true); !slices.Equal(got, withHead) {
		t.Errorf("with logits the forward pass multiplies\n%v\nwant the floor's and the LM head\n%v", got, withHead)
	}
}

// TestFloorRuns runs the floor once on the model's weights.
func TestFloorRuns(t *testing.T) {
	m := matmulModel(t, matmulConfig())
	f, err := bench.NewFloor(m, 9, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Finalize()
	if err := f.Run(); err != nil {
		t.Fatal(err)
	}
	if _, err := bench.NewFloor(m, m.Config.NPositions+1, 1); err == nil {
		t.Error("a floor longer than n_positions was accepted")
	}
}

// benchConfig is large enough for the matmuls to dominate, small enough for a
// benchmark run of a few seconds.
func benchConfig() gpt2.Config {
	return gpt2.Config{NLayer: 4, NEmbd: 384, NHead: 6, NPositions: 256, NInner: 1536, VocabSize: 50257,
		LayerNormEpsilon: 1e-5, Activation: "gelu_new"}
}

const benchTokens = 256

// BenchmarkMatmulFloor times the forward pass's matrix multiplications alone
// on the pure-Go backend: the floor BenchmarkCapture is compared with.
func BenchmarkMatmulFloor(b *testing.B) {
	cfg := benchConfig()
	m := matmulModel(b, cfg)
	f, err := bench.NewFloor(m, benchTokens, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Finalize()
	if err := f.Run(); err != nil { // compiles
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := f.Run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(bench.MatmulFLOPs(cfg, benchTokens)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkCapture times the lesson's capture (forward pass, taps, cosine) on
// the same model and tokens as BenchmarkMatmulFloor.
func BenchmarkCapture(b *testing.B) {
	cfg := benchConfig()
	m := matmulModel(b, cfg)
	c, err := taps.NewCapturer(m, bench.LessonRequest(cfg.NLayer))
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]int, benchTokens)
	for i := range ids {
		ids[i] = (i * 7919) % cfg.VocabSize
	}
	if _, err := c.Run(ids); err != nil { // compiles
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Run(ids); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(bench.MatmulFLOPs(cfg, benchTokens)*float64(b.N)/b.Elapsed().Seconds()/1e9, "matmul-GFLOP/s")
}
