package notebooks_test

import (
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/nb"
	"github.com/gpt2taps/gpt2taps/tools/nbtest"
)

// maxVisibleLines is the longest a visible code cell may be: longer code
// belongs in a package.
const maxVisibleLines = 25

// TestNotebookStructure checks the notebooks as files, without Jupyter: every
// code cell has an id and a tag to be found by, set-up cells are collapsed
// under a Markdown line saying what they do, visible code cells are short, and
// ids are unique.
func TestNotebookStructure(t *testing.T) {
	books, err := filepath.Glob("*.ipynb")
	if err != nil || len(books) < 2 {
		t.Fatalf("found notebooks %v (%v)", books, err)
	}
	for _, book := range books {
		r, err := nbtest.Read(book)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		firstVisible := -1
		for i, c := range r.Cells {
			if c.ID == "" || ids[c.ID] {
				t.Errorf("%s: cell %d has id %q, missing or not unique", book, i, c.ID)
			}
			ids[c.ID] = true
			if c.Type != "code" {
				continue
			}
			if len(c.Tags) == 0 {
				t.Errorf("%s: code cell %s has no tag", book, c.ID)
			}
			lines := strings.Count(strings.TrimRight(c.Source, "\n"), "\n") + 1
			hidden := c.Hidden
			switch {
			case hasTag(c.Tags, "setup") && !hidden:
				t.Errorf("%s: the set-up cell %s is not collapsed (metadata jupyter.source_hidden)", book, c.ID)
			case hidden && (i == 0 || r.Cells[i-1].Type != "markdown"):
				t.Errorf("%s: the set-up cell %s has no Markdown line before it saying what it does", book, c.ID)
			case !hidden && lines > maxVisibleLines:
				t.Errorf("%s: visible code cell %s has %d lines, more than %d", book, c.ID, lines, maxVisibleLines)
			case !hidden && firstVisible < 0:
				firstVisible = i
			}
		}
		if _, ok := r.Cell("setup"); !ok {
			t.Errorf("%s has no set-up cell (tag setup)", book)
		}
		t.Logf("%s: first visible code cell is %s", book, r.Cells[firstVisible].ID)
	}
}

// goStringsAndComments are what the checks below ignore in a cell's code.
var goStringsAndComments = regexp.MustCompile("\"(?:[^\"\\\\\n]|\\\\.)*\"|`[^`]*`|//[^\n]*")

// importPath is one line of an import block.
var importPath = regexp.MustCompile(`(?m)^\s*"([^"]+)"\s*$`)

// TestSetupImportsWhatTheCellsUse: the set-up cell's import block lists
// exactly the packages the other code cells use (goimports would drop the
// others, but a student reads the list as what the notebook builds on).
func TestSetupImportsWhatTheCellsUse(t *testing.T) {
	books, err := filepath.Glob("*.ipynb")
	if err != nil || len(books) < 2 {
		t.Fatalf("found notebooks %v (%v)", books, err)
	}
	for _, book := range books {
		r, err := nbtest.Read(book)
		if err != nil {
			t.Fatal(err)
		}
		setup, ok := r.Cell("setup")
		if !ok {
			t.Fatalf("%s has no set-up cell", book)
		}
		var code strings.Builder
		for _, c := range r.CodeCells() {
			if c.ID != setup.ID {
				code.WriteString(goStringsAndComments.ReplaceAllString(c.Source, "") + "\n")
			}
		}
		imports := importPath.FindAllStringSubmatch(setup.Source, -1)
		if len(imports) == 0 {
			t.Errorf("%s: the set-up cell imports nothing:\n%s", book, setup.Source)
		}
		for _, m := range imports {
			name := path.Base(m[1])
			if !regexp.MustCompile(`(^|[^\w.])` + regexp.QuoteMeta(name) + `\.`).MatchString(code.String()) {
				t.Errorf("%s: the set-up cell imports %s, which no cell uses", book, m[1])
			}
		}
	}
}

// TestOneCellRunsTheModel: in a notebook whose cells read taps (nb.Taps), one
// cell runs GPT-2 — tagged run, under a heading naming it as nb.Taps's
// message does — and it comes before every cell that reads its taps; no
// other cell uses nbmodel (which links GoMLX).
func TestOneCellRunsTheModel(t *testing.T) {
	for _, book := range []string{part1, part2} {
		r, err := nbtest.Read(book)
		if err != nil {
			t.Fatal(err)
		}
		run, heading, readers := -1, false, 0
		for i, c := range r.Cells {
			code := goStringsAndComments.ReplaceAllString(c.Source, "")
			switch {
			case c.Type == "markdown" && run < 0 && strings.Contains(c.Source, "# ") && strings.Contains(c.Source, nb.RunCell):
				heading = true
			case c.Type != "code":
			case strings.Contains(code, "nbmodel."):
				if !hasTag(c.Tags, "run") || !strings.Contains(code, "nbmodel.Run(") || run >= 0 {
					t.Errorf("%s: cell %s uses nbmodel; only the one cell tagged run may (nbmodel.Run)", book, c.ID)
				}
				run = i
			case strings.Contains(code, "nb.Taps("):
				readers++
				if run < 0 {
					t.Errorf("%s: cell %s reads the taps before the cell that runs GPT-2", book, c.ID)
				}
			}
		}
		if run < 0 || !heading || readers == 0 {
			t.Errorf("%s: run cell at %d, a heading %q before it: %v, %d cells reading its taps", book, run, nb.RunCell, heading, readers)
		}
	}
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}
