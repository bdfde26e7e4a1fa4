package nbtest

import (
	"bytes"
	"image/png"
	"regexp"
	"strings"
	"testing"
	"time"
)

// notebookEnv is the environment the testdata notebooks were executed with,
// for testdata/executed, and are executed with by TestExecute.
var notebookEnv = []string{"NBTEST_NAME=nbtest"}

// notebookCase is what running one testdata notebook must produce.
type notebookCase struct {
	name          string // testdata/NAME.ipynb
	cellTypes     string // one letter per cell: m(arkdown), c(ode)
	text          map[int]string
	markdown      map[int]string // a cell's text/markdown displays
	images        int
	problems      []string // regular expressions, one per expected problem, in order
	firstMarkdown string
}

// notebookCases covers the testdata notebooks: one that imports a package of
// this repository and displays Markdown and a PNG, and three that fail in the
// ways GoNB reports (a panic, os.Exit(3), a compile error).
var notebookCases = []notebookCase{
	{
		name:      "hello",
		cellTypes: "mccc",
		text: map[int]string{
			1: "",
			2: "Hello, notebook, from gpt2taps!\n",
			3: "NBTEST_NAME = nbtest\n",
		},
		markdown:      map[int]string{2: "**nbhello** says: Hello, Markdown, from gpt2taps!"},
		images:        1,
		firstMarkdown: "# nbtest: hello",
	},
	{
		name:          "panic",
		cellTypes:     "mccc",
		text:          map[int]string{1: "before the panic\n", 3: "after the panic\n"},
		problems:      []string{`^cell 2 \(stderr\): panic: nbtest: deliberate panic; exit status 2$`},
		firstMarkdown: "# nbtest: panic",
	},
	{
		name:          "exit",
		cellTypes:     "mc",
		text:          map[int]string{1: "exiting with status 3\nexit status 3\n"},
		problems:      []string{`^cell 1 \(stderr\): exit status 3$`},
		firstMarkdown: "# nbtest: exit",
	},
	{
		name:          "compile_error",
		cellTypes:     "mcc",
		text:          map[int]string{2: "after the compile error\n"},
		problems:      []string{`^cell 1: ERROR: failed to run ".*go build .*; Cell\[1\]: Line 2: undefined: undefinedName$`},
		firstMarkdown: "# nbtest: compile error",
	},
}

// check checks an executed notebook against the case.
func (tt notebookCase) check(t *testing.T, r *Result) {
	t.Helper()
	checkCells(t, r, tt.cellTypes)
	for i, want := range tt.text {
		if got := r.Cells[i].Text(); got != want {
			t.Errorf("cell %d Text() = %q, want %q", i, got, want)
		}
	}
	for i, want := range tt.markdown {
		if got := r.Cells[i].Data("text/markdown"); len(got) != 1 || got[0] != want {
			t.Errorf("cell %d Data(text/markdown) = %q, want [%q]", i, got, want)
		}
	}
	checkProblems(t, r.Problems(), tt.problems)
	images, err := r.Images()
	if err != nil {
		t.Fatal(err)
	}
	if len(images) != tt.images {
		t.Errorf("%d images, want %d", len(images), tt.images)
	}
	if tt.images > 0 {
		checkHelloImage(t, images)
	}
	if md := r.MarkdownCells(); len(md) == 0 || !strings.HasPrefix(md[0].Source, tt.firstMarkdown) {
		t.Errorf("MarkdownCells() = %+v, want the first to start %q", md, tt.firstMarkdown)
	}
	for _, c := range r.CodeCells() {
		if d, ok := c.Duration(); !ok || d < 0 || d > 10*time.Minute {
			t.Errorf("cell %d Duration() = %v, %v; want the recorded time", c.Index, d, ok)
		}
		if c.ExecutionCount == 0 {
			t.Errorf("cell %d has no execution count", c.Index)
		}
	}
}

// checkCells checks the cell types against one letter per cell.
func checkCells(t *testing.T, r *Result, types string) {
	t.Helper()
	var got strings.Builder
	for i, c := range r.Cells {
		if c.Index != i {
			t.Errorf("cell %d has Index %d", i, c.Index)
		}
		got.WriteByte(c.Type[0])
	}
	if got.String() != types {
		t.Fatalf("cell types %q, want %q", got.String(), types)
	}
}

// checkProblems checks that problem i matches the regular expression want[i].
func checkProblems(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("Problems() = %q, want %d problems matching %q", got, len(want), want)
	}
	for i, w := range want {
		if !regexp.MustCompile(w).MatchString(got[i]) {
			t.Errorf("problem %d = %q, want a match for %q", i, got[i], w)
		}
	}
}

// checkHelloImage checks the hello notebook's one image: a 4×3 PNG from
// cell 2 whose middle row is opaque red and the rest transparent.
func checkHelloImage(t *testing.T, images []Image) {
	t.Helper()
	if len(images) != 1 || images[0].MIME != "image/png" || images[0].Cell != 2 {
		t.Fatalf("Images() = %d images (%+v), want one PNG from cell 2", len(images), images)
	}
	img, err := png.Decode(bytes.NewReader(images[0].Data))
	if err != nil {
		t.Fatalf("decode the displayed PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 4 || b.Dy() != 3 {
		t.Errorf("image is %v, want 4×3", b)
	}
	if r, g, b, a := img.At(2, 1).RGBA(); r != 0xffff || g != 0 || b != 0 || a != 0xffff {
		t.Errorf("pixel (2,1) = %d,%d,%d,%d, want opaque red", r, g, b, a)
	}
	if _, _, _, a := img.At(2, 0).RGBA(); a != 0 {
		t.Errorf("pixel (2,0) has alpha %d, want transparent", a)
	}
}
