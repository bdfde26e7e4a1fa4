package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// loadForJob tokenizes the job's text and loads its model, timing the load.
func loadForJob(job Job, log io.Writer) (m *gpt2.Model, ids []int, res *JobResult, err error) {
	tok, err := gpt2.NewTokenizer()
	if err != nil {
		return nil, nil, nil, err
	}
	enc, err := tok.Encode(job.Text)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(enc.IDs) == 0 {
		return nil, nil, nil, fmt.Errorf("the text has no tokens: give a non-empty text")
	}
	choice, err := backend.New(job.Backend)
	if err != nil {
		return nil, nil, nil, err
	}
	start := time.Now()
	m, err = gpt2.Load(job.Model, choice.Backend)
	if err != nil {
		return nil, nil, nil, err
	}
	res = &JobResult{Backend: choice.Name, Tokens: len(enc.IDs), LoadSeconds: seconds(time.Since(start)), LoadPeakRSS: PeakRSS()}
	fmt.Fprintf(log, "bench: loaded %s in %.1fs on %s\n", job.Model, res.LoadSeconds, choice)
	if len(enc.IDs) > m.Config.NPositions {
		m.Finalize()
		return nil, nil, nil, fmt.Errorf("the text has %d tokens but the model takes at most %d (n_positions): shorten the text", len(enc.IDs), m.Config.NPositions)
	}
	return m, enc.IDs, res, nil
}

// captureRun returns a function that runs one lesson capture with c.
func captureRun(c *taps.Capturer, ids []int) func() error {
	return func() error {
		r, err := c.Run(ids)
		if err != nil {
			return err
		}
		return releaseResult(r)
	}
}

// runCaptureJob times taps capture runs with the lesson's request.
func runCaptureJob(ctx context.Context, job Job, prof *profiler, log io.Writer) (*JobResult, error) {
	m, ids, res, err := loadForJob(job, log)
	if err != nil {
		return nil, err
	}
	defer m.Finalize()
	c, err := taps.NewCapturer(m, LessonRequest(m.Config.NLayer))
	if err != nil {
		return nil, err
	}
	it := &timed{name: "capture", run: captureRun(c, ids)}
	if err := timeRuns(ctx, job.Warmup, job.Repeat, prof, log, it); err != nil {
		return nil, err
	}
	it.record(res)
	return res, nil
}

// releaseResult checks that a capture returned the lesson's outputs and frees
// them, as a caller that is done with them would.
func releaseResult(r *taps.Result) error {
	if len(r.Stacks) != 3 || r.Reduced["cosine"] == nil {
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
