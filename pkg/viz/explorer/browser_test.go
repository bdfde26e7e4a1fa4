package explorer_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/viz/explorer"
	"github.com/gpt2taps/gpt2taps/tools/browsertest"
)

// browserTokens are GPT-2-like tokens with every kind of text the page must
// survive: markup, a script end, quotes, NUL, newlines, whitespace-only
// tokens, a piece of a UTF-8 character.
var browserTokens = []string{
	"The", " explorer", " shows", " </script>", " <!--", ` "quoted"`, " 'single'", " <b>&amp;", "\x00", "\n",
	"\n\n", " ", "   ", "\t", " \xf0\x9f", "\x91\x8b", " naïve", " 你好", "<|endoftext|>", " end", ".",
}

func browserFixture(layers int, seed uint64) (explorer.Tokens, analysis.Matrix, analysis.StepLengths) {
	rng := rand.New(rand.NewPCG(seed, 1))
	T := len(browserTokens) * 2
	tk := explorer.Tokens{IDs: make([]int, T), Texts: make([]string, T), Labels: make([]string, T)}
	for i := range T {
		tk.IDs[i] = rng.IntN(50257)
		tk.Texts[i] = browserTokens[i%len(browserTokens)]
		tk.Labels[i] = gpt2.TokenLabel(tk.Texts[i])
	}
	cos := analysis.NewMatrix(layers, T)
	steps := analysis.StepLengths{Attn: analysis.NewMatrix(layers, T), MLP: analysis.NewMatrix(layers, T), Hidden: analysis.NewMatrix(layers, T)}
	for l := range layers {
		for t := range T {
			i := l*T + t
			cos.Data[i] = math.Max(-1, math.Min(1, 0.3*math.Sin(float64(l+t))+0.1*rng.NormFloat64()))
			g := 1 + rng.Float64()
			if t == 0 {
				g *= 40
			}
			steps.Attn.Data[i], steps.MLP.Data[i], steps.Hidden.Data[i] = g*(1+float64(l)), 2*g*(1+float64(l)), 3*g*(1+float64(l))+rng.Float64()
			if l == 0 {
				steps.Attn.Data[i], steps.MLP.Data[i] = math.NaN(), math.NaN()
			}
		}
	}
	cos.Data[3] = math.NaN() // one undefined cosine
	return tk, cos, steps
}

// TestExplorerInBrowser opens a standalone explorer page in Chromium as a
// file and checks both parts with the mouse and the keyboard; the same
// explorer appears twice on the page and each copy keeps its own state.
func TestExplorerInBrowser(t *testing.T) {
	b := browsertest.NewBrowser(t)
	const layers = 7
	tk, cos, steps := browserFixture(layers, 9)
	part1, err := explorer.Cosine(tk, cos, analysis.PerLayer(cos), explorer.Options{Title: "Part 1 </script>"})
	if err != nil {
		t.Fatal(err)
	}
	part2, err := explorer.Steps(tk, steps, explorer.Options{Title: "Part 2", Layer: 2})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "explorer test.html")
	if err := explorer.SavePage(path, "explorer test", part1, part2, part1); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := b.Do(time.Minute, chromedp.Navigate((&url.URL{Scheme: "file", Path: path}).String())); err != nil {
		t.Fatal(err)
	}
	layerOf := func(section int) string {
		l, err := browsertest.Eval[string](b, fmt.Sprintf(`document.querySelector('section:nth-of-type(%d) .g2tx').getAttribute('data-layer')`, section))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	want := func(e *explorer.Explorer, kind string) browsertest.ExplorerWant {
		return browsertest.ExplorerWant{Explorer: e, Kind: kind, Layers: layers, IDs: tk.IDs, Texts: tk.Texts}
	}
	copyBefore := layerOf(3)
	browsertest.CheckExplorer(t, b, "section:nth-of-type(1) .g2tx", want(part1, "cosine"), browsertest.Shot{Name: "viz-part1"})
	if got := layerOf(3); got != copyBefore {
		t.Errorf("the second copy of part 1 moved from layer %s to %s with the first", copyBefore, got)
	}
	browsertest.CheckExplorer(t, b, "section:nth-of-type(2) .g2tx", want(part2, "steps"), browsertest.Shot{Name: "viz-part2"})
	browsertest.CheckExplorer(t, b, "section:nth-of-type(3) .g2tx", want(part1, "cosine"), browsertest.Shot{Name: "viz-part1-copy"})
	if _, err := b.Screenshot("viz-page", ""); err != nil {
		t.Error(err)
	}
	t.Logf("checked the page's three explorers in %.1fs", time.Since(start).Seconds())
}
