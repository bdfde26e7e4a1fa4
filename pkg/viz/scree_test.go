package viz

import (
	"math"
	"strings"
	"testing"
)

func TestScree(t *testing.T) {
	// Lesson 4's reported shape: 62 / 10 / 7.5 % and a long tail.
	ratio := []float64{0.62, 0.10, 0.075, 0.05, 0.035, 0.025, 0.02, 0.015, 0.01, 0.008, 0.006, 0.005}
	f, err := Scree(ratio, ScreeOptions{Title: "Explained variance (GPT-2 Medium, one PCA over all states)"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, data, 750, 520, 30)
	svg := checkSVG(t, f, "Explained variance (GPT-2 Medium", "Principal component", "Variance explained (%)", "62.0%", "10.0%", "7.5%", "3.5%", "cumulative")
	if strings.Contains(svg, ">2.5%<") {
		t.Error("the sixth bar is labelled; want labels on the first five only")
	}
	saveForInspection(t, "scree", f)

	// From lessonFourTrajectories' PCA: a real Ratio, limited to 4 bars.
	_, pca := lessonFourTrajectories(t)
	if f, err := Scree(pca.Ratio, ScreeOptions{Components: 4}); err != nil {
		t.Fatal(err)
	} else if _, err := f.PNG(); err != nil {
		t.Fatal(err)
	}
	if f, err := Scree([]float64{1}, ScreeOptions{}); err != nil {
		t.Fatal(err)
	} else if _, err := f.SVG(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		ratio []float64
		opts  ScreeOptions
		want  string
	}{
		{"none", nil, ScreeOptions{}, "no components"},
		{"NaN", []float64{0.5, math.NaN()}, ScreeOptions{}, "component 2 explains NaN"},
		{"negative", []float64{-0.1}, ScreeOptions{}, "must be in [0, 1]"},
		{"sum", []float64{0.7, 0.6}, ScreeOptions{}, "sum to 1.3"},
		{"components", []float64{0.5}, ScreeOptions{Components: -1}, "-1 components"},
	} {
		if f, err := Scree(tc.ratio, tc.opts); err == nil || f != nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Scree = %v, %v; want an error containing %q", tc.name, f, err, tc.want)
		}
	}
}
