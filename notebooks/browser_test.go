package notebooks_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/nb"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/pkg/viz/explorer"
	"github.com/gpt2taps/gpt2taps/tools/browsertest"
)

// TestNotebooksInBrowser opens each notebook the way a student does: in
// Chromium, through Jupyter Notebook's web interface, with the GoNB kernel.
// It runs all cells from the Cell menu, waits until the kernel is idle and
// every cell has run, and checks what the page shows: no error in any cell,
// every image decoded, and the token explorer (found by its cell id and tag)
// working with the mouse and the keyboard and showing this analysis's
// numbers. Then the same on the explorer.html that `gpt2taps lesson` wrote,
// opened as a file. Screenshots go to browsertest.ArtifactDir.
func TestNotebooksInBrowser(t *testing.T) {
	b := browsertest.NewBrowser(t) // first: skips (or fails on CI) without Chromium
	f := setup(t)
	start := time.Now()

	// The numbers the explorers must show, computed here on their own (same
	// model, text and backend as the notebooks, a cache of its own).
	text, err := os.ReadFile(f.textFile)
	if err != nil {
		t.Fatal(err)
	}
	res, err := model.RunCached(context.Background(), model.Source{Model: f.ckpt, Backend: "go"}, gpt2.Text(string(text)),
		lesson.Request(), taps.Cache{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	a, err := lesson.Analyze(res)
	if err != nil {
		t.Fatal(err)
	}
	want := func(build func() (*explorer.Explorer, error), kind string) browsertest.ExplorerWant {
		e, err := build()
		if err != nil {
			t.Fatal(err)
		}
		return browsertest.ExplorerWant{Explorer: e, Kind: kind, Layers: res.Config.NLayer, IDs: res.IDs, Texts: res.Tokens}
	}
	// Notebook 01 computes its cosines in a visible cell, token by token with analysis.Cosine, the function
	// analysis.CosineMatrix (and so lesson.Analyze, whose a.Cosine explorer.html shows) applies: the same numbers.
	L, T, D := res.Config.NLayer, len(res.IDs), res.Config.NEmbd
	attn, err := res.Get("h.*.attn.c_proj")
	if err != nil {
		t.Fatal(err)
	}
	mlp, err := res.Get("h.*.mlp.c_proj")
	if err != nil {
		t.Fatal(err)
	}
	hostCos, err := analysis.CosineMatrix(attn.Data, mlp.Data, L, T, D)
	if err != nil {
		t.Fatal(err)
	}
	if d := nb.MaxAbsDiff(hostCos, a.Cosine); d != 0 {
		t.Fatalf("the notebook's cosine differs from lesson.Analyze's by %g", d)
	}
	notebookCosine := func() (*explorer.Explorer, error) {
		return explorer.Cosine(lesson.ExplorerTokens(res), hostCos, analysis.PerLayer(hostCos), explorer.Options{})
	}
	part1Want, part2Want := want(notebookCosine, "cosine"), want(a.StepExplorer, "steps")
	htmlPart1Want := want(a.CosineExplorer, "cosine")

	root := browsertest.NotebookTree(t, "..", part1, part2)
	j := browsertest.StartJupyter(t, root, f.env())
	for _, c := range []struct {
		notebook  string
		minImages int
		want      browsertest.ExplorerWant
		shot      string
	}{
		{part1, 2, part1Want, "notebook01-explorer"},
		{part2, 3, part2Want, "notebook02-explorer"},
	} {
		nbStart := time.Now()
		book := browsertest.OpenNotebook(t, b, j, "notebooks/"+c.notebook)
		if err := book.RunAll(15 * time.Minute); err != nil {
			t.Fatal(err)
		}
		ran := time.Since(nbStart)
		r, err := book.Result()
		if err != nil {
			t.Fatal(err)
		}
		if p := r.Problems(); len(p) > 0 {
			t.Errorf("%s, run in the browser: problems in the cells:\n%s", c.notebook, strings.Join(p, "\n"))
		}
		for _, cell := range r.CodeCells() {
			if cell.ExecutionCount == 0 && strings.TrimSpace(cell.Source) != "" {
				t.Errorf("%s: code cell %d did not run", c.notebook, cell.Index)
			}
		}
		images, err := book.Images()
		if err != nil {
			t.Fatal(err)
		}
		decoded := 0
		for _, im := range images {
			if im.Complete && im.NaturalWidth > 0 {
				decoded++
			} else {
				t.Errorf("%s: an image did not decode: %+v", c.notebook, im)
			}
		}
		if decoded < c.minImages {
			t.Errorf("%s shows %d decoded images, want at least %d", c.notebook, decoded, c.minImages)
		}
		cell, index, err := book.Cell("explorer", "explorer")
		if err != nil {
			t.Fatal(err)
		}
		checkStart := time.Now()
		shot := browsertest.CheckExplorer(t, b, cell+" .g2tx", c.want, browsertest.Shot{Name: c.shot, Of: cell, Viewport: true})
		for _, p := range b.Problems() {
			t.Errorf("%s: the page reported: %s", c.notebook, p)
		}
		if err := book.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: opened and run in the browser in %.1fs, %d images decoded, the explorer (cell %d) checked in %.1fs; screenshot %s",
			c.notebook, ran.Seconds(), decoded, index, time.Since(checkStart).Seconds(), shot)
	}

	// explorer.html from gpt2taps lesson, opened as a file.
	pageStart := time.Now()
	page := filepath.Join(f.report, lesson.ExplorerFile)
	if err := b.Do(time.Minute, chromedp.Navigate((&url.URL{Scheme: "file", Path: page}).String())); err != nil {
		t.Fatal(err)
	}
	browsertest.CheckExplorer(t, b, "section:nth-of-type(1) .g2tx", htmlPart1Want, browsertest.Shot{Name: "explorer-html-part1"})
	browsertest.CheckExplorer(t, b, "section:nth-of-type(2) .g2tx", part2Want, browsertest.Shot{Name: "explorer-html-part2"})
	t.Logf("%s checked in the browser in %.1fs; the whole test took %.1fs", page, time.Since(pageStart).Seconds(), time.Since(start).Seconds())
}
