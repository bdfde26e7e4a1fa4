package viz

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
)

// lessonFourTrajectories fits one PCA on every state and returns the
// sentences' and the words' mean trajectories in the PC1–PC2 plane.
func lessonFourTrajectories(t *testing.T) ([]Trajectory, analysis.PCA) {
	t.Helper()
	x, words, sentences, layers := testStates()
	pca, err := analysis.FitPCA(x, 10)
	if err != nil {
		t.Fatal(err)
	}
	scores, err := pca.Project(x)
	if err != nil {
		t.Fatal(err)
	}
	var trajs, means []Trajectory
	for w, word := range words {
		var own []analysis.Matrix
		for s := range sentences {
			tr := Trajectory{Word: word}
			m := analysis.NewMatrix(layers, 2)
			for l := range layers {
				r := (w*sentences+s)*layers + l
				tr.X, tr.Y = append(tr.X, scores.At(r, 0)), append(tr.Y, scores.At(r, 1))
				m.Row(l)[0], m.Row(l)[1] = scores.At(r, 0), scores.At(r, 1)
			}
			trajs = append(trajs, tr)
			own = append(own, m)
		}
		mean, err := analysis.MeanTrajectory(own)
		if err != nil {
			t.Fatal(err)
		}
		tr := Trajectory{Word: word, Mean: true}
		for l := range layers {
			tr.X, tr.Y = append(tr.X, mean.At(l, 0)), append(tr.Y, mean.At(l, 1))
		}
		means = append(means, tr)
	}
	return append(trajs, means...), pca
}

func TestTrajectories(t *testing.T) {
	trajs, pca := lessonFourTrajectories(t)
	opts := TrajectoryOptions{
		Title:  "Target token through the layers, one PCA over all sentences, words and layers",
		XLabel: fmt.Sprintf("PC1 (%.1f%% of the variance)", 100*pca.Ratio[0]),
		YLabel: fmt.Sprintf("PC2 (%.1f%%)", 100*pca.Ratio[1]),
	}
	f, err := Trajectories(trajs, opts)
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, data, 900, 740, 100)
	checkSVG(t, f, "one PCA over all sentences", opts.XLabel, opts.YLabel, "&#34; her&#34;", "&#34; him&#34;", "&#34; round&#34;", "mean over sentences", "Layer")
	saveForInspection(t, "trajectories", f)

	tp, err := trajectoryPlot(trajs, opts)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(tp.words, "|") != " her| him| round" {
		t.Errorf("words %q", tp.words)
	}
	last := trajs[len(trajs)-1]
	pts := tp.points[len(trajs)-1]
	for l := range last.X {
		if pts.XYs[l].X != last.X[l] || pts.XYs[l].Y != last.Y[l] {
			t.Fatalf("mean trajectory point %d at %v, want (%v, %v)", l, pts.XYs[l], last.X[l], last.Y[l])
		}
	}
	if first, end := pts.GlyphStyleFunc(0).Color, pts.GlyphStyleFunc(len(last.X)-1).Color; first == end || first != tp.scale.at(0) {
		t.Errorf("layer colours: first %v, last %v; want the two ends of the scale", first, end)
	}
	if pts.GlyphStyleFunc(0).Shape == tp.points[0].GlyphStyleFunc(0).Shape {
		t.Error(`" round" and " her" share a marker`)
	}

	// NaN points are left out; one layer draws.
	nan := math.NaN()
	tp, err = trajectoryPlot([]Trajectory{{Word: "a", X: []float64{1, nan, 3}, Y: []float64{1, 2, 3}}}, TrajectoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tp.points[0].XYs) != 2 {
		t.Errorf("NaN point drawn: %v", tp.points[0].XYs)
	}
	if f, err := Trajectories([]Trajectory{{Word: "a", X: []float64{1}, Y: []float64{2}, Mean: true}}, TrajectoryOptions{}); err != nil {
		t.Fatal(err)
	} else if _, err := f.SVG(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		trajs []Trajectory
		want  string
	}{
		{"none", nil, "no trajectories"},
		{"lengths", []Trajectory{{Word: "w", X: []float64{1}, Y: nil}}, `trajectory 0 ("w"): 1 x values but 0 y values`},
		{"all NaN", []Trajectory{{Word: "w", X: []float64{nan}, Y: []float64{1}}}, "has no finite point"},
	} {
		if f, err := Trajectories(tc.trajs, TrajectoryOptions{}); err == nil || f != nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Trajectories = %v, %v; want an error containing %q", tc.name, f, err, tc.want)
		}
	}
}
