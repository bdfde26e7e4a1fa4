package course

import (
	"fmt"
	"math"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/pkg/viz"
)

// TokenPair is a baseline pair of lesson 2: two distinct positions of one
// sentence, neither of them the target.
type TokenPair struct {
	Sentence int `json:"sentence"`
	A        int `json:"a"`
	B        int `json:"b"`
}

// NeighboursResult is lesson 2's numbers, angles in radians at every hidden
// state s = 0 (embeddings) … L (after ln_f).
type NeighboursResult struct {
	Model     string `json:"model"`
	Word      string `json:"word"`
	Sentences int    `json:"sentences"`
	States    int    `json:"states"` // L+1
	Positions []int  `json:"target_positions"`
	// Target[s][n] is the angle between the token before the target and the
	// target in sentence n at hidden state s.
	Target      []Series `json:"target_radians"`
	TargetStats Stats    `json:"target_stats"`
	// Seed and Pairs are the baseline: random ordered pairs of distinct
	// positions within one sentence, neither the target, drawn once and
	// measured at every state; Baseline[s][p] is pair p's angle at state s.
	Seed          uint64      `json:"seed"`
	Pairs         []TokenPair `json:"baseline_pairs"`
	Baseline      []Series    `json:"baseline_radians"`
	BaselineStats Stats       `json:"baseline_stats"`
	// WithToken0 and WithoutToken0 split the baseline's statistics into the
	// pairs that hold token 0 and the others: the baseline's second mode.
	WithToken0    Stats `json:"baseline_with_token0_stats"`
	WithoutToken0 Stats `json:"baseline_without_token0_stats"`
	// ByPosition[i] is the angle between positions i and i+1 over the
	// sentences that long (target pairs included): Count says how many.
	ByPosition []Stats `json:"by_position_pair"`
}

// Neighbours computes lesson 2 from the results of one model on a batch of
// sentences (course.HiddenRequest), each holding word once: per hidden state,
// the angle in radians between the target and the token before it
// (analysis.NeighbourAngles); a baseline of opts.Pairs random ordered pairs
// (i, j), i ≠ j, of positions of one sentence, neither the target
// (analysis.RandomPairs with opts.Seed over the batch's tokens numbered
// sentence by sentence, kept when both are in one sentence: so a sentence
// weighs with its number of pairs); and the neighbour angles split by
// position pair i↔i+1.
func Neighbours(results []*taps.Result, word string, opts Options) (NeighboursResult, error) {
	opts = opts.withDefaults()
	hidden, at, err := sentences(results, word)
	if err != nil {
		return NeighboursResult{}, fmt.Errorf("neighbours: %w", err)
	}
	S, states := len(results), results[0].NLayer+1
	longest := 0
	for _, h := range hidden {
		longest = max(longest, h.Dims[1])
	}
	target := analysis.NewMatrix(states, S)
	byPos := make([]analysis.Matrix, longest-1)
	for i := range byPos {
		byPos[i] = analysis.NewMatrix(states, S)
		for j := range byPos[i].Data {
			byPos[i].Data[j] = math.NaN()
		}
	}
	for n, h := range hidden {
		T, D := h.Dims[1], h.Dims[2]
		a, err := analysis.NeighbourAngles(h.Data, states, T, D)
		if err != nil {
			return NeighboursResult{}, fmt.Errorf("neighbours: sentence %d: %w", n, err)
		}
		for s := range states {
			target.Data[s*S+n] = a.At(s, at[n]-1)
			for i := range T - 1 {
				byPos[i].Data[s*S+n] = a.At(s, i)
			}
		}
	}
	r := NeighboursResult{
		Model: results[0].Info.Model, Word: word, Sentences: S, States: states, Positions: at,
		Target: rows(target), TargetStats: statsOf(target), Seed: opts.Seed,
	}
	for _, m := range byPos {
		r.ByPosition = append(r.ByPosition, statsOf(m))
	}
	if err := r.baseline(hidden, at, opts); err != nil {
		return NeighboursResult{}, fmt.Errorf("neighbours: %w", err)
	}
	return r, nil
}

// baseline draws and measures lesson 2's baseline pairs.
func (r *NeighboursResult) baseline(hidden []taps.Array, at []int, opts Options) error {
	type token struct{ sentence, pos int }
	var tokens []token
	for n, h := range hidden {
		for t := range h.Dims[1] {
			tokens = append(tokens, token{n, t})
		}
	}
	pairs, err := analysis.RandomPairs(opts.Pairs, len(tokens), opts.Seed, func(a, b int) bool {
		ta, tb := tokens[a], tokens[b]
		return ta.sentence == tb.sentence && ta.pos != at[ta.sentence] && tb.pos != at[tb.sentence]
	})
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	base := analysis.NewMatrix(r.States, len(pairs))
	with, without := analysis.NewMatrix(r.States, len(pairs)), analysis.NewMatrix(r.States, len(pairs))
	for p, pr := range pairs {
		a, b := tokens[pr.A], tokens[pr.B]
		r.Pairs = append(r.Pairs, TokenPair{Sentence: a.sentence, A: a.pos, B: b.pos})
		h := hidden[a.sentence]
		for s := range r.States {
			angle, err := analysis.AngleRadians(h.Vec(s, a.pos), h.Vec(s, b.pos))
			if err != nil {
				return err
			}
			i := s*len(pairs) + p
			base.Data[i] = angle
			with.Data[i], without.Data[i] = math.NaN(), math.NaN()
			if a.pos == 0 || b.pos == 0 {
				with.Data[i] = angle
			} else {
				without.Data[i] = angle
			}
		}
	}
	r.Baseline, r.BaselineStats = rows(base), statsOf(base)
	r.WithToken0, r.WithoutToken0 = statsOf(with), statsOf(without)
	return nil
}

// Figures draws lesson 2: "neighbours-by-state", the target's angle to the
// token before it against the baseline per hidden state (mean ± std);
// "neighbours-baseline", the distribution of the baseline's angles over all
// states, with its two modes; and "neighbours-by-position", the neighbour
// angle of every position pair, which shows that the high mode is token 0's.
func (r NeighboursResult) Figures() ([]Figure, error) {
	opts := viz.LayerLinesOptions{
		XLabel: "Hidden state (0 = embeddings)", YLabel: "Angle (radians)",
		HLines: []float64{math.Pi / 2},
	}
	lo := opts
	lo.Title = fmt.Sprintf("The angle between %q and the token before it (%d sentences, mean ± std)", r.Word, r.Sentences)
	lines, err := viz.LayerLines([]viz.LayerSeries{
		{Name: fmt.Sprintf("token before → %q", r.Word), Mean: r.TargetStats.Mean, Spread: r.TargetStats.Std},
		{Name: fmt.Sprintf("baseline: %d random pairs, not the target", len(r.Pairs)), Mean: r.BaselineStats.Mean, Spread: r.BaselineStats.Std},
	}, lo)
	if err != nil {
		return nil, err
	}
	var all []float64
	for _, row := range r.Baseline {
		all = append(all, row...)
	}
	dist, err := viz.Distribution(all, viz.DistributionOptions{
		Title:  fmt.Sprintf("Baseline: %d random token pairs at all %d hidden states", len(r.Pairs), r.States),
		XLabel: "Angle (radians)", VLines: []float64{math.Pi / 2},
	})
	if err != nil {
		return nil, err
	}
	pairs := make([]analysis.LayerStats, len(r.ByPosition))
	for i, s := range r.ByPosition {
		pairs[i] = analysis.LayerStats{Mean: s.Mean, Std: s.Std, SEM: s.SEM, Count: s.Count, N: r.Sentences}
	}
	po := opts
	po.Title = "The angle between neighbouring tokens, by position pair (mean over sentences)"
	byPos, err := viz.PositionPairLines(pairs, po)
	if err != nil {
		return nil, err
	}
	return []Figure{{"neighbours-by-state", lines}, {"neighbours-baseline", dist}, {"neighbours-by-position", byPos}}, nil
}
