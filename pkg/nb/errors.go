package nb

import "github.com/gpt2taps/gpt2taps/pkg/nb/internal/cell"

// Check stops the cell with err's message if err is not nil: one line
// "error: …" and exit status 1, which GoNB shows under the cell.
func Check(err error) { cell.Check(err) }

// Must returns v, or stops the cell with err's message.
func Must[T any](v T, err error) T {
	cell.Check(err)
	return v
}
