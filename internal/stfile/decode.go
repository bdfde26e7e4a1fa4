package stfile

import (
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// decodeChunk is how many bytes of float32 output Float32s reads, converts and checks at a time: small enough that
// a chunk is still in the core's cache when it is converted and checked, large enough that the read's system call
// costs nothing next to the copy.
const decodeChunk = 512 << 10

// parallelBytes is the smallest output, in bytes, that Float32s splits across several goroutines.
const parallelBytes = 4 << 20

// maxDecoders bounds the goroutines decoding one tensor: the copy from the page cache saturates memory bandwidth
// long before that.
const maxDecoders = 8

// littleEndian is whether this host stores a uint32 as the safetensors format does, so that an F32 tensor's bytes
// are its float32 values.
var littleEndian = func() bool {
	x := uint32(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// scratchPool holds the buffers the F16 and BF16 chunks (and F32 ones on big-endian hosts) are read into.
var scratchPool = sync.Pool{New: func() any { b := make([]byte, decodeChunk); return &b }}

// Float32s decodes tensor name, of dtype F32, F16 or BF16, into dst (one element per value). It reads the tensor
// from the file with ordinary reads rather than through the mapping, straight into dst for F32 on little-endian
// hosts, in chunks of a few hundred KiB, several goroutines at a time for large tensors; so decoding maps no page
// of the file into the process, and then it releases any page Bytes mapped for the tensor. If the file shrinks
// while open, that is an error.
func (f *File) Float32s(name string, dst []float32) error {
	_, err := f.decode(name, dst, false)
	return err
}

// Float32sFinite is Float32s that also reports whether every decoded value is finite (no NaN, no ±Inf), checked
// chunk by chunk while each is still in cache: no second pass over dst. When it returns false, dst holds the
// decoded values, for the caller to find the culprits.
func (f *File) Float32sFinite(name string, dst []float32) (finite bool, err error) {
	return f.decode(name, dst, true)
}

// decode is Float32s, checking finiteness if check is set (finite is true otherwise).
func (f *File) decode(name string, dst []float32, check bool) (finite bool, err error) {
	t, ok := f.tensors[name]
	if !ok {
		return false, fmt.Errorf("safetensors file %s has no tensor %q", f.path, name)
	}
	if f.m == nil {
		return false, fmt.Errorf("safetensors file %s is closed", f.path)
	}
	defer f.Release(name)
	size, err := checkSizes(t.dtype, t.end-t.begin, len(dst))
	if err != nil {
		return false, fmt.Errorf("tensor %q in %s: %w", name, f.path, err)
	}
	out := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(dst))), 4*len(dst))
	adviseHuge(out)
	nChunks := (len(out) + decodeChunk - 1) / decodeChunk
	workers := 1
	if len(out) >= parallelBytes {
		workers = min(runtime.GOMAXPROCS(0), maxDecoders, nChunks)
	}
	var (
		next     atomic.Int64 // the next chunk to decode
		bad      atomic.Bool  // a non-finite value was seen
		mu       sync.Mutex
		firstErr error
		errChunk = nChunks // the chunk firstErr is about: the lowest one that failed
	)
	work := func() {
		var scratch *[]byte
		if size != 4 || !littleEndian {
			scratch = scratchPool.Get().(*[]byte)
			defer scratchPool.Put(scratch)
		}
		for {
			c := int(next.Add(1) - 1)
			if c >= nChunks {
				return
			}
			lo, hi := c*decodeChunk, min((c+1)*decodeChunk, len(out))
			vals := dst[lo/4 : hi/4]
			populate(out[lo:hi])
			in := out[lo:hi] // F32 on little-endian hosts: read the values in place
			if scratch != nil {
				in = (*scratch)[:(hi-lo)/4*size]
			}
			if err := f.m.readAt(in, f.dataOff+t.begin+int64(lo/4*size)); err != nil {
				mu.Lock()
				if c < errChunk {
					firstErr, errChunk = err, c
				}
				mu.Unlock()
				next.Store(int64(nChunks)) // stop the others early
				return
			}
			if scratch != nil {
				convert(t.dtype, in, vals)
			}
			if check && !allFinite(vals) {
				bad.Store(true)
			}
		}
	}
	if workers == 1 {
		work()
	} else {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(work)
		}
		wg.Wait()
	}
	if firstErr != nil {
		return false, fmt.Errorf("read tensor %q from %s: %v: the file changed or shrank while in use; %s",
			name, f.path, firstErr, corrupt)
	}
	return !bad.Load(), nil
}

// checkSizes checks that n bytes of dtype decode to exactly count float32 values and returns the dtype's size.
func checkSizes(dtype string, n int64, count int) (int, error) {
	size, err := floatSize(dtype)
	if err != nil {
		return 0, err
	}
	if n != int64(size)*int64(count) {
		return 0, fmt.Errorf("decode %s: %d bytes do not hold %d values of %d bytes", dtype, n, count, size)
	}
	return size, nil
}

// convert decodes raw, little-endian values of the float dtype, into dst (len(raw) = size·len(dst)).
func convert(dtype string, raw []byte, dst []float32) {
	switch dtype {
	case "F32":
		if littleEndian {
			copy(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(dst))), 4*len(dst)), raw)
			return
		}
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case "F16":
		table := f16Table()
		raw = raw[:2*len(dst)]
		for i := range dst {
			dst[i] = table[uint16(raw[2*i])|uint16(raw[2*i+1])<<8]
		}
	case "BF16":
		raw = raw[:2*len(dst)]
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(raw[2*i])<<16 | uint32(raw[2*i+1])<<24)
		}
	}
}

// allFinite reports whether no value of v is NaN or ±Inf (exponent bits all ones), two values per 64-bit word: in
// each 32-bit half, (bits & 0x7f800000) + 0x00800000 reaches the half's sign bit exactly when the exponent is all
// ones, and never carries into the other half.
func allFinite(v []float32) bool {
	const (
		expMask = 0x7f8000007f800000
		one     = 0x0080000000800000
		signs   = 0x8000000080000000
	)
	var acc0, acc1, acc2, acc3 uint64
	p := unsafe.Pointer(unsafe.SliceData(v))
	if len(v) > 0 && uintptr(p)%8 != 0 { // a float32 slice may start at a 4-byte boundary
		acc0 |= uint64(math.Float32bits(v[0])&0x7f800000) + 0x00800000
		v = v[1:]
		p = unsafe.Pointer(unsafe.SliceData(v))
	}
	words := unsafe.Slice((*uint64)(p), len(v)/2)
	i := 0
	for ; i+4 <= len(words); i += 4 {
		w := words[i : i+4 : i+4]
		acc0 |= w[0]&expMask + one
		acc1 |= w[1]&expMask + one
		acc2 |= w[2]&expMask + one
		acc3 |= w[3]&expMask + one
	}
	for ; i < len(words); i++ {
		acc0 |= words[i]&expMask + one
	}
	if len(v)%2 == 1 {
		acc0 |= uint64(math.Float32bits(v[len(v)-1])&0x7f800000) + 0x00800000
	}
	return (acc0|acc1|acc2|acc3)&signs == 0
}
