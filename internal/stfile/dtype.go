package stfile

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"

	"github.com/nlpodyssey/safetensors"
)

// DTypeSize returns the size in bytes of one element of the safetensors dtype named dtype ("F32", "BF16", "I64",
// ...), or an error naming the dtypes the safetensors format defines.
func DTypeSize(dtype string) (int, error) {
	dt, err := safetensors.ParseDType(dtype)
	if err != nil {
		return 0, fmt.Errorf("unknown safetensors dtype %q (known: %s)", dtype, knownDTypes)
	}
	return int(dt.Size()), nil
}

// knownDTypes lists the dtypes github.com/nlpodyssey/safetensors understands, for error messages.
const knownDTypes = "BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64"

// ToFloat32 decodes raw, the little-endian bytes of a tensor of dtype "F32", "F16" or "BF16", into dst, which must
// have exactly one element per encoded value. F16 subnormals, ±0, ±Inf and NaN are decoded exactly; BF16 is the
// upper half of an F32, so its decoding is exact too.
func ToFloat32(dtype string, raw []byte, dst []float32) error {
	if _, err := checkSizes(dtype, int64(len(raw)), len(dst)); err != nil {
		return err
	}
	convert(dtype, raw, dst)
	return nil
}

// FromFloat32 encodes src as little-endian values of dtype "F32", "F16" or "BF16" into dst, which must have exactly
// the room for them. F16 and BF16 round to nearest, ties to even; values too large for F16 become ±Inf, NaN stays
// NaN.
func FromFloat32(dtype string, src []float32, dst []byte) error {
	size, err := floatSize(dtype)
	if err != nil {
		return err
	}
	if len(dst) != size*len(src) {
		return fmt.Errorf("encode %s: %d bytes cannot hold %d values of %d bytes", dtype, len(dst), len(src), size)
	}
	switch dtype {
	case "F32":
		for i, v := range src {
			binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
		}
	case "F16":
		for i, v := range src {
			binary.LittleEndian.PutUint16(dst[2*i:], Float32ToF16(v))
		}
	case "BF16":
		for i, v := range src {
			binary.LittleEndian.PutUint16(dst[2*i:], Float32ToBF16(v))
		}
	}
	return nil
}

// floatSize returns the element size of the floating-point dtypes ToFloat32 and FromFloat32 handle.
func floatSize(dtype string) (int, error) {
	switch dtype {
	case "F32":
		return 4, nil
	case "F16", "BF16":
		return 2, nil
	}
	return 0, fmt.Errorf("dtype %q is not supported here: only F32, F16 and BF16 convert to and from float32", dtype)
}

// f16Table maps every F16 bit pattern to its float32 value; it is built once, on first use (256 KiB).
var f16Table = sync.OnceValue(func() *[1 << 16]float32 {
	var t [1 << 16]float32
	for h := range t {
		t[h] = F16ToFloat32(uint16(h))
	}
	return &t
})

// F16ToFloat32 returns the value of the IEEE 754 half-precision number with bits h. Every F16 value, subnormals,
// ±0, ±Inf and NaN (payload kept) included, is exactly representable as a float32.
func F16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch exp {
	case 0x1f: // ±Inf, NaN
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case 0: // ±0 and subnormals: mant · 2⁻²⁴, exact in float32
		v := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
	// Normal: rebias the exponent from 15 to 127.
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// Float32ToF16 returns the IEEE 754 half-precision bits nearest to f (ties to even). Magnitudes beyond the largest
// F16 (65504, rounding included) give ±Inf, those below half the smallest subnormal give ±0, NaN gives a quiet NaN.
func Float32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant != 0 {
			return sign | 0x7e00 | uint16(mant>>13) // quiet NaN, high payload bits kept
		}
		return sign | 0x7c00
	}
	if exp == 0 { // float32 zero or subnormal: far below the F16 range
		return sign
	}
	e := exp - 127 + 15 // F16 biased exponent
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		// F16 subnormal: value = full · 2^(exp-150) = (full >> shift) · 2⁻²⁴ with shift = 14 - e.
		full := mant | 0x800000
		shift := uint32(14 - e)
		if shift > 24 {
			return sign
		}
		q := full >> shift
		rem := full & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && q&1 == 1) {
			q++ // may carry into the smallest normal, which is the right answer
		}
		return sign | uint16(q)
	}
	h := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // a carry into the exponent is correct, up to and including +Inf
	}
	return sign | uint16(h)
}

// BF16ToFloat32 returns the value of the bfloat16 number with bits h: the upper 16 bits of a float32.
func BF16ToFloat32(h uint16) float32 {
	return math.Float32frombits(uint32(h) << 16)
}

// Float32ToBF16 returns the bfloat16 bits nearest to f (ties to even); NaN gives a quiet NaN.
func Float32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7f800000 == 0x7f800000 && b&0x7fffff != 0 {
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}
