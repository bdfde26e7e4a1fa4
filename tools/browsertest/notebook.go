package browsertest

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gpt2taps/gpt2taps/tools/nbtest"
)

// NotebookTree returns a new folder laid out like the repository at
// repoRoot: every top-level entry is a symbolic link to the checkout's,
// except notebooks/, which holds copies of the named notebooks (file names
// in repoRoot/notebooks). A notebook's first cell finds the repository at
// ${GONB_DIR}/.., so the copies build against the checkout, while the
// browser runs and saves (Jupyter autosaves) only the copies.
func NotebookTree(t testing.TB, repoRoot string, notebooks ...string) string {
	t.Helper()
	repoRoot, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "repo")
	if err := os.MkdirAll(filepath.Join(root, "notebooks"), 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(repoRoot)
	if err != nil {
		t.Fatalf("notebook tree: %v", err)
	}
	for _, e := range entries {
		if e.Name() == "notebooks" || e.Name() == ".git" {
			continue
		}
		if err := os.Symlink(filepath.Join(repoRoot, e.Name()), filepath.Join(root, e.Name())); err != nil {
			t.Fatalf("notebook tree: %v", err)
		}
	}
	for _, nb := range notebooks {
		if err := copyFile(filepath.Join(repoRoot, "notebooks", nb), filepath.Join(root, "notebooks", nb)); err != nil {
			t.Fatalf("notebook tree: %v", err)
		}
	}
	return root
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Notebook is a notebook open in the browser, in Jupyter's classic
// interface (Notebook 6).
type Notebook struct {
	// Name is the notebook's file name.
	Name string

	b *Browser
	j *Jupyter
	t testing.TB
}

// OpenNotebook opens the notebook rel (relative to the server's root) in
// the browser and waits until it is loaded and its kernel has started and
// is idle.
func OpenNotebook(t testing.TB, b *Browser, j *Jupyter, rel string) *Notebook {
	t.Helper()
	n := &Notebook{Name: filepath.Base(rel), b: b, j: j, t: t}
	if err := b.Do(time.Minute, chromedp.Navigate(j.NotebookURL(rel))); err != nil {
		t.Fatalf("open %s: %v", rel, err)
	}
	const ready = `!!(window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded && Jupyter.notebook.kernel &&
		Jupyter.notebook.kernel.is_connected() && document.querySelector('#kernel_indicator_icon.kernel_idle_icon'))`
	if err := n.poll(ready, 2*time.Minute); err != nil {
		t.Fatalf("%s: the notebook did not load with an idle kernel: %v\nJupyter's log ends:\n%s", rel, err, j.Log())
	}
	return n
}

// poll waits until the JavaScript expression is true.
func (n *Notebook) poll(expr string, limit time.Duration) error {
	_, err := Run(n.b, limit, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(250*time.Millisecond)))
	return err
}

// runState is how far Run All has got.
type runState struct {
	Total, Ran, Busy int
	Idle             bool
	Running          string // start of the source of the cell that runs now
}

const runStateJS = `(() => {
	const code = Jupyter.notebook.get_cells().filter(c => c.cell_type === 'code' && c.get_text().trim() !== '');
	const running = code.find(c => c.input_prompt_number === '*');
	return {
		Total: code.length,
		Ran: code.filter(c => typeof c.input_prompt_number === 'number').length,
		Busy: code.filter(c => c.input_prompt_number === '*').length,
		Idle: !!document.querySelector('#kernel_indicator_icon.kernel_idle_icon'),
		Running: running ? running.get_text().slice(0, 60) : '',
	};
})()`

// RunAll runs every cell as a student does, from the menu (Cell → Run
// All), then waits until the kernel is idle and every non-empty code cell
// shows an execution count, at most limit. It logs its progress.
func (n *Notebook) RunAll(limit time.Duration) error {
	start := time.Now()
	if err := n.b.Do(time.Minute,
		chromedp.Click(chromedp.CSS("#celllink")),
		chromedp.WaitVisible(chromedp.CSS("#run_all_cells > a")),
		chromedp.Click(chromedp.CSS("#run_all_cells > a")),
	); err != nil {
		return fmt.Errorf("%s: Cell → Run All: %w", n.Name, err)
	}
	lastLog, done := time.Now(), 0
	for {
		s, err := Eval[runState](n.b, runStateJS)
		if err != nil {
			return fmt.Errorf("%s: read the cells' state: %w", n.Name, err)
		}
		if s.Ran == s.Total && s.Busy == 0 && s.Idle {
			if done++; done == 2 { // the same for two polls in a row
				n.t.Logf("%s: all %d code cells ran in %.1fs (Cell → Run All)", n.Name, s.Total, time.Since(start).Seconds())
				return nil
			}
		} else {
			done = 0
		}
		if time.Since(start) > limit {
			return fmt.Errorf("%s: after %v, %d of %d code cells ran (%d running: %q); Jupyter's log ends:\n%s", n.Name, limit, s.Ran, s.Total, s.Busy, s.Running, n.j.Log())
		}
		if time.Since(lastLog) > time.Minute {
			n.t.Logf("%s: %d of %d code cells ran after %.0fs; running: %q", n.Name, s.Ran, s.Total, time.Since(start).Seconds(), s.Running)
			lastLog = time.Now()
		}
		time.Sleep(time.Second)
	}
}

// Result returns the notebook as the page holds it, outputs included
// (Jupyter.notebook.toJSON()), read with nbtest.Read after saving it as
// ArtifactDir/<name>.browser.ipynb.
func (n *Notebook) Result() (*nbtest.Result, error) {
	text, err := Eval[string](n.b, `JSON.stringify(Jupyter.notebook.toJSON(), null, 1)`)
	if err != nil {
		return nil, fmt.Errorf("%s: read the notebook from the page: %w", n.Name, err)
	}
	path := filepath.Join(n.b.artifacts, strings.TrimSuffix(n.Name, ".ipynb")+".browser.ipynb")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return nil, err
	}
	return nbtest.Read(path)
}

// Close saves the notebook, as a student would before leaving it (into
// the NotebookTree's copy), so that the browser leaves the page without
// asking; its kernel goes on running until the server stops.
func (n *Notebook) Close() error {
	if _, err := Eval[bool](n.b, `Jupyter.notebook.save_notebook().then(() => true)`); err != nil {
		return fmt.Errorf("%s: save: %w", n.Name, err)
	}
	if dirty, err := Eval[bool](n.b, `Jupyter.notebook.dirty`); err != nil || dirty {
		return fmt.Errorf("%s: still unsaved after saving (%v)", n.Name, err)
	}
	return nil
}

// Image is an <img> element of the page.
type Image struct {
	Src                 string // the start of its address
	Complete            bool   // the browser has finished loading it
	NaturalWidth, Width int    // decoded width (0: not decoded), and its layout width
}

// Images waits until every <img> of the notebook has finished loading
// (at most 30 s) and returns them.
func (n *Notebook) Images() ([]Image, error) {
	_ = n.poll(`Array.from(document.querySelectorAll('#notebook-container img')).every(i => i.complete)`, 30*time.Second)
	return Eval[[]Image](n.b, `Array.from(document.querySelectorAll('#notebook-container img')).map(i => ({
		Src: i.src.slice(0, 40), Complete: i.complete, NaturalWidth: i.naturalWidth, Width: i.width}))`)
}

// Cell finds the cell with the given cell id, checks that its metadata
// has the tag, marks its element and returns a CSS selector for it and its
// index among all cells.
func (n *Notebook) Cell(id, tag string) (sel string, index int, err error) {
	q, _ := json.Marshal(id)
	type cellInfo struct {
		Index int
		Tags  []string
	}
	found, err := Eval[cellInfo](n.b, fmt.Sprintf(`(() => {
		const cells = Jupyter.notebook.get_cells();
		const i = cells.findIndex(c => c.id === %s);
		if (i < 0) return {Index: -1, Tags: []};
		cells[i].element[0].setAttribute('data-browsertest-cell', %s);
		return {Index: i, Tags: (cells[i].metadata && cells[i].metadata.tags) || []};
	})()`, q, q))
	if err != nil {
		return "", 0, fmt.Errorf("%s: find cell %q: %w", n.Name, id, err)
	}
	if found.Index < 0 {
		return "", 0, fmt.Errorf("%s has no cell with id %q", n.Name, id)
	}
	hasTag := false
	for _, t := range found.Tags {
		hasTag = hasTag || t == tag
	}
	if !hasTag {
		return "", 0, fmt.Errorf("%s: cell %q lacks the tag %q (tags %v)", n.Name, id, tag, found.Tags)
	}
	return fmt.Sprintf(`[data-browsertest-cell=%s]`, q), found.Index, nil
}
