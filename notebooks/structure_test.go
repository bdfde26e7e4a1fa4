package notebooks_test

import (
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
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
// cell runs GPT-2 — tagged run, calling nbrun.Run, under a heading naming it
// as nb.Taps's message does — and it comes before every cell that reads its
// taps; no cell uses nbmodel, which links GoMLX (nbrun.Run asks the model
// server and links none); and only the checkpoint and run cells use nbrun,
// which links the tokenizer and the server's client: every other cell links
// only the light pkg/nb (issue 17: what a cell links is what it waits for).
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
			case strings.Contains(code, "nbmodel"):
				t.Errorf("%s: cell %s uses nbmodel, which links GoMLX: the run cell calls nbrun.Run", book, c.ID)
			case strings.Contains(code, "nbrun.Run("):
				if !hasTag(c.Tags, "run") || run >= 0 {
					t.Errorf("%s: cell %s runs GPT-2 (nbrun.Run); only the one cell tagged run may", book, c.ID)
				}
				run = i
			case strings.Contains(code, "nbrun.") && !hasTag(c.Tags, "checkpoint"):
				t.Errorf("%s: cell %s uses nbrun (the tokenizer, the server's client); only the checkpoint and run cells may — read taps with nb", book, c.ID)
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

// The build settings every notebook's set-up cell applies (issue 17: GoNB
// builds each cell as a new program, and these are most of a cell's time):
var (
	// no `go get` before each cell (2 s a cell): the set-up gives the
	// kernel's module the repository's requirements and go.sum instead;
	noAutoGet = regexp.MustCompile(`(?m)^%noautoget\s*$`)
	// no symbol tables or DWARF in the cells' programs (a faster link);
	linkFlags = regexp.MustCompile(`(?m)^%goflags "-ldflags=-s -w"\s*$`)
	// the kernel's module: the repository's go.mod and go.sum, renamed,
	// requiring and replacing the repository by its folder;
	moduleSetup = regexp.MustCompile(`(?m)^!\*cp "\$\{GONB_DIR\}/\.\./go\.mod" "\$\{GONB_DIR\}/\.\./go\.sum" \. && go mod edit ` +
		`-module=github\.com/gpt2taps/gpt2taps/notebook -replace="github\.com/gpt2taps/gpt2taps=\$\{GONB_DIR\}/\.\." ` +
		`-require=github\.com/gpt2taps/gpt2taps@v0\.0\.0-00010101000000-000000000000\s*$`)
	// no cgo (the internal linker) where no cell links GoMLX — where one
	// does, cgo stays: XLA needs it.
	noCgo = regexp.MustCompile(`(?m)^%env CGO_ENABLED 0\s*$`)
)

// gomlxFree are the notebooks none of whose cells may link GoMLX.
var gomlxFree = []string{part1, part2, part3}

// TestSetupAppliesTheBuildSettings: every notebook's set-up cell switches off
// GoNB's automatic go get (giving the kernel's module the repository's
// requirements instead) and links without symbol tables; a notebook none of
// whose cells use nbmodel (the one GoMLX package the notebooks import) builds
// without cgo, and one that uses it keeps cgo. Notebooks 01, 02 and 03 are of the
// first kind, and what their cells import links no GoMLX (go list -deps).
func TestSetupAppliesTheBuildSettings(t *testing.T) {
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
			t.Errorf("%s has no set-up cell", book)
			continue
		}
		for _, want := range []struct {
			re   *regexp.Regexp
			what string
		}{{noAutoGet, "%noautoget"}, {linkFlags, `%goflags "-ldflags=-s -w"`}, {moduleSetup, "the module set-up (!*cp …go.mod …go.sum . && go mod edit …)"}} {
			if !want.re.MatchString(setup.Source) {
				t.Errorf("%s: the set-up cell lacks %s:\n%s", book, want.what, setup.Source)
			}
		}
		linksGoMLX := false
		for _, c := range r.CodeCells() {
			if strings.Contains(goStringsAndComments.ReplaceAllString(c.Source, ""), "nbmodel.") {
				linksGoMLX = true
			}
		}
		switch cgoOff := noCgo.MatchString(setup.Source); {
		case linksGoMLX && cgoOff:
			t.Errorf("%s: a cell uses nbmodel (GoMLX, whose XLA backend needs cgo), but the set-up sets CGO_ENABLED 0", book)
		case !linksGoMLX && !cgoOff:
			t.Errorf("%s: no cell links GoMLX, but the set-up does not build the cells without cgo (%%env CGO_ENABLED 0)", book)
		}
		if slices.Contains(gomlxFree, book) {
			if linksGoMLX {
				t.Errorf("%s: a cell uses nbmodel, which links GoMLX", book)
			}
			checkImportsLinkNoGoMLX(t, book, setup.Source)
		}
	}
}

// checkImportsLinkNoGoMLX: the project's packages the set-up cell imports are
// readers of taps (tools/layers checks that those link no GoMLX), and go
// list -deps finds no GoMLX among their dependencies.
func checkImportsLinkNoGoMLX(t *testing.T, book, setup string) {
	t.Helper()
	const module = "github.com/gpt2taps/gpt2taps/"
	args := []string{"list", "-deps"}
	for _, m := range importPath.FindAllStringSubmatch(setup, -1) {
		if pkg, ours := strings.CutPrefix(m[1], module); ours && !slices.Contains(readers, pkg) {
			t.Errorf("%s: the set-up imports %s, which is not a reader of taps (tools/layers)", book, m[1])
		}
		args = append(args, m[1])
	}
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/gomlx/gomlx") || strings.HasPrefix(dep, "github.com/gomlx/gopjrt") {
			t.Errorf("%s: its cells link %s", book, dep)
		}
	}
}

// readers are tools/layers' readers of taps (TestReadersLinkNoGoMLX there):
// the project's packages a GoMLX-free notebook's cells may import.
var readers = []string{"pkg/gpt2", "pkg/gpt2/tokenizer", "pkg/taps", "pkg/analysis", "pkg/viz", "pkg/viz/explorer", "pkg/lesson", "pkg/compare", "pkg/modelclient", "pkg/nb", "pkg/nb/nbrun"}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}
