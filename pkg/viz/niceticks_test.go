package viz

import (
	"slices"
	"testing"
)

func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		n      int
		want   []string
	}{
		{48, 112, 8, []string{"50", "60", "70", "80", "90", "100", "110"}},
		{0, 3.1, 8, []string{"0.0", "0.5", "1.0", "1.5", "2.0", "2.5", "3.0"}},
		{-0.3, 0.25, 6, []string{"-0.3", "-0.2", "-0.1", "0.0", "0.1", "0.2"}},
		{0, 100, 5, []string{"0", "20", "40", "60", "80", "100"}},
	} {
		var got []string
		for _, tk := range (niceTicks{maxLabels: tc.n}).Ticks(tc.lo, tc.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("ticks of [%g, %g] = %v, want %v", tc.lo, tc.hi, got, tc.want)
		}
	}
	if got := (niceTicks{8}).Ticks(1, 1); len(got) != 1 || got[0].Label != "1" {
		t.Errorf("an empty range gave ticks %v, want one at 1", got)
	}
}
