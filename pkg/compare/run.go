package compare

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// Run computes every row of the plan: for each model, each text through the tap cache (the lesson's request, so
// the lesson, its notebooks and the comparison share cached taps) by Options.Capture; then, with the training
// control, the same on the random checkpoint of its shape, generated first if needed. It writes a progress line per (model, text) with its time to the plan's log.
func (p *Plan) Run(ctx context.Context) (*Comparison, error) {
	if p.Options.Capture == nil {
		return nil, errors.New("compare: Options.Capture is not set: nothing can run the forward passes (use inprocess.Capturer, or the notebooks' nbrun.Compare)")
	}
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
		rows, key, err := p.runModel(ctx, mp, mp.Model, true, &n, total)
		if err != nil {
			return nil, err
		}
		c.Rows = append(c.Rows, rows...)
		cfg := key.Config
		info := ModelInfo{Model: mp.Model, Label: mp.Label, Dir: key.Dir, NLayer: cfg.NLayer, NEmbd: cfg.NEmbd, NHead: cfg.NHead}
		if p.Options.Random {
			dir, _, err := EnsureRandomCheckpoint(ctx, RandomDir(p.Options.CacheDir), cfg, RandomSeed, p.Options.log())
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

// runModel runs every text on one checkpoint ckpt (the model, or its random control) through the tap cache
// (Options.Capture). It returns the rows and the last text's key (the checkpoint's resolved directory and configuration).
func (p *Plan) runModel(ctx context.Context, mp ModelPlan, ckpt string, trained bool, n *int, total int) ([]Row, taps.Key, error) {
	o := p.Options
	hub := checkpoints.Options{CacheDir: o.HFCache, Offline: o.Offline, Progress: o.log()}
	cache := taps.Cache{Dir: o.CacheDir, Log: o.log()}
	weights := "trained"
	if !trained {
		weights = "random weights"
	}
	var rows []Row
	var key taps.Key
	for _, t := range p.Texts {
		start := time.Now()
		var err error
		if key, err = checkpoints.NewKey(ctx, ckpt, hub, t.Input(), lesson.Request()); err != nil {
			return nil, taps.Key{}, fmt.Errorf("model %s, text %s: %w", mp.Model, t.Name, err)
		}
		res, err := o.Capture(ctx, key, cache)
		var a *lesson.Analysis
		if err == nil {
			a, err = lesson.Analyze(res)
		}
		if err != nil {
			return nil, taps.Key{}, fmt.Errorf("model %s (%s), text %s: %w", mp.Model, weights, t.Name, err)
		}
		r := newRow(a)
		r.Model, r.Label, r.Trained, r.Checkpoint, r.Text = mp.Model, mp.Label, trained, key.Dir, t.Name
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
	return rows, key, nil
}
