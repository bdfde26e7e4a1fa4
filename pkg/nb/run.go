package nb

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/pkg/viz"
)

// Run runs the model name ($GPT2TAPS_MODEL replaces it) on the text
// ($GPT2TAPS_TEXT_FILE replaces it) and returns what req asks for: the first
// time by loading the weights and running the forward pass, then from the tap
// cache ($GPT2TAPS_CACHE, else ~/.cache/gpt2taps/taps). res.Info says which.
func Run(name, s string, req taps.Request) *taps.Result {
	ctx := context.Background()
	job := Must(taps.Prepare(ctx, source(modelName(name, false)), taps.Text(text(s, false)), req))
	return Must(job.RunCached(ctx, ""))
}

// source is where model runs: the backend from GOMLX_BACKEND (else
// automatic), progress and notes on the cell's output.
func source(model string) taps.Source {
	return taps.Source{Model: model, Log: stderr}
}

// Get returns a tensor of res by name (see taps.Result.Get): a stack such as
// "h.*.attn.c_proj" [L,T,D], one point such as "blocks.3.hook_mlp_out"
// [T,D], or a reduction such as "cosine".
func Get(res *taps.Result, name string) taps.Array {
	return Must(res.Get(name))
}

// TokenLabels are the tokens of res as labels for axes and tables (see
// gpt2.TokenLabel).
func TokenLabels(res *taps.Result) []string {
	labels := make([]string, len(res.Tokens))
	for i, t := range res.Tokens {
		labels[i] = gpt2.TokenLabel(t)
	}
	return labels
}

// Analyze computes every number of the lesson from a result that holds the
// lesson's taps (lesson.Request).
func Analyze(res *taps.Result) *lesson.Analysis {
	return Must(lesson.Analyze(Must(lesson.FromResult(res))))
}

// Show draws a figure inline; it takes a figure constructor's results as they
// are: nb.Show(viz.CosineHeatmap(…)).
func Show(fig *viz.Figure, err error) {
	Check(err)
	Check(viz.Display(fig))
}

// MaxAbsDiff is the largest |m − a| over the elements of a matrix and an
// array of the same size (a matrix computed here against one computed inside
// the graph, say); +Inf when their sizes differ.
func MaxAbsDiff(m analysis.Matrix, a taps.Array) float64 {
	if len(m.Data) != len(a.Data) || !slices.Equal(a.Dims, []int{m.Rows, m.Cols}) {
		return math.Inf(1)
	}
	worst := 0.0
	for i, v := range m.Data {
		worst = max(worst, math.Abs(v-float64(a.Data[i])))
	}
	return worst
}

// NeedTokens ends the cell with a note (not an error) when res's text has
// fewer than n tokens: what the cell computes is not defined for so short a
// text; why says what needs the tokens.
func NeedTokens(res *taps.Result, n int, why string) {
	if T := len(res.IDs); T < n {
		fmt.Fprintf(stdout, "not computed: %s, so it needs a text of at least %d tokens; this text has %d\n", why, n, T)
		exit(0)
	}
}

// ExplorerTokens are the tokens of res for the token explorer: ids, exact
// strings and their labels.
func ExplorerTokens(res *taps.Result) explorer.Tokens {
	return explorer.Tokens{IDs: res.IDs, Texts: res.Tokens, Labels: TokenLabels(res)}
}

// ShowExplorer shows a token explorer inline; it takes an explorer
// constructor's results as they are: nb.ShowExplorer(explorer.Cosine(…)).
func ShowExplorer(e *viz.Explorer, err error) {
	Check(err)
	Check(explorer.Display(e))
}
