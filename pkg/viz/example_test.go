package viz_test

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"log"
	"os"
	"path/filepath"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/viz"
)

// The lesson's figure from per-layer statistics and a histogram (normally
// analysis.PerLayer and analysis.NewHistogram of the cosine matrix).
func ExampleLessonFigure() {
	stats := analysis.LayerStats{
		Mean: []float64{-0.2, -0.05, 0.01, 0.15},
		Std:  []float64{0.1, 0.08, 0.07, 0.12},
		SEM:  []float64{0.01, 0.008, 0.007, 0.012},
		N:    100,
	}
	hist := analysis.Histogram{
		Edges:  []float64{-0.4, -0.2, 0, 0.2, 0.4},
		Counts: []int{30, 120, 150, 100},
	}
	fig, err := viz.LessonFigure(stats, hist, 1/36.0, viz.LessonOptions{})
	if err != nil {
		log.Fatal(err)
	}
	data, err := fig.PNG()
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d×%d PNG\n", cfg.Width, cfg.Height)

	dir, err := os.MkdirTemp("", "viz-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := fig.Save(filepath.Join(dir, "lesson.svg")); err != nil {
		log.Fatal(err)
	}
	fmt.Println(fig.Save("lesson.pdf")) // nothing is written
	// Output:
	// 1400×500 PNG
	// viz: save lesson.pdf: unsupported extension ".pdf": use .png or .svg
}

func ExampleScatterLayers() {
	fmt.Println(viz.ScatterLayers(36)) // GPT-2 Large
	fmt.Println(viz.ScatterLayers(12)) // GPT-2 small
	// Output:
	// [1 4 7 10 13 16 19 22 25 28 31 34]
	// [1 2 3 4 5 6 7 8 9 10 11]
}

// Outside a GoNB notebook Display draws nothing and says so.
func ExampleDisplay() {
	fig, err := viz.CosineHeatmap(analysis.Matrix{Rows: 2, Cols: 3, Data: []float64{-0.5, 0, 0.5, 0.1, 0.2, 0.3}}, []string{"The", " cat", " sat"})
	if err != nil {
		log.Fatal(err)
	}
	if err := viz.Display(fig); errors.Is(err, viz.ErrNotNotebook) {
		fmt.Println("not in a notebook")
	}
	// Output:
	// not in a notebook
}
