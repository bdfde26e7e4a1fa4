package notebooks_test

import (
	"path/filepath"
	"strings"
	"testing"

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

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}
