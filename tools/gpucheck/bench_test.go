package gpucheck_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/tools/gpucheck"
)

var (
	benchDir    = flag.String("gpucheck.dir", "", "directory that keeps the random gpt2-large checkpoint between runs (default: a temporary directory, removed after)")
	benchJSON   = flag.String("gpucheck.json", "", "write the capture timing as JSON to this file (read by torch_bench.py)")
	benchLayers = flag.Int("gpucheck.layers", 0, "use this many of gpt2-large's 36 layers (a quick run on a slow backend)")
)

// benchSeed is the seed of the random gpt2-large checkpoint.
const benchSeed = 1

// BenchmarkCaptureGPT2Large times the GPU check's capture (gpucheck.Request:
// the lesson's attention and MLP writes and hidden states, and their cosine
// computed in the graph; all copied to the host) of the
// lesson's ~340-token text on a random gpt2-large checkpoint, generated on
// the spot (3.1 GB, about 15 s) unless -gpucheck.dir already holds it. The
// first capture, which compiles the graph, is timed apart. Run it with a
// fixed count, e.g. -test.bench=CaptureGPT2Large -test.benchtime=10x.
func BenchmarkCaptureGPT2Large(b *testing.B) {
	cfg, err := gpt2.Preset("gpt2-large")
	if err != nil {
		b.Fatal(err)
	}
	if *benchLayers > 0 {
		cfg.NLayer = *benchLayers
	}
	name := fmt.Sprintf("random gpt2-large, seed %d", benchSeed)
	if cfg.NLayer != 36 {
		name = fmt.Sprintf("random gpt2-large cut to %d of its 36 layers, seed %d", cfg.NLayer, benchSeed)
	}
	root := *benchDir
	if root == "" {
		root = b.TempDir()
	}
	dir := filepath.Join(root, fmt.Sprintf("gpt2-large-seed%d-%dlayers", benchSeed, cfg.NLayer))
	if err := ensureCheckpoint(b, dir, cfg); err != nil {
		b.Fatal(err)
	}
	req := gpucheck.Request()
	key, err := checkpoints.NewKey(context.Background(), dir, checkpoints.Options{Offline: true}, gpt2.Text(lesson.NietzscheText), req)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	choice, err := backend.New(*backendName)
	if err != nil {
		b.Fatal(err)
	}
	defer choice.Backend.Finalize()
	m, err := model.Load(key.Dir, choice.Backend)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	load := time.Since(start)
	b.Logf("loaded %s in %.1fs on %s", dir, load.Seconds(), choice)
	in := gpt2.Tokens(key.Tokens)
	first, err := gpucheck.TimedCapture(m, in, req) // compiles the graph, which m keeps for the runs after
	if err != nil {
		b.Fatal(err)
	}
	taken := slices.Clone(req.Points)
	for _, r := range req.Reductions {
		taken = append(taken, r.Name)
	}
	timing := gpucheck.Timing{
		Backend: choice.Name, Device: choice.Device(), Model: name, Checkpoint: dir,
		Layers: cfg.NLayer, Embd: cfg.NEmbd, IDs: key.Tokens.IDs, Taps: taken,
		LoadS: load.Seconds(), FirstS: first.Seconds(),
	}
	for b.Loop() {
		d, err := gpucheck.TimedCapture(m, in, req)
		if err != nil {
			b.Fatal(err)
		}
		timing.RunsS = append(timing.RunsS, d.Seconds())
	}
	b.ReportMetric(timing.MedianS(), "s/capture")
	b.ReportMetric(timing.FirstS, "first-s")
	b.ReportMetric(timing.LoadS, "load-s")
	b.Log(timing.Summary())
	if *benchJSON != "" {
		if err := timing.WriteJSON(*benchJSON); err != nil {
			b.Fatal(err)
		}
	}
}

// ensureCheckpoint generates the checkpoint into dir unless dir already
// holds one of configuration cfg.
func ensureCheckpoint(b *testing.B, dir string, cfg gpt2.Config) error {
	if have, err := gpt2.LoadConfig(dir); err == nil {
		if have != cfg {
			return fmt.Errorf("%s holds a checkpoint of another shape (%+v, want %+v): remove it", dir, have, cfg)
		}
		b.Logf("reusing the checkpoint in %s", dir)
		return nil
	} else if _, statErr := os.Stat(dir); statErr == nil {
		return fmt.Errorf("%s exists but holds no usable checkpoint (%v): remove it", dir, err)
	}
	start := time.Now()
	if err := checkpoints.WriteRandom(dir, cfg, checkpoints.RandomOptions{Seed: benchSeed}); err != nil {
		return err
	}
	b.Logf("generated a random %d-layer gpt2-large checkpoint (%.0f M parameters) in %s in %.1fs",
		cfg.NLayer, float64(cfg.NumParams())/1e6, dir, time.Since(start).Seconds())
	return nil
}
