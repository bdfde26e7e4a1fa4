package explorer

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/viz"
	"github.com/gpt2taps/gpt2taps/pkg/viz/viztest"
)

// testExplorerTokens returns GPT-2-like tokens for n positions, with
// whitespace and newline tokens, labelled like gpt2.TokenLabel.
func testExplorerTokens(n int) Tokens {
	texts := viztest.TokenLabels(n)
	tk := Tokens{IDs: make([]int, n), Texts: texts, Labels: make([]string, n)}
	for i, s := range texts {
		tk.IDs[i] = 1000 + i
		switch strings.TrimSpace(s) {
		case "":
			if s == "\n" {
				tk.Labels[i] = "↵"
			} else {
				tk.Labels[i] = strings.Repeat("␣", len(s))
			}
		default:
			tk.Labels[i] = s
		}
	}
	return tk
}

// pageData is the data literal of a fragment, decoded.
type pageData struct {
	Kind     string        `json:"kind"`
	L        int           `json:"L"`
	T        int           `json:"T"`
	Outlier  int           `json:"outlier"`
	IDs      []int         `json:"ids"`
	Texts    []string      `json:"texts"`
	Palette  []string      `json:"palette"`
	Series   []pageSeries  `json:"series"`
	Extra    []json.Number `json:"-"`
	Layer    int           `json:"layer"`
	PerLayer bool          `json:"perLayer"`
}

type pageSeries struct {
	Key      string         `json:"key"`
	Decimals int            `json:"decimals"`
	Digits   int            `json:"digits"`
	Count    []int          `json:"count"`
	Mean     []*json.Number `json:"mean"`
	Std      []*json.Number `json:"std"`
	V        []*json.Number `json:"v"`
}

var dataLiteral = regexp.MustCompile(`(?s)\nexplore\("(g2tx-[0-9a-f]{16})", (\{.*\})\);\n\}\)\(\);</script></div>$`)

// decodeFragment returns the element id and the data of a fragment.
func decodeFragment(t *testing.T, frag string) (string, pageData) {
	t.Helper()
	m := dataLiteral.FindStringSubmatch(frag)
	if m == nil {
		t.Fatalf("no data literal at the end of the fragment (%d bytes)", len(frag))
	}
	var d pageData
	dec := json.NewDecoder(strings.NewReader(m[2]))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("the data literal is not JSON: %v", err)
	}
	return m[1], d
}

// stored returns the value of a stored number of series s (NaN for null,
// ±Inf for ±1e999).
func stored(t *testing.T, s pageSeries, n *json.Number) float64 {
	t.Helper()
	if n == nil {
		return math.NaN()
	}
	v, err := strconv.ParseFloat(n.String(), 64)
	if err != nil && !math.IsInf(v, 0) {
		t.Fatalf("stored number %q: %v", n, err)
	}
	if s.Decimals > 0 {
		if strings.ContainsAny(n.String(), ".eE") {
			t.Fatalf("series %s stores %q, want an integer in units of 1e-%d", s.Key, n, s.Decimals)
		}
		v /= math.Pow10(s.Decimals)
	}
	return v
}

// checkStored asserts that every stored value equals the analysis value
// rounded to the printed precision: |stored − v| ≤ half a unit of the last
// printed digit, NaN stored as null.
func checkStored(t *testing.T, what string, s pageSeries, got []*json.Number, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values stored, want %d", what, len(got), len(want))
	}
	bad := 0
	for i, w := range want {
		g := stored(t, s, got[i])
		var ok bool
		switch {
		case math.IsNaN(w):
			ok = got[i] == nil
		case math.IsInf(w, 0):
			ok = g == w
		case s.Decimals > 0:
			ok = math.Abs(g-w) <= 0.5*math.Pow10(-s.Decimals)+1e-12
		default:
			unit := math.Pow10(int(math.Floor(math.Log10(math.Abs(w)))) - (s.Digits - 1))
			ok = w == 0 && g == 0 || math.Abs(g-w) <= 0.5*unit*(1+1e-9)
		}
		if !ok {
			if bad++; bad <= 5 {
				t.Errorf("%s[%d]: stored %v (%v), analysis value %v", what, i, g, got[i], w)
			}
		}
	}
}

func TestCosineExplorerStoresTheAnalysisNumbers(t *testing.T) {
	m := viztest.Cosines()
	m.Data[5] = math.NaN()
	m.Data[7] = -0.00004 // rounds to −0: stored and printed as 0
	stats := analysis.PerLayer(m)
	e, err := Cosine(testExplorerTokens(m.Cols), m, stats, Options{Title: "t", Layer: 99})
	if err != nil {
		t.Fatal(err)
	}
	frag, err := e.HTML()
	if err != nil {
		t.Fatal(err)
	}
	_, d := decodeFragment(t, frag)
	if d.Kind != "cosine" || d.L != m.Rows || d.T != m.Cols || len(d.Series) != 1 || d.Outlier != -1 {
		t.Fatalf("kind %q, %d layers, %d tokens, %d series, outlier %d", d.Kind, d.L, d.T, len(d.Series), d.Outlier)
	}
	if d.Layer != m.Rows-1 {
		t.Errorf("initial layer %d, want the last (%d) for Layer 99", d.Layer, m.Rows-1)
	}
	s := d.Series[0]
	if s.Decimals != 4 { // the printed precision: 4 decimals
		t.Errorf("cosines stored with %d decimals, want %d", s.Decimals, CosineDecimals)
	}
	checkStored(t, "cosine", s, s.V, m.Data)
	checkStored(t, "mean", s, s.Mean, stats.Mean)
	checkStored(t, "std", s, s.Std, stats.Std)
	for l, c := range stats.Count {
		if s.Count[l] != c {
			t.Errorf("layer %d: count %d, want %d", l, s.Count[l], c)
		}
	}
	// What the view prints is the value to 4 decimals (printf's own rounding).
	for _, i := range []int{0, 5, 7, 100, len(m.Data) - 1} {
		l, tok := i/m.Cols, i%m.Cols
		got, err := e.ValueText("cos", l, tok)
		if err != nil {
			t.Fatal(err)
		}
		want := strconv.FormatFloat(m.Data[i], 'f', 4, 64)
		if want == "-0.0000" {
			want = "0.0000"
		}
		if math.IsNaN(m.Data[i]) {
			want = "NaN"
		}
		if got != want {
			t.Errorf("ValueText(cos, %d, %d) = %q, want %q", l, tok, got, want)
		}
	}
	mean, std, err := e.MeanText("cos", 3)
	if err != nil || mean != strconv.FormatFloat(stats.Mean[3], 'f', 4, 64) || std != strconv.FormatFloat(stats.Std[3], 'f', 4, 64) {
		t.Errorf("MeanText(cos, 3) = %q, %q, %v; stats %v, %v", mean, std, err, stats.Mean[3], stats.Std[3])
	}
	if !slicesEqual(d.IDs, testExplorerTokens(m.Cols).IDs) {
		t.Errorf("ids %v", d.IDs)
	}
	if len(d.Palette) != explorerPaletteStops || d.Palette[0] == d.Palette[len(d.Palette)-1] {
		t.Errorf("palette %v", d.Palette)
	}
}

func TestStepExplorerStoresTheAnalysisNumbers(t *testing.T) {
	steps := viztest.StepLengths()
	steps.Hidden.Data[9] = math.Inf(1)
	steps.Hidden.Data[10] = 123456.7
	steps.Hidden.Data[11] = 0.0000123456
	e, err := Steps(testExplorerTokens(steps.Hidden.Cols), steps, Options{Layer: 2})
	if err != nil {
		t.Fatal(err)
	}
	frag, err := e.HTML()
	if err != nil {
		t.Fatal(err)
	}
	_, d := decodeFragment(t, frag)
	if d.Kind != "steps" || len(d.Series) != 3 || d.Outlier != 0 || d.Layer != 2 || !d.PerLayer {
		t.Fatalf("kind %q, %d series, outlier %d, layer %d, per-layer scale %v", d.Kind, len(d.Series), d.Outlier, d.Layer, d.PerLayer)
	}
	for i, m := range []analysis.Matrix{steps.Attn, steps.MLP, steps.Hidden} {
		s := d.Series[i]
		if s.Digits != 4 || s.Decimals != 0 { // 4 significant digits
			t.Errorf("series %s: %d digits, %d decimals", s.Key, s.Digits, s.Decimals)
		}
		st := analysis.PerLayer(m)
		checkStored(t, s.Key, s, s.V, m.Data)
		checkStored(t, s.Key+" mean", s, s.Mean, st.Mean)
		checkStored(t, s.Key+" std", s, s.Std, st.Std)
		if i < 2 && s.Count[0] != 0 {
			t.Errorf("%s: layer 0 counts %d defined tokens, want 0 (no layer −1)", s.Key, s.Count[0])
		}
	}
	if keys := strings.Join(e.Series(), ","); keys != "attn,mlp,hidden" {
		t.Errorf("Series() = %s", keys)
	}
	for _, c := range []struct {
		key         string
		layer, tok  int
		want        string
		wantNumeric float64
	}{
		{"attn", 0, 3, "NaN", math.NaN()},
		{"hidden", 0, 9, "+Inf", math.Inf(1)},
		{"hidden", 0, 10, "123500", 123456.7},
		{"hidden", 0, 11, "1.235e-05", 0.0000123456},
		{"hidden", 5, 4, "", steps.Hidden.At(5, 4)},
		{"mlp", 7, 0, "", steps.MLP.At(7, 0)},
	} {
		got, err := e.ValueText(c.key, c.layer, c.tok)
		if err != nil {
			t.Fatal(err)
		}
		if c.want == "" { // 4 significant digits of the value, checked numerically
			v, err := strconv.ParseFloat(got, 64)
			digits := len(strings.TrimLeft(strings.ReplaceAll(got, ".", ""), "0"))
			if err != nil || digits != 4 || math.Abs(v-c.wantNumeric) > 5e-4*math.Abs(c.wantNumeric) {
				t.Errorf("ValueText(%s, %d, %d) = %q for %v", c.key, c.layer, c.tok, got, c.wantNumeric)
			}
			continue
		}
		if got != c.want {
			t.Errorf("ValueText(%s, %d, %d) = %q, want %q", c.key, c.layer, c.tok, got, c.want)
		}
	}
	if _, err := e.ValueText("cos", 0, 0); err == nil || !strings.Contains(err.Error(), "attn, mlp, hidden") {
		t.Errorf("unknown series: %v", err)
	}
	if _, err := e.ValueText("hidden", viztest.Layers, 0); err == nil {
		t.Error("a layer out of range gave no error")
	}
}

func TestFormatSignificant(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{
		{0, "0.000"}, {1, "1.000"}, {12.3456, "12.35"}, {999.96, "1000"}, {12345, "12340"}, {12355, "12360"},
		{0.012345678, "0.01235"}, {0.0001, "0.0001000"}, {0.00009999, "9.999e-05"}, {-2.5e17, "-2.500e+17"},
	} {
		if got := formatSignificant(c.v, 4); got != c.want {
			t.Errorf("formatSignificant(%v, 4) = %q, want %q", c.v, got, c.want)
		}
	}
}

// TestExplorerFragmentIsSafe: token texts that would end the script, open
// a comment, break the markup or hide (NUL, newlines, U+2028, invalid
// UTF-8) stay inside their span and their string; each HTML call gives the
// fragment new ids.
func TestExplorerFragmentIsSafe(t *testing.T) {
	nasty := []string{"</script>", "<!--", `"'`, "<b>&amp;", "\x00", "\n", "\n\n", " ", "\u2028", "\xff\xfe", "`${x}`", "]]>"}
	m := analysis.NewMatrix(2, len(nasty))
	e, err := Cosine(Tokens{IDs: make([]int, len(nasty)), Texts: nasty}, m, analysis.PerLayer(m), Options{Title: "</script><b>x"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.HTML()
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.HTML()
	if err != nil {
		t.Fatal(err)
	}
	for _, frag := range []string{a, b} {
		lower := strings.ToLower(frag)
		if n := strings.Count(lower, "</script"); n != 1 {
			t.Errorf("%d </script in the fragment, want only its own", n)
		}
		if n := strings.Count(lower, "<script"); n != 1 {
			t.Errorf("%d <script in the fragment, want 1", n)
		}
		if strings.Contains(frag, "<!--") || strings.ContainsRune(frag, 0) || strings.Contains(frag, "\u2028") {
			t.Error("the fragment holds <!--, a NUL byte or U+2028")
		}
		if strings.Contains(frag, "<b>") {
			t.Error("markup from the title or a token reached the page")
		}
		if n := strings.Count(frag, `class="g2tx-tok"`); n != len(nasty) {
			t.Errorf("%d token spans, want %d", n, len(nasty))
		}
	}
	idA, dA := decodeFragment(t, a)
	idB, _ := decodeFragment(t, b)
	if idA == idB {
		t.Errorf("two fragments share the id %s", idA)
	}
	if strings.Count(a, idA) != 2 || strings.Contains(a, idB) {
		t.Errorf("fragment a should name its own id twice (element and script) and not b's")
	}
	for i, s := range nasty {
		if dA.Texts[i] != strconv.Quote(s) {
			t.Errorf("token %d: text %q in the data, want %q", i, dA.Texts[i], strconv.Quote(s))
		}
	}
}

func TestExplorerScriptAndStyleAreInlineSafe(t *testing.T) {
	for name, src := range map[string]string{"explorer.js": explorerJS, "explorer.css": explorerCSS} {
		if strings.Contains(src, "</") || strings.Contains(src, "<!--") {
			t.Errorf("%s contains </ or <!--, which would end or confuse its inline element", name)
		}
		for _, ext := range []string{"http:", "https:", "//cdn", "@import", "url("} {
			if strings.Contains(src, ext) && !(ext == "http:" && strings.Count(src, "http:") == strings.Count(src, "http://www.w3.org/2000/svg")) {
				t.Errorf("%s refers to an external resource (%s)", name, ext)
			}
		}
	}
}

// synthetic returns a cosine matrix, its statistics and step lengths of
// GPT-2-like magnitudes for layers × tokens.
func synthetic(layers, tokens int) (analysis.Matrix, analysis.LayerStats, analysis.StepLengths, Tokens) {
	rng := rand.New(rand.NewPCG(7, uint64(layers*tokens)))
	cos := analysis.NewMatrix(layers, tokens)
	for i := range cos.Data {
		cos.Data[i] = math.Max(-1, math.Min(1, 0.02+0.08*rng.NormFloat64()))
	}
	steps := analysis.StepLengths{Attn: analysis.NewMatrix(layers, tokens), MLP: analysis.NewMatrix(layers, tokens), Hidden: analysis.NewMatrix(layers, tokens)}
	for l := range layers {
		for t := range tokens {
			i := l*tokens + t
			g := math.Exp(rng.NormFloat64())
			if t == 0 {
				g *= 300
			}
			steps.Attn.Data[i] = 5 * g * (1 + float64(l)/10)
			steps.MLP.Data[i] = 8 * g * (1 + float64(l)/10)
			steps.Hidden.Data[i] = 12 * g * (1 + float64(l)/5)
			if l == 0 {
				steps.Attn.Data[i], steps.MLP.Data[i] = math.NaN(), math.NaN()
			}
		}
	}
	tk := testExplorerTokens(tokens)
	for i := range tk.IDs {
		tk.IDs[i] = rng.IntN(50257)
	}
	return cos, analysis.PerLayer(cos), steps, tk
}

// TestExplorerPageSize: the page with both parts stays under 2 MB for
// gpt2-xl (48 layers) × 1024 tokens.
func TestExplorerPageSize(t *testing.T) {
	const limit = 2 << 20
	for _, c := range []struct {
		name           string
		layers, tokens int
	}{{"gpt2-large × 341", 36, 341}, {"gpt2-xl × 1024", 48, 1024}} {
		cos, stats, steps, tk := synthetic(c.layers, c.tokens)
		e1, err := Cosine(tk, cos, stats, Options{Title: c.name})
		if err != nil {
			t.Fatal(err)
		}
		e2, err := Steps(tk, steps, Options{Title: c.name})
		if err != nil {
			t.Fatal(err)
		}
		f1, _ := e1.HTML()
		f2, _ := e2.HTML()
		page, err := Page(c.name, e1, e2)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: part 1 %d bytes, part 2 %d bytes, the page with both %d bytes (%.2f MB)", c.name, len(f1), len(f2), len(page), float64(len(page))/(1<<20))
		if len(page) >= limit {
			t.Errorf("%s: the explorer page is %d bytes, over the 2 MB bound", c.name, len(page))
		}
	}
}

func TestExplorerErrors(t *testing.T) {
	m := analysis.NewMatrix(3, 4)
	tk := Tokens{IDs: []int{1, 2, 3, 4}, Texts: []string{"a", "b", "c", "d"}}
	steps := analysis.StepLengths{Attn: m, MLP: m, Hidden: m}
	for _, c := range []struct {
		name, want string
		err        error
	}{
		{"empty matrix", "empty", errOf(Cosine(tk, analysis.Matrix{}, analysis.LayerStats{}, Options{}))},
		{"short ids", "one id and one text per token", errOf(Cosine(Tokens{IDs: []int{1}, Texts: tk.Texts}, m, analysis.PerLayer(m), Options{}))},
		{"short labels", "one label per token", errOf(Cosine(Tokens{IDs: tk.IDs, Texts: tk.Texts, Labels: []string{"a"}}, m, analysis.PerLayer(m), Options{}))},
		{"stats", "analysis.PerLayer", errOf(Cosine(tk, m, analysis.LayerStats{}, Options{}))},
		{"steps shape", "differ in shape", errOf(Steps(tk, analysis.StepLengths{Attn: m, MLP: analysis.NewMatrix(2, 4), Hidden: m}, Options{}))},
		{"steps tokens", "per token", errOf(Steps(Tokens{}, steps, Options{}))},
		{"nil explorer", "nothing to show", errOf((*Explorer)(nil).HTML())},
		{"no explorers", "at least one", errOf(Page("x"))},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, c.err, c.want)
		}
	}
}

func errOf[T any](_ T, err error) error { return err }

func TestSaveExplorerPage(t *testing.T) {
	m := analysis.NewMatrix(2, 3)
	e, err := Cosine(Tokens{IDs: []int{1, 2, 3}, Texts: []string{"a", " b", "\n"}}, m, analysis.PerLayer(m), Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "explorer.html")
	if err := SavePage(path, "A & B", e, e); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(page, []byte("<!DOCTYPE html>")) || !bytes.Contains(page, []byte("<title>A &amp; B</title>")) || bytes.Count(page, []byte(`<div class="g2tx" id=`)) != 2 {
		t.Errorf("page:\n%.400s", page)
	}
	if err := SavePage(filepath.Join(dir, "missing", "explorer.html"), "x", e); err == nil {
		t.Error("saving into a missing directory gave no error")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the directory holds %d entries, want only explorer.html (no temporary file left)", len(entries))
	}
	if err := Display(e); err != viz.ErrNotNotebook {
		t.Errorf("Display outside GoNB: %v, want viz.ErrNotNotebook", err)
	}
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
