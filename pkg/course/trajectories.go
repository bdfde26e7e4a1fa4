package course

import (
	"fmt"
	"math"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/pkg/viz"
)

// WordRuns are one version's results (Versions(): the sentences with
// Target swapped for Word), sentence i of every version the same sentence.
type WordRuns struct {
	Word    string
	Results []*taps.Result
}

// TrajectoryComponents is how many principal components lesson 4 keeps (the
// scree plot's bars); the trajectories use the first two, the JSON the first
// three.
const TrajectoryComponents = 20

// WordDistance is the distance between two words' mean trajectories at
// every hidden state.
type WordDistance struct {
	A string `json:"a"`
	B string `json:"b"`
	// Distance[s] is ‖mean_A(h_s) − mean_B(h_s)‖ in the full hidden space
	// (analysis.TrajectoryDistance of analysis.MeanTrajectory).
	Distance Series `json:"distance"`
	// Relative[s] is Distance[s] over the mean of the two mean states'
	// norms: how far apart the words are for the size the states have at
	// that depth (hidden states grow with depth).
	Relative Series `json:"relative"`
}

// TrajectoriesResult is lesson 4's numbers.
type TrajectoriesResult struct {
	Model     string   `json:"model"`
	Words     []string `json:"words"`
	Sentences int      `json:"sentences"`
	States    int      `json:"states"` // L+1: embeddings … after ln_f
	// Positions[w][n] is word w's token index in sentence n.
	Positions [][]int `json:"positions"`
	// Ratio and Variance are the one PCA's explained-variance ratios and
	// variances (divisor N−1), fitted on every word × sentence × state.
	Ratio    Series `json:"explained_variance_ratio"`
	Variance Series `json:"explained_variance"`
	// Points[w][n][s] are the first three principal coordinates of word w's
	// hidden state s in sentence n; Means[w][s] their mean over sentences.
	Points [][][]Series `json:"points"`
	Means  [][]Series   `json:"means"`
	// Distances are between every two words, in Words' order (0–1, 0–2, 1–2).
	Distances []WordDistance `json:"distances"`
}

// Trajectories computes lesson 4 from one model's results on every version of
// the sentences (course.HiddenRequest; versions in Words() order): the
// word's hidden state at every state of every sentence, ONE PCA fitted on
// all of them together (words × sentences × states, so every layer shares
// the same axes), their coordinates, the words' mean trajectories and the
// distance between them per state.
func Trajectories(words []WordRuns) (TrajectoriesResult, error) {
	if len(words) < 2 {
		return TrajectoriesResult{}, fmt.Errorf("trajectories: %d versions: pass at least two (Words())", len(words))
	}
	var (
		states, width int
		byWord        [][]analysis.Matrix // [w][n] = [states, D]
		r             TrajectoriesResult
	)
	for w, v := range words {
		if w > 0 && len(v.Results) != len(words[0].Results) {
			return TrajectoriesResult{}, fmt.Errorf("trajectories: version %q has %d sentences, %q %d: run every version of the same sentences", v.Word, len(v.Results), words[0].Word, len(words[0].Results))
		}
		hidden, at, err := sentences(v.Results, v.Word)
		if err != nil {
			return TrajectoriesResult{}, fmt.Errorf("trajectories: version %q: %w", v.Word, err)
		}
		if w == 0 {
			states, width = hidden[0].Dims[0], hidden[0].Dims[2]
			r.Model = v.Results[0].Info.Model
		} else if hidden[0].Dims[0] != states || hidden[0].Dims[2] != width {
			return TrajectoriesResult{}, fmt.Errorf("trajectories: version %q comes from another model (%d states of width %d, %q %d of %d)", v.Word, hidden[0].Dims[0], hidden[0].Dims[2], words[0].Word, states, width)
		}
		r.Words, r.Positions = append(r.Words, v.Word), append(r.Positions, at)
		var trajs []analysis.Matrix
		for n, h := range hidden {
			m := analysis.NewMatrix(states, width)
			for s := range states {
				for d, x := range h.Vec(s, at[n]) {
					m.Data[s*width+d] = float64(x)
				}
			}
			trajs = append(trajs, m)
		}
		byWord = append(byWord, trajs)
	}
	r.Sentences, r.States = len(words[0].Results), states
	all := analysis.NewMatrix(len(words)*r.Sentences*states, width)
	i := 0
	for _, trajs := range byWord {
		for _, m := range trajs {
			i += copy(all.Data[i:], m.Data)
		}
	}
	pca, err := analysis.FitPCA(all, min(TrajectoryComponents, all.Rows, width))
	if err != nil {
		return TrajectoriesResult{}, fmt.Errorf("trajectories: %w", err)
	}
	r.Ratio, r.Variance = pca.Ratio, pca.Variance
	keep := min(3, pca.Components.Rows)
	means := make([]analysis.Matrix, len(words))
	for w, trajs := range byWord {
		var pts [][]Series
		for _, m := range trajs {
			proj, err := pca.Project(m)
			if err != nil {
				return TrajectoriesResult{}, fmt.Errorf("trajectories: %w", err)
			}
			pts = append(pts, firstColumns(proj, keep))
		}
		r.Points = append(r.Points, pts)
		if means[w], err = analysis.MeanTrajectory(trajs); err != nil {
			return TrajectoriesResult{}, fmt.Errorf("trajectories: %w", err)
		}
		proj, err := pca.Project(means[w])
		if err != nil {
			return TrajectoriesResult{}, fmt.Errorf("trajectories: %w", err)
		}
		r.Means = append(r.Means, firstColumns(proj, keep))
	}
	for a := range words {
		for b := a + 1; b < len(words); b++ {
			d, err := analysis.TrajectoryDistance(means[a], means[b])
			if err != nil {
				return TrajectoriesResult{}, fmt.Errorf("trajectories: %w", err)
			}
			rel := make(Series, len(d))
			for s := range d {
				rel[s] = d[s] / ((norm(means[a].Row(s)) + norm(means[b].Row(s))) / 2)
			}
			r.Distances = append(r.Distances, WordDistance{A: r.Words[a], B: r.Words[b], Distance: d, Relative: rel})
		}
	}
	return r, nil
}

// firstColumns keeps the first k columns of m, one Series per row.
func firstColumns(m analysis.Matrix, k int) []Series {
	out := make([]Series, m.Rows)
	for r := range out {
		out[r] = append(Series(nil), m.Row(r)[:k]...)
	}
	return out
}

func norm(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s)
}

// Figures draws lesson 4: "trajectories", every sentence's and every word's
// mean trajectory in the PC1–PC2 plane, coloured by hidden state;
// "trajectories-scree", the PCA's explained variance; and
// "trajectories-distance", the distance between the words' mean
// trajectories per hidden state, relative to the states' size.
func (r TrajectoriesResult) Figures() ([]Figure, error) {
	var trajs []viz.Trajectory
	coords := func(pts []Series, k int) []float64 {
		out := make([]float64, len(pts))
		for s, p := range pts {
			out[s] = math.NaN()
			if k < len(p) {
				out[s] = p[k]
			}
		}
		return out
	}
	for w, word := range r.Words {
		for _, pts := range r.Points[w] {
			trajs = append(trajs, viz.Trajectory{Word: word, X: coords(pts, 0), Y: coords(pts, 1)})
		}
	}
	for w, word := range r.Words {
		trajs = append(trajs, viz.Trajectory{Word: word, X: coords(r.Means[w], 0), Y: coords(r.Means[w], 1), Mean: true})
	}
	pct := func(k int) string {
		if k < len(r.Ratio) {
			return fmt.Sprintf("PC%d (%.1f%% of the variance)", k+1, 100*r.Ratio[k])
		}
		return fmt.Sprintf("PC%d", k+1)
	}
	tr, err := viz.Trajectories(trajs, viz.TrajectoryOptions{
		Title:  fmt.Sprintf("The target word's hidden state through the layers (%d sentences, one PCA)", r.Sentences),
		XLabel: pct(0), YLabel: pct(1),
	})
	if err != nil {
		return nil, err
	}
	scree, err := viz.Scree(r.Ratio, viz.ScreeOptions{Title: "One PCA over every word, sentence and hidden state"})
	if err != nil {
		return nil, err
	}
	var series []viz.LayerSeries
	for _, d := range r.Distances {
		series = append(series, viz.LayerSeries{Name: fmt.Sprintf("%q – %q", d.A, d.B), Mean: d.Relative})
	}
	dist, err := viz.LayerLines(series, viz.LayerLinesOptions{
		Title:  "How far apart the words' mean trajectories are",
		XLabel: "Hidden state (0 = embeddings)", YLabel: "Distance / mean state norm",
	})
	if err != nil {
		return nil, err
	}
	return []Figure{{"trajectories", tr}, {"trajectories-scree", scree}, {"trajectories-distance", dist}}, nil
}
