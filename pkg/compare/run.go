package compare

import (
	"context"
	"fmt"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// Run computes every row of the plan: for each model, each text through the tap cache (the lesson's request, so
// the lesson, its notebooks and the comparison share cached taps), the model loaded once for all its texts; then,
// with the training control, the same on the random checkpoint of its shape, generated first if needed. It
// writes a progress line per (model, text) with its time to the plan's log.
func (p *Plan) Run(ctx context.Context) (*Comparison, error) {
	// A model that is neither here nor downloadable fails now, not after the others ran.
	for _, mp := range p.Models {
		if mp.Location.Dir == "" && mp.Location.HubErr != nil {
			o := p.Options
			if _, err := checkpoints.Resolve(ctx, mp.Model, checkpoints.Options{CacheDir: o.HFCache, Offline: o.Offline, Progress: o.log()}); err != nil {
				return nil, err
			}
		}
	}
	c := &Comparison{NearZeroBound: lesson.NearZero, ShuffleSeed: ShuffleSeed}
	if p.Options.Random {
		c.RandomSeed = RandomSeed
	}
	for i, t := range p.Texts {
		c.Texts = append(c.Texts, TextInfo{Name: t.Name, About: t.About, Source: t.Source, Tokens: p.Tokens[i], TokenIDs: t.IDs != nil})
	}
	n, total := 0, len(p.Models)*p.passes()
	for _, mp := range p.Models {
		rows, job, err := p.runModel(ctx, mp, mp.Model, true, &n, total)
		if err != nil {
			return nil, err
		}
		c.Rows = append(c.Rows, rows...)
		info := ModelInfo{Model: mp.Model, Label: mp.Label, Dir: job.Dir, NLayer: job.Config.NLayer, NEmbd: job.Config.NEmbd, NHead: job.Config.NHead}
		if p.Options.Random {
			dir, _, err := EnsureRandomCheckpoint(ctx, RandomDir(p.Options.CacheDir), job.Config, RandomSeed, p.Options.log())
			if err != nil {
				return nil, err
			}
			info.RandomCheckpoint = dir
			rows, _, err := p.runModel(ctx, mp, dir, false, &n, total)
			if err != nil {
				return nil, err
			}
			c.Rows = append(c.Rows, rows...)
		}
		c.Models = append(c.Models, info)
	}
	return c, nil
}

// runModel runs every text on one checkpoint (the model, or its random control), loading it at most once. It
// returns the rows and the last job (its resolved directory and configuration).
func (p *Plan) runModel(ctx context.Context, mp ModelPlan, model string, trained bool, n *int, total int) ([]Row, *taps.Job, error) {
	o := p.Options
	session := taps.NewSession()
	defer session.Close()
	src := taps.Source{Model: model, Backend: o.Backend, HFCache: o.HFCache, Offline: o.Offline, Log: o.log()}
	weights := "trained"
	if !trained {
		weights = "random weights"
	}
	var rows []Row
	var job *taps.Job
	for _, t := range p.Texts {
		start := time.Now()
		var err error
		if job, err = taps.Prepare(ctx, src, t.Input(), lesson.Request()); err != nil {
			return nil, nil, fmt.Errorf("model %s, text %s: %w", mp.Model, t.Name, err)
		}
		job.Session = session
		a, err := analyze(ctx, job, o.CacheDir)
		if err != nil {
			return nil, nil, fmt.Errorf("model %s (%s), text %s: %w", mp.Model, weights, t.Name, err)
		}
		r := newRow(a)
		r.Model, r.Label, r.Trained, r.Checkpoint, r.Text = mp.Model, mp.Label, trained, job.Dir, t.Name
		r.Seconds = time.Since(start).Seconds()
		rows = append(rows, r)
		*n++
		how := "computed"
		if !r.Computed {
			how = "from the tap cache"
		}
		fmt.Fprintf(o.log(), "[%d/%d] %s, %s, %s (%d tokens): %s in %.1fs; middle mean %+.4f, first %+.4f, last %+.4f, claim holds: %v\n",
			*n, total, mp.Label, weights, t.Name, r.Tokens, how, r.Seconds,
			float64(r.MiddleMean), float64(r.FirstLayerMean), float64(r.LastLayerMean), r.Holds)
	}
	return rows, job, nil
}

// analyze gets a job's taps through the tap cache and runs the lesson's analysis on them.
func analyze(ctx context.Context, job *taps.Job, cacheDir string) (*lesson.Analysis, error) {
	res, err := job.RunCached(ctx, cacheDir)
	if err != nil {
		return nil, err
	}
	defer res.Finalize()
	t, err := lesson.FromResult(res)
	if err != nil {
		return nil, err
	}
	return lesson.Analyze(t)
}
