package gpucheck

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Diff is how far one captured tensor is from its reference.
type Diff struct {
	Name   string
	MaxAbs float64 // largest |got − want|
	MaxRef float64 // largest |want|, the tensor's scale
	Rel    float64 // MaxAbs / MaxRef
}

// String formats the difference as one line.
func (d Diff) String() string {
	return fmt.Sprintf("%s: max |diff| %.3g, scale %.3g, relative %.3g", d.Name, d.MaxAbs, d.MaxRef, d.Rel)
}

// Compare compares each tensor of want with the tensor of the same name in
// got. It fails if one is missing or differs in length, or if a value is NaN
// or infinite in either. The result is sorted by name.
func Compare(got, want map[string][]float32) ([]Diff, error) {
	names := make([]string, 0, len(want))
	for name := range want {
		names = append(names, name)
	}
	slices.Sort(names)
	var diffs []Diff
	for _, name := range names {
		w := want[name]
		g, ok := got[name]
		if !ok {
			return nil, fmt.Errorf("compare: no %q captured", name)
		}
		if len(g) != len(w) {
			return nil, fmt.Errorf("compare %s: %d values captured, the reference has %d", name, len(g), len(w))
		}
		d := Diff{Name: name}
		for i := range w {
			a, b := float64(g[i]), float64(w[i])
			if math.IsNaN(a) || math.IsInf(a, 0) || math.IsNaN(b) || math.IsInf(b, 0) {
				return nil, fmt.Errorf("compare %s: value %d is %g, the reference's %g: not finite", name, i, a, b)
			}
			d.MaxAbs = max(d.MaxAbs, math.Abs(a-b))
			d.MaxRef = max(d.MaxRef, math.Abs(b))
		}
		if d.MaxRef > 0 {
			d.Rel = d.MaxAbs / d.MaxRef
		} else {
			d.Rel = d.MaxAbs
		}
		diffs = append(diffs, d)
	}
	return diffs, nil
}

// Tolerance is the largest accepted relative difference (Diff.Rel) of each
// tensor from the PyTorch reference's float32 CPU computation.
type Tolerance struct {
	Platform string  // what the tolerance is for, for messages
	Rel      float64 // for every tensor
}

// ToleranceFor returns the tolerance for a backend configuration name. CPU
// backends ("go", "xla:cpu") compute in float32 as the reference does and
// stay within 1e-4. On CUDA, XLA may use TF32 tensor cores for float32
// matrix products (10-bit mantissa), so differences of a few 1e-3 are
// expected; 2e-2 still fails any wrong computation, which is off by O(1).
func ToleranceFor(backendName string) Tolerance {
	if strings.Contains(strings.ToLower(backendName), "cuda") {
		return Tolerance{Platform: "CUDA (TF32 matmuls possible)", Rel: 2e-2}
	}
	return Tolerance{Platform: "CPU float32", Rel: 1e-4}
}

// Check returns an error naming every difference above the tolerance.
func (t Tolerance) Check(diffs []Diff) error {
	var over []string
	for _, d := range diffs {
		if !(d.Rel <= t.Rel) {
			over = append(over, d.String())
		}
	}
	if len(over) > 0 {
		return fmt.Errorf("taps differ from the PyTorch reference by more than %g relative (%s): %s", t.Rel, t.Platform, strings.Join(over, "; "))
	}
	return nil
}
