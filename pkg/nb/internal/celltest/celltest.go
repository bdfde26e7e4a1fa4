// Package celltest catches what a notebook helper does to the cell's program
// in a test: what it prints, and the exit that would end the cell.
package celltest

import (
	"bytes"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/nb/internal/cell"
)

// Capture redirects the cell's outputs and exit for one test; exit panics
// with the status so that the code after it does not run, as in a cell.
// status runs f and returns the exit status it ended the cell with, or -1
// when it returned.
func Capture(t testing.TB) (out, errs *bytes.Buffer, status func(func()) int) {
	t.Helper()
	out, errs = &bytes.Buffer{}, &bytes.Buffer{}
	oldOut, oldErr, oldExit := cell.Stdout, cell.Stderr, cell.Exit
	cell.Stdout, cell.Stderr = out, errs
	type exited int
	cell.Exit = func(code int) { panic(exited(code)) }
	t.Cleanup(func() { cell.Stdout, cell.Stderr, cell.Exit = oldOut, oldErr, oldExit })
	status = func(f func()) (code int) {
		code = -1
		defer func() {
			if r := recover(); r != nil {
				e, ok := r.(exited)
				if !ok {
					panic(r)
				}
				code = int(e)
			}
		}()
		f()
		return code
	}
	return out, errs, status
}
