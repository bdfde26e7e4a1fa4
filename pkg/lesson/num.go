package lesson

import (
	"encoding/json"
	"math"
)

// Num is a float64 that JSON-encodes NaN and ±Inf as null (JSON has no NaN)
// and decodes null back to NaN. Undefined values, such as the attention step
// length of layer 0, are NaN in Go and null in summary.json.
type Num float64

// MarshalJSON implements json.Marshaler.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(f)
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *Num) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*n = Num(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(data, &f); err != nil {
		return err
	}
	*n = Num(f)
	return nil
}

// nums converts a float64 slice.
func nums(xs []float64) []Num {
	out := make([]Num, len(xs))
	for i, x := range xs {
		out[i] = Num(x)
	}
	return out
}
