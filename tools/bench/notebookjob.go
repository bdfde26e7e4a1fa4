package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/lesson"
)

// runNotebookJob does what a notebook cell does in its own process: the
// capture cell (cold cache: load, forward pass, store) or an analysis cell
// (warm cache: load the taps, analyze).
func runNotebookJob(ctx context.Context, job Job, prof *profiler, log io.Writer) (*JobResult, error) {
	if job.CacheDir == "" {
		return nil, errors.New("no tap cache directory given")
	}
	o := lesson.Options{Model: job.Model, Backend: job.Backend, CacheDir: job.CacheDir, Offline: true, Log: log}
	if err := prof.start(); err != nil {
		return nil, err
	}
	start := time.Now()
	t, err := lesson.Capture(ctx, job.Text, o)
	if err != nil {
		return nil, err
	}
	cold := job.Kind == KindNotebookCold
	if t.Info.Computed != cold {
		if cold {
			return nil, fmt.Errorf("the tap cache %s was not cold: the taps came from %s; give an empty cache directory", job.CacheDir, t.Info.CachePath)
		}
		return nil, fmt.Errorf("the tap cache %s was not warm: the forward pass ran; run the capture cell (%s) first", job.CacheDir, KindNotebookCold)
	}
	if !cold {
		if _, err := lesson.Analyze(t); err != nil {
			return nil, err
		}
	}
	d := seconds(time.Since(start))
	prof.stop()
	kernel, description, err := checkKernel(t.Info.Backend, job.Matmul)
	if err != nil {
		return nil, err
	}
	L, T, _ := t.Dims()
	if len(t.Cosine) != L*T {
		return nil, fmt.Errorf("the notebook's taps hold %d cosines, want %d×%d", len(t.Cosine), L, T)
	}
	fmt.Fprintf(log, "bench: notebook %s cell: %.2fs\n", map[bool]string{true: "capture (cold cache)", false: "analysis (warm cache)"}[cold], d)
	return &JobResult{Backend: t.Info.Backend, Tokens: T, FirstSeconds: d, Timing: NewTiming([]float64{d}), Computed: t.Info.Computed,
		Matmul: kernel, MatmulDescription: description}, nil
}
