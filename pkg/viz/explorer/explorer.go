package explorer

import (
	"bytes"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"

	"github.com/gpt2taps/gpt2taps/internal/atomicfile"
	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/viz"
	"github.com/janpfeifer/gonb/gonbui"
	"gonum.org/v1/plot/palette/moreland"
)

// The explorer's script and style sheet, copied into every fragment so that
// it needs no other file and no network.
var (
	//go:embed explorer.js
	explorerJS string
	//go:embed explorer.css
	explorerCSS string
)

// explorerPaletteStops is the number of colours of the palette sent to the
// page, which interpolates between them.
const explorerPaletteStops = 33

// Explorer is an interactive view of per-token values on the text itself,
// for one part of the lesson: each token of the text coloured by its value
// at the selected layer, a layer slider, a strip of the per-layer means
// (a click selects a layer) and, for the token under the mouse or keyboard
// focus, its position, id, exact text, value and a small per-layer curve
// over the layer mean ± std.
//
// HTML returns it as one self-contained HTML fragment (inline SVG, CSS and
// plain JavaScript: no network, no external file) for a notebook output,
// Display shows it in a GoNB cell, and Page and
// SavePage make a standalone page of one or more explorers.
// Numbers are stored rounded to the precision the view prints them with
// (CosineDecimals, StepDigits).
type Explorer struct {
	data   explorerData
	labels []string
	breaks []int // newlines in each token: the text breaks its line after it
}

// Tokens are the tokens of the text, in order.
type Tokens struct {
	// IDs are the token ids.
	IDs []int
	// Texts are the exact token strings (GPT-2 tokens may be pieces of a
	// UTF-8 character: any bytes are accepted). The view shows them quoted,
	// Go-style, on hover.
	Texts []string
	// Labels are the tokens as written on the text (for GPT-2 use
	// gpt2.TokenLabel: whitespace-only tokens as ␣, newlines as ↵, control
	// characters escaped). Nil means the Go-quoted Texts.
	Labels []string
}

// Options tune an explorer.
type Options struct {
	// Title is shown above the view (plain text).
	Title string
	// Layer is the layer selected at first (clamped to the model's layers).
	Layer int
}

// check reports tokens that do not match n columns.
func (t Tokens) check(n int) error {
	if len(t.IDs) != n || len(t.Texts) != n {
		return fmt.Errorf("got %d token ids and %d token texts for %d tokens: pass one id and one text per token", len(t.IDs), len(t.Texts), n)
	}
	if t.Labels != nil && len(t.Labels) != n {
		return fmt.Errorf("got %d token labels for %d tokens: pass one label per token, or nil", len(t.Labels), n)
	}
	return nil
}

// newExplorer fills what both parts share.
func newExplorer(kind string, tokens Tokens, layers int, opts Options) *Explorer {
	e := &Explorer{
		data: explorerData{
			Kind: kind, Title: opts.Title, Layers: layers, Outlier: -1,
			Layer: min(max(opts.Layer, 0), layers-1),
			IDs:   append([]int(nil), tokens.IDs...),
		},
		labels: make([]string, len(tokens.Texts)),
		breaks: make([]int, len(tokens.Texts)),
	}
	e.data.Texts = make([]string, len(tokens.Texts))
	for i, t := range tokens.Texts {
		e.data.Texts[i] = strconv.Quote(t)
		if tokens.Labels != nil {
			e.labels[i] = tokens.Labels[i]
		} else {
			e.labels[i] = e.data.Texts[i]
		}
		e.breaks[i] = strings.Count(t, "\n")
	}
	return e
}

// Cosine returns part 1's explorer: every token coloured by the
// cosine similarity of the attention and MLP outputs at the selected layer
// (cos: rows = layers, columns = tokens), on a blue–white–red scale centred
// at 0 (the same palette as CosineHeatmap), symmetric over all layers at
// first (the view can switch to the selected layer's range). stats are the
// per-layer statistics of cos (analysis.PerLayer), drawn as the strip of
// means and behind each token's curve. NaN cosines are shown as undefined.
func Cosine(tokens Tokens, cos analysis.Matrix, stats analysis.LayerStats, opts Options) (*Explorer, error) {
	fail := func(err error) (*Explorer, error) { return nil, fmt.Errorf("viz: cosine explorer: %w", err) }
	if err := cos.Check("cosine matrix"); err != nil {
		return fail(err)
	}
	if err := tokens.check(cos.Cols); err != nil {
		return fail(err)
	}
	if len(stats.Mean) != cos.Rows || len(stats.Std) != cos.Rows || len(stats.Count) != cos.Rows {
		return fail(fmt.Errorf("layer statistics have %d means, %d stds and %d counts for %d layers: compute them with analysis.PerLayer of the cosine matrix",
			len(stats.Mean), len(stats.Std), len(stats.Count), cos.Rows))
	}
	pal, err := viz.SampleColorMap(moreland.SmoothBlueRed(), explorerPaletteStops, 0, 1)
	if err != nil {
		return fail(err)
	}
	e := newExplorer("cosine", tokens, cos.Rows, opts)
	e.data.Palette, e.data.Diverging = pal, true
	e.data.Series = []*explorerSeries{{
		Key: "cos", Name: "cosine", Title: "cosine(attention output, MLP output)",
		Undefined: "undefined (NaN): one of the two outputs is zero or not finite",
		Values:    cloneMatrix(cos), Mean: slices.Clone(stats.Mean), Std: slices.Clone(stats.Std), Count: slices.Clone(stats.Count),
		Decimals: CosineDecimals,
	}}
	return e, nil
}

// Steps returns part 2's explorer: every token coloured by its step
// length at the selected layer, with a toggle between the attention
// ‖a(l) − a(l−1)‖, MLP ‖m(l) − m(l−1)‖ and hidden-state ‖h(l+1) − h(l)‖
// step lengths (hidden state first), on a dark-to-light scale (the palette
// of StepLengthHeatmaps) spanning the selected layer's values at first (the
// view can switch to all layers'). Token 0 is flagged as the outlier it is
// in GPT-2: outlined, left out of the colour scale, and compared with the
// median of the other tokens in words. Layer 0 of attention and MLP (NaN:
// there is no layer −1) is shown as undefined, with that reason.
func Steps(tokens Tokens, steps analysis.StepLengths, opts Options) (*Explorer, error) {
	fail := func(err error) (*Explorer, error) { return nil, fmt.Errorf("viz: step-length explorer: %w", err) }
	if err := steps.Check(); err != nil {
		return fail(err)
	}
	if err := tokens.check(steps.Hidden.Cols); err != nil {
		return fail(err)
	}
	pal, err := viz.SampleColorMap(moreland.BlackBody(), explorerPaletteStops, 0, 0.9)
	if err != nil {
		return fail(err)
	}
	e := newExplorer("steps", tokens, steps.Hidden.Rows, opts)
	e.data.Palette, e.data.PerLayerScale = pal, true
	if steps.Hidden.Cols > 1 {
		e.data.Outlier = 0
	}
	noPrevious := "undefined: layer 0 has no previous layer to step from"
	for _, s := range []struct {
		key, name, title, undefined string
		m                           analysis.Matrix
	}{
		{"attn", "attention step", "attention ‖a(l) − a(l−1)‖", noPrevious, steps.Attn},
		{"mlp", "MLP step", "MLP ‖m(l) − m(l−1)‖", noPrevious, steps.MLP},
		{"hidden", "hidden-state step", "hidden state ‖h(l+1) − h(l)‖", "undefined (NaN)", steps.Hidden},
	} {
		st := analysis.PerLayer(s.m)
		e.data.Series = append(e.data.Series, &explorerSeries{
			Key: s.key, Name: s.name, Title: s.title, Undefined: s.undefined,
			Values: cloneMatrix(s.m), Mean: st.Mean, Std: st.Std, Count: st.Count, Digits: StepDigits,
		})
	}
	e.data.Series0 = 2
	return e, nil
}

// HTML returns the explorer as one HTML fragment: a <div> holding its
// style sheet, the tokens of the text, the controls and the script that
// brings them to life. Each call gives the fragment new element ids, so the
// same explorer can appear more than once on a page. Without JavaScript
// (an untrusted notebook, a viewer that drops scripts) the fragment shows
// the text and says that the view needs JavaScript.
func (e *Explorer) HTML() (string, error) {
	if e == nil || len(e.data.Series) == 0 {
		return "", errors.New("viz: explorer: nothing to show: build it with Cosine or Steps")
	}
	id, err := newElementID()
	if err != nil {
		return "", fmt.Errorf("viz: explorer: %w", err)
	}
	data, err := e.data.appendJSON(nil)
	if err != nil {
		return "", fmt.Errorf("viz: explorer: encode its data: %w", err)
	}
	var b bytes.Buffer
	b.Grow(len(data) + len(explorerJS) + len(explorerCSS) + 64*len(e.labels))
	// data-lm-/data-p-suppress-shortcuts: JupyterLab (and Notebook 7) leave the
	// keys pressed inside the view to it instead of moving between cells.
	fmt.Fprintf(&b, `<div class="g2tx" id="%s" data-g2tx-kind="%s" lang="en" data-lm-suppress-shortcuts="true" data-p-suppress-shortcuts="true">`, id, e.data.Kind)
	fmt.Fprintf(&b, "<style>%s</style>", explorerCSS)
	if e.data.Title != "" {
		fmt.Fprintf(&b, `<div class="g2tx-title">%s</div>`, html.EscapeString(e.data.Title))
	}
	b.WriteString(`<div class="g2tx-nojs">This interactive view needs JavaScript: in Jupyter, run the cell (or trust the notebook); in a browser, allow scripts.</div>`)
	b.WriteString(`<div class="g2tx-ui"></div>`)
	b.WriteString(`<div class="g2tx-body"><div class="g2tx-text" role="group">`)
	for i, label := range e.labels {
		fmt.Fprintf(&b, `<span class="g2tx-tok" data-i="%d" tabindex="-1">%s</span>`, i, html.EscapeString(label))
		for range min(e.breaks[i], 2) {
			b.WriteString("<br>")
		}
	}
	b.WriteString(`</div><div class="g2tx-detail" aria-live="polite"></div></div>`)
	fmt.Fprintf(&b, "<script>(function(){\n%s\nexplore(%q, ", explorerJS, id)
	b.Write(data)
	b.WriteString(");\n})();</script></div>")
	return b.String(), nil
}

// cloneMatrix returns a copy of m: an explorer keeps its own numbers.
func cloneMatrix(m analysis.Matrix) analysis.Matrix {
	return analysis.Matrix{Rows: m.Rows, Cols: m.Cols, Data: slices.Clone(m.Data)}
}

// newElementID returns an element id unique to one fragment.
func newElementID() (string, error) {
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("random element id: %w", err)
	}
	return "g2tx-" + hex.EncodeToString(r[:]), nil
}

// Page returns a standalone HTML page (UTF-8, no external
// resources) with a title and the given explorers one under the other.
func Page(title string, explorers ...*Explorer) ([]byte, error) {
	if len(explorers) == 0 {
		return nil, errors.New("viz: explorer page: no explorer given: pass at least one")
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"+
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>%s</title>"+
		"<style>body{font-family:system-ui,'DejaVu Sans',sans-serif;margin:1.5em auto;max-width:72em;padding:0 1em;color:#111;background:#fff}"+
		"h1{font-size:1.4em}section{margin:2em 0}</style></head>\n<body>\n<h1>%s</h1>\n",
		html.EscapeString(title), html.EscapeString(title))
	for _, e := range explorers {
		frag, err := e.HTML()
		if err != nil {
			return nil, fmt.Errorf("viz: explorer page: %w", err)
		}
		fmt.Fprintf(&b, "<section>%s</section>\n", frag)
	}
	b.WriteString("</body></html>\n")
	return b.Bytes(), nil
}

// SavePage writes Page(title, explorers...) to path
// atomically: path is either the complete new page or untouched.
func SavePage(path, title string, explorers ...*Explorer) error {
	page, err := Page(title, explorers...)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, page, 0o644); err != nil {
		return fmt.Errorf("viz: save explorer page %s: %w", path, err)
	}
	return nil
}

// Series lists the keys of the explorer's series, in the order of its
// toggle: "cos" for Cosine; "attn", "mlp", "hidden" for
// Steps.
func (e *Explorer) Series() []string {
	keys := make([]string, len(e.data.Series))
	for i, s := range e.data.Series {
		keys[i] = s.Key
	}
	return keys
}

// series returns the series with the given key.
func (e *Explorer) series(key string) (*explorerSeries, error) {
	for _, s := range e.data.Series {
		if s.Key == key {
			return s, nil
		}
	}
	return nil, fmt.Errorf("viz: explorer has no series %q: use one of %s", key, strings.Join(e.Series(), ", "))
}

// ValueText returns the value of series key at (layer, token) as the view
// prints it (with an ASCII hyphen-minus; the page shows U+2212), "NaN" when
// it is undefined.
func (e *Explorer) ValueText(key string, layer, token int) (string, error) {
	s, err := e.series(key)
	if err != nil {
		return "", err
	}
	if layer < 0 || layer >= s.Values.Rows || token < 0 || token >= s.Values.Cols {
		return "", fmt.Errorf("viz: explorer: (layer %d, token %d) is outside %d layers × %d tokens", layer, token, s.Values.Rows, s.Values.Cols)
	}
	return s.format(s.Values.At(layer, token)), nil
}

// MeanText returns the per-layer mean and std of series key at layer as the
// view prints them.
func (e *Explorer) MeanText(key string, layer int) (mean, std string, err error) {
	s, err := e.series(key)
	if err != nil {
		return "", "", err
	}
	if layer < 0 || layer >= len(s.Mean) {
		return "", "", fmt.Errorf("viz: explorer: layer %d is outside 0…%d", layer, len(s.Mean)-1)
	}
	return s.format(s.Mean[layer]), s.format(s.Std[layer]), nil
}

// Display shows the explorer inline in the output of the current
// GoNB cell, as one HTML fragment (gonbui.DisplayHTML), and waits until
// GoNB has it. Jupyter runs the fragment's script when the output is
// trusted: always for a cell just run; a notebook opened from a file shows
// the text and a note until it is trusted or the cell is run again.
//
// Like Display, it returns ErrNotNotebook outside GoNB (use
// SavePage there), and the error of the pipe to the kernel, if any.
func Display(e *Explorer) error {
	if !gonbui.IsNotebook {
		return viz.ErrNotNotebook
	}
	frag, err := e.HTML()
	if err != nil {
		return err
	}
	gonbui.DisplayHTML(frag)
	gonbui.Sync()
	if err := gonbui.Error(); err != nil {
		return fmt.Errorf("explorer: display: send HTML to GoNB: %w", err)
	}
	return nil
}
