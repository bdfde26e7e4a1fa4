//go:build unix

package stfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// TestMappedFloat32s: a file opened with OpenPrivate hands out its F32 tensors in place, bit for bit what Float32s
// decodes, aliasing the mapping that Bytes returns; it declines other dtypes, empty and unknown tensors, and files
// opened with Open. Writes to the slice change neither the file nor what a new OpenPrivate sees, survive Release,
// and the slice stays usable after Close.
func TestMappedFloat32s(t *testing.T) {
	w := []float32{1.5, -2, float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, math.MaxFloat32,
		math.Float32frombits(0x7fc00123), float32(math.Inf(-1)), 3, 4, 5, 6, 7}
	f16 := make([]byte, 2*3)
	if err := FromFloat32("F16", []float32{1, -2, 0.5}, f16); err != nil {
		t.Fatal(err)
	}
	entries := []Entry{
		{Name: "w", DType: "F32", Shape: []int{3, 4}, Data: f32Bytes(w...)},
		{Name: "v", DType: "F32", Shape: []int{1}, Data: f32Bytes(9)},
		{Name: "empty", DType: "F32", Shape: []int{0, 4}, Data: []byte{}},
		{Name: "h", DType: "F16", Shape: []int{3}, Data: f16},
		{Name: "b", DType: "BF16", Shape: []int{1}, Data: []byte{0x80, 0x3f}},
		{Name: "ids", DType: "I64", Shape: []int{1}, Data: binary.LittleEndian.AppendUint64(nil, 7)},
	}
	path := filepath.Join(t.TempDir(), "x.safetensors")
	if err := WriteFile(path, entries, nil); err != nil {
		t.Fatal(err)
	}
	onDisk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := OpenPrivate(path)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	for _, name := range []string{"w", "v"} {
		vals, ok := pf.MappedFloat32s(name)
		if !ok {
			t.Fatalf("MappedFloat32s(%s) declined an aligned F32 tensor", name)
		}
		_, shape, _ := pf.Info(name)
		want := make([]float32, shapeSize(shape))
		if err := pf.Float32s(name, want); err != nil {
			t.Fatal(err)
		}
		if !sameBits(vals, want) || len(vals) != cap(vals) {
			t.Errorf("MappedFloat32s(%s) = %v (cap %d), want %v", name, vals, cap(vals), want)
		}
		raw, err := pf.Bytes(name)
		if err != nil {
			t.Fatal(err)
		}
		if unsafe.Pointer(&vals[0]) != unsafe.Pointer(&raw[0]) {
			t.Errorf("MappedFloat32s(%s) does not alias the mapping", name)
		}
	}
	for _, name := range []string{"empty", "h", "b", "ids", "absent"} {
		if vals, ok := pf.MappedFloat32s(name); ok || vals != nil {
			t.Errorf("MappedFloat32s(%s) = %v, %v; want it to decline", name, vals, ok)
		}
	}
	shared, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := shared.MappedFloat32s("w"); ok {
		t.Error("MappedFloat32s on a file opened with Open (a read-only shared mapping) did not decline")
	}
	shared.Close()

	vals, _ := pf.MappedFloat32s("w")
	vals[0], vals[11] = 42, -42 // a fault here (a read-only mapping) crashes the test
	pf.Release("w")
	if raw, _ := pf.Bytes("w"); vals[0] != 42 || math.Float32frombits(binary.LittleEndian.Uint32(raw)) != 42 {
		t.Errorf("after Release, the written value reads %v, want 42", vals[0])
	}
	if now, err := os.ReadFile(path); err != nil || !bytes.Equal(now, onDisk) {
		t.Fatalf("writing to the mapped values changed the file (%v)", err)
	}
	again, err := OpenPrivate(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := again.MappedFloat32s("w"); !ok || !sameBits(v, w) {
		t.Errorf("a new OpenPrivate sees %v, want the file's %v", v, w)
	}
	again.Close()
	if err := pf.Close(); err != nil {
		t.Fatal(err)
	}
	vals[1] = 43
	if vals[0] != 42 || vals[1] != 43 || vals[11] != -42 {
		t.Errorf("after Close the mapped values read %v", vals)
	}
	if _, ok := pf.MappedFloat32s("w"); ok {
		t.Error("MappedFloat32s on a closed file did not decline")
	}
}

// TestMappedFloat32sAlignment: an F32 tensor is handed out in place exactly when its data starts 4-byte aligned
// in the file, whatever the header length; otherwise MappedFloat32s declines and Float32s decodes it.
func TestMappedFloat32sAlignment(t *testing.T) {
	const tensors = `{"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"w":{"dtype":"F32","shape":[2],"data_offsets":[2,10]}}`
	data := append([]byte{0x00, 0x3c}, f32Bytes(1.25, -3)...)
	for pad := range 4 {
		header := tensors + strings.Repeat(" ", pad)
		b := append(binary.LittleEndian.AppendUint64(nil, uint64(len(header))), header...)
		path := filepath.Join(t.TempDir(), "raw.safetensors")
		if err := os.WriteFile(path, append(b, data...), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := OpenPrivate(path)
		if err != nil {
			t.Fatal(err)
		}
		offset := 8 + len(header) + 2
		vals, ok := f.MappedFloat32s("w")
		if ok != (offset%4 == 0) {
			t.Errorf("tensor at file offset %d: MappedFloat32s ok = %v", offset, ok)
		}
		if !ok {
			vals = make([]float32, 2)
			if err := f.Float32s("w", vals); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(vals, []float32{1.25, -3}) {
			t.Errorf("tensor at file offset %d = %v", offset, vals)
		}
		f.Close()
	}
}

// TestOpenPrivateMissing: a missing file is an error that wraps fs.ErrNotExist, as with Open.
func TestOpenPrivateMissing(t *testing.T) {
	if _, err := OpenPrivate(filepath.Join(t.TempDir(), "missing.safetensors")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenPrivate(missing) error = %v, want a not-exist error", err)
	}
}

// shapeSize is the number of values of a tensor of shape.
func shapeSize(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
