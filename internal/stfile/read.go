// Package stfile reads and writes safetensors files
// (https://huggingface.co/docs/safetensors): Open memory-maps a file read-only and validates its header, OpenPrivate
// maps it copy-on-write for short-lived programs that use F32 tensors in place (MappedFloat32s), Check validates a
// file the same way without mapping it, ReadIndex reads the index of a sharded checkpoint, and WriteFile streams
// tensors into a new file atomically.
//
// Open accepts exactly the files github.com/nlpodyssey/safetensors (and the reference Rust implementation)
// accept: a little-endian uint64 header length, a JSON header of at most 100 MB mapping tensor names to dtype,
// shape and data_offsets (exactly those three, case-sensitive keys) plus an optional "__metadata__" map of strings
// to strings, and a data section that the tensors tile exactly, without gaps or overlaps. The one exception, which
// FuzzOpen checks, is a shape with a dimension above 2^63-1, possible only in a tensor with another dimension 0:
// Open refuses it. Unlike that package it says which file, which tensor and what is wrong, and
// that the file should be downloaded again, and it never needs the whole file in memory.
package stfile

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/bits"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// maxHeaderLen is the largest JSON header accepted, as in github.com/nlpodyssey/safetensors.
const maxHeaderLen = 100_000_000

// corrupt ends every error about a malformed file.
const corrupt = "the file looks truncated or corrupt; download it again"

// File is an open safetensors file: its parsed header and read-only access to its tensors' bytes.
// It is not safe for concurrent use with Close.
type File struct {
	path     string
	dataOff  int64 // where the data section starts: 8 + header length
	metadata map[string]string
	tensors  map[string]tensorInfo
	names    []string // in data-section order
	m        mapping
}

// tensorInfo is one header entry; begin and end are relative to the data section.
type tensorInfo struct {
	dtype      string
	shape      []int
	begin, end int64
}

// mapping gives access to a file's bytes: memory-mapped on unix, read on demand elsewhere.
type mapping interface {
	bytes(off, n int64) ([]byte, error)
	readAt(p []byte, off int64) error // reads exactly len(p) bytes at off, or fails
	release(off, n int64)
	close() error
	// private returns the whole mapping when it is private, writable and never unmapped (OpenPrivate on unix),
	// so that its bytes may be handed out as tensor values; nil otherwise.
	private() []byte
}

// Open memory-maps the safetensors file at path read-only and parses and validates its header: header length
// within the file, valid JSON, known dtypes, data_offsets consistent with dtype and shape, tensors tiling the data
// section exactly (no overlap, gap, missing or extra bytes). Errors name the file and the tensor at fault.
// Call Close when done; slices returned by Bytes are invalid after that.
func Open(path string) (*File, error) { return open(path, false) }

// open is Open, mapping the file privately (copy-on-write, never unmapped) if private is set (OpenPrivate).
func open(path string, private bool) (*File, error) {
	osf, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open safetensors file: %w", err)
	}
	f, err := parse(osf, path)
	if err != nil {
		osf.Close()
		return nil, err
	}
	f.m, err = newMapping(osf, f.dataOff+f.dataLen(), private) // newMapping owns osf from here on
	if err != nil {
		return nil, fmt.Errorf("open safetensors file %s: %w", path, err)
	}
	return f, nil
}

// parse reads and validates the header of the already opened file osf.
func parse(osf *os.File, path string) (*File, error) {
	st, err := osf.Stat()
	if err != nil {
		return nil, fmt.Errorf("open safetensors file: %w", err)
	}
	size := st.Size()
	if size < 8 {
		return nil, fmt.Errorf("safetensors file %s is only %d bytes, too short to hold the 8-byte header length; %s",
			path, size, corrupt)
	}
	var lenBuf [8]byte
	if _, err := osf.ReadAt(lenBuf[:], 0); err != nil {
		return nil, fmt.Errorf("read safetensors header of %s: %w", path, err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	switch {
	case n > maxHeaderLen:
		return nil, fmt.Errorf("safetensors file %s declares a header of %d bytes, above the %d-byte limit; %s",
			path, n, maxHeaderLen, corrupt)
	case n > uint64(size-8):
		return nil, fmt.Errorf("safetensors file %s: header length %d goes beyond the end of the file (%d bytes); %s",
			path, n, size, corrupt)
	}
	header := make([]byte, n)
	if _, err := osf.ReadAt(header, 8); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read safetensors header of %s: %w", path, err)
	}
	f := &File{path: path, dataOff: 8 + int64(n)}
	if err := f.parseHeader(header, size-f.dataOff); err != nil {
		return nil, fmt.Errorf("safetensors file %s: %w", path, err)
	}
	return f, nil
}

// parseHeader fills f from the JSON header and checks it against the dataLen bytes that follow it.
func (f *File) parseHeader(header []byte, dataLen int64) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(header, &raw); err != nil {
		return fmt.Errorf("bad header JSON: %v; %s", err, corrupt)
	}
	f.tensors = make(map[string]tensorInfo, len(raw))
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := f.parseMetadata(msg); err != nil {
				return err
			}
			continue
		}
		info, err := parseEntry(msg)
		if err != nil {
			return fmt.Errorf("tensor %q: %w", name, err)
		}
		f.tensors[name] = info
		f.names = append(f.names, name)
	}
	sort.Slice(f.names, func(i, j int) bool {
		a, b := f.tensors[f.names[i]], f.tensors[f.names[j]]
		if a.begin != b.begin || a.end != b.end {
			return a.begin < b.begin || (a.begin == b.begin && a.end < b.end)
		}
		return f.names[i] < f.names[j] // zero-length tensors may share an offset
	})
	var prev string
	var pos int64
	for _, name := range f.names {
		t := f.tensors[name]
		switch {
		case t.begin < pos:
			return fmt.Errorf("tensors %q (data_offsets [%d, %d]) and %q (data_offsets [%d, %d]) overlap; %s",
				prev, f.tensors[prev].begin, f.tensors[prev].end, name, t.begin, t.end, corrupt)
		case t.begin > pos:
			return fmt.Errorf("%d unused bytes before tensor %q (data_offsets [%d, %d]); %s",
				t.begin-pos, name, t.begin, t.end, corrupt)
		case t.end > dataLen:
			return fmt.Errorf("tensor %q data_offsets [%d, %d] are out of range: the data section after the header "+
				"holds only %d bytes; %s", name, t.begin, t.end, dataLen, corrupt)
		}
		prev, pos = name, t.end
	}
	if pos != dataLen {
		return fmt.Errorf("%d extra bytes after the last tensor; %s", dataLen-pos, corrupt)
	}
	return nil
}

// parseMetadata decodes the header's "__metadata__": null, or an object whose values are all strings.
func (f *File) parseMetadata(msg json.RawMessage) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(msg, &raw); err != nil {
		return fmt.Errorf("bad header JSON: __metadata__ must map strings to strings: %v; %s", err, corrupt)
	}
	if raw == nil {
		return nil
	}
	f.metadata = make(map[string]string, len(raw))
	for k, v := range raw {
		var s *string
		if err := json.Unmarshal(v, &s); err != nil || s == nil {
			return fmt.Errorf("bad header JSON: __metadata__ must map strings to strings, but %q is %s; %s",
				k, v, corrupt)
		}
		f.metadata[k] = *s
	}
	return nil
}

// entryKeys are the keys of a tensor's header entry: all three are required, and no other is allowed (as in the
// reference implementation, names are case-sensitive).
var entryKeys = []string{"dtype", "shape", "data_offsets"}

// parseEntry decodes and checks one tensor's header entry.
func parseEntry(msg json.RawMessage) (tensorInfo, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(msg, &raw); err != nil {
		return tensorInfo{}, fmt.Errorf("bad header JSON: %v; %s", err, corrupt)
	}
	for k := range raw {
		if !slices.Contains(entryKeys, k) {
			return tensorInfo{}, fmt.Errorf("bad header JSON: unknown field %q (an entry has dtype, shape and "+
				"data_offsets only); %s", k, corrupt)
		}
	}
	var dtype *string
	var shape, offsets []json.Number
	for _, field := range []struct {
		key string
		dst any
	}{{"dtype", &dtype}, {"shape", &shape}, {"data_offsets", &offsets}} {
		v, ok := raw[field.key]
		if !ok {
			return tensorInfo{}, fmt.Errorf("bad header JSON: entry needs dtype, shape and data_offsets; %s", corrupt)
		}
		if err := json.Unmarshal(v, field.dst); err != nil {
			return tensorInfo{}, fmt.Errorf("bad header JSON: %s: %v; %s", field.key, err, corrupt)
		}
	}
	if dtype == nil || shape == nil || offsets == nil {
		return tensorInfo{}, fmt.Errorf("bad header JSON: entry needs dtype, shape and data_offsets; %s", corrupt)
	}
	if len(offsets) != 2 {
		return tensorInfo{}, fmt.Errorf("bad header JSON: data_offsets has %d numbers, want 2; %s",
			len(offsets), corrupt)
	}
	elemSize, err := DTypeSize(*dtype)
	if err != nil {
		return tensorInfo{}, fmt.Errorf("%w; the file was written by a tool this reader does not know, or is corrupt",
			err)
	}
	info := tensorInfo{dtype: *dtype, shape: make([]int, len(shape))}
	numElems := uint64(1)
	for i, n := range shape {
		if strings.HasPrefix(string(n), "-") {
			return tensorInfo{}, fmt.Errorf("shape %v has a negative dimension; %s", shape, corrupt)
		}
		d, err := strconv.ParseUint(string(n), 10, 64)
		if err != nil {
			return tensorInfo{}, fmt.Errorf("bad header JSON: shape %v holds %s, not a natural number; %s", shape, n, corrupt)
		}
		if d > math.MaxInt64 {
			return tensorInfo{}, fmt.Errorf("shape %v has a dimension above 2^63-1, which this reader does not "+
				"support; %s", shape, corrupt)
		}
		info.shape[i] = int(d)
		hi, lo := bits.Mul64(numElems, d) // in order, as the reference implementation checks overflow
		if hi != 0 {
			return tensorInfo{}, fmt.Errorf("shape %v is impossibly large; %s", shape, corrupt)
		}
		numElems = lo
	}
	hi, numBytes := bits.Mul64(numElems, uint64(elemSize))
	if hi != 0 {
		return tensorInfo{}, fmt.Errorf("shape %v is impossibly large; %s", shape, corrupt)
	}
	var bounds [2]uint64
	for i, n := range offsets {
		v, err := strconv.ParseUint(string(n), 10, 64)
		if err != nil {
			return tensorInfo{}, fmt.Errorf("bad header JSON: data_offsets %v holds %s, not a natural number; %s",
				offsets, n, corrupt)
		}
		bounds[i] = v
	}
	b, end := bounds[0], bounds[1]
	if end < b || end > 1<<62 || end-b != numBytes {
		return tensorInfo{}, fmt.Errorf("data_offsets [%d, %d] do not match dtype %s and shape %v (%d bytes); %s",
			b, end, *dtype, shape, numBytes, corrupt)
	}
	info.begin, info.end = int64(b), int64(end)
	return info, nil
}

// dataLen is the length of the data section.
func (f *File) dataLen() int64 {
	if len(f.names) == 0 {
		return 0
	}
	return f.tensors[f.names[len(f.names)-1]].end
}

// Path returns the path the file was opened from.
func (f *File) Path() string { return f.path }

// Names returns the tensor names in the order their data appears in the file.
func (f *File) Names() []string { return slices.Clone(f.names) }

// Metadata returns a copy of the header's "__metadata__" map (nil if there is none).
func (f *File) Metadata() map[string]string { return maps.Clone(f.metadata) }

// Info returns the dtype and shape of tensor name, and whether the file has it.
func (f *File) Info(name string) (dtype string, shape []int, ok bool) {
	t, ok := f.tensors[name]
	if !ok {
		return "", nil, false
	}
	return t.dtype, slices.Clone(t.shape), true
}

// Bytes returns the raw little-endian bytes of tensor name. On unix they are the read-only memory mapping itself:
// never write to them, and don't use them after Close. For a file opened with OpenPrivate they are its private
// mapping, which stays valid after Close and which MappedFloat32s's slices alias: still don't write to them.
func (f *File) Bytes(name string) ([]byte, error) {
	t, ok := f.tensors[name]
	if !ok {
		return nil, fmt.Errorf("safetensors file %s has no tensor %q", f.path, name)
	}
	if f.m == nil {
		return nil, fmt.Errorf("safetensors file %s is closed", f.path)
	}
	b, err := f.m.bytes(f.dataOff+t.begin, t.end-t.begin)
	if err != nil {
		return nil, fmt.Errorf("read tensor %q from %s: %w", name, f.path, err)
	}
	return b, nil
}

// Release tells the OS that tensor name's bytes are not needed any more, so the pages mapped for it leave the
// process's resident memory (they are read again from the file if used later). Unknown names are ignored, and so
// are files opened with OpenPrivate, whose pages are meant to stay (releasing them would discard what was written
// to MappedFloat32s's slices).
func (f *File) Release(name string) {
	if t, ok := f.tensors[name]; ok && f.m != nil {
		f.m.release(f.dataOff+t.begin, t.end-t.begin)
	}
}

// Close unmaps the file (except a private mapping made by OpenPrivate, which is never unmapped) and closes it. It
// is safe to call more than once.
func (f *File) Close() error {
	if f.m == nil {
		return nil
	}
	err := f.m.close()
	f.m = nil
	if err != nil {
		return fmt.Errorf("close safetensors file %s: %w", f.path, err)
	}
	return nil
}
