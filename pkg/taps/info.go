package taps

import "fmt"

// String says in one line where a result came from: "computed in 59.1 s
// (loading the weights included) on go: pure Go …" or "loaded from the tap
// cache in 0.35 s (computed earlier on go: pure Go …)".
func (i Info) String() string {
	if i.Computed {
		return fmt.Sprintf("computed in %.2f s (loading the weights included) on %s", i.Elapsed.Seconds(), orUnknown(i.Backend))
	}
	return fmt.Sprintf("loaded from the tap cache in %.2f s (computed earlier on %s)", i.Elapsed.Seconds(), orUnknown(i.Backend))
}

func orUnknown(s string) string {
	if s == "" {
		return "an unrecorded backend"
	}
	return s
}
