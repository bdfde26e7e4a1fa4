package nbtest

import (
	"fmt"
	"html"
	"regexp"
	"strings"
)

var (
	// exitStatus matches the line GoNB prints when a cell's program or a shell
	// command exits with a status.
	exitStatus = regexp.MustCompile(`^exit status (\d+)$`)
	// gonbErrorLocation matches one located error in GoNB's HTML error report:
	// the cell and line, then the compiler's message.
	gonbErrorLocation = regexp.MustCompile(`<span class="gonb-cell-line-info">([^<]*)</span>\s*<span class="gonb-err-location">[^<]*</span>\s*([^\n<]*)`)
	htmlStyle         = regexp.MustCompile(`(?s)<style.*?</style>`)
	htmlTag           = regexp.MustCompile(`<[^>]*>`)
)

// Problems lists, one string per offending output, everything that went wrong
// while the notebook ran: every error output (with GoNB's compiler messages,
// which it displays as HTML next to the error), and every stream or text
// output with a line starting "panic:" or "fatal error:" or reading
// "exit status N" with N other than 0. nbconvert reports only the error
// outputs; GoNB shows a cell program's panic or os.Exit status as plain
// stderr text. Each entry starts with "cell I" (Cell.Index). The list is
// empty when the notebook ran cleanly.
func (r *Result) Problems() []string {
	var problems []string
	for _, c := range r.Cells {
		for _, o := range c.Outputs {
			var found []string
			switch o.Kind {
			case KindError:
				found = append(found, o.Name+": "+o.Text)
				found = append(found, gonbCompileErrors(c)...)
			case KindStream:
				found = failureLines(o.Text)
			default:
				found = failureLines(o.MIME["text/plain"])
			}
			if len(found) > 0 {
				where := fmt.Sprintf("cell %d", c.Index)
				if o.Kind == KindStream {
					where += " (" + o.Name + ")"
				}
				problems = append(problems, where+": "+strings.Join(found, "; "))
			}
		}
	}
	return problems
}

// failureLines returns the lines of text that tell of a panic, a fatal
// runtime error or a non-zero exit status.
func failureLines(text string) []string {
	var found []string
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "panic:"), strings.HasPrefix(line, "fatal error:"):
			found = append(found, line)
		default:
			if m := exitStatus.FindStringSubmatch(line); m != nil && m[1] != "0" {
				found = append(found, line)
			}
		}
	}
	return found
}

// gonbCompileErrors extracts the messages of GoNB's HTML error reports in the
// cell ("Cell[2]: Line 8: undefined: x"), or their plain text when no located
// error is found.
func gonbCompileErrors(c Cell) []string {
	var found []string
	for _, report := range c.Data("text/html") {
		if !strings.Contains(report, "gonb-err") {
			continue
		}
		matches := gonbErrorLocation.FindAllStringSubmatch(report, -1)
		for _, m := range matches {
			found = append(found, html.UnescapeString(strings.TrimSpace(m[1])+": "+strings.TrimSpace(m[2])))
		}
		if len(matches) == 0 {
			found = append(found, htmlText(report))
		}
	}
	return found
}

// htmlText reduces an HTML fragment to its non-blank text lines, joined by " | ".
func htmlText(fragment string) string {
	text := html.UnescapeString(htmlTag.ReplaceAllString(htmlStyle.ReplaceAllString(fragment, ""), ""))
	var lines []string
	for line := range strings.Lines(text) {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, " | ")
}
