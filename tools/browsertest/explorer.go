package browsertest

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/gpt2taps/gpt2taps/pkg/viz/explorer"
)

// ExplorerWant is what an explorer on the page must show: its numbers come
// from the explorer.Explorer built from the same analysis (ValueText, MeanText),
// its tokens from the taps.
type ExplorerWant struct {
	Explorer *explorer.Explorer
	Kind     string   // "cosine" or "steps"
	Layers   int      // number of layers
	IDs      []int    // token ids
	Texts    []string // exact token strings (the page shows them Go-quoted)
}

// explorerState is what the page shows, read by explorerStateJS.
type explorerState struct {
	Ready      bool
	NoJS       bool
	Kind       string
	Layer      string // data-layer
	Series     string // data-series
	Slider     string // the slider's value
	LayerShown string // the number next to the slider
	Summary    string
	Legend     string
	Tokens     int
	Hidden     int      // tokens with an empty box (not visible)
	Colours    []string // background of every token
	Text       []string // text colour of every token
	NaN        int      // tokens shown as undefined
	Outliers   []int    // tokens flagged as the outlier
	Active     int      // data-i of the focused element, -1 if none
	Detail     struct {
		Token string
		Head  string
		Text  string
		Num   string
		Mean  string
		Dots  int
	}
}

const explorerStateJS = `((sel) => {
	const root = document.querySelector(sel);
	if (!root) return {Ready: false};
	const toks = Array.from(root.querySelectorAll('.g2tx-tok'));
	const q = (s) => root.querySelector(s);
	const txt = (s) => (q(s) ? q(s).textContent : '');
	const det = q('.g2tx-detail');
	const act = document.activeElement;
	return {
		Ready: root.hasAttribute('data-g2tx-ready'),
		NoJS: !!q('.g2tx-nojs'),
		Kind: root.getAttribute('data-g2tx-kind') || '',
		Layer: root.getAttribute('data-layer') || '',
		Series: root.getAttribute('data-series') || '',
		Slider: q('.g2tx-slider') ? q('.g2tx-slider').value : '',
		LayerShown: txt('.g2tx-layer'),
		Summary: txt('.g2tx-summary'),
		Legend: txt('.g2tx-legend'),
		Tokens: toks.length,
		Hidden: toks.filter(t => { const r = t.getBoundingClientRect(); return !(r.width > 0 && r.height > 0); }).length,
		Colours: toks.map(t => getComputedStyle(t).backgroundColor),
		Text: toks.map(t => getComputedStyle(t).color),
		NaN: toks.filter(t => t.classList.contains('g2tx-nan')).length,
		Outliers: toks.filter(t => t.classList.contains('g2tx-outlier')).map(t => +t.getAttribute('data-i')),
		Active: act && root.contains(act) && act.classList.contains('g2tx-tok') ? +act.getAttribute('data-i') : -1,
		Detail: {
			Token: det.getAttribute('data-token') || '',
			Head: txt('.g2tx-d-head'), Text: txt('.g2tx-d-text code'), Num: txt('.g2tx-d-num'), Mean: txt('.g2tx-d-mean'),
			Dots: root.querySelectorAll('.g2tx-curve .g2tx-dot').length,
		},
	};
})(%s)`

// Shot names the screenshot CheckExplorer takes while a token is hovered.
type Shot struct {
	Name string // file name, without .png, in ArtifactDir
	Of   string // CSS selector of what to capture; empty: the explorer
	// Viewport: scroll Of to the top of its scrolling area first and capture
	// the browser's viewport (the notebook's menu bar stays in the picture).
	Viewport bool
}

// explorer drives one explorer on the page.
type explorerView struct {
	t    testing.TB
	b    *Browser
	sel  string
	want ExplorerWant
}

func (x *explorerView) state() explorerState {
	x.t.Helper()
	q, _ := json.Marshal(x.sel)
	s, err := Eval[explorerState](x.b, fmt.Sprintf(explorerStateJS, q))
	if err != nil {
		x.t.Fatalf("read the explorer %s: %v", x.sel, err)
	}
	return s
}

// center scrolls the first element matching sel (inside the explorer)
// into view and returns the middle of its box, optionally at a fraction fx
// of its width, in viewport pixels.
func (x *explorerView) center(sel string, fx float64) (float64, float64) {
	x.t.Helper()
	q, _ := json.Marshal(x.sel + " " + sel)
	p, err := Eval[struct{ X, Y, W, H float64 }](x.b, fmt.Sprintf(`((s) => {
		const e = document.querySelector(s);
		if (!e) return {X: -1, Y: -1, W: 0, H: 0};
		e.scrollIntoView({block: 'nearest', inline: 'nearest'}); // only if it is not in view
		const r = e.getBoundingClientRect();
		return {X: r.left, Y: r.top, W: r.width, H: r.height};
	})(%s)`, q))
	if err != nil || p.W <= 0 || p.H <= 0 {
		x.t.Fatalf("element %s: not found or empty (%+v, %v)", sel, p, err)
	}
	return p.X + fx*p.W, p.Y + p.H/2
}

func (x *explorerView) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	x.t.Helper()
	if err := x.b.Do(30*time.Second, steps...); err != nil {
		x.t.Fatalf("%s: %v", what, err)
	}
}

// hover moves the mouse over token i.
func (x *explorerView) hover(i int) {
	x.t.Helper()
	cx, cy := x.center(fmt.Sprintf(`.g2tx-tok[data-i="%d"]`, i), 0.5)
	x.do(fmt.Sprintf("hover token %d", i), chromedp.MouseEvent(chromedp.MouseMoved, cx, cy))
}

// click clicks the element matching sel (inside the explorer) at a fraction fx of its width.
func (x *explorerView) click(sel string, fx float64) {
	x.t.Helper()
	cx, cy := x.center(sel, fx)
	x.do("click "+sel, chromedp.MouseClickXY(cx, cy))
}

// key sends one key to the focused element.
func (x *explorerView) key(k string) {
	x.t.Helper()
	x.do("key "+strconv.Quote(k), chromedp.KeyEvent(k))
}

// plain undoes the page's typography for comparisons: U+2212 → "-".
func plain(s string) string { return strings.ReplaceAll(s, "\u2212", "-") }

// checkDetail asserts that the detail panel shows token i at layer l of series key.
func (x *explorerView) checkDetail(how string, s explorerState, key string, l, i int) {
	x.t.Helper()
	e := x.want.Explorer
	if s.Detail.Token != strconv.Itoa(i) {
		x.t.Errorf("%s: the detail shows token %q, want %d", how, s.Detail.Token, i)
		return
	}
	if want := fmt.Sprintf("Token %d of %d · id %d", i, len(x.want.IDs), x.want.IDs[i]); s.Detail.Head != want {
		x.t.Errorf("%s: the detail's head is %q, want %q", how, s.Detail.Head, want)
	}
	if want := strconv.Quote(x.want.Texts[i]); s.Detail.Text != want {
		x.t.Errorf("%s: the detail shows the text %s, want %s", how, s.Detail.Text, want)
	}
	v, err := e.ValueText(key, l, i)
	if err != nil {
		x.t.Fatal(err)
	}
	if got := plain(s.Detail.Num); v == "NaN" && !strings.HasPrefix(got, "undefined") || v != "NaN" && got != v {
		x.t.Errorf("%s: token %d, layer %d, %s: the page shows %q, the analysis gives %s", how, i, l, key, got, v)
	}
	mean, std, err := e.MeanText(key, l)
	if err != nil {
		x.t.Fatal(err)
	}
	if want := fmt.Sprintf("layer %d mean ± std: %s ± %s", l, mean, std); mean != "NaN" && plain(s.Detail.Mean) != want {
		x.t.Errorf("%s: the detail says %q, want %q", how, plain(s.Detail.Mean), want)
	}
	dots := 0
	for layer := range x.want.Layers {
		if v, _ := e.ValueText(key, layer, i); v != "NaN" && v != "+Inf" && v != "-Inf" {
			dots++
		}
	}
	if s.Detail.Dots != dots {
		x.t.Errorf("%s: token %d's curve has %d points, want %d (one per layer with a value)", how, i, s.Detail.Dots, dots)
	}
}

// checkLayer asserts that the controls, the summary and the legend all say layer l of series key.
func (x *explorerView) checkLayer(how string, s explorerState, key string, l int) {
	x.t.Helper()
	ls := strconv.Itoa(l)
	if s.Layer != ls || s.Slider != ls || s.LayerShown != ls || s.Series != key {
		x.t.Errorf("%s: layer %q, slider %q, shown %q, series %q; want layer %d of %s", how, s.Layer, s.Slider, s.LayerShown, s.Series, l, key)
	}
	mean, std, err := x.want.Explorer.MeanText(key, l)
	if err != nil {
		x.t.Fatal(err)
	}
	if mean != "NaN" && !strings.Contains(plain(s.Summary), mean+" ± "+std) {
		x.t.Errorf("%s: the summary %q lacks layer %d's mean ± std %s ± %s", how, s.Summary, l, mean, std)
	}
	if mean == "NaN" && !strings.Contains(s.Summary, "undefined") {
		x.t.Errorf("%s: the summary %q should say the values of layer %d are undefined", how, s.Summary, l)
	}
	if !numberInText.MatchString(s.Legend) {
		x.t.Errorf("%s: the legend %q shows no number", how, s.Legend)
	}
	x.checkContrast(how, s)
}

var numberInText = regexp.MustCompile(`[0-9]\.[0-9]`)

// checkContrast asserts a WCAG contrast of at least 4.5 between every
// coloured token's text and background.
func (x *explorerView) checkContrast(how string, s explorerState) {
	x.t.Helper()
	worst, at := math.Inf(1), -1
	for i := range s.Colours {
		bg, ok1 := parseRGB(s.Colours[i])
		fg, ok2 := parseRGB(s.Text[i])
		if !ok1 || !ok2 || bg[3] == 0 { // transparent: the NaN pattern, checked by its own CSS
			continue
		}
		if c := contrast(bg, fg); c < worst {
			worst, at = c, i
		}
	}
	if at >= 0 && worst < 4.5 {
		x.t.Errorf("%s: token %d has a contrast of %.2f between %s text and %s background, want ≥ 4.5", how, at, worst, s.Text[at], s.Colours[at])
	}
}

var rgbPattern = regexp.MustCompile(`^rgba?\((\d+), (\d+), (\d+)(?:, ([0-9.]+))?\)$`)

// parseRGB reads a computed CSS colour, "rgb(r, g, b)" or "rgba(r, g, b, a)".
func parseRGB(s string) ([4]float64, bool) {
	m := rgbPattern.FindStringSubmatch(s)
	if m == nil {
		return [4]float64{}, false
	}
	var c [4]float64
	for i := range 3 {
		c[i], _ = strconv.ParseFloat(m[i+1], 64)
	}
	c[3] = 1
	if m[4] != "" {
		c[3], _ = strconv.ParseFloat(m[4], 64)
	}
	return c, true
}

// contrast is the WCAG 2 contrast ratio of two opaque sRGB colours.
func contrast(a, b [4]float64) float64 {
	lum := func(c [4]float64) float64 {
		var l [3]float64
		for i := range 3 {
			v := c[i] / 255
			if v <= 0.04045 {
				l[i] = v / 12.92
			} else {
				l[i] = math.Pow((v+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
	}
	la, lb := lum(a), lum(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func changed(a, b []string) bool {
	for i := range a {
		if i < len(b) && a[i] != b[i] {
			return true
		}
	}
	return false
}

// CheckExplorer asserts, with real mouse and keyboard events, what the
// explorer matching the CSS selector sel shows:
//
//   - its script ran, it has one visible box per token (whitespace and
//     newline tokens included) and the kind and number of layers wanted;
//   - hovering a token shows its position, id, exact text, its value at the
//     selected layer and the layer's mean ± std (the numbers of want's
//     explorer.Explorer, to the printed precision) and its curve over the layers;
//   - keyboard: Tab from the strip of means reaches a token, whose numbers
//     are then shown; → moves to the next token; ↑ selects the next layer;
//   - the layer slider moved with the mouse, and with the arrow keys,
//     changes the layer and the tokens' colours; a click on the strip of
//     per-layer means selects that layer;
//   - every coloured token has a text contrast of at least 4.5 (WCAG AA);
//   - part 2 (steps): token 0 is flagged as the outlier; the toggle switches
//     between the series, and layer 0 of attention shows as undefined.
//
// It saves a screenshot, with a token hovered, as ArtifactDir/<shot.Name>.png,
// and returns its path.
func CheckExplorer(t testing.TB, b *Browser, sel string, want ExplorerWant, shot Shot) string {
	t.Helper()
	x := &explorerView{t: t, b: b, sel: sel, want: want}
	q, _ := json.Marshal(sel + "[data-g2tx-ready]")
	if _, err := Run(b, 30*time.Second, chromedp.Poll[bool](fmt.Sprintf(`!!document.querySelector(%s)`, q))); err != nil {
		t.Fatalf("the explorer %s did not start: %v (its script did not run?)", sel, err)
	}
	T, L := len(want.IDs), want.Layers
	s := x.state()
	if s.NoJS || s.Kind != want.Kind || s.Tokens != T || s.Hidden != 0 {
		t.Fatalf("explorer %s: kind %q (want %q), %d tokens (want %d), %d without a visible box, no-script note shown: %v",
			sel, s.Kind, want.Kind, s.Tokens, T, s.Hidden, s.NoJS)
	}
	keys := want.Explorer.Series()
	key := s.Series
	layer, err := strconv.Atoi(s.Layer)
	if err != nil || layer < 0 || layer >= L {
		t.Fatalf("explorer %s: selected layer %q, want one of 0…%d", sel, s.Layer, L-1)
	}
	x.checkLayer("at start", s, key, layer)

	// Hover a token in the middle of the text, and take the screenshot.
	of := shot.Of
	if of == "" {
		of = sel
	}
	if shot.Viewport {
		q, _ := json.Marshal(of)
		if _, err := Eval[bool](b, fmt.Sprintf(`(document.querySelector(%s).scrollIntoView({block: 'start'}), true)`, q)); err != nil {
			t.Fatal(err)
		}
	}
	h := T / 2
	x.hover(h)
	s = x.state()
	x.checkDetail("hover", s, key, layer, h)
	var path string
	if shot.Viewport {
		path, err = b.ViewportScreenshot(shot.Name)
	} else {
		path, err = b.Screenshot(shot.Name, of)
	}
	if err != nil {
		t.Error(err)
	}

	// Keyboard: from the strip of means, Tab reaches a token; → moves on.
	x.do("focus the strip", chromedp.Focus(chromedp.CSS(sel+" .g2tx-strip")))
	x.key(kb.Tab)
	s = x.state()
	if s.Active < 0 {
		t.Fatalf("Tab from the strip of means did not reach a token (the text is not keyboard-focusable)")
	}
	f := s.Active
	x.checkDetail("Tab to a token", s, key, layer, f)
	x.key(kb.ArrowRight)
	s = x.state()
	if f+1 < T && s.Active != f+1 {
		t.Errorf("→ on token %d focused token %d, want %d", f, s.Active, f+1)
	}
	if f+1 < T {
		f++
	}
	x.checkDetail("→ to the next token", s, key, layer, f)

	// ↑ on a token: the next layer (↓ from the last); colours change.
	before := s.Colours
	next, k := layer+1, kb.ArrowUp
	if next == L {
		next, k = layer-1, kb.ArrowDown
	}
	x.key(k)
	s = x.state()
	x.checkLayer("arrow key on a token", s, key, next)
	x.checkDetail("arrow key on a token", s, key, next, f)
	if !changed(before, s.Colours) {
		t.Errorf("layer %d → %d with the arrow key left every token's colour as it was", layer, next)
	}
	layer = next

	// The slider, with the mouse: a click near its right end.
	before = s.Colours
	x.click(".g2tx-slider", 0.92)
	s = x.state()
	moved, err := strconv.Atoi(s.Layer)
	if err != nil || moved == layer || moved < L/2 {
		t.Errorf("a click near the right end of the slider selected layer %q, want a layer ≥ %d other than %d", s.Layer, L/2, layer)
	} else {
		x.checkLayer("slider (mouse)", s, key, moved)
		x.checkDetail("slider (mouse)", s, key, moved, f)
		if !changed(before, s.Colours) {
			t.Errorf("moving the slider from layer %d to %d left every token's colour as it was", layer, moved)
		}
		layer = moved
	}
	// The slider, with the keyboard (the browser's own range input).
	x.do("focus the slider", chromedp.Focus(chromedp.CSS(sel+" .g2tx-slider")))
	x.key(kb.ArrowLeft)
	s = x.state()
	x.checkLayer("← on the slider", s, key, max(layer-1, 0))
	layer = max(layer-1, 0)

	// A click on the strip of means selects that layer.
	pick := 0
	if layer == 0 {
		pick = L - 1
	}
	x.click(fmt.Sprintf(`.g2tx-hit[data-l="%d"]`, pick), 0.5)
	s = x.state()
	x.checkLayer("click on the strip of means", s, key, pick)
	layer = pick

	if want.Kind == "steps" {
		x.checkSteps(keys, layer)
	}
	for _, p := range b.Problems() {
		t.Errorf("the page reported: %s", p)
	}
	return path
}

// checkSteps: token 0 flagged; the toggle; layer 0 of attention undefined.
func (x *explorerView) checkSteps(keys []string, layer int) {
	x.t.Helper()
	s := x.state()
	if len(s.Outliers) != 1 || s.Outliers[0] != 0 {
		x.t.Errorf("tokens flagged as the outlier: %v, want [0]", s.Outliers)
	}
	if s.Series == "hidden" && !strings.Contains(s.Summary, "Token 0: ") {
		x.t.Errorf("the summary %q does not compare token 0 with the others", s.Summary)
	}
	before := s.Colours
	// Attention, with a click on its radio button's label.
	x.click(`.g2tx-series label:nth-of-type(1)`, 0.1)
	s = x.state()
	if s.Series != keys[0] {
		x.t.Fatalf("a click on the first toggle selected %q, want %q", s.Series, keys[0])
	}
	x.checkLayer("toggle to "+keys[0], s, keys[0], layer)
	if layer > 0 && !changed(before, s.Colours) {
		x.t.Errorf("switching %s → %s left every token's colour as it was", "hidden", keys[0])
	}
	x.click(`.g2tx-hit[data-l="0"]`, 0.5)
	s = x.state()
	x.checkLayer(keys[0]+" at layer 0", s, keys[0], 0)
	if s.NaN != len(x.want.IDs) || !strings.Contains(s.Summary, "no previous layer") {
		x.t.Errorf("%s at layer 0: %d of %d tokens shown as undefined, summary %q; want all, saying there is no previous layer", keys[0], s.NaN, len(x.want.IDs), s.Summary)
	}
	x.hover(1)
	x.checkDetail(keys[0]+" at layer 0, hover", x.state(), keys[0], 0, 1)
}
