package viz

import (
	"fmt"
	"image/color"
	"math"
	"strings"
	"testing"
)

// testDepthSeries is a model of the given depth whose mean rises from −a to +a with depth and whose std is 0.1.
func testDepthSeries(model string, layers int, a float64, random bool) DepthSeries {
	s := DepthSeries{Model: model, Random: random}
	for l := range layers {
		s.Mean = append(s.Mean, a*(2*relDepth(l, layers)-1))
		s.Std = append(s.Std, 0.1+0.01*float64(l%3))
	}
	return s
}

func testDepthPanels(n int) []DepthPanel {
	var panels []DepthPanel
	for i := range n {
		panels = append(panels, DepthPanel{Title: fmt.Sprintf("text %d (%d tokens)", i, 100+i), Series: []DepthSeries{
			testDepthSeries("gpt2", 12, 0.2, false), testDepthSeries("gpt2", 12, 0.05, true),
			testDepthSeries("gpt2-medium", 24, 0.3, false), testDepthSeries("gpt2-medium", 24, 0.05, true),
			testDepthSeries("gpt2-large", 36, 0.4, false),
		}})
	}
	return panels
}

func TestDepthFigure(t *testing.T) {
	for _, tt := range []struct {
		name         string
		panels       int
		opts         DepthOptions
		wantW, wantH int
		wantSVG      []string
	}{
		{"five texts", 5, DepthOptions{Title: "Across texts and models", NearZero: 0.05}, 1590, 870, []string{
			"Across texts and models", "text 0 (100 tokens)", "text 4 (104 tokens)", "Relative depth: layer / (L − 1)",
			"Mean cosine across tokens (± std)", "gpt2-medium", "gpt2-large", "trained weights",
			"random weights, same shape (training control)", "band: ± std across tokens", "|mean| &lt; 0.05: near zero",
		}},
		{"one text, two columns asked", 1, DepthOptions{Columns: 2, YLabel: "y"}, 550, 440, []string{"text 0 (100 tokens)", "y"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := DepthFigure(testDepthPanels(tt.panels), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			data, err := f.PNG()
			if err != nil {
				t.Fatal(err)
			}
			checkPNG(t, data, tt.wantW, tt.wantH, 50)
			svg := checkSVG(t, f, tt.wantSVG...)
			if tt.opts.NearZero == 0 && strings.Contains(svg, "near zero") {
				t.Error("no NearZero, yet the key explains a near-zero band")
			}
			saveForInspection(t, "depth-"+strings.ReplaceAll(tt.name, " ", "-"), f)
		})
	}
}

// TestDepthPanelValues reads back what a panel plots: each series at relative depth l/(L−1) from 0 to 1, its
// mean, its ± std band, its model's colour, dashed for the control; NaN layers left out.
func TestDepthPanelValues(t *testing.T) {
	p := testDepthPanels(1)[0]
	p.Series[2].Mean[5] = math.NaN()
	colors := map[string]color.RGBA{"gpt2": depthColors[0], "gpt2-medium": depthColors[1], "gpt2-large": depthColors[2]}
	dp, err := depthPanelPlot(p, colors, DepthOptions{NearZero: 0.05}, -1, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range p.Series {
		line, band := dp.lines[i], dp.bands[i]
		want := len(s.Mean)
		if i == 2 {
			want--
		}
		if len(line.XYs) != want || len(dp.points[i].XYs) != want {
			t.Fatalf("series %d: %d points, want %d (one per finite layer)", i, len(line.XYs), want)
		}
		if line.XYs[0].X != 0 || line.XYs[len(line.XYs)-1].X != 1 {
			t.Errorf("series %d spans x %g…%g, want 0…1", i, line.XYs[0].X, line.XYs[len(line.XYs)-1].X)
		}
		L := len(s.Mean)
		k := 0
		for l, m := range s.Mean {
			if math.IsNaN(m) {
				continue
			}
			if pt := line.XYs[k]; pt.X != float64(l)/float64(L-1) || pt.Y != m {
				t.Errorf("series %d layer %d plotted at %v, want (%g, %g)", i, l, pt, float64(l)/float64(L-1), m)
			}
			k++
		}
		ring := band.XYs[0]
		if len(ring) != 2*want || ring[0].Y != s.Mean[0]+s.Std[0] || ring[len(ring)-1].Y != s.Mean[0]-s.Std[0] {
			t.Errorf("series %d: band of %d points from %v to %v, want %d from mean±std of layer 0", i, len(ring), ring[0], ring[len(ring)-1], 2*want)
		}
		if line.LineStyle.Color != colors[s.Model] {
			t.Errorf("series %d of %s drawn in %v, want its model's colour %v", i, s.Model, line.LineStyle.Color, colors[s.Model])
		}
		if dashed := len(line.LineStyle.Dashes) > 0; dashed != s.Random {
			t.Errorf("series %d (random %v) dashed = %v", i, s.Random, dashed)
		}
	}
}

func TestDepthFigureErrors(t *testing.T) {
	good := testDepthSeries("m", 4, 0.1, false)
	short := good
	short.Std = short.Std[:2]
	nan := DepthSeries{Model: "m", Mean: []float64{math.NaN(), math.NaN()}, Std: []float64{0, 0}}
	for _, tt := range []struct {
		name   string
		panels []DepthPanel
		opts   DepthOptions
		want   string
	}{
		{"no panels", nil, DepthOptions{}, "no panels"},
		{"no series", []DepthPanel{{Title: "t"}}, DepthOptions{}, "no series"},
		{"no layers", []DepthPanel{{Series: []DepthSeries{{Model: "m"}}}}, DepthOptions{}, "no layers"},
		{"lengths differ", []DepthPanel{{Series: []DepthSeries{short}}}, DepthOptions{}, "4 means but 2 standard deviations"},
		{"all NaN", []DepthPanel{{Series: []DepthSeries{nan}}}, DepthOptions{}, "all 2 layer means are NaN"},
		{"bad bound", []DepthPanel{{Series: []DepthSeries{good}}}, DepthOptions{NearZero: -1}, "NearZero -1 is invalid"},
	} {
		if _, err := DepthFigure(tt.panels, tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	// A one-layer model is one point at depth 0.
	one := DepthSeries{Model: "m", Mean: []float64{0.1}, Std: []float64{0.01}}
	if _, err := DepthFigure([]DepthPanel{{Title: "one layer", Series: []DepthSeries{one}}}, DepthOptions{}); err != nil {
		t.Errorf("a one-layer model: %v", err)
	}
}
