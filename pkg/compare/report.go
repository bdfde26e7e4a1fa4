package compare

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/gpt2taps/gpt2taps/internal/atomicfile"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/viz"
)

// FigureName is the comparison figure's file name without extension.
const FigureName = "across_texts_and_models"

// JSONName is the comparison's file name.
const JSONName = "compare.json"

// Comparison is the result of Plan.Run, and the content of compare.json.
type Comparison struct {
	NearZeroBound float64     `json:"near_zero_bound"` // lesson.NearZero: |mean| below it counts as near zero
	ShuffleSeed   uint64      `json:"shuffle_seed"`    // of the shuffled control text
	RandomSeed    int64       `json:"random_seed"`     // of the training control's checkpoints (0 without it)
	Models        []ModelInfo `json:"models"`
	Texts         []TextInfo  `json:"texts"`
	Rows          []Row       `json:"rows"` // per model: its texts with trained weights, then with random ones
}

// ModelInfo describes one model of the comparison.
type ModelInfo struct {
	Model            string `json:"model"`
	Label            string `json:"label"`
	Dir              string `json:"dir"`
	NLayer           int    `json:"n_layer"`
	NEmbd            int    `json:"n_embd"`
	NHead            int    `json:"n_head"`
	RandomCheckpoint string `json:"random_checkpoint,omitempty"` // the training control's checkpoint
}

// TextInfo describes one text of the comparison.
type TextInfo struct {
	Name     string `json:"name"`
	About    string `json:"about"`
	Source   string `json:"source"`
	Tokens   int    `json:"n_tokens"`
	TokenIDs bool   `json:"token_ids,omitempty"` // given as token ids (the shuffled control), not as a text
}

// Row returns the row of (label, trained, text), if there is one.
func (c *Comparison) Row(label string, trained bool, text string) (Row, bool) {
	for _, r := range c.Rows {
		if r.Label == label && r.Trained == trained && r.Text == text {
			return r, true
		}
	}
	return Row{}, false
}

// WriteJSON writes the comparison to path, indented, atomically.
func (c *Comparison) WriteJSON(path string) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("compare.json: %w", err)
	}
	return atomicfile.WriteFile(path, append(data, '\n'), 0o644)
}

// ReadJSON reads a compare.json.
func ReadJSON(path string) (*Comparison, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Comparison
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return &c, nil
}

// WriteTable prints the table of the comparison: one line per (model, weights, text) with the token and layer
// counts, the middle layers' mean and largest |mean|, the first and last layers' means, and whether the lesson's
// claim holds. Numbers have six decimals; columns are separated by at least two spaces.
func (c *Comparison) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "model\tweights\ttext\ttokens\tlayers\tmiddle mean\tmiddle max |mean|\tfirst layer\tlast layer\tclaim holds\t")
	for _, r := range c.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n", r.Label, r.Weights(), r.Text, r.Tokens, r.Layers,
			num(r.MiddleMean), abs(r.MiddleMaxAbsMean), num(r.FirstLayerMean), num(r.LastLayerMean), yesNo(r.Holds))
	}
	return tw.Flush()
}

// num formats a table number: six decimals with a sign, or NaN.
func num(n lesson.Num) string { return fmt.Sprintf("%+.6f", float64(n)) }

// abs formats a table number that is never negative: six decimals, or NaN.
func abs(n lesson.Num) string { return fmt.Sprintf("%.6f", float64(n)) }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// Figure draws the comparison: one panel per text, every model's per-layer mean cosine ± std against relative
// depth, the training control dashed, the lesson's near-zero bound shaded (viz.DepthFigure).
func (c *Comparison) Figure() (*viz.Figure, error) {
	var panels []viz.DepthPanel
	for _, t := range c.Texts {
		p := viz.DepthPanel{Title: fmt.Sprintf("%s (%d tokens)", t.Name, t.Tokens)}
		for _, r := range c.Rows {
			if r.Text != t.Name {
				continue
			}
			s := viz.DepthSeries{Model: r.Label, Random: !r.Trained}
			for l := range r.PerLayerMean {
				s.Mean = append(s.Mean, float64(r.PerLayerMean[l]))
				s.Std = append(s.Std, float64(r.PerLayerStd[l]))
			}
			p.Series = append(p.Series, s)
		}
		panels = append(panels, p)
	}
	return viz.DepthFigure(panels, viz.DepthOptions{
		Title:    "Cosine of the attention and MLP adjustments, per layer, across texts and models",
		NearZero: c.NearZeroBound,
	})
}

// WriteReport writes the figure in each format (png, svg) and compare.json into dir, creating it, and returns
// the paths written. Every file is written atomically.
func (c *Comparison) WriteReport(dir string, formats []string) ([]string, error) {
	for _, f := range formats {
		if f != "png" && f != "svg" {
			return nil, fmt.Errorf("unknown figure format %q: use png, svg or png,svg", f)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	fig, err := c.Figure()
	if err != nil {
		return nil, err
	}
	var written []string
	for _, f := range formats {
		path := filepath.Join(dir, FigureName+"."+strings.ToLower(f))
		if err := fig.Save(path); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	path := filepath.Join(dir, JSONName)
	if err := c.WriteJSON(path); err != nil {
		return written, err
	}
	return append(written, path), nil
}

// WriteByModel prints one line per (model, weights) summing up its texts: in how many the lesson's claim holds,
// the range over the texts of the middle layers' mean, the largest middle-layer |mean| of all (and its text), and the
// range of the first and last layers' means — whether the picture belongs to the model or to the text.
func (c *Comparison) WriteByModel(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "model\tweights\tclaim holds\tmiddle mean\tlargest middle |mean|\tfirst layer\tlast layer\t")
	type key struct {
		label   string
		trained bool
	}
	var order []key
	groups := map[key][]Row{}
	for _, r := range c.Rows {
		k := key{r.Label, r.Trained}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	for _, k := range order {
		rows := groups[k]
		holds := 0
		for _, r := range rows {
			if r.Holds {
				holds++
			}
		}
		span := func(f func(Row) lesson.Num) string {
			lo, hi := f(rows[0]), f(rows[0])
			for _, r := range rows[1:] {
				lo, hi = min(lo, f(r)), max(hi, f(r))
			}
			return num(lo) + " … " + num(hi)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d of %d texts\t%s\t%s\t%s\t%s\t\n", k.label, rows[0].Weights(), holds, len(rows),
			span(func(r Row) lesson.Num { return r.MiddleMean }), maxAbs(rows),
			span(func(r Row) lesson.Num { return r.FirstLayerMean }), span(func(r Row) lesson.Num { return r.LastLayerMean }))
	}
	return tw.Flush()
}

// maxAbs is the largest middle-layer |mean| over the rows, with the text it comes from.
func maxAbs(rows []Row) string {
	best := rows[0]
	for _, r := range rows[1:] {
		if r.MiddleMaxAbsMean > best.MiddleMaxAbsMean {
			best = r
		}
	}
	return abs(best.MiddleMaxAbsMean) + " (" + best.Text + ")"
}
