package course

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"

	"github.com/gpt2taps/gpt2taps/internal/atomicfile"
	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/pkg/viz"
)

// HiddenRequest is what lessons 1, 2 and 4 capture: Hugging Face's hidden
// states, embeddings first and the last after ln_f ([L+1,T,D] per sentence).
// Sharing one request, the three lessons share the tap cache.
func HiddenRequest() taps.Request { return taps.Request{Points: []string{"hidden_states"}} }

// Options are the choices of the lessons' controls; the zero value gives the
// defaults below.
type Options struct {
	// Seed names the random pairs of the controls (analysis.RandomPairs); 0
	// → DefaultSeed.
	Seed uint64
	// Pairs is how many random pairs a control draws; 0 → DefaultPairs.
	Pairs int
	// Q is the false discovery rate of the Benjamini–Hochberg correction of
	// lesson 1's t-tests; 0 → DefaultQ.
	Q float64
}

// The defaults of Options: 2000 pairs give a control's mean to about ±0.3°
// (its spread is about 15°), and q = 0.05 is the usual level.
const (
	DefaultSeed  = 1
	DefaultPairs = 2000
	DefaultQ     = 0.05
)

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Pairs == 0 {
		o.Pairs = DefaultPairs
	}
	if o.Q == 0 {
		o.Q = DefaultQ
	}
	return o
}

// Series is a list of numbers whose JSON form writes NaN and ±Inf (an
// undefined statistic) as null and reads null back as NaN. It is a
// []float64, so it can be passed wherever one is expected.
type Series []float64

// MarshalJSON writes non-finite values as null.
func (s Series) MarshalJSON() ([]byte, error) {
	out := make([]*float64, len(s))
	for i := range s {
		if !math.IsNaN(s[i]) && !math.IsInf(s[i], 0) {
			out[i] = &s[i]
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads null as NaN.
func (s *Series) UnmarshalJSON(data []byte) error {
	var in []*float64
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	*s = make(Series, len(in))
	for i, v := range in {
		(*s)[i] = math.NaN()
		if v != nil {
			(*s)[i] = *v
		}
	}
	return nil
}

// Number is a float64 whose JSON form writes NaN and ±Inf as null (e.g. a
// correlation of a constant series) and reads null back as NaN.
type Number float64

// MarshalJSON writes a non-finite value as null.
func (n Number) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(n)) || math.IsInf(float64(n), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(n))
}

// UnmarshalJSON reads null as NaN.
func (n *Number) UnmarshalJSON(data []byte) error {
	var v *float64
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*n = Number(math.NaN())
	if v != nil {
		*n = Number(*v)
	}
	return nil
}

// Stats are per-layer statistics over sentences, as analysis.PerLayer
// computes them: Std is the population standard deviation (divisor n), SEM
// the standard error from the sample one (divisor n−1), Count the
// sentences behind each layer.
type Stats struct {
	Mean  Series `json:"mean"`
	Std   Series `json:"std"`
	SEM   Series `json:"sem"`
	Count []int  `json:"count"`
}

func statsOf(m analysis.Matrix) Stats {
	s := analysis.PerLayer(m)
	return Stats{Mean: s.Mean, Std: s.Std, SEM: s.SEM, Count: s.Count}
}

// rows turns a [layers, samples] Matrix into JSON rows, one per layer.
func rows(m analysis.Matrix) []Series {
	out := make([]Series, m.Rows)
	for r := range out {
		out[r] = Series(append([]float64(nil), m.Row(r)...))
	}
	return out
}

// Figure is a lesson's figure with its name, the base of its file name
// ("rotations-by-layer" → rotations-by-layer.png).
type Figure struct {
	Name   string
	Figure *viz.Figure
}

// WriteJSON writes v as indented JSON to path atomically: path is either the
// complete new file or untouched.
func WriteJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, append(data, '\n'), 0o644)
}

// SaveFigures saves every figure as dir/<name>.png and returns the paths.
func SaveFigures(dir string, figs []Figure) ([]string, error) {
	var paths []string
	for _, f := range figs {
		p := filepath.Join(dir, f.Name+".png")
		if err := f.Figure.Save(p); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// hiddenOf returns a result's hidden states [L+1,T,D], checked, and when
// layers ≥ 0 against the first sentence's model (layers and width); name
// ("sentence 3: ", or "") starts its errors and hint names the request to capture.
func hiddenOf(name string, res *taps.Result, layers, width int, hint string) (taps.Array, error) {
	if res == nil {
		return taps.Array{}, fmt.Errorf("%sno result", name)
	}
	s, ok := res.Stacks[gpt2.HiddenState]
	if !ok {
		return taps.Array{}, fmt.Errorf("%sthe result holds no hidden_states: capture it with %s", name, hint)
	}
	d := s.Dims
	if len(d) != 3 || d[0] != res.NLayer+1 || len(s.Indices) != d[0] || len(s.Data) != d[0]*d[1]*d[2] {
		return taps.Array{}, fmt.Errorf("%shidden_states of shape %v from a %d-layer model: capture every hidden state (%s)", name, d, res.NLayer, hint)
	}
	if layers >= 0 && (res.NLayer != layers || d[2] != width) {
		return taps.Array{}, fmt.Errorf("%sa %d-layer model of width %d, sentence 0 a %d-layer one of width %d: run every sentence on one model", name, res.NLayer, d[2], layers, width)
	}
	if len(res.Tokens) != d[1] {
		return taps.Array{}, fmt.Errorf("%s%d token strings for %d tokens: the result must record its tokens", name, len(res.Tokens), d[1])
	}
	return s.Array, nil
}

// sentences checks a batch of results of one model and returns their hidden
// states and the position of word in each (one-line errors: the first
// sentence that fails and how many more do).
func sentences(results []*taps.Result, word string) (hidden []taps.Array, at []int, err error) {
	if len(results) == 0 {
		return nil, nil, fmt.Errorf("no sentences: pass the results of at least one sentence")
	}
	hidden = make([]taps.Array, len(results))
	tokens := make([][]string, len(results))
	layers, width := -1, 0
	for i, res := range results {
		if hidden[i], err = hiddenOf(fmt.Sprintf("sentence %d: ", i), res, layers, width, "course.HiddenRequest()"); err != nil {
			return nil, nil, err
		}
		if i == 0 {
			layers, width = res.NLayer, hidden[i].Dims[2]
		}
		tokens[i] = res.Tokens
	}
	at, err = FindWords(tokens, word)
	if err != nil {
		return nil, nil, oneLine(err)
	}
	return hidden, at, nil
}

// oneLine keeps the first of errors joined by FindWords and counts the rest.
func oneLine(err error) error {
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		return err
	}
	errs := joined.Unwrap()
	if len(errs) == 1 {
		return errs[0]
	}
	return fmt.Errorf("%w (and %d more sentences)", errs[0], len(errs)-1)
}
