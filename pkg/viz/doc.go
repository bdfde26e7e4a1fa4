// Package viz draws the lesson's figures with gonum.org/v1/plot from the
// results of package analysis:
//
//   - LessonFigure: per-layer mean cosine similarity of the attention and
//     MLP outputs (±std or ±s.e., with the band of random directions)
//     next to the histogram over all tokens and layers.
//   - CosineHeatmap: the cosine similarity of every layer and token.
//   - StepLengthHeatmaps: attention, MLP and hidden-state step lengths on
//     one shared colour scale (part 2).
//   - CorrelationPlot: per-layer correlation of each sub-block's step
//     lengths with the hidden-state step lengths, FDR-significant layers
//     marked (part 2).
//   - ScatterGrid: the scatter plots behind those correlations, for a few
//     layers (see ScatterLayers).
//   - The course's other lessons: LayerLines, Distribution, PositionPairLines, CumulativePaths, ModelScatter, Trajectories, Scree.
//
// The token explorer (CosineExplorer, StepExplorer) shows the same numbers on
// the text itself: each token coloured by its value at a layer chosen with a
// slider, its numbers and per-layer curve on hover or keyboard focus. It is
// one self-contained HTML fragment (Explorer.HTML: inline SVG, CSS and plain
// JavaScript, no network), shown inline in a GoNB cell by DisplayExplorer and
// written as a standalone page by SaveExplorerPage.
//
// Every figure function returns a *Figure, rendered to bytes by Figure.PNG and
// Figure.SVG, written atomically by Figure.Save, and shown inline in a GoNB
// notebook cell by Display. Figures hold no data beyond what they draw and
// can be rendered any number of times.
//
// All text uses the Liberation Sans face bundled with gonum/plot, so
// rendering needs no system fonts. PNGs are rendered at DefaultDPI (100)
// unless Figure.DPI says otherwise.
package viz
