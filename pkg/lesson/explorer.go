package lesson

import (
	"fmt"

	"github.com/gpt2taps/gpt2taps/pkg/viz"
)

// ExplorerFile is the name of the interactive page WriteReport writes
// beside the figures: both parts' token explorers (viz.Explorer).
const ExplorerFile = "explorer.html"

// explorerTokens are the taps' tokens for the explorer: ids, exact strings
// and their labels (gpt2.TokenLabel).
func (a *Analysis) explorerTokens() viz.ExplorerTokens {
	return viz.ExplorerTokens{IDs: a.Taps.IDs, Texts: a.Taps.Tokens, Labels: a.Taps.TokenLabels()}
}

// CosineExplorer is part 1's token explorer: the text coloured by the
// cosine of the attention and MLP outputs at a chosen layer, with the
// per-layer mean ± std (CosStats).
func (a *Analysis) CosineExplorer() (*viz.Explorer, error) {
	return viz.CosineExplorer(a.explorerTokens(), a.Cosine, a.CosStats, viz.ExplorerOptions{
		Title: fmt.Sprintf("%s — cosine(attention output, MLP output) per token, %d tokens", a.Taps.Model, len(a.Taps.IDs)),
	})
}

// StepExplorer is part 2's token explorer: the text coloured by the
// attention, MLP or hidden-state step length at a chosen layer, token 0
// flagged as the outlier.
func (a *Analysis) StepExplorer() (*viz.Explorer, error) {
	return viz.StepExplorer(a.explorerTokens(), a.Steps, viz.ExplorerOptions{
		Title: fmt.Sprintf("%s — step lengths per token, %d tokens", a.Taps.Model, len(a.Taps.IDs)),
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
	return viz.SaveExplorerPage(path, fmt.Sprintf("%s — token explorer", a.Taps.Model), cos, steps)
}
