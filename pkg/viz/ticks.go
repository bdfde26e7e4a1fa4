package viz

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// integerTicks is a plot.Ticker for axes of whole numbers (layers, token
// positions): labelled ticks at a round step (1, 2, 5, 10, 20, …) chosen so
// that about maxLabels labels fit, and unlabelled minor ticks at every
// integer when they are not too dense.
type integerTicks struct {
	maxLabels int
}

// Ticks implements plot.Ticker.
func (t integerTicks) Ticks(lo, hi float64) []plot.Tick {
	first, last := math.Ceil(lo), math.Floor(hi)
	if !(last >= first) {
		return nil
	}
	maxLabels := t.maxLabels
	if maxLabels < 2 {
		maxLabels = 8
	}
	step := roundStep((last - first) / float64(maxLabels))
	var ticks []plot.Tick
	for v := math.Ceil(first/step)*step + 0; v <= last; v += step { // + 0 turns −0 into 0
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', 0, 64)})
	}
	if step > 1 && last-first <= 200 {
		for v := first; v <= last; v++ {
			if math.Mod(v, step) != 0 {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	return ticks
}

// roundStep returns the smallest whole step from 1, 2, 5, 10, 20, 50, …
// that is at least x.
func roundStep(x float64) float64 {
	if x <= 1 {
		return 1
	}
	for mag := 1.0; ; mag *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if s := m * mag; s >= x {
				return s
			}
		}
	}
}
