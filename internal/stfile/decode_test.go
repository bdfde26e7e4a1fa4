package stfile

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
)

// TestFloat32sLargeTensors: tensors of several chunks, decoded in parallel, hold exactly what ToFloat32 makes of
// their bytes, for every float dtype, and Float32sFinite finds one non-finite value wherever it is.
func TestFloat32sLargeTensors(t *testing.T) {
	const n = 3*decodeChunk/4 + parallelBytes/4 + 7 // several chunks, above the parallel threshold, a ragged end
	rng := rand.New(rand.NewPCG(1, 2))
	values := make([]float32, n)
	for i := range values {
		values[i] = float32(rng.NormFloat64())
	}
	var entries []Entry
	for _, dtype := range []string{"F32", "F16", "BF16"} {
		size, _ := floatSize(dtype)
		data := make([]byte, size*n)
		if err := FromFloat32(dtype, values, data); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, Entry{Name: dtype, DType: dtype, Shape: []int{n}, Data: data})
		for i, at := range []int{0, decodeChunk / 4, n - 1} { // first, start of the second chunk, last
			bad := []float32{float32(math.Inf(1)), float32(math.NaN()), float32(math.Inf(-1))}[i]
			v := slices.Clone(values)
			v[at] = bad
			d := make([]byte, size*n)
			if err := FromFloat32(dtype, v, d); err != nil {
				t.Fatal(err)
			}
			entries = append(entries, Entry{Name: fmt.Sprintf("%s/%d/%v", dtype, at, bad), DType: dtype,
				Shape: []int{n}, Data: d})
		}
	}
	path := filepath.Join(t.TempDir(), "big.safetensors")
	if err := WriteFile(path, entries, nil); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, e := range entries {
		raw, err := f.Bytes(e.Name)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float32, n)
		if err := ToFloat32(e.DType, raw, want); err != nil {
			t.Fatal(err)
		}
		got := make([]float32, n)
		if err := f.Float32s(e.Name, got); err != nil {
			t.Fatal(err)
		}
		if !sameBits(got, want) {
			t.Fatalf("Float32s(%s) differs from ToFloat32 of its bytes", e.Name)
		}
		got2 := make([]float32, n)
		finite, err := f.Float32sFinite(e.Name, got2)
		if err != nil {
			t.Fatal(err)
		}
		if !sameBits(got2, want) {
			t.Fatalf("Float32sFinite(%s) differs from ToFloat32 of its bytes", e.Name)
		}
		if wantFinite := e.Name == e.DType; finite != wantFinite {
			t.Errorf("Float32sFinite(%s) says finite=%v", e.Name, finite)
		}
	}
}

// TestAllFinite compares allFinite with the obvious test on every length and alignment up to a few words, with
// every kind of float at every place.
func TestAllFinite(t *testing.T) {
	specials := []float32{0, float32(math.Copysign(0, -1)), 1, -2.5, math.MaxFloat32, -math.MaxFloat32,
		math.SmallestNonzeroFloat32, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		math.Float32frombits(0x7f800001), math.Float32frombits(0xffffffff), math.Float32frombits(0x7f7fffff)}
	naive := func(v []float32) bool {
		for _, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return false
			}
		}
		return true
	}
	buf := make([]float32, 40)
	for off := range 2 {
		for n := 0; n+off <= len(buf); n++ {
			v := buf[off : off+n]
			for i := range v {
				v[i] = 1
			}
			if !allFinite(v) {
				t.Fatalf("allFinite(%d ones at offset %d) = false", n, off)
			}
			for at := range v {
				for _, s := range specials {
					v[at] = s
					if got, want := allFinite(v), naive(v); got != want {
						t.Fatalf("allFinite with %v (bits %#x) at %d of %d (offset %d) = %v, want %v",
							s, math.Float32bits(s), at, n, off, got, want)
					}
				}
				v[at] = 1
			}
		}
	}
}

func sameBits(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}
