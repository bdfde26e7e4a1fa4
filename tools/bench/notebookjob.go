package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// runNotebookJob does what a notebook cell does in its own process: the
// capture cell (cold cache: load, forward pass, store) or an analysis cell
// (warm cache: load the taps, analyze).
func runNotebookJob(ctx context.Context, job Job, prof *profiler, log io.Writer) (*JobResult, error) {
	if job.CacheDir == "" {
		return nil, errors.New("no tap cache directory given")
	}
	src := model.Source{Model: job.Model, Backend: job.Backend, Offline: true, Log: log}
	cache := taps.Cache{Dir: job.CacheDir, Log: log}
	if err := prof.start(); err != nil {
		return nil, err
	}
	start := time.Now()
	res, err := model.RunCached(ctx, src, gpt2.Text(job.Text), lesson.Request(), cache)
	if err != nil {
		return nil, err
	}
	cold := job.Kind == KindNotebookCold
	if res.Info.Computed != cold {
		if cold {
			return nil, fmt.Errorf("the tap cache %s was not cold: the taps came from %s; give an empty cache directory", job.CacheDir, res.Info.CachePath)
		}
		return nil, fmt.Errorf("the tap cache %s was not warm: the forward pass ran; run the capture cell (%s) first", job.CacheDir, KindNotebookCold)
	}
	var a *lesson.Analysis
	if !cold {
		if a, err = lesson.Analyze(res); err != nil {
			return nil, err
		}
	}
	d := seconds(time.Since(start))
	prof.stop()
	kernel, description, err := checkKernel(res.Info.Backend, job.Matmul)
	if err != nil {
		return nil, err
	}
	// The capture cell's taps must hold what the analysis cells need: analyze
	// them here too, untimed.
	if a == nil {
		if a, err = lesson.Analyze(res); err != nil {
			return nil, err
		}
	}
	L, T := res.Config.NLayer, len(res.IDs)
	if a.Cosine.Rows != L || a.Cosine.Cols != T {
		return nil, fmt.Errorf("the notebook's taps give %d×%d cosines, want %d×%d", a.Cosine.Rows, a.Cosine.Cols, L, T)
	}
	if err := a.Cosine.Check("the notebook's cosine"); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "bench: notebook %s cell: %.2fs\n", map[bool]string{true: "capture (cold cache)", false: "analysis (warm cache)"}[cold], d)
	return &JobResult{Backend: res.Info.Backend, Tokens: T, FirstSeconds: d, Timing: NewTiming([]float64{d}), Computed: res.Info.Computed,
		Matmul: kernel, MatmulDescription: description}, nil
}
