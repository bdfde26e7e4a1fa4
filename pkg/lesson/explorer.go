package lesson

import (
	"fmt"

	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/pkg/viz/explorer"
)

// ExplorerFile is the name of the interactive page WriteReport writes
// beside the figures: both parts' token explorers (explorer.Explorer).
const ExplorerFile = "explorer.html"

// ExplorerTokens are a result's tokens for the token explorer: ids, exact
// strings and their labels (gpt2.TokenLabel).
func ExplorerTokens(res *taps.Result) explorer.Tokens {
	return explorer.Tokens{IDs: res.IDs, Texts: res.Tokens, Labels: res.TokenLabels()}
}

// CosineExplorer is part 1's token explorer: the text coloured by the
// cosine of the attention and MLP outputs at a chosen layer, with the
// per-layer mean ± std (CosStats).
func (a *Analysis) CosineExplorer() (*explorer.Explorer, error) {
	return explorer.Cosine(ExplorerTokens(a.Result), a.Cosine, a.CosStats, explorer.Options{
		Title: fmt.Sprintf("%s — cosine(attention output, MLP output) per token, %d tokens", a.Result.Info.Model, len(a.Result.IDs)),
	})
}

// StepExplorer is part 2's token explorer: the text coloured by the
// attention, MLP or hidden-state step length at a chosen layer, token 0
// flagged as the outlier.
func (a *Analysis) StepExplorer() (*explorer.Explorer, error) {
	return explorer.Steps(ExplorerTokens(a.Result), a.Steps, explorer.Options{
		Title: fmt.Sprintf("%s — step lengths per token, %d tokens", a.Result.Info.Model, len(a.Result.IDs)),
		Layer: 1,
	})
}

// WriteExplorer writes both explorers, part 1 then part 2, as one
// standalone HTML page (no network, no other file), atomically.
func (a *Analysis) WriteExplorer(path string) error {
	cos, err := a.CosineExplorer()
	if err != nil {
		return err
	}
	steps, err := a.StepExplorer()
	if err != nil {
		return err
	}
	return explorer.SavePage(path, fmt.Sprintf("%s — token explorer", a.Result.Info.Model), cos, steps)
}
