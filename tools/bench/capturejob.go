package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// loaded is a job's model on its backend, with the lesson's tokens.
type loaded struct {
	m      *model.Model
	choice backend.Choice
	key    taps.Key // the model resolved, the text tokenized and everything checked
}

// input is the job's tokens, tokenized once.
func (l *loaded) input() gpt2.Input { return gpt2.Tokens(l.key.Tokens) }

// close frees the model and its backend.
func (l *loaded) close() {
	l.m.Close()
	l.choice.Backend.Finalize()
}

// loadForJob checks the job's lesson run (checkpoints.NewKey: tokens, model and
// request, before any weight is loaded) and loads its model, timing the load.
func loadForJob(ctx context.Context, job Job, log io.Writer) (*loaded, *JobResult, error) {
	key, err := checkpoints.NewKey(ctx, job.Model, checkpoints.Options{Offline: true}, gpt2.Text(job.Text), lesson.Request())
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	choice, err := backend.New(job.Backend)
	if err != nil {
		return nil, nil, err
	}
	m, err := model.Load(key.Dir, choice.Backend)
	if err != nil {
		choice.Backend.Finalize()
		return nil, nil, err
	}
	res := &JobResult{Backend: choice.Name, Tokens: len(key.Tokens.IDs), LoadSeconds: seconds(time.Since(start)), LoadPeakRSS: PeakRSS()}
	fmt.Fprintf(log, "bench: loaded %s in %.1fs on %s\n", job.Model, res.LoadSeconds, choice)
	return &loaded{m: m, choice: choice, key: key}, res, nil
}

// captureRun returns a function that runs one lesson capture on l's model:
// the model compiles the request's graph on the first run and reuses it.
func captureRun(l *loaded) func() error {
	in, req := l.input(), l.key.Request
	return func() error {
		r, err := l.m.Run(in, req)
		if err != nil {
			return err
		}
		return checkResult(r, l.m.Config, len(l.key.Tokens.IDs))
	}
}

// runCaptureJob times captures with the lesson's request, on the job's matmul
// kernel.
func runCaptureJob(ctx context.Context, job Job, prof *profiler, log io.Writer) (*JobResult, error) {
	l, res, err := loadForJob(ctx, job, log)
	if err != nil {
		return nil, err
	}
	defer l.close()
	if res.Matmul, res.MatmulDescription, err = checkKernel(res.Backend, job.Matmul); err != nil {
		return nil, err
	}
	it := &timed{name: "capture", run: captureRun(l)}
	if err := timeRuns(ctx, job.Warmup, job.Repeat, prof, log, it); err != nil {
		return nil, err
	}
	it.record(res)
	return res, nil
}

// checkResult checks that a capture of T tokens returned the lesson's outputs
// (lesson.Request): its three stacks, whole, with nothing else.
func checkResult(r *taps.Result, cfg gpt2.Config, T int) error {
	want := map[gpt2.Kind][]int{
		gpt2.AttnOut:     {cfg.NLayer, T, cfg.NEmbd},
		gpt2.MLPOut:      {cfg.NLayer, T, cfg.NEmbd},
		gpt2.HiddenState: {cfg.NLayer + 1, T, cfg.NEmbd},
	}
	if len(r.Stacks) != len(want) || len(r.Reduced) != 0 || r.Logits != nil {
		return fmt.Errorf("capture returned %d stacks, %d reductions and logits %v, want the lesson's 3 stacks only", len(r.Stacks), len(r.Reduced), r.Logits != nil)
	}
	for k, dims := range want {
		s, ok := r.Stacks[k]
		if !ok {
			return fmt.Errorf("capture returned no %s stack, want the lesson's 3 stacks", k)
		}
		if !slices.Equal(s.Dims, dims) || len(s.Data) != product(dims) {
			return fmt.Errorf("capture returned %s %v with %d values, want %v", k, s.Dims, len(s.Data), dims)
		}
	}
	return nil
}
