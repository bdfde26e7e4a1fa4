package viz

import (
	"errors"
	"fmt"

	"github.com/janpfeifer/gonb/gonbui"
)

// ErrNotNotebook is returned by Display (and explorer.Display) when the program is not running
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
