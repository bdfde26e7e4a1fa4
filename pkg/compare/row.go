package compare

import (
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
)

// Row is the lesson's part 1 on one (model, weights, text): the per-layer mean cosine of the attention and MLP
// adjustments with its spread, and the lesson's claims, taken from lesson.Analyze — the numbers `gpt2taps lesson`
// writes to summary.json for the same checkpoint and text (same JSON names).
type Row struct {
	Model      string `json:"model"`      // the model argument
	Label      string `json:"label"`      // its name in tables and figures
	Trained    bool   `json:"trained"`    // false for the training control (random weights of the model's shape)
	Checkpoint string `json:"checkpoint"` // the directory that ran
	Text       string `json:"text"`       // the text's name
	Tokens     int    `json:"n_tokens"`
	Layers     int    `json:"n_layer"`
	Width      int    `json:"n_embd"`

	MiddleLayers     [2]int     `json:"middle_layers"` // [from, to): the middle half
	MiddleMean       lesson.Num `json:"middle_mean"`
	MiddleMaxAbsMean lesson.Num `json:"middle_max_abs_mean"`
	FirstLayerMean   lesson.Num `json:"first_layer_mean"`
	LastLayerMean    lesson.Num `json:"last_layer_mean"`
	MiddleNearZero   bool       `json:"middle_near_zero"`
	EdgesHigher      bool       `json:"edges_higher"`
	Holds            bool       `json:"holds"`

	PerLayerMean []lesson.Num `json:"per_layer_mean"`
	PerLayerStd  []lesson.Num `json:"per_layer_std"` // population std across tokens, as in summary.json

	Computed bool    `json:"computed"` // the forward pass ran now (false: loaded from the tap cache)
	Seconds  float64 `json:"seconds"`  // time to get the taps and analyse them
}

// newRow takes a row's numbers from the lesson's analysis.
func newRow(a *lesson.Analysis) Row {
	c := a.Claims
	cfg := a.Result.Config
	L, T, D := cfg.NLayer, len(a.Result.IDs), cfg.NEmbd
	r := Row{
		Tokens: T, Layers: L, Width: D,
		MiddleLayers: c.MiddleLayers, MiddleMean: c.MiddleMean, MiddleMaxAbsMean: c.MiddleMaxAbsMean,
		FirstLayerMean: c.FirstLayerMean, LastLayerMean: c.LastLayerMean,
		MiddleNearZero: c.MiddleNearZero, EdgesHigher: c.EdgesHigher, Holds: c.Holds,
		Computed: a.Result.Info.Computed,
	}
	for l := range a.CosStats.Mean {
		r.PerLayerMean = append(r.PerLayerMean, lesson.Num(a.CosStats.Mean[l]))
		r.PerLayerStd = append(r.PerLayerStd, lesson.Num(a.CosStats.Std[l]))
	}
	return r
}

// Weights is "trained" or "random".
func (r Row) Weights() string {
	if r.Trained {
		return "trained"
	}
	return "random"
}
