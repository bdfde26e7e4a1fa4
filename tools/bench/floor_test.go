package bench_test

import (
	"path/filepath"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/tools/bench"
)

// matmulModel writes a random checkpoint of cfg and loads it on the pure-Go
// backend.
func matmulModel(tb testing.TB, cfg gpt2.Config) *model.Model {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "ckpt")
	if err := checkpoints.WriteRandom(dir, cfg, checkpoints.RandomOptions{Seed: 5}); err != nil {
		tb.Fatal(err)
	}
	choice, err := backend.New("go")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(choice.Backend.Finalize)
	m, err := model.Load(dir, choice.Backend)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(m.Close)
	return m
}

// matmulConfig is a small GPT-2.
func matmulConfig() gpt2.Config {
	return gpt2.Config{NLayer: 2, NEmbd: 48, NHead: 3, NPositions: 32, NInner: 192, VocabSize: 97,
		LayerNormEpsilon: 1e-5, Activation: "gelu_new"}
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
	b.ReportMetric(gpt2.MatmulFLOPs(cfg, benchTokens)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkCapture times the lesson's capture (forward pass and taps) on the
// same model and tokens as BenchmarkMatmulFloor; the model compiles the graph
// on the first run and reuses it.
func BenchmarkCapture(b *testing.B) {
	cfg := benchConfig()
	m := matmulModel(b, cfg)
	req := lesson.Request()
	ids := make([]int, benchTokens)
	for i := range ids {
		ids[i] = (i * 7919) % cfg.VocabSize
	}
	in := gpt2.IDs(ids)
	if _, err := m.Run(in, req); err != nil { // compiles
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Run(in, req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(gpt2.MatmulFLOPs(cfg, benchTokens)*float64(b.N)/b.Elapsed().Seconds()/1e9, "matmul-GFLOP/s")
}
