package course

import (
	"fmt"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/pkg/viz"
	"gonum.org/v1/gonum/stat"
)

// VectorRef names one hidden vector of a batch: a sentence, a hidden state
// (0 = embeddings … L = after ln_f) and a token position.
type VectorRef struct {
	Sentence int `json:"sentence"`
	State    int `json:"state"`
	Token    int `json:"token"`
}

// RandomPair is a control pair of hidden vectors and the angle between them.
type RandomPair struct {
	A     VectorRef `json:"a"`
	B     VectorRef `json:"b"`
	Angle float64   `json:"angle"`
}

// LayerTest is one block's independent-samples (Welch) t-test of the
// target's rotations against its neighbour's, with the Benjamini–Hochberg
// decision across blocks.
type LayerTest struct {
	Block       int    `json:"block"` // 1 … L
	T           Number `json:"t"`
	DF          Number `json:"df"`
	P           Number `json:"p"`
	Significant bool   `json:"significant"`
}

// RotationsResult is lesson 1's numbers: how far the hidden state of the
// target and of the token before it turns in each block, in degrees.
type RotationsResult struct {
	Model     string `json:"model"` // sentence 0's Info.Model
	Word      string `json:"word"`
	Sentences int    `json:"sentences"`
	Blocks    int    `json:"blocks"`
	// Positions[s] is the target's token index in sentence s; its neighbour
	// is the token before it.
	Positions []int `json:"target_positions"`
	// Target[l][s] and Neighbour[l][s] are the angles in degrees between the
	// token's hidden states l and l+1 (block l+1) in sentence s; the last
	// block's includes ln_f, as Hugging Face's last hidden state does.
	Target    []Series `json:"target_degrees"`
	Neighbour []Series `json:"neighbour_degrees"`
	// TargetStats and NeighbourStats summarise them over sentences, per block.
	TargetStats    Stats       `json:"target_stats"`
	NeighbourStats Stats       `json:"neighbour_stats"`
	TTest          []LayerTest `json:"t_test"`
	Q              float64     `json:"fdr_q"`
	// Random is the control: the angles of random pairs of hidden vectors
	// of the batch, any sentence, any state, any token.
	Random RandomControl `json:"random_pairs"`
}

// RandomControl is a sample of random pairs and their angles' summary.
type RandomControl struct {
	Seed   uint64       `json:"seed"`
	Mean   float64      `json:"mean"`
	Median float64      `json:"median"`
	Std    float64      `json:"std"` // population, as analysis.PerLayer
	Pairs  []RandomPair `json:"pairs"`
}

// Rotations computes lesson 1 from the results of one model on a batch of
// sentences (course.HiddenRequest, e.g. model.RunBatch of Sentences()), each
// holding word once (FindWord): the angle in degrees between the hidden
// states of a token before and after every block (analysis.LayerRotations),
// for the target and for the token before it; their mean, spread and Welch
// t-test per block (BH at opts.Q over the blocks); and the control, opts.Pairs
// ordered pairs of distinct hidden vectors drawn uniformly from every
// sentence, state (embeddings to after ln_f) and position
// (analysis.RandomPairs with opts.Seed, the vectors numbered sentence by
// sentence, state by state, token by token).
func Rotations(results []*taps.Result, word string, opts Options) (RotationsResult, error) {
	opts = opts.withDefaults()
	hidden, at, err := sentences(results, word)
	if err != nil {
		return RotationsResult{}, fmt.Errorf("rotations: %w", err)
	}
	L, S := results[0].NLayer, len(results)
	target, neighbour := analysis.NewMatrix(L, S), analysis.NewMatrix(L, S)
	for s, h := range hidden {
		T, D := h.Dims[1], h.Dims[2]
		rot, err := analysis.LayerRotations(h.Data, L, T, D)
		if err != nil {
			return RotationsResult{}, fmt.Errorf("rotations: sentence %d: %w", s, err)
		}
		for l := range L {
			target.Data[l*S+s] = rot.At(l, at[s])
			neighbour.Data[l*S+s] = rot.At(l, at[s]-1)
		}
	}
	tests, err := analysis.WelchPerLayer(target, neighbour, opts.Q)
	if err != nil {
		return RotationsResult{}, fmt.Errorf("rotations: %w", err)
	}
	r := RotationsResult{
		Model: results[0].Info.Model, Word: word, Sentences: S, Blocks: L, Positions: at,
		Target: rows(target), Neighbour: rows(neighbour),
		TargetStats: statsOf(target), NeighbourStats: statsOf(neighbour), Q: opts.Q,
	}
	for _, t := range tests {
		r.TTest = append(r.TTest, LayerTest{Block: t.Layer + 1, T: Number(t.T), DF: Number(t.DF), P: Number(t.P), Significant: t.Significant})
	}
	if r.Random, err = randomAngles(hidden, opts); err != nil {
		return RotationsResult{}, fmt.Errorf("rotations: %w", err)
	}
	return r, nil
}

// randomAngles draws the random-pair control of lesson 1.
func randomAngles(hidden []taps.Array, opts Options) (RandomControl, error) {
	var refs []VectorRef
	for s, h := range hidden {
		for st := range h.Dims[0] {
			for t := range h.Dims[1] {
				refs = append(refs, VectorRef{Sentence: s, State: st, Token: t})
			}
		}
	}
	pairs, err := analysis.RandomPairs(opts.Pairs, len(refs), opts.Seed, nil)
	if err != nil {
		return RandomControl{}, err
	}
	c := RandomControl{Seed: opts.Seed, Pairs: make([]RandomPair, len(pairs))}
	angles := make([]float64, len(pairs))
	for i, p := range pairs {
		a, b := refs[p.A], refs[p.B]
		angles[i], err = analysis.AngleDegrees(vec(hidden, a), vec(hidden, b))
		if err != nil {
			return RandomControl{}, err
		}
		c.Pairs[i] = RandomPair{A: a, B: b, Angle: angles[i]}
	}
	if len(angles) > 0 {
		c.Mean, c.Std = stat.PopMeanStdDev(angles, nil)
		c.Median = analysis.Median(angles)
	}
	return c, nil
}

func vec(hidden []taps.Array, r VectorRef) []float32 {
	return hidden[r.Sentence].Vec(r.State, r.Token)
}

// Angles are the random pairs' angles.
func (c RandomControl) Angles() []float64 {
	out := make([]float64, len(c.Pairs))
	for i, p := range c.Pairs {
		out[i] = p.Angle
	}
	return out
}

// Figures draws lesson 1: "rotations-by-block", the mean rotation of the
// target and of its neighbour per block with ± one standard deviation over
// sentences and a triangle where the t-test survives the FDR correction;
// and "rotations-random-pairs", the distribution of the control's angles.
func (r RotationsResult) Figures() ([]Figure, error) {
	marks := make([]bool, len(r.TTest))
	for i, t := range r.TTest {
		marks[i] = t.Significant
	}
	lines, err := viz.LayerLines([]viz.LayerSeries{
		{Name: fmt.Sprintf("target %q", r.Word), Mean: r.TargetStats.Mean, Spread: r.TargetStats.Std},
		{Name: "the token before it", Mean: r.NeighbourStats.Mean, Spread: r.NeighbourStats.Std},
	}, viz.LayerLinesOptions{
		Title:      fmt.Sprintf("How far each block turns a token's hidden state (%d sentences, mean ± std)", r.Sentences),
		XLabel:     "Block (angle between its input and output)",
		YLabel:     "Rotation (degrees)",
		FirstLayer: 1, HLines: []float64{90}, Marks: marks,
		MarksLabel: fmt.Sprintf("target ≠ neighbour (Welch t-test, FDR q = %g)", r.Q),
	})
	if err != nil {
		return nil, err
	}
	dist, err := viz.Distribution(r.Random.Angles(), viz.DistributionOptions{
		Title:  fmt.Sprintf("Control: the angle between %d random pairs of hidden vectors", len(r.Random.Pairs)),
		XLabel: "Angle (degrees)", VLines: []float64{90},
	})
	if err != nil {
		return nil, err
	}
	return []Figure{{"rotations-by-block", lines}, {"rotations-random-pairs", dist}}, nil
}
