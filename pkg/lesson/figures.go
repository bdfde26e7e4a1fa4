package lesson

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
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

// minTokens is how many tokens a figure needs, where it needs more than one:
// the correlations are over tokens 1…T−1 and need 3 of them (with fewer, r is
// undefined), the scatter plots draw tokens 1…T−1.
var minTokens = map[string]int{FigCorrelations: 4, FigScatter: 2}

// TooFewTokens says why figure name cannot be drawn for this text (it needs
// more tokens, and how many), or returns nil when it can.
func (a *Analysis) TooFewTokens(name string) error {
	need, T := minTokens[name], len(a.Result.IDs)
	if T >= need {
		return nil
	}
	why := "they plot tokens 1… (token 0 is left out)"
	if name == FigCorrelations {
		why = "a correlation over tokens 1… needs 3 of them"
	}
	return fmt.Errorf("figure %s needs a text of at least %d tokens (%s); this text has %d", name, need, why, T)
}

// Figure draws one of the lesson's figures by name.
func (a *Analysis) Figure(name string) (*viz.Figure, error) {
	if err := a.TooFewTokens(name); err != nil {
		return nil, err
	}
	switch name {
	case FigLesson:
		return viz.LessonFigure(a.CosStats, a.Histogram, a.NullStd, viz.LessonOptions{
			Title: fmt.Sprintf("%s — cosine(attention adjustment, MLP adjustment), %d tokens", a.Result.Info.Model, len(a.Result.IDs)),
		})
	case FigCosHeatmap:
		return viz.CosineHeatmap(a.Cosine, a.Result.TokenLabels())
	case FigStepHeatmaps:
		return viz.StepLengthHeatmaps(a.Steps, a.Result.TokenLabels())
	case FigCorrelations:
		var sets []analysis.CorrelationSet
		for _, c := range CorrelationSets[:3] {
			set, ok := a.Correlation(c.Method, c.FirstToken)
			if !ok {
				return nil, fmt.Errorf("figure %s: the %s correlations from token %d were not computed", name, c.Method, c.FirstToken)
			}
			sets = append(sets, set)
		}
		return viz.CorrelationPlot(sets...)
	case FigScatter:
		return viz.ScatterGrid(a.Steps, viz.ScatterLayers(a.Result.Config.NLayer), 1)
	}
	return nil, fmt.Errorf("unknown figure %q: use one of %s", name, strings.Join(FigureNames(), ", "))
}

// WriteReport writes every figure in each format ("png", "svg"),
// summary.json and the token explorer (ExplorerFile) into dir, and returns the
// paths written. A figure the text is too short for is left out, and notes
// says so (see TooFewTokens).
func (a *Analysis) WriteReport(dir string, formats []string) (written, notes []string, err error) {
	for _, f := range formats {
		if f != "png" && f != "svg" {
			return nil, nil, fmt.Errorf("unknown figure format %q: use png and/or svg", f)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("create the output directory: %w: choose a writable output directory", err)
	}
	for _, name := range FigureNames() {
		if err := a.TooFewTokens(name); err != nil {
			notes = append(notes, err.Error())
			continue
		}
		fig, err := a.Figure(name)
		if err != nil {
			return written, notes, err
		}
		for _, format := range formats {
			path := filepath.Join(dir, name+"."+format)
			if err := fig.Save(path); err != nil {
				return written, notes, err
			}
			written = append(written, path)
		}
	}
	path := filepath.Join(dir, "summary.json")
	if err := a.Summary().WriteJSON(path); err != nil {
		return written, notes, err
	}
	written = append(written, path)
	// The interactive token explorer of both parts (see explorer.go).
	path = filepath.Join(dir, ExplorerFile)
	if err := a.WriteExplorer(path); err != nil {
		return written, notes, err
	}
	return append(written, path), notes, nil
}
