package viz

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// checkPNG decodes data and checks its size and that it is not blank (it
// has at least minColors distinct colours).
func checkPNG(t *testing.T, data []byte, wantW, wantH, minColors int) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != wantW || b.Dy() != wantH {
		t.Errorf("PNG is %d×%d, want %d×%d", b.Dx(), b.Dy(), wantW, wantH)
	}
	if n := distinctColors(img); n < minColors {
		t.Errorf("PNG has %d distinct colours, want at least %d (blank image?)", n, minColors)
	}
	return img
}

// distinctColors counts the distinct RGBA values of img.
func distinctColors(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bb, a}] = true
		}
	}
	return len(seen)
}

// checkSVG renders f as SVG and checks it contains every string in want
// (as it appears in the SVG, i.e. HTML-escaped).
func checkSVG(t *testing.T, f *Figure, want ...string) string {
	t.Helper()
	data, err := f.SVG()
	if err != nil {
		t.Fatalf("SVG: %v", err)
	}
	svg := string(data)
	if !strings.HasPrefix(svg, "<?xml") || !strings.Contains(svg, "</svg>") {
		t.Fatalf("SVG output is not an SVG document: %.100q", svg)
	}
	for _, w := range want {
		if !strings.Contains(svg, w) {
			t.Errorf("SVG lacks %q", w)
		}
	}
	return svg
}

// boxFigure draws a red box: a minimal figure for the rendering tests.
func boxFigure() *Figure {
	return NewFigure(2*vg.Inch, 1*vg.Inch, func(c draw.Canvas) {
		c.SetColor(mlpColor)
		c.Fill(draw.Crop(c, 10, -10, 10, -10).Rectangle.Path())
	})
}

func TestFigureRender(t *testing.T) {
	f := boxFigure()
	data, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img := checkPNG(t, data, 200, 100, 2)
	if r, g, b, _ := img.At(100, 50).RGBA(); r>>8 != 255 || g>>8 != 127 || b>>8 != 14 {
		t.Errorf("centre pixel is (%d,%d,%d), want the box colour (255,127,14)", r>>8, g>>8, b>>8)
	}
	if r, g, b, _ := img.At(1, 1).RGBA(); r>>8 != 255 || g>>8 != 255 || b>>8 != 255 {
		t.Errorf("corner pixel is (%d,%d,%d), want white background", r>>8, g>>8, b>>8)
	}
	f.DPI = 50
	data, err = f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, data, 100, 50, 2)
	checkSVG(t, f, `width="144pt" height="72pt"`)
}

func TestFigureRenderErrors(t *testing.T) {
	tests := []struct {
		name string
		f    *Figure
		want string
	}{
		{"nil figure", nil, "nothing to draw"},
		{"zero figure", &Figure{}, "nothing to draw"},
		{"zero size", NewFigure(0, vg.Inch, func(draw.Canvas) {}), "must be positive"},
		{"negative DPI", &Figure{Width: vg.Inch, Height: vg.Inch, DPI: -1, draw: func(draw.Canvas) {}}, "DPI"},
		{"panicking draw", NewFigure(vg.Inch, vg.Inch, func(draw.Canvas) { panic("illegal range") }), "illegal range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for format, render := range map[string]func() ([]byte, error){"png": tt.f.PNG, "svg": tt.f.SVG} {
				if _, err := render(); err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: got error %v, want one containing %q", format, err, tt.want)
				}
			}
		})
	}
}

func TestSave(t *testing.T) {
	dir := t.TempDir()
	f := boxFigure()
	tests := []struct {
		name    string
		file    string
		wantErr string // empty: success
	}{
		{"png", "fig.png", ""},
		{"svg", "fig.svg", ""},
		{"upper-case extension", "FIG.PNG", ""},
		{"unknown extension", "fig.jpg", `unsupported extension ".jpg"`},
		{"no extension", "fig", `unsupported extension ""`},
		{"missing directory", filepath.Join("no", "such", "dir", "fig.png"), "create temporary file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			err := f.Save(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Save(%s) = %v, want error containing %q", tt.file, err, tt.wantErr)
				}
				if _, statErr := os.Stat(path); !errors.Is(statErr, os.ErrNotExist) {
					t.Errorf("failed Save left %s behind (stat: %v)", path, statErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Save(%s): %v", tt.file, err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if strings.EqualFold(filepath.Ext(path), ".png") {
				checkPNG(t, data, 200, 100, 2)
			} else if !bytes.Contains(data, []byte("<svg")) {
				t.Errorf("%s is not an SVG", path)
			}
		})
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "FIG.PNG fig.png fig.svg" {
		t.Errorf("directory holds %q, want only the saved figures (no temporary files)", names)
	}
}

func TestSaveReplacesAndFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fig.png")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := boxFigure().Save(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, data, 200, 100, 2)

	// A figure that fails to render must leave the old file and no temporary file.
	bad := NewFigure(vg.Inch, vg.Inch, func(draw.Canvas) { panic("boom") })
	if err := bad.Save(path); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("Save of a failing figure = %v, want the drawing error", err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(after, data) {
		t.Error("failed Save modified the existing file")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory has %d entries after a failed Save, want 1", len(entries))
	}
}

func TestDisplayOutsideNotebook(t *testing.T) {
	if err := Display(boxFigure()); !errors.Is(err, ErrNotNotebook) {
		t.Errorf("Display outside GoNB = %v, want ErrNotNotebook", err)
	}
}
