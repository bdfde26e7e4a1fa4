package compare

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2/tokenizer"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// Options say where and how the comparison runs.
type Options struct {
	Backend  string    // GoMLX backend ("" → $GOMLX_BACKEND, else auto)
	CacheDir string    // the tap cache ("" → taps.DefaultCacheDir()); the random checkpoints go to RandomDir(CacheDir)
	HFCache  string    // the Hugging Face hub cache ("" → HF_HUB_CACHE / HF_HOME / ~/.cache/huggingface/hub)
	Offline  bool      // never use the network
	Random   bool      // add the training control: a random checkpoint of each model's shape
	Log      io.Writer // the plan's notes, progress lines and the packages' progress (downloads, loading); nil discards
	// Capture returns the taps of a key — from cache when it holds them, else computed on Backend and stored in
	// cache — as model.RunCached or modelclient.Capture do. Run needs it; NewPlan, Write and the reports don't.
	// pkg/compare/inprocess has one that keeps each checkpoint loaded for all its texts.
	Capture CaptureFunc
}

// CaptureFunc returns the taps of key through the tap cache (see Options.Capture).
type CaptureFunc func(ctx context.Context, key taps.Key, cache taps.Cache) (*taps.Result, error)

func (o Options) log() io.Writer {
	if o.Log == nil {
		return io.Discard
	}
	return o.Log
}

// ModelPlan is what the plan knows of one model before anything runs.
type ModelPlan struct {
	Model    string               // the model argument
	Label    string               // its name in tables and figures
	Location checkpoints.Location // where its checkpoint is, or what a download would fetch
	// Config is the model's shape: from its config.json when the checkpoint is here, else GPT-2's preset for
	// GPT-2's own Hub ids; ConfigKnown is false for other models not downloaded yet.
	Config      gpt2.Config
	ConfigKnown bool
	// KnownBytes is the size of a GPT-2 checkpoint recorded in this package (see knownSizes), used when the model
	// is not here and the Hub can't be asked; 0 otherwise.
	KnownBytes int64
	RandomDir  string // the training control's checkpoint ("" without the control or an unknown shape)
	RandomHere bool   // it has been generated already
	Cached     int    // (text, weights) pairs already in the tap cache
	Seconds    float64
}

// Plan is a comparison checked and costed before it runs: NewPlan finds every fault in the inputs that can be
// found without downloading or computing anything, and Write says what Run will download, generate and compute.
type Plan struct {
	Models  []ModelPlan
	Texts   []Text
	Tokens  []int // per text
	Options Options
	Rate    Rate  // the backend's measured matrix-product rate (see Forecast)
	RateErr error // why the rate could not be measured (then no time is forecast)

	forecasted bool
}

// knownSizes are the sizes of the model.safetensors files of OpenAI's GPT-2 checkpoints as the Hub lists them
// (openai-community/gpt2, -medium, -large, -xl), rounded: a fallback for the plan when a model is not in the
// cache and the Hub can't be asked. The plan says when it uses them.
var knownSizes = map[string]int64{"gpt2": 548e6, "gpt2-medium": 1.52e9, "gpt2-large": 3.25e9, "gpt2-xl": 6.43e9}

// NewPlan checks the models and texts and prepares their comparison: every text is tokenized (an empty one is an
// error), every model located without downloading (a missing directory, a broken checkpoint, an id the Hub says
// it does not have are errors; being offline is not), every text checked against every model whose shape is
// known (too many tokens is an error naming both), the tap cache consulted. Forecast adds the time.
func NewPlan(ctx context.Context, models []string, texts []Text, o Options) (*Plan, error) {
	if len(models) == 0 {
		return nil, errors.New("no models: give at least one Hub id (gpt2, gpt2-medium, …) or checkpoint directory")
	}
	if len(texts) == 0 {
		return nil, errors.New("no texts: give at least one text")
	}
	p := &Plan{Texts: texts, Options: o}
	seen := map[string]bool{}
	for _, t := range texts {
		if seen[t.Name] {
			return nil, fmt.Errorf("two texts are named %q: rename one (a text file is named after its file)", t.Name)
		}
		seen[t.Name] = true
		enc, err := t.Encode()
		if err != nil {
			return nil, err
		}
		p.Tokens = append(p.Tokens, len(enc.IDs))
	}
	for i, m := range models {
		if slices.Contains(models[:i], m) {
			return nil, fmt.Errorf("model %s is listed twice", m)
		}
	}
	names := labels(models)
	for i, m := range models {
		mp, err := p.planModel(ctx, m)
		if err != nil {
			return nil, err
		}
		mp.Label = names[i]
		p.Models = append(p.Models, mp)
	}
	return p, nil
}

// Forecast forecasts each model's time from the backend's measured matrix-product rate (inprocess.ProbeRate, or
// nbrun's probe in a one-shot process) or from the reason it could not be measured (err: then no time is
// forecast, and Write says why); Write then says how long the run will take. Without it, Write says nothing of time.
func (p *Plan) Forecast(rate Rate, err error) {
	p.Rate, p.RateErr = rate, err
	p.forecasted = true
	for i := range p.Models {
		p.Models[i].Seconds = p.forecast(p.Models[i])
	}
}

// planModel locates one model and checks the texts against it.
func (p *Plan) planModel(ctx context.Context, model string) (ModelPlan, error) {
	o := p.Options
	mp := ModelPlan{Model: model}
	loc, err := checkpoints.Locate(ctx, model, checkpoints.Options{CacheDir: o.HFCache, Offline: o.Offline})
	if err != nil {
		return mp, err
	}
	mp.Location = loc
	if loc.Dir != "" {
		if mp.Config, err = gpt2.LoadConfig(loc.Dir); err != nil {
			return mp, fmt.Errorf("model %s: %w", model, err)
		}
		mp.ConfigKnown = true
	} else if cfg, err := gpt2.Preset(strings.TrimPrefix(model, "openai-community/")); err == nil {
		mp.Config, mp.ConfigKnown = cfg, true
	}
	if loc.Dir == "" && loc.HubErr != nil {
		mp.KnownBytes = knownSizes[strings.TrimPrefix(model, "openai-community/")]
	}
	if !mp.ConfigKnown {
		return mp, nil
	}
	for i, t := range p.Texts {
		if _, err := tokenizer.Encode(t.Input(), mp.Config); err != nil {
			return mp, fmt.Errorf("text %s (%d tokens) on model %s: %w", t.Name, p.Tokens[i], model, err)
		}
	}
	if o.Random {
		if mp.RandomDir, err = RandomCheckpointDir(RandomDir(o.CacheDir), mp.Config, RandomSeed); err != nil {
			return mp, err
		}
		mp.RandomHere = usable(mp.RandomDir)
	}
	for _, dir := range []string{loc.Dir, mp.RandomDir} {
		if dir == "" || (dir == mp.RandomDir && !mp.RandomHere) {
			continue
		}
		for _, t := range p.Texts {
			key, err := checkpoints.NewKey(ctx, dir, checkpoints.Options{Offline: true}, t.Input(), lesson.Request())
			if err != nil {
				return mp, fmt.Errorf("text %s on model %s: %w", t.Name, model, err)
			}
			if in, err := (taps.Cache{Dir: o.CacheDir}).Has(key); err == nil && in {
				mp.Cached++
			}
		}
	}
	return mp, nil
}

// passes is the number of (text, weights) pairs of a model: one per text, twice with the training control.
func (p *Plan) passes() int {
	if p.Options.Random {
		return 2 * len(p.Texts)
	}
	return len(p.Texts)
}

// forecast is the rough time of a model's forward passes that are not in the tap cache, in seconds (0 when the
// rate or the shape is unknown). Which pairs are cached is not tracked per text: the cached ones are taken to be
// the average.
func (p *Plan) forecast(mp ModelPlan) float64 {
	if p.RateErr != nil || !mp.ConfigKnown {
		return 0
	}
	var flop float64
	for _, T := range p.Tokens {
		flop += gpt2.MatmulFLOPs(mp.Config, T)
	}
	flop *= float64(p.passes()-mp.Cached) / float64(len(p.Texts))
	return p.Rate.Seconds(flop)
}

// Missing is the number of forward passes Run will compute: those not in the tap cache.
func (p *Plan) Missing() int {
	n := 0
	for _, mp := range p.Models {
		n += p.passes() - mp.Cached
	}
	return n
}
