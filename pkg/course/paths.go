package course

import (
	"fmt"
	"slices"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/pkg/viz"
)

// PathRequest is what lesson 3 captures from a model of nLayer blocks: the
// hidden states, the last block's output before ln_f (h.{L−1}.resid_post)
// and the logits.
func PathRequest(nLayer int) taps.Request {
	return taps.Request{Points: []string{"hidden_states", fmt.Sprintf("h.%d.resid_post", nLayer-1)}, Logits: true}
}

// PathFirstToken is the first token of lesson 3's correlations: token 0,
// which attends only to itself, moves several times farther than any other
// (the attention sink) and would alone decide a Pearson correlation. Its
// numbers are still in the JSON.
const PathFirstToken = 1

// ModelRun is one model's result on lesson 3's text (PathRequest).
type ModelRun struct {
	Model  string // e.g. "gpt2-medium"; "" → the result's Info.Model
	Result *taps.Result
}

// Correlation is Pearson's and Spearman's correlation over tokens
// PathFirstToken… with their two-sided p-values (analysis.Pearson,
// analysis.Spearman); null where undefined.
type Correlation struct {
	N         int    `json:"n"`
	Pearson   Number `json:"pearson_r"`
	PearsonP  Number `json:"pearson_p"`
	Spearman  Number `json:"spearman_rho"`
	SpearmanP Number `json:"spearman_p"`
}

// ModelPaths is lesson 3's numbers for one model.
type ModelPaths struct {
	Model  string   `json:"model"`
	Blocks int      `json:"blocks"`
	Tokens []string `json:"tokens"`
	// Paths[l][t] is ‖h_{l+1}[t] − h_l[t]‖ on Hugging Face's hidden states
	// (analysis.PathLengths): the last row includes ln_f.
	Paths []Series `json:"path_lengths"`
	// LastBlock[t] is the last block alone, ‖resid_post_{L−1}[t] − h_{L−1}[t]‖.
	LastBlock Series `json:"last_block_path_lengths"`
	// Predicted[t] is the argmax of the logits at t (the predicted next
	// token) and Logit[t] its logit.
	Predicted []int  `json:"predicted_ids"`
	Logit     Series `json:"predicted_logits"`
	// AfterLNF correlates the last row of Paths with Logit; LastBlock the
	// last block's path lengths with Logit.
	AfterLNF  Correlation `json:"last_transition_after_ln_f"`
	BlockOnly Correlation `json:"last_block_before_ln_f"`
}

// PathsResult is lesson 3's numbers, one entry per model.
type PathsResult struct {
	FirstToken int          `json:"first_token"`
	Models     []ModelPaths `json:"models"`
}

// Paths computes lesson 3 from each model's result on one text
// (PathRequest): every token's path length per block, the last block's
// before ln_f, the predicted next token and its logit, and the correlation
// of the last transition's length with that logit.
func Paths(runs []ModelRun) (PathsResult, error) {
	if len(runs) == 0 {
		return PathsResult{}, fmt.Errorf("paths: no models: pass one result per model")
	}
	r := PathsResult{FirstToken: PathFirstToken}
	for i, run := range runs {
		mp, err := modelPaths(run)
		if err != nil {
			name := run.Model
			if name == "" && run.Result != nil {
				name = run.Result.Info.Model
			}
			return PathsResult{}, fmt.Errorf("paths: model %d (%s): %w", i, name, err)
		}
		r.Models = append(r.Models, mp)
	}
	return r, nil
}

func modelPaths(run ModelRun) (ModelPaths, error) {
	res := run.Result
	if res == nil {
		return ModelPaths{}, fmt.Errorf("no result")
	}
	L := res.NLayer
	h, err := hiddenOf("", res, -1, 0, fmt.Sprintf("course.PathRequest(%d)", L))
	if err != nil {
		return ModelPaths{}, err
	}
	T, D := h.Dims[1], h.Dims[2]
	if T < PathFirstToken+3 {
		return ModelPaths{}, fmt.Errorf("the text has %d tokens: correlations need at least %d", T, PathFirstToken+3)
	}
	post, err := res.Get(fmt.Sprintf("h.%d.resid_post", L-1))
	if err != nil {
		return ModelPaths{}, fmt.Errorf("%w: capture course.PathRequest(%d)", err, L)
	}
	if res.Logits == nil || len(res.Logits.Dims) != 2 || res.Logits.Dims[0] != T {
		return ModelPaths{}, fmt.Errorf("the result holds no logits for its %d tokens: capture course.PathRequest(%d)", T, L)
	}
	paths, err := analysis.PathLengths(h.Data, L, T, D)
	if err != nil {
		return ModelPaths{}, err
	}
	// The same stack with the last block's output in place of ln_f's.
	block := slices.Clone(h.Data)
	copy(block[L*T*D:], post.Data)
	blockPaths, err := analysis.PathLengths(block, L, T, D)
	if err != nil {
		return ModelPaths{}, err
	}
	mp := ModelPaths{Model: run.Model, Blocks: L, Tokens: res.Tokens, Paths: rows(paths), LastBlock: Series(slices.Clone(blockPaths.Row(L - 1)))}
	if mp.Model == "" {
		mp.Model = res.Info.Model
	}
	V := res.Logits.Dims[1]
	for t := range T {
		row := res.Logits.Data[t*V : (t+1)*V]
		best := 0
		for v, x := range row {
			if x > row[best] {
				best = v
			}
		}
		mp.Predicted = append(mp.Predicted, best)
		mp.Logit = append(mp.Logit, float64(row[best]))
	}
	mp.AfterLNF = correlate(paths.Row(L-1), mp.Logit)
	mp.BlockOnly = correlate(mp.LastBlock, mp.Logit)
	return mp, nil
}

// correlate correlates x and y over tokens PathFirstToken….
func correlate(x, y []float64) Correlation {
	x, y = x[PathFirstToken:], y[PathFirstToken:]
	c := Correlation{N: len(x)}
	r, p, _ := analysis.Pearson(x, y) // NaN where undefined
	rho, ps, _ := analysis.Spearman(x, y)
	c.Pearson, c.PearsonP, c.Spearman, c.SpearmanP = Number(r), Number(p), Number(rho), Number(ps)
	return c
}

// cumulative is the cumulative path length [L, T] of paths with its last row
// replaced by last when last is not nil.
func cumulative(paths []Series, last Series) (analysis.Matrix, error) {
	m := analysis.NewMatrix(len(paths), len(paths[0]))
	for l, row := range paths {
		if l == len(paths)-1 && last != nil {
			row = last
		}
		copy(m.Row(l), row)
	}
	return analysis.CumulativeOverLayers(m)
}

// Cumulative is the model's cumulative path length per block and token
// (analysis.CumulativeOverLayers of Paths): after ln_f when blockOnly is
// false, with the last block's own step otherwise.
func (m ModelPaths) Cumulative(blockOnly bool) (analysis.Matrix, error) {
	if blockOnly {
		return cumulative(m.Paths, m.LastBlock)
	}
	return cumulative(m.Paths, nil)
}

// Figures draws lesson 3: "paths-cumulative" and "paths-cumulative-block",
// the cumulative path length of every token per block (one panel per model;
// the last step after ln_f, or the last block alone), and "paths-logit" and
// "paths-logit-block", the last step's length against the predicted token's
// logit with Pearson's r and Spearman's ρ (tokens PathFirstToken…).
func (r PathsResult) Figures() ([]Figure, error) {
	var figs []Figure
	for _, v := range []struct {
		name, what string
		block      bool
	}{{"", "the last step includes ln_f", false}, {"-block", "the last step is the last block alone, before ln_f", true}} {
		var panels []viz.PathPanel
		var scatter []viz.ScatterPanel
		for _, m := range r.Models {
			c, err := m.Cumulative(v.block)
			if err != nil {
				return nil, err
			}
			panels = append(panels, viz.PathPanel{Title: m.Model, Cumulative: c})
			x := m.Paths[len(m.Paths)-1]
			if v.block {
				x = m.LastBlock
			}
			scatter = append(scatter, viz.ScatterPanel{Title: m.Model, X: x[r.FirstToken:], Y: m.Logit[r.FirstToken:]})
		}
		paths, err := viz.CumulativePaths(panels, viz.PathOptions{Title: "Cumulative path length of every token (" + v.what + ")", FirstToken: r.FirstToken})
		if err != nil {
			return nil, err
		}
		sc, err := viz.ModelScatter(scatter, viz.ModelScatterOptions{
			Title:  fmt.Sprintf("Last step's length against the predicted token's logit (tokens %d.., %s)", r.FirstToken, v.what),
			XLabel: "Path length of the last step", YLabel: "Logit of the argmax token",
		})
		if err != nil {
			return nil, err
		}
		figs = append(figs, Figure{"paths-cumulative" + v.name, paths}, Figure{"paths-logit" + v.name, sc})
	}
	return figs, nil
}
