package viz

import (
	"math"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
)

func TestLessonFigure(t *testing.T) {
	cos := testCosines()
	stats := testStats(cos)
	hist := testHistogram(cos.Data, 80)
	null := 1 / math.Sqrt(testDim)
	tests := []struct {
		name    string
		opts    LessonOptions
		wantH   int
		wantSVG []string
	}{
		{"lesson", LessonOptions{}, 500, []string{
			"Average (±std) across all tokens", "Distribution of all tokens and layers",
			"Transformer layer", "Cosine similarity", "Count",
			"Random directions ±1σ (σ ≈ 1/√d = 0.028)", "Layer mean ± std",
		}},
		{"sem-2sigma-title", LessonOptions{ErrorBars: StdErr, NullSigmas: 2, Title: "GPT-2 Large, 60 tokens"}, 540, []string{
			"Average (±s.e.) across all tokens", "Random directions ±2σ", "Layer mean ± s.e.", "GPT-2 Large, 60 tokens",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := LessonFigure(stats, hist, null, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			data, err := f.PNG()
			if err != nil {
				t.Fatal(err)
			}
			checkPNG(t, data, 1400, tt.wantH, 50)
			checkSVG(t, f, tt.wantSVG...)
			saveForInspection(t, "lesson-"+tt.name, f)
		})
	}
}

func TestLessonMeanPanel(t *testing.T) {
	stats := testStats(testCosines())
	stats.Mean[7] = math.NaN() // a layer without finite values is left out
	null := 1 / math.Sqrt(testDim)
	for _, tt := range []struct {
		name   string
		opts   LessonOptions
		errs   []float64
		sigmas float64
	}{
		{"std", LessonOptions{}, stats.Std, 1},
		{"sem", LessonOptions{ErrorBars: StdErr, NullSigmas: 2}, stats.SEM, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mp, err := lessonMeanPlot(stats, null, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(mp.points.XYs), testLayers-1; got != want {
				t.Fatalf("panel has %d points, want %d (one per layer with a finite mean)", got, want)
			}
			for i, pt := range mp.points.XYs {
				l := int(pt.X)
				if l == 7 || pt.X != float64(l) {
					t.Fatalf("point %d at x = %g, want whole layer numbers without layer 7", i, pt.X)
				}
				if pt.Y != stats.Mean[l] {
					t.Errorf("layer %d plotted at %g, want mean %g", l, pt.Y, stats.Mean[l])
				}
				if mp.bars.XYs[i] != pt {
					t.Errorf("error bar %d at %v, want %v", i, mp.bars.XYs[i], pt)
				}
				if e := mp.bars.YErrors[i]; e.Low != tt.errs[l] || e.High != tt.errs[l] {
					t.Errorf("layer %d error bar ±(%g, %g), want ±%g", l, e.Low, e.High, tt.errs[l])
				}
			}
			_, _, ymin, ymax := mp.band.DataRange()
			if want := tt.sigmas * null; math.Abs(ymax-want) > 1e-15 || math.Abs(ymin+want) > 1e-15 {
				t.Errorf("null band spans [%g, %g], want ±%g", ymin, ymax, want)
			}
			if !strings.Contains(mp.plot.Title.Text, "±"+map[ErrorBar]string{StdDev: "std", StdErr: "s.e."}[tt.opts.ErrorBars]) {
				t.Errorf("title %q does not name the error bars", mp.plot.Title.Text)
			}
		})
	}
	mp, err := lessonMeanPlot(stats, 0, LessonOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if mp.band != nil {
		t.Error("nullStd = 0 still drew a null band")
	}
}

func TestLessonFigureErrors(t *testing.T) {
	stats := testStats(testCosines())
	hist := testHistogram(testCosines().Data, 80)
	allNaN := analysis.LayerStats{Mean: []float64{math.NaN(), math.NaN()}, Std: []float64{0, 0}, SEM: []float64{0, 0}}
	shortStd := stats
	shortStd.Std = stats.Std[:3]
	badEdges := analysis.Histogram{Edges: hist.Edges[:10], Counts: hist.Counts}
	decreasing := analysis.Histogram{Edges: []float64{0, 1, 0.5}, Counts: []int{1, 2}}
	negative := analysis.Histogram{Edges: []float64{0, 1, 2}, Counts: []int{1, -2}}
	tests := []struct {
		name    string
		stats   analysis.LayerStats
		hist    analysis.Histogram
		null    float64
		opts    LessonOptions
		wantErr string
	}{
		{"empty stats", analysis.LayerStats{}, hist, 0.03, LessonOptions{}, "layer stats are empty"},
		{"std length", shortStd, hist, 0.03, LessonOptions{}, "36 means but 3 std values"},
		{"all NaN", allNaN, hist, 0.03, LessonOptions{}, "all 2 layer means are NaN"},
		{"bad error kind", stats, hist, 0.03, LessonOptions{ErrorBars: 7}, "unknown error bar kind 7"},
		{"negative null", stats, hist, -1, LessonOptions{}, "null std -1 is invalid"},
		{"NaN null", stats, hist, math.NaN(), LessonOptions{}, "null std NaN is invalid"},
		{"negative sigmas", stats, hist, 0.03, LessonOptions{NullSigmas: -2}, "NullSigmas -2 is invalid"},
		{"empty histogram", stats, analysis.Histogram{}, 0.03, LessonOptions{}, "histogram has no bins"},
		{"edges mismatch", stats, badEdges, 0.03, LessonOptions{}, "10 edges for 80 bins, want 81"},
		{"decreasing edges", stats, decreasing, 0.03, LessonOptions{}, "bin 1 has edges [1, 0.5]"},
		{"negative count", stats, negative, 0.03, LessonOptions{}, "negative count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := LessonFigure(tt.stats, tt.hist, tt.null, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("LessonFigure error = %v, want one containing %q", err, tt.wantErr)
			}
			if f != nil {
				t.Error("LessonFigure returned a figure with its error")
			}
		})
	}
}
