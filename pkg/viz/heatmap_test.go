package viz

import (
	"math"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"gonum.org/v1/plot"
)

func TestCosineHeatmap(t *testing.T) {
	cos := testCosines()
	labels := testTokenLabels(testTokens)
	withNaN := testCosines()
	withNaN.Data[5] = math.NaN()
	tests := []struct {
		name    string
		m       analysis.Matrix
		labels  []string
		wantSVG []string
		noSVG   []string
	}{
		{"tokens", cos, labels, []string{"Cosine similarity of attention and MLP outputs", "Transformer layer", "Cosine similarity", "&lt;|endoftext|&gt;", `&#34;  &#34;`, `\n`}, []string{"Grey cells"}},
		{"indices", cos, nil, []string{"Token", "Transformer layer", ">30</text>"}, nil},
		{"nan", withNaN, labels, []string{"Grey cells: undefined (NaN)."}, nil},
		{"long", rampMatrix(12, 200), testTokenLabels(200), []string{"&lt;|endoftext|&gt;"}, []string{"Grey cells"}},
		{"tiny", rampMatrix(2, 3), []string{"A", " b", "c"}, []string{">A</text>", ">b</text>", ">c</text>"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := CosineHeatmap(tt.m, tt.labels)
			if err != nil {
				t.Fatal(err)
			}
			data, err := f.PNG()
			if err != nil {
				t.Fatal(err)
			}
			checkPNG(t, data, 1200, 600, 100)
			svg := checkSVG(t, f, tt.wantSVG...)
			for _, s := range tt.noSVG {
				if strings.Contains(svg, s) {
					t.Errorf("SVG contains %q", s)
				}
			}
			saveForInspection(t, "cosine-heatmap-"+tt.name, f)
		})
	}
}

// rampMatrix returns a rows×cols matrix rising from −1 to 1 in reading order.
func rampMatrix(rows, cols int) analysis.Matrix {
	m := analysis.Matrix{Rows: rows, Cols: cols, Data: make([]float64, rows*cols)}
	for i := range m.Data {
		m.Data[i] = -1 + 2*float64(i)/float64(len(m.Data)-1)
	}
	return m
}

func TestHeatmapInputErrors(t *testing.T) {
	cos := testCosines()
	short := analysis.Matrix{Rows: 2, Cols: 3, Data: make([]float64, 5)}
	steps := testStepLengths()
	odd := testStepLengths()
	odd.MLP = analysis.Matrix{Rows: 2, Cols: testTokens, Data: make([]float64, 2*testTokens)}
	tests := []struct {
		name    string
		build   func() (*Figure, error)
		wantErr string
	}{
		{"cosine labels length", func() (*Figure, error) { return CosineHeatmap(cos, []string{"a", "b"}) }, "got 2 token labels for 60 tokens"},
		{"cosine empty", func() (*Figure, error) { return CosineHeatmap(analysis.Matrix{}, nil) }, "cosine matrix is empty"},
		{"cosine data length", func() (*Figure, error) { return CosineHeatmap(short, nil) }, "has 5 values for 2 layers × 3 tokens"},
		{"steps labels length", func() (*Figure, error) { return StepLengthHeatmaps(steps, []string{"a"}) }, "got 1 token labels for 60 tokens"},
		{"steps shapes", func() (*Figure, error) { return StepLengthHeatmaps(odd, nil) }, "differ in shape"},
		{"steps empty", func() (*Figure, error) { return StepLengthHeatmaps(analysis.StepLengths{}, nil) }, "attention step lengths is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := tt.build()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
			if f != nil {
				t.Error("returned a figure with its error")
			}
		})
	}
}

func TestStepLengthHeatmaps(t *testing.T) {
	s := testStepLengths()
	f, err := StepLengthHeatmaps(s, testTokenLabels(testTokens))
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, data, 1800, 650, 100)
	checkSVG(t, f, "Attention: ‖a(l) − a(l−1)‖", "MLP: ‖m(l) − m(l−1)‖", "Hidden state: ‖h(l+1) − h(l)‖",
		"Step length (L2 norm)", "Grey cells: undefined (NaN); layer 0")
	saveForInspection(t, "step-heatmaps", f)
}

func TestColorScales(t *testing.T) {
	nan := math.NaN()
	t.Run("shared sequential", func(t *testing.T) {
		s, err := sequentialScale([]float64{nan, 2, 3}, []float64{-1, nan}, []float64{7, math.Inf(1)})
		if err != nil {
			t.Fatal(err)
		}
		if s.Min != -1 || s.Max != 7 || len(s.Colors) != paletteSize {
			t.Errorf("scale [%g, %g] with %d colours, want [-1, 7] (finite min and max over all inputs) with %d", s.Min, s.Max, len(s.Colors), paletteSize)
		}
	})
	t.Run("constant sequential", func(t *testing.T) {
		s, err := sequentialScale([]float64{4, 4})
		if err != nil {
			t.Fatal(err)
		}
		if s.Min != 3.5 || s.Max != 4.5 {
			t.Errorf("constant input scale [%g, %g], want [3.5, 4.5]", s.Min, s.Max)
		}
	})
	t.Run("symmetric diverging", func(t *testing.T) {
		s, err := divergingScale([]float64{-0.2, nan, 0.5})
		if err != nil {
			t.Fatal(err)
		}
		if s.Min != -0.5 || s.Max != 0.5 {
			t.Errorf("diverging scale [%g, %g], want [-0.5, 0.5]", s.Min, s.Max)
		}
		mid := s.Colors[len(s.Colors)/2]
		if r, g, b, _ := mid.RGBA(); r>>8 < 200 || g>>8 < 200 || b>>8 < 200 {
			t.Errorf("diverging centre colour (%d,%d,%d) is not near white", r>>8, g>>8, b>>8)
		}
	})
}

func TestTokenTicks(t *testing.T) {
	labels := testTokenLabels(60)
	count := func(ticks []plot.Tick) (labelled int) {
		for _, tk := range ticks {
			if !tk.IsMinor() {
				labelled++
			}
		}
		return labelled
	}
	wide := tokenTicks(labels, 60, 60*20).Ticks(-0.5, 59.5)
	if len(wide) != 60 || count(wide) != 60 {
		t.Errorf("wide axis: %d ticks, %d labelled, want 60 and 60", len(wide), count(wide))
	}
	narrow := tokenTicks(labels, 60, 60*4).Ticks(-0.5, 59.5)
	if k := count(narrow); k < 10 || k > 30 {
		t.Errorf("narrow axis: %d labels, want every k-th (10..30 of 60)", k)
	}
	if narrow[0].Label != "<|endoftext|>" {
		t.Errorf("first label %q, want the first token", narrow[0].Label)
	}
}

func TestTokenLabel(t *testing.T) {
	tests := []struct{ in, want string }{
		{" cat", "cat"},
		{"\n", `"\n"`},
		{"  ", `"  "`},
		{"a\tb", `a\tb`},
		{" supercalifragilistic", "supercalifrag…"},
		{"", `""`},
	}
	for _, tt := range tests {
		if got := tokenLabel(tt.in); got != tt.want {
			t.Errorf("tokenLabel(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIntegerTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   string // labelled ticks
	}{
		{-1, 36, "0 5 10 15 20 25 30 35"},
		{-0.5, 11.5, "0 2 4 6 8 10"},
		{-0.5, 2.5, "0 1 2"},
		{0.2, 0.8, ""},
	}
	for _, tt := range tests {
		var got []string
		for _, tk := range (integerTicks{maxLabels: 8}).Ticks(tt.lo, tt.hi) {
			if !tk.IsMinor() {
				got = append(got, tk.Label)
			}
		}
		if s := strings.Join(got, " "); s != tt.want {
			t.Errorf("Ticks(%g, %g) labels %q, want %q", tt.lo, tt.hi, s, tt.want)
		}
	}
}
