package viz

import (
	"math"
	"strings"
	"testing"
)

func TestDistribution(t *testing.T) {
	values := testRandomAngles(5000)
	values[3] = math.NaN()
	f, err := Distribution(values, DistributionOptions{
		Title:  "Angle between random pairs of hidden vectors (any sentence, position and layer)",
		XLabel: "Angle (degrees)", VLines: []float64{90},
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, data, 750, 520, 50)
	svg := checkSVG(t, f, "Angle between random pairs", "Angle (degrees)", "Count", "n = 4999 (1 NaN left out)", "mean 75", "median 75", "reference at 90")
	if strings.Contains(svg, "Distribution of all tokens and layers") {
		t.Error("the lesson histogram's title leaked into the distribution figure")
	}
	saveForInspection(t, "distribution-random-angles", f)

	// One distinct value: numpy's widened range, one full bin.
	if f, err := Distribution([]float64{2, 2, 2}, DistributionOptions{Bins: 5}); err != nil {
		t.Fatal(err)
	} else if _, err := f.SVG(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		values []float64
		opts   DistributionOptions
		want   string
	}{
		{"no values", nil, DistributionOptions{}, "histogram of no values"},
		{"all NaN", []float64{math.NaN(), math.NaN()}, DistributionOptions{}, "2 NaN left out"},
		{"infinite", []float64{1, math.Inf(1)}, DistributionOptions{}, "is +Inf"},
		{"bins", []float64{1, 2}, DistributionOptions{Bins: -1}, "at least 1 bin"},
		{"NaN line", []float64{1, 2}, DistributionOptions{VLines: []float64{math.NaN()}}, "reference line at NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if f, err := Distribution(tc.values, tc.opts); err == nil || f != nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Distribution = %v, %v; want an error containing %q", f, err, tc.want)
			}
		})
	}
}
