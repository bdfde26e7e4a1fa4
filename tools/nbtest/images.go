package nbtest

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// Image is an image that a cell displayed (gonbui.DisplayPng, DisplaySvg, …).
type Image struct {
	// Cell is the index (Cell.Index) of the cell that displayed it.
	Cell int
	// MIME is the image's type: "image/png", "image/jpeg", "image/gif" or "image/svg+xml".
	MIME string
	// Data is the image file's bytes (SVG text for "image/svg+xml").
	Data []byte
}

// imageTypes are the MIME types Images reports; all but SVG are stored as base64.
var imageTypes = []string{"image/png", "image/jpeg", "image/gif", "image/svg+xml"}

// Images returns every image the notebook's cells displayed, in order, decoded.
// An output whose base64 data does not decode is an error naming the cell.
func (r *Result) Images() ([]Image, error) {
	var images []Image
	for _, c := range r.Cells {
		for _, o := range c.Outputs {
			for _, mime := range imageTypes {
				data, ok := o.MIME[mime]
				if !ok {
					continue
				}
				img := Image{Cell: c.Index, MIME: mime, Data: []byte(data)}
				if mime != "image/svg+xml" {
					decoded, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(data), ""))
					if err != nil {
						return nil, fmt.Errorf("cell %d: decode %s output of %s: %w", c.Index, mime, r.Path, err)
					}
					img.Data = decoded
				}
				images = append(images, img)
			}
		}
	}
	return images, nil
}
