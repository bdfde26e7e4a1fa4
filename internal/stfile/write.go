package stfile

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/nlpodyssey/safetensors"
)

// Entry is one tensor to write with WriteFile. Give its bytes either all at once in Data, or as a WriteTo function
// that streams exactly the number of bytes DType and Shape call for (so large tensors never sit in memory whole).
// Data holds little-endian values in row-major order.
type Entry struct {
	Name    string
	DType   string // a safetensors dtype: "F32", "F16", "BF16", "I64", ...
	Shape   []int  // empty for a scalar
	Data    []byte
	WriteTo func(w io.Writer) error
}

// writeBufSize is the buffer between WriteTo functions and the file.
const writeBufSize = 1 << 20

// WriteFile writes entries and metadata (stored as the header's "__metadata__", omitted if empty) as a
// safetensors file at path. Tensors are laid out as github.com/nlpodyssey/safetensors and the Rust implementation
// lay them out (by dtype, widest first, then by name), so the bytes equal what they would produce. The file is
// streamed to a temporary file path.tmp-* in the same directory, synced, and renamed to path: path is either left
// as it was or holds the complete new file, and the temporary file is removed on error.
func WriteFile(path string, entries []Entry, metadata map[string]string) (err error) {
	sorted, header, err := layout(entries, metadata)
	if err != nil {
		return fmt.Errorf("write safetensors file %s: %w", path, err)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, base+".tmp-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) { // its path is the temporary file's, which does not exist
			err = pe.Err
		}
		return fmt.Errorf("write safetensors file %s: cannot create a file in %s (%w): make sure the directory "+
			"exists and is writable, or choose another path", path, dir, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriterSize(tmp, writeBufSize)
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(header)))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return fmt.Errorf("write safetensors file %s: %w", path, err)
	}
	if _, err := w.Write(header); err != nil {
		return fmt.Errorf("write safetensors file %s: %w", path, err)
	}
	for _, e := range sorted {
		if err := writeEntry(w, e); err != nil {
			return fmt.Errorf("write safetensors file %s: tensor %q: %w", path, e.Name, err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write safetensors file %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write safetensors file %s: sync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write safetensors file %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write safetensors file %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write safetensors file %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// sizedEntry is an Entry with its dtype parsed and its byte size computed.
type sizedEntry struct {
	Entry
	dt    safetensors.DType
	bytes uint64
}

// layout checks entries, orders them as they will be written and returns them with the padded JSON header.
func layout(entries []Entry, metadata map[string]string) ([]sizedEntry, []byte, error) {
	sorted := make([]sizedEntry, len(entries))
	seen := make(map[string]bool, len(entries))
	for i, e := range entries {
		if e.Name == "" || e.Name == "__metadata__" {
			return nil, nil, fmt.Errorf("tensor name %q is not allowed", e.Name)
		}
		if seen[e.Name] {
			return nil, nil, fmt.Errorf("tensor %q given twice", e.Name)
		}
		seen[e.Name] = true
		dt, err := safetensors.ParseDType(e.DType)
		if err != nil {
			return nil, nil, fmt.Errorf("tensor %q: unknown dtype %q (known: %s)", e.Name, e.DType, knownDTypes)
		}
		n := dt.Size()
		for _, d := range e.Shape {
			if d < 0 {
				return nil, nil, fmt.Errorf("tensor %q: shape %v has a negative dimension", e.Name, e.Shape)
			}
			n *= uint64(d)
		}
		switch {
		case e.Data != nil && e.WriteTo != nil:
			return nil, nil, fmt.Errorf("tensor %q: set Data or WriteTo, not both", e.Name)
		case e.WriteTo == nil && uint64(len(e.Data)) != n:
			return nil, nil, fmt.Errorf("tensor %q: Data has %d bytes, but dtype %s and shape %v need %d",
				e.Name, len(e.Data), e.DType, e.Shape, n)
		}
		sorted[i] = sizedEntry{Entry: e, dt: dt, bytes: n}
	}
	sort.Slice(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		return a.dt > b.dt || (a.dt == b.dt && a.Name < b.Name)
	})
	obj := make(map[string]any, len(sorted)+1)
	if len(metadata) > 0 {
		obj["__metadata__"] = metadata
	}
	var offset uint64
	for _, e := range sorted {
		shape := make([]uint64, len(e.Shape))
		for i, d := range e.Shape {
			shape[i] = uint64(d)
		}
		obj[e.Name] = safetensors.TensorInfo{DType: e.dt, Shape: shape, DataOffsets: [2]uint64{offset, offset + e.bytes}}
		offset += e.bytes
	}
	header, err := json.Marshal(obj)
	if err != nil {
		return nil, nil, fmt.Errorf("encode header: %w", err)
	}
	for len(header)%8 != 0 { // the data section starts 8-byte aligned
		header = append(header, ' ')
	}
	return sorted, header, nil
}

// writeEntry writes one tensor's bytes and checks a WriteTo function wrote exactly the expected amount.
func writeEntry(w io.Writer, e sizedEntry) error {
	if e.WriteTo == nil {
		_, err := w.Write(e.Data)
		return err
	}
	cw := &countingWriter{w: w, limit: e.bytes}
	if err := e.WriteTo(cw); err != nil {
		return err
	}
	if cw.n != e.bytes {
		return fmt.Errorf("WriteTo wrote %d bytes, but dtype %s and shape %v need %d", cw.n, e.DType, e.Shape, e.bytes)
	}
	return nil
}

// errTooMuch reports a WriteTo function writing beyond its tensor.
var errTooMuch = errors.New("WriteTo wrote more bytes than dtype and shape need")

// countingWriter counts bytes and refuses to pass on more than limit of them.
type countingWriter struct {
	w     io.Writer
	n     uint64
	limit uint64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.n+uint64(len(p)) > c.limit {
		return 0, errTooMuch
	}
	n, err := c.w.Write(p)
	c.n += uint64(n)
	return n, err
}

// syncDir makes a rename in dir durable where the platform allows it; failure only weakens durability.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
