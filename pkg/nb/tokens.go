package nb

import (
	"fmt"
	"html"
	"strings"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/nb/internal/cell"
)

// ShowTokens shows a tokenized text as a table, ten tokens per row: each
// token's text (gpt2.TokenLabel marks whitespace) over its id. Outside GoNB
// it prints a note instead.
func ShowTokens(enc gpt2.Encoding) {
	const perRow = 10
	var b strings.Builder
	fmt.Fprintf(&b, "<p>%d tokens</p>", len(enc.IDs))
	b.WriteString(`<table style="font-family:monospace;font-size:90%"><tr><th>#</th>`)
	for j := range perRow {
		fmt.Fprintf(&b, "<th>+%d</th>", j)
	}
	b.WriteString("</tr>")
	for i := 0; i < len(enc.IDs); i += perRow {
		fmt.Fprintf(&b, "<tr><th>%d</th>", i)
		for j := i; j < min(i+perRow, len(enc.IDs)); j++ {
			fmt.Fprintf(&b, "<td>%s<br><sub>%d</sub></td>", html.EscapeString(gpt2.TokenLabel(enc.Tokens[j])), enc.IDs[j])
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table>")
	cell.ShowHTML(b.String())
}
