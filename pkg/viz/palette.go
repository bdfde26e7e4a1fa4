package viz

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
)

// paletteSize is the number of colours sampled from a colour map.
const paletteSize = 255

// SampleColorMap returns n colours of cmap evenly spaced over the fraction
// [from, to] of its range (0 = its first colour, 1 = its last).
func SampleColorMap(cmap palette.ColorMap, n int, from, to float64) ([]color.Color, error) {
	cmap.SetMin(0)
	cmap.SetMax(1)
	out := make([]color.Color, n)
	for i := range out {
		v := from + (to-from)*float64(i)/float64(n-1)
		c, err := cmap.At(math.Min(1, math.Max(0, v)))
		if err != nil {
			return nil, fmt.Errorf("viz: sample colour map at %g: %w", v, err)
		}
		out[i] = c
	}
	return out, nil
}

// divergingScale returns a blue–white–red scale (Moreland's smooth
// diverging map) over the symmetric range [−a, a], white at 0, where a is
// the largest finite |value| (1 if there is none or it is 0).
func divergingScale(values []float64) (colorScale, error) {
	a := 0.0
	for _, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			a = math.Max(a, math.Abs(v))
		}
	}
	if a == 0 {
		a = 1
	}
	cols, err := SampleColorMap(moreland.SmoothBlueRed(), paletteSize, 0, 1)
	if err != nil {
		return colorScale{}, err
	}
	return colorScale{Colors: cols, Min: -a, Max: a}, nil
}

// sequentialScale returns a dark-to-light scale (Moreland's black-body map,
// stopping short of white so the brightest cells stay visible on a white
// page) over [min, max] of the finite values of all the given slices.
// A constant input gets a unit-wide range around its value.
func sequentialScale(values ...[]float64) (colorScale, error) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, vs := range values {
		for _, v := range vs {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	switch {
	case lo > hi: // no finite values
		lo, hi = 0, 1
	case lo == hi:
		lo, hi = lo-0.5, hi+0.5
	}
	cols, err := SampleColorMap(moreland.BlackBody(), paletteSize, 0, 0.9)
	if err != nil {
		return colorScale{}, err
	}
	return colorScale{Colors: cols, Min: lo, Max: hi}, nil
}
