package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// loadForJob prepares the job's lesson run (taps.Prepare: tokens and every
// check) and loads its model, timing the load.
func loadForJob(ctx context.Context, job Job, log io.Writer) (*taps.Job, *gpt2.Model, *JobResult, error) {
	j, err := taps.Prepare(ctx, taps.Source{Model: job.Model, Backend: job.Backend, Offline: true}, taps.Text(job.Text), lesson.Request())
	if err != nil {
		return nil, nil, nil, err
	}
	start := time.Now()
	m, choice, err := j.Load()
	if err != nil {
		return nil, nil, nil, err
	}
	res := &JobResult{Backend: choice.Name, Tokens: len(j.Encoding.IDs), LoadSeconds: seconds(time.Since(start)), LoadPeakRSS: PeakRSS()}
	fmt.Fprintf(log, "bench: loaded %s in %.1fs on %s\n", job.Model, res.LoadSeconds, choice)
	return j, m, res, nil
}

// captureRun returns a function that runs one lesson capture with c.
func captureRun(c *taps.Capturer, in taps.Input) func() error {
	return func() error {
		r, err := c.Run(in)
		if err != nil {
			return err
		}
		return releaseResult(r)
	}
}

// runCaptureJob times taps capture runs with the lesson's request, on the
// job's matmul kernel.
func runCaptureJob(ctx context.Context, job Job, prof *profiler, log io.Writer) (*JobResult, error) {
	j, m, res, err := loadForJob(ctx, job, log)
	if err != nil {
		return nil, err
	}
	defer m.Finalize()
	if res.Matmul, res.MatmulDescription, err = checkKernel(res.Backend, job.Matmul); err != nil {
		return nil, err
	}
	c, err := taps.NewCapturer(m, j.Request)
	if err != nil {
		return nil, err
	}
	it := &timed{name: "capture", run: captureRun(c, j.Input())}
	if err := timeRuns(ctx, job.Warmup, job.Repeat, prof, log, it); err != nil {
		return nil, err
	}
	it.record(res)
	return res, nil
}

// releaseResult checks that a capture returned the lesson's outputs and frees
// them, as a caller that is done with them would.
func releaseResult(r *taps.Result) error {
	if len(r.Stacks) != 3 || r.Reduced[lesson.CosineName] == nil {
		return fmt.Errorf("capture returned %d stacks and reductions %v, want the lesson's 3 stacks and the cosine", len(r.Stacks), len(r.Reduced))
	}
	for _, s := range r.Stacks {
		if err := s.Tensor.FinalizeAll(); err != nil {
			return err
		}
	}
	for _, t := range r.Reduced {
		if err := t.FinalizeAll(); err != nil {
			return err
		}
	}
	return nil
}
