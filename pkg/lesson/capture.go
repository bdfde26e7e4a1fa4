package lesson

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// CosineName names the in-graph cosine reduction of Request.
const CosineName = "cosine"

// Request is what the lesson taps, defined here once for the lesson, the
// command line, the benchmark and the GPU check: the outputs of the two c_proj
// modules of every block — the adjustments attention and the MLP add to the
// residual stream, where the lesson registers its forward hooks — the hidden
// states for part 2, and the cosine of the two adjustments per layer and token,
// computed inside the graph.
func Request() taps.Request {
	return taps.Request{
		Points:     []string{"h.*.attn.c_proj", "h.*.mlp.c_proj", "hidden_states"},
		Reductions: []taps.Reduction{taps.CosineReduction(CosineName, gpt2.AttnOut, gpt2.MLPOut)},
	}
}

// Taps are the lesson's taps of one (model, text) pair, as flat row-major
// float32 arrays.
type Taps struct {
	Model  string      // the model argument (Hub id or directory)
	Config gpt2.Config // the model's configuration
	IDs    []int       // token ids
	Tokens []string    // token strings (exact bytes; see gpt2.TokenLabel for display)
	Attn   []float32   // [L,T,D] outputs of h.{l}.attn.c_proj
	MLP    []float32   // [L,T,D] outputs of h.{l}.mlp.c_proj
	Hidden []float32   // [L+1,T,D] hidden states (HF output_hidden_states)
	Cosine []float32   // [L,T] cosine(attn, mlp) per layer and token, computed in the graph

	Info taps.Info // how they were obtained (computed now or loaded from the tap cache)
}

// Dims returns the number of layers, tokens and the model width.
func (t *Taps) Dims() (layers, tokens, dim int) {
	return t.Config.NLayer, len(t.IDs), t.Config.NEmbd
}

// FromResult takes the lesson's taps from a result of Request (or of any
// request that includes it).
func FromResult(res *taps.Result) (*Taps, error) {
	cfg := res.Config
	L, T, D := cfg.NLayer, len(res.IDs), cfg.NEmbd
	if L == 0 {
		return nil, fmt.Errorf("the taps do not record their model's configuration")
	}
	t := &Taps{Model: res.Info.Model, Config: cfg, IDs: slices.Clone(res.IDs), Tokens: slices.Clone(res.Tokens), Info: res.Info}
	get := func(name string, dims ...int) ([]float32, error) {
		a, err := res.Get(name)
		if err != nil {
			return nil, fmt.Errorf("the lesson needs %s %v: %w", name, dims, err)
		}
		if !slices.Equal(a.Dims, dims) {
			return nil, fmt.Errorf("the lesson needs %s %v, the taps hold %v", name, dims, a.Dims)
		}
		return a.Data, nil
	}
	var err error
	if t.Attn, err = get("h.*.attn.c_proj", L, T, D); err != nil {
		return nil, err
	}
	if t.MLP, err = get("h.*.mlp.c_proj", L, T, D); err != nil {
		return nil, err
	}
	if t.Hidden, err = get("hidden_states", L+1, T, D); err != nil {
		return nil, err
	}
	if t.Cosine, err = get(CosineName, L, T); err != nil {
		return nil, err
	}
	return t, nil
}

// Capture returns the lesson's taps of text under o's model: from the tap
// cache when this model (same files) already ran on the same tokens, otherwise
// by loading the model and running the forward pass once, then caching the
// result (see taps.Job.RunCached).
func Capture(ctx context.Context, text string, o Options) (*Taps, error) {
	start := time.Now()
	job, err := taps.Prepare(ctx, o.Source(), taps.Text(text), Request())
	if err != nil {
		return nil, err
	}
	res, err := job.RunCached(ctx, o.CacheDir)
	if err != nil {
		return nil, err
	}
	t, err := FromResult(res)
	if err != nil {
		return nil, err
	}
	t.Info.Elapsed = time.Since(start)
	return t, nil
}
