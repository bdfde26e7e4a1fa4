package nb

import (
	"fmt"
	"math"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/nb/internal/cell"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/pkg/viz"
	"github.com/gpt2taps/gpt2taps/pkg/viz/explorer"
)

// RunCell is the heading of the notebooks' cell that runs GPT-2
// (nbrun.Run), which Taps names when the tap cache lacks what it asks for.
const RunCell = cell.RunCell

// Taps returns what req asks of the model name ($GPT2TAPS_MODEL replaces it)
// on the text ($GPT2TAPS_TEXT_FILE replaces it) from the tap cache
// ($GPT2TAPS_CACHE, else ~/.cache/gpt2taps/taps), where the cell that runs
// GPT-2 (nbrun.Run) put it. It runs nothing and does not link GoMLX: when
// the cache lacks the taps — the text or the model changed since that cell
// ran — it stops the cell with one line saying to run that cell first.
func Taps(name, s string, req taps.Request) *taps.Result {
	name = cell.ModelName(name, false)
	// Recall, not NewKey: no tokenizing, no model resolution, so the cell links neither the tokenizer's tables nor
	// the Hub client (it builds in well under a second); the run cell's capture left the index entry. Map: a cell
	// is a short-lived process, so the taps alias the cache file's pages instead of being copied (taps.MapFile).
	res, ok, err := taps.Cache{Log: cell.Stderr, Map: true}.Recall(name, cell.Text(s, false), req)
	Check(err)
	if !ok {
		notCached(name, "")
	}
	return res
}

// notCached stops the cell: the taps of model on this text are not in the
// tap cache (why, when not "", says more).
func notCached(model, why string) { cell.NotCached(model, why) }

// Get returns a tensor of res by name (see taps.Result.Get): a stack such as
// "h.*.attn.c_proj" [L,T,D], one point such as "blocks.3.hook_mlp_out"
// [T,D], or a reduction by its name.
func Get(res *taps.Result, name string) taps.Array {
	return Must(res.Get(name))
}

// Analyze computes every number of the lesson from a result that holds the
// lesson's taps (lesson.Request).
func Analyze(res *taps.Result) *lesson.Analysis {
	return Must(lesson.Analyze(res))
}

// Show draws a figure inline; it takes a figure constructor's results as they
// are: nb.Show(viz.CosineHeatmap(…)).
func Show(fig *viz.Figure, err error) {
	Check(err)
	Check(viz.Display(fig))
}

// ShowExplorer shows a token explorer inline; it takes an explorer
// constructor's results as they are: nb.ShowExplorer(explorer.Cosine(…)).
func ShowExplorer(e *explorer.Explorer, err error) {
	Check(err)
	Check(explorer.Display(e))
}

// MaxAbsDiff is the largest |a − b| over the elements of two matrices of the
// same shape (a matrix computed in a cell against the lesson's, say); +Inf
// when their shapes differ or only one of them is NaN somewhere.
func MaxAbsDiff(a, b analysis.Matrix) float64 {
	if a.Rows != b.Rows || a.Cols != b.Cols || len(a.Data) != len(b.Data) {
		return math.Inf(1)
	}
	worst := 0.0
	for i, v := range a.Data {
		w := b.Data[i]
		switch {
		case math.IsNaN(v) && math.IsNaN(w): // both undefined (a step length of layer 0): equal
		case math.IsNaN(v) || math.IsNaN(w):
			return math.Inf(1)
		default:
			worst = max(worst, math.Abs(v-w))
		}
	}
	return worst
}

// NeedTokens ends the cell with a note (not an error) when res's text has
// fewer than n tokens: what the cell computes is not defined for so short a
// text; why says what needs the tokens.
func NeedTokens(res *taps.Result, n int, why string) {
	if T := len(res.IDs); T < n {
		fmt.Fprintf(cell.Stdout, "not computed: %s, so it needs a text of at least %d tokens; this text has %d\n", why, n, T)
		cell.Exit(0)
	}
}
