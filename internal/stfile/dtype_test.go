package stfile

import (
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

func TestF16ToFloat32(t *testing.T) {
	tests := []struct {
		name string
		h    uint16
		want float32
	}{
		{"+0", 0x0000, 0},
		{"smallest subnormal", 0x0001, 1.0 / (1 << 24)},
		{"largest subnormal", 0x03ff, 1023.0 / (1 << 24)},
		{"negative subnormal", 0x8001, -1.0 / (1 << 24)},
		{"smallest normal", 0x0400, 1.0 / (1 << 14)},
		{"one", 0x3c00, 1},
		{"one plus ulp", 0x3c01, 1 + 1.0/1024},
		{"minus two", 0xc000, -2},
		{"largest finite", 0x7bff, 65504},
		{"+Inf", 0x7c00, float32(math.Inf(1))},
		{"-Inf", 0xfc00, float32(math.Inf(-1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := F16ToFloat32(tt.h); got != tt.want {
				t.Errorf("F16ToFloat32(%#04x) = %g, want %g", tt.h, got, tt.want)
			}
		})
	}
	if got := F16ToFloat32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("F16ToFloat32(0x8000) = %g, want -0", got)
	}
	for _, h := range []uint16{0x7e00, 0x7c01, 0xfe00, 0x7fff} {
		if got := F16ToFloat32(h); !math.IsNaN(float64(got)) {
			t.Errorf("F16ToFloat32(%#04x) = %g, want NaN", h, got)
		}
	}
}

func TestFloat32ToF16(t *testing.T) {
	sub := float32(1.0 / (1 << 24)) // smallest F16 subnormal
	tests := []struct {
		name string
		f    float32
		want uint16
	}{
		{"+0", 0, 0x0000},
		{"-0", float32(math.Copysign(0, -1)), 0x8000},
		{"one", 1, 0x3c00},
		{"tie rounds to even (down)", 1 + 1.0/2048, 0x3c00},
		{"tie rounds to even (up)", 1 + 3.0/2048, 0x3c02},
		{"above tie rounds up", 1 + 1.0/2048 + 1.0/(1<<20), 0x3c01},
		{"largest finite", 65504, 0x7bff},
		{"just below overflow tie", 65519.99, 0x7bff},
		{"overflow tie goes to Inf", 65520, 0x7c00},
		{"large", 1e6, 0x7c00},
		{"-Inf", float32(math.Inf(-1)), 0xfc00},
		{"smallest normal", 1.0 / (1 << 14), 0x0400},
		{"smallest subnormal", sub, 0x0001},
		{"half smallest subnormal ties to zero", sub / 2, 0x0000},
		{"above half smallest subnormal", sub / 2 * 1.001, 0x0001},
		{"1.5 subnormals ties to even", sub * 1.5, 0x0002},
		{"negative subnormal", -3 * sub, 0x8003},
		{"subnormal rounds up into normal", sub * 1023.75, 0x0400},
		{"tiny", 1e-10, 0x0000},
		{"float32 subnormal", math.Float32frombits(1), 0x0000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Float32ToF16(tt.f); got != tt.want {
				t.Errorf("Float32ToF16(%g) = %#04x, want %#04x", tt.f, got, tt.want)
			}
		})
	}
	if got := Float32ToF16(float32(math.NaN())); got&0x7c00 != 0x7c00 || got&0x3ff == 0 {
		t.Errorf("Float32ToF16(NaN) = %#04x, want a NaN", got)
	}
}

// TestF16RoundTripAll checks every F16 value survives F16 → float32 → F16.
func TestF16RoundTripAll(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := F16ToFloat32(uint16(h))
		got := Float32ToF16(f)
		if math.IsNaN(float64(f)) {
			if !math.IsNaN(float64(F16ToFloat32(got))) {
				t.Fatalf("NaN %#04x came back as %#04x", h, got)
			}
			continue
		}
		if got != uint16(h) {
			t.Fatalf("%#04x → %g → %#04x", h, f, got)
		}
	}
}

// TestFloat32ToF16Nearest compares the encoder with a brute-force nearest-value search on random inputs.
func TestFloat32ToF16Nearest(t *testing.T) {
	var finite []uint16 // non-negative finite F16 values, increasing
	for h := uint16(0); h < 0x7c00; h++ {
		finite = append(finite, h)
	}
	nearest := func(f float32) uint16 {
		a := math.Abs(float64(f))
		sign := uint16(0)
		if math.Signbit(float64(f)) {
			sign = 0x8000
		}
		if a >= 65520 {
			return sign | 0x7c00
		}
		i := sort.Search(len(finite), func(i int) bool { return float64(F16ToFloat32(finite[i])) >= a })
		if i == len(finite) {
			return sign | finite[i-1]
		}
		hi := finite[i]
		if i == 0 || float64(F16ToFloat32(hi)) == a {
			return sign | hi
		}
		lo := finite[i-1]
		dLo, dHi := a-float64(F16ToFloat32(lo)), float64(F16ToFloat32(hi))-a
		switch {
		case dLo < dHi:
			return sign | lo
		case dHi < dLo:
			return sign | hi
		case lo&1 == 0:
			return sign | lo
		}
		return sign | hi
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200000 {
		// Spread the exponents over the whole F16 range and a little beyond.
		f := float32(rng.NormFloat64() * math.Pow(2, float64(rng.IntN(50)-30)))
		if i%7 == 0 { // exact ties
			f = (F16ToFloat32(uint16(rng.IntN(0x7bff))) + F16ToFloat32(uint16(rng.IntN(0x7bff)))) / 2
		}
		if got, want := Float32ToF16(f), nearest(f); got != want {
			t.Fatalf("Float32ToF16(%g) = %#04x, want %#04x", f, got, want)
		}
	}
}

func TestBF16(t *testing.T) {
	tests := []struct {
		name string
		f    float32
		want uint16
	}{
		{"one", 1, 0x3f80},
		{"-0", float32(math.Copysign(0, -1)), 0x8000},
		{"tie rounds to even (down)", 1 + 1.0/256, 0x3f80},
		{"tie rounds to even (up)", 1 + 3.0/256, 0x3f82},
		{"above tie", 1 + 1.0/256 + 1.0/(1<<20), 0x3f81},
		{"+Inf", float32(math.Inf(1)), 0x7f80},
		{"-Inf", float32(math.Inf(-1)), 0xff80},
		{"max float32 rounds to Inf", math.MaxFloat32, 0x7f80},
		{"float32 subnormal", math.Float32frombits(0x00010000), 0x0001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Float32ToBF16(tt.f); got != tt.want {
				t.Errorf("Float32ToBF16(%g) = %#04x, want %#04x", tt.f, got, tt.want)
			}
		})
	}
	if got := Float32ToBF16(math.Float32frombits(0x7f800001)); !math.IsNaN(float64(BF16ToFloat32(got))) {
		t.Errorf("Float32ToBF16(NaN with low payload) = %#04x, want a NaN", got)
	}
	for h := 0; h < 1<<16; h++ {
		f := BF16ToFloat32(uint16(h))
		if math.Float32bits(f) != uint32(h)<<16 {
			t.Fatalf("BF16ToFloat32(%#04x) bits = %#08x", h, math.Float32bits(f))
		}
		if got := Float32ToBF16(f); !math.IsNaN(float64(f)) && got != uint16(h) {
			t.Fatalf("%#04x → %g → %#04x", h, f, got)
		}
	}
}

func TestToFromFloat32(t *testing.T) {
	src := []float32{0, 1, -2.5, 65504, 1.0 / (1 << 24), float32(math.Inf(-1))}
	for _, dtype := range []string{"F32", "F16", "BF16"} {
		size, _ := DTypeSize(dtype)
		raw := make([]byte, size*len(src))
		if err := FromFloat32(dtype, src, raw); err != nil {
			t.Fatalf("FromFloat32(%s): %v", dtype, err)
		}
		got := make([]float32, len(src))
		if err := ToFloat32(dtype, raw, got); err != nil {
			t.Fatalf("ToFloat32(%s): %v", dtype, err)
		}
		for i, v := range src {
			want := v
			switch dtype {
			case "F16":
				want = F16ToFloat32(Float32ToF16(v))
			case "BF16":
				want = BF16ToFloat32(Float32ToBF16(v))
			}
			if got[i] != want {
				t.Errorf("%s: value %d: got %g, want %g", dtype, i, got[i], want)
			}
		}
	}
	errTests := []struct {
		name string
		err  error
		want string
	}{
		{"I32 decode", ToFloat32("I32", make([]byte, 4), make([]float32, 1)), `"I32" is not supported`},
		{"I32 encode", FromFloat32("I32", make([]float32, 1), make([]byte, 4)), `"I32" is not supported`},
		{"short raw", ToFloat32("F16", make([]byte, 3), make([]float32, 2)), "3 bytes do not hold 2 values"},
		{"short dst", FromFloat32("F32", make([]float32, 2), make([]byte, 4)), "4 bytes cannot hold 2 values"},
	}
	for _, tt := range errTests {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, tt.err, tt.want)
		}
	}
	if _, err := DTypeSize("Q4"); err == nil || !strings.Contains(err.Error(), `unknown safetensors dtype "Q4"`) {
		t.Errorf("DTypeSize(Q4) error = %v", err)
	}
}
