package lesson

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/viz"
)

// Figure names, also the file names (without extension) that WriteReport uses.
const (
	FigLesson       = "lesson_cosine"        // part 1: mean ± std per layer and the histogram
	FigCosHeatmap   = "cosine_heatmap"       // part 1: layer × token cosines
	FigStepHeatmaps = "step_length_heatmaps" // part 2: the three step-length heatmaps
	FigCorrelations = "step_correlations"    // part 2: per-layer r, FDR-significant marked
	FigScatter      = "step_scatter"         // part 2: sub-block vs hidden-state step lengths
)

// FigureNames lists the figures in the order of the lesson.
func FigureNames() []string {
	return []string{FigLesson, FigCosHeatmap, FigStepHeatmaps, FigCorrelations, FigScatter}
}

// TokenLabels are the tokens as axis labels (see gpt2.TokenLabel).
func (t *Taps) TokenLabels() []string {
	labels := make([]string, len(t.Tokens))
	for i, tok := range t.Tokens {
		labels[i] = gpt2.TokenLabel(tok)
	}
	return labels
}

// Figure draws one of the lesson's figures by name.
func (a *Analysis) Figure(name string) (*viz.Figure, error) {
	switch name {
	case FigLesson:
		return viz.LessonFigure(a.CosStats, a.Histogram, a.NullStd, viz.LessonOptions{
			Title: fmt.Sprintf("%s — cosine(attention adjustment, MLP adjustment), %d tokens", a.Taps.Model, len(a.Taps.IDs)),
		})
	case FigCosHeatmap:
		return viz.CosineHeatmap(a.Cosine, a.Taps.TokenLabels())
	case FigStepHeatmaps:
		return viz.StepLengthHeatmaps(a.Steps, a.Taps.TokenLabels())
	case FigCorrelations:
		if len(a.Correlations) == 0 {
			return nil, fmt.Errorf("figure %s: too few tokens for correlations (need at least 4)", name)
		}
		return viz.CorrelationPlot(a.Correlations[:3]...)
	case FigScatter:
		return viz.ScatterGrid(a.Steps, viz.ScatterLayers(a.Taps.Config.NLayer), 1)
	}
	return nil, fmt.Errorf("unknown figure %q: use one of %s", name, strings.Join(FigureNames(), ", "))
}

// WriteReport writes every figure in each format ("png", "svg"),
// summary.json and the token explorer (ExplorerFile) into dir, and returns
// the paths written.
func (a *Analysis) WriteReport(dir string, formats []string) ([]string, error) {
	for _, f := range formats {
		if f != "png" && f != "svg" {
			return nil, fmt.Errorf("unknown figure format %q: use png and/or svg", f)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create the output directory: %w: choose a writable output directory", err)
	}
	var written []string
	for _, name := range FigureNames() {
		if name == FigCorrelations && len(a.Correlations) == 0 {
			continue
		}
		fig, err := a.Figure(name)
		if err != nil {
			return written, err
		}
		for _, format := range formats {
			path := filepath.Join(dir, name+"."+format)
			if err := fig.Save(path); err != nil {
				return written, err
			}
			written = append(written, path)
		}
	}
	path := filepath.Join(dir, "summary.json")
	if err := a.Summary().WriteJSON(path); err != nil {
		return written, err
	}
	written = append(written, path)
	// The interactive token explorer of both parts (see explorer.go).
	path = filepath.Join(dir, ExplorerFile)
	if err := a.WriteExplorer(path); err != nil {
		return written, err
	}
	return append(written, path), nil
}
