package viz

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gpt2taps/gpt2taps/internal/atomicfile"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// DefaultDPI is the resolution at which PNG images are rendered when
// Figure.DPI is zero: a 14×5 inch figure becomes a 1400×500 pixel PNG.
const DefaultDPI = 100

// Figure is one image made of one or more panels: a size and a function
// that draws the panels onto a draw.Canvas of that size. All rendering to
// bytes (PNG, SVG) happens in this file; the figure builders only compose
// gonum/plot plots onto the canvas.
type Figure struct {
	// Width and Height are the size of the image (vg.Inch = 72 points).
	Width, Height vg.Length
	// DPI is the PNG resolution in dots per inch; 0 means DefaultDPI.
	// SVG output is resolution independent and ignores it.
	DPI int

	draw func(draw.Canvas)
}

// NewFigure returns a Figure of the given size whose content is drawn by
// drawFn. drawFn may panic the way gonum/plot does on invalid input; the
// panic is turned into an error by PNG, SVG and Save.
func NewFigure(width, height vg.Length, drawFn func(draw.Canvas)) *Figure {
	return &Figure{Width: width, Height: height, draw: drawFn}
}

// PNG renders the figure as a PNG image of Width×Height at DPI.
func (f *Figure) PNG() ([]byte, error) {
	return f.render("png")
}

// SVG renders the figure as an SVG document (text is kept as <text>
// elements, so titles and axis labels are searchable).
func (f *Figure) SVG() ([]byte, error) {
	return f.render("svg")
}

// Save writes the figure to path, as PNG or SVG depending on the extension
// (.png or .svg, case-insensitive). It writes a temporary file next to path
// and renames it into place, so path is either the complete new image or
// untouched; the temporary file is removed on failure.
func (f *Figure) Save(path string) error {
	ext := strings.ToLower(filepath.Ext(path))
	var format string
	switch ext {
	case ".png":
		format = "png"
	case ".svg":
		format = "svg"
	default:
		return fmt.Errorf("viz: save %s: unsupported extension %q: use .png or .svg", path, ext)
	}
	data, err := f.render(format)
	if err != nil {
		return fmt.Errorf("viz: save %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("viz: save %s: %w", path, err)
	}
	return nil
}

// render draws the figure onto a fresh canvas of the given format ("png"
// or "svg") and returns the encoded bytes. Panics raised by gonum/plot
// while drawing are returned as errors.
func (f *Figure) render(format string) (out []byte, err error) {
	if f == nil || f.draw == nil {
		return nil, errors.New("viz: figure has nothing to draw: build it with NewFigure or one of the figure functions")
	}
	if !(f.Width > 0) || !(f.Height > 0) {
		return nil, fmt.Errorf("viz: figure size %v×%v is invalid: width and height must be positive", f.Width, f.Height)
	}
	dpi := f.DPI
	if dpi == 0 {
		dpi = DefaultDPI
	}
	if dpi < 0 {
		return nil, fmt.Errorf("viz: figure DPI %d is invalid: use a positive value, or 0 for %d", dpi, DefaultDPI)
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("viz: draw %s figure: %v", format, r)
		}
	}()
	var c vg.CanvasWriterTo
	switch format {
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(dpi))}
	case "svg":
		c = vgsvg.New(f.Width, f.Height)
	default:
		return nil, fmt.Errorf("viz: unknown image format %q: use png or svg", format)
	}
	dc := draw.New(c)
	dc.SetColor(white)
	dc.Fill(dc.Rectangle.Path())
	f.draw(dc)
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("viz: encode %s: %w", format, err)
	}
	return buf.Bytes(), nil
}
