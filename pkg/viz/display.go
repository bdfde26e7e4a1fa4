package viz

import (
	"errors"
	"fmt"

	"github.com/janpfeifer/gonb/gonbui"
)

// ErrNotNotebook is returned by Display and DisplayExplorer when the program is not running
// inside a GoNB (Go Jupyter kernel) cell.
var ErrNotNotebook = errors.New("viz: not running inside a GoNB notebook: save the figure with Figure.Save instead")

// Display shows the figure inline in the output of the current GoNB cell,
// as a PNG (at the figure's DPI) sent through gonbui.DisplayPng.
//
// It only works inside GoNB, detected by gonbui.IsNotebook (GoNB sets an
// environment variable naming its pipe). Anywhere else (go run, go test,
// a CLI) it renders nothing and returns ErrNotNotebook, so callers can fall
// back to Figure.Save. Inside GoNB it returns rendering errors and the
// error of the pipe to the kernel, if any (gonbui.Error).
func Display(f *Figure) error {
	if !gonbui.IsNotebook {
		return ErrNotNotebook
	}
	png, err := f.PNG()
	if err != nil {
		return fmt.Errorf("viz: display: %w", err)
	}
	gonbui.DisplayPng(png)
	// A cell's program may exit right after this call; wait until GoNB has the image.
	gonbui.Sync()
	if err := gonbui.Error(); err != nil {
		return fmt.Errorf("viz: display: send PNG to GoNB: %w", err)
	}
	return nil
}

// DisplayExplorer shows the explorer inline in the output of the current
// GoNB cell, as one HTML fragment (gonbui.DisplayHTML), and waits until
// GoNB has it. Jupyter runs the fragment's script when the output is
// trusted: always for a cell just run; a notebook opened from a file shows
// the text and a note until it is trusted or the cell is run again.
//
// Like Display, it returns ErrNotNotebook outside GoNB (use
// SaveExplorerPage there), and the error of the pipe to the kernel, if any.
func DisplayExplorer(e *Explorer) error {
	if !gonbui.IsNotebook {
		return ErrNotNotebook
	}
	frag, err := e.HTML()
	if err != nil {
		return err
	}
	gonbui.DisplayHTML(frag)
	gonbui.Sync()
	if err := gonbui.Error(); err != nil {
		return fmt.Errorf("viz: display explorer: send HTML to GoNB: %w", err)
	}
	return nil
}
