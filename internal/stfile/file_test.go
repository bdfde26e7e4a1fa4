package stfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nlpodyssey/safetensors"
)

// f32Bytes encodes values as little-endian F32.
func f32Bytes(values ...float32) []byte {
	b := make([]byte, 4*len(values))
	if err := FromFloat32("F32", values, b); err != nil {
		panic(err)
	}
	return b
}

// sampleEntries are three tensors of different dtypes, one of them streamed.
func sampleEntries() []Entry {
	return []Entry{
		{Name: "b.weight", DType: "F32", Shape: []int{2, 3}, Data: f32Bytes(1, 2, 3, 4, 5, 6)},
		{Name: "a.half", DType: "F16", Shape: []int{2}, WriteTo: func(w io.Writer) error {
			_, err := w.Write([]byte{0x00, 0x3c, 0x00, 0xc0}) // 1, -2
			return err
		}},
		{Name: "scalar", DType: "I64", Shape: []int{}, Data: binary.LittleEndian.AppendUint64(nil, 7)},
	}
}

func TestWriteFileOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.safetensors")
	meta := map[string]string{"format": "pt"}
	if err := WriteFile(path, sampleEntries(), meta); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := f.Names(), []string{"scalar", "b.weight", "a.half"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v (widest dtype first, then by name)", got, want)
	}
	if got := f.Metadata(); len(got) != 1 || got["format"] != "pt" {
		t.Errorf("Metadata() = %v", got)
	}
	dtype, shape, ok := f.Info("b.weight")
	if !ok || dtype != "F32" || !slices.Equal(shape, []int{2, 3}) {
		t.Errorf("Info(b.weight) = %s %v %v", dtype, shape, ok)
	}
	if _, _, ok := f.Info("nope"); ok {
		t.Error("Info(nope) reports a tensor")
	}
	dst := make([]float32, 6)
	if err := f.Float32s("b.weight", dst); err != nil {
		t.Fatal(err)
	}
	if want := []float32{1, 2, 3, 4, 5, 6}; !slices.Equal(dst, want) {
		t.Errorf("b.weight = %v, want %v", dst, want)
	}
	half := make([]float32, 2)
	if err := f.Float32s("a.half", half); err != nil {
		t.Fatal(err)
	}
	if want := []float32{1, -2}; !slices.Equal(half, want) {
		t.Errorf("a.half = %v, want %v", half, want)
	}
	raw, err := f.Bytes("scalar")
	if err != nil || binary.LittleEndian.Uint64(raw) != 7 {
		t.Errorf("Bytes(scalar) = %v, %v", raw, err)
	}
	if err := f.Float32s("scalar", make([]float32, 1)); err == nil || !strings.Contains(err.Error(), `"I64" is not supported`) {
		t.Errorf("Float32s(scalar) error = %v", err)
	}
	if _, err := f.Bytes("nope"); err == nil || !strings.Contains(err.Error(), `no tensor "nope"`) {
		t.Errorf("Bytes(nope) error = %v", err)
	}
	f.Release("b.weight")
	f.Release("nope")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := f.Bytes("b.weight"); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Bytes after Close: error = %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d files, want only the written one", len(entries))
	}
}

// TestInteropNlpodyssey checks WriteFile and safetensors.Serialize produce the same bytes, and that each side
// reads the other's files.
func TestInteropNlpodyssey(t *testing.T) {
	// nlpodyssey's NewTensorView counts a scalar as 0 elements, so the byte comparison leaves the scalar out.
	views := map[string]safetensors.TensorView{}
	var entries []Entry
	for _, e := range sampleEntries() {
		if len(e.Shape) == 0 {
			continue
		}
		data := e.Data
		if e.WriteTo != nil {
			var buf bytes.Buffer
			if err := e.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			data = buf.Bytes()
		}
		dt, _ := safetensors.ParseDType(e.DType)
		shape := make([]uint64, len(e.Shape))
		for i, d := range e.Shape {
			shape[i] = uint64(d)
		}
		v, err := safetensors.NewTensorView(dt, shape, data)
		if err != nil {
			t.Fatal(err)
		}
		views[e.Name] = v
		entries = append(entries, e)
	}
	meta := map[string]string{"format": "pt", "note": "x"}
	want, err := safetensors.Serialize(views, meta)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "x.safetensors")
	if err := WriteFile(path, entries, meta); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("WriteFile bytes differ from safetensors.Serialize:\n got %q\nwant %q", got, want)
	}

	// A file with a scalar, written here, read by nlpodyssey.
	if err := WriteFile(path, sampleEntries(), nil); err != nil {
		t.Fatal(err)
	}
	all, _ := os.ReadFile(path)
	st, err := safetensors.Deserialize(all)
	if err != nil {
		t.Fatalf("safetensors.Deserialize rejects WriteFile output: %v", err)
	}
	if v, ok := st.Tensor("scalar"); !ok || binary.LittleEndian.Uint64(v.Data()) != 7 {
		t.Errorf("nlpodyssey reads scalar as %v %v", v, ok)
	}

	// A file written by nlpodyssey, read here.
	other := filepath.Join(t.TempDir(), "y.safetensors")
	if err := os.WriteFile(other, want, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(other)
	if err != nil {
		t.Fatalf("Open rejects safetensors.Serialize output: %v", err)
	}
	defer f.Close()
	dst := make([]float32, 6)
	if err := f.Float32s("b.weight", dst); err != nil || dst[5] != 6 {
		t.Errorf("b.weight = %v, %v", dst, err)
	}
}

func TestWriteFileErrors(t *testing.T) {
	writeN := func(n int) func(io.Writer) error {
		return func(w io.Writer) error { _, err := w.Write(make([]byte, n)); return err }
	}
	tests := []struct {
		name    string
		entries []Entry
		want    string
	}{
		{"short WriteTo", []Entry{{Name: "a", DType: "F32", Shape: []int{4}, WriteTo: writeN(12)}},
			"WriteTo wrote 12 bytes, but dtype F32 and shape [4] need 16"},
		{"long WriteTo", []Entry{{Name: "a", DType: "F32", Shape: []int{1}, WriteTo: writeN(8)}},
			"WriteTo wrote more bytes"},
		{"failing WriteTo", []Entry{{Name: "a", DType: "F32", Shape: []int{1},
			WriteTo: func(io.Writer) error { return fmt.Errorf("generator broke") }}}, "generator broke"},
		{"wrong Data size", []Entry{{Name: "a", DType: "F16", Shape: []int{3}, Data: make([]byte, 4)}},
			"Data has 4 bytes, but dtype F16 and shape [3] need 6"},
		{"both Data and WriteTo", []Entry{{Name: "a", DType: "U8", Shape: []int{1}, Data: []byte{1}, WriteTo: writeN(1)}},
			"not both"},
		{"unknown dtype", []Entry{{Name: "a", DType: "Q4", Shape: []int{1}}}, `unknown dtype "Q4"`},
		{"duplicate", []Entry{{Name: "a", DType: "U8", Data: []byte{1}}, {Name: "a", DType: "U8", Data: []byte{1}}},
			`"a" given twice`},
		{"reserved name", []Entry{{Name: "__metadata__", DType: "U8", Data: []byte{1}}}, "not allowed"},
		{"negative dim", []Entry{{Name: "a", DType: "U8", Shape: []int{-1}}}, "negative dimension"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "x.safetensors")
			if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			err := WriteFile(path, tt.entries, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			if got, _ := os.ReadFile(path); string(got) != "old" {
				t.Errorf("failed write changed the existing file to %q", got)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("failed write left %d files in the directory, want 1", len(entries))
			}
		})
	}
}

// rawFile writes a safetensors file with the given header and data length, bypassing WriteFile's checks.
func rawFile(t *testing.T, headerLen uint64, header string, dataLen int) string {
	t.Helper()
	b := binary.LittleEndian.AppendUint64(nil, headerLen)
	b = append(b, header...)
	b = append(b, make([]byte, dataLen)...)
	path := filepath.Join(t.TempDir(), "bad.safetensors")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenErrors(t *testing.T) {
	hdr := func(s string) (uint64, string) { return uint64(len(s)), s }
	two := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":%s}}`
	tests := []struct {
		name    string
		n       uint64
		header  string
		dataLen int
		want    string
	}{
		{"too short", 0, "", -1, "too short to hold the 8-byte header length"},
		{"header length beyond file", 1000, `{}`, 0, "header length 1000 goes beyond the end of the file"},
		{"header too large", 1 << 40, `{}`, 0, "above the 100000000-byte limit"},
		{name: "bad JSON", header: `{"a": {"dtype": "F32",`, want: "bad header JSON"},
		{name: "missing field", header: `{"a":{"dtype":"F32","shape":[1]}}`, dataLen: 4, want: "needs dtype, shape and data_offsets"},
		{name: "unknown field", header: `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, dataLen: 4,
			want: "bad header JSON"},
		{name: "unknown dtype", header: `{"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,1]}}`, dataLen: 1,
			want: `tensor "w": unknown safetensors dtype "Q4"`},
		{name: "negative dim", header: `{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, dataLen: 4,
			want: "shape [-1] has a negative dimension"},
		{name: "size mismatch", header: `{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, dataLen: 8,
			want: "data_offsets [0, 8] do not match dtype F32 and shape [3] (12 bytes)"},
		{name: "overlap", header: fmt.Sprintf(two, "[4,8]"), dataLen: 8, want: `"a" (data_offsets [0, 8]) and "b" (data_offsets [4, 8]) overlap`},
		{name: "gap", header: fmt.Sprintf(two, "[12,16]"), dataLen: 16, want: `4 unused bytes before tensor "b"`},
		{name: "out of range", header: fmt.Sprintf(two, "[8,12]"), dataLen: 10, want: `tensor "b" data_offsets [8, 12] are out of range`},
		{name: "extra bytes", header: fmt.Sprintf(two, "[8,12]"), dataLen: 20, want: "8 extra bytes after the last tensor"},
		{name: "metadata not strings", header: `{"__metadata__":{"a":1}}`, want: "__metadata__ must map strings to strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := tt.n
			if tt.header != "" && n == 0 {
				n, _ = hdr(tt.header)
			}
			var path string
			if tt.dataLen < 0 {
				path = filepath.Join(t.TempDir(), "short.safetensors")
				os.WriteFile(path, []byte{1, 2, 3}, 0o644)
			} else {
				path = rawFile(t, n, tt.header, tt.dataLen)
			}
			f, err := Open(path)
			if err == nil {
				f.Close()
				t.Fatalf("Open succeeded, want error containing %q", tt.want)
			}
			msg := err.Error()
			if pf, perr := OpenPrivate(path); perr == nil || perr.Error() != msg {
				if perr == nil {
					pf.Close()
				}
				t.Errorf("OpenPrivate error = %v, want Open's %q", perr, msg)
			}
			if !strings.Contains(msg, tt.want) || !strings.Contains(msg, path) {
				t.Errorf("error = %q, want it to contain %q and the path", msg, tt.want)
			}
			if tt.name != "unknown dtype" && !strings.Contains(msg, "truncated or corrupt; download it again") {
				t.Errorf("error = %q, want it to say the file looks truncated or corrupt", msg)
			}
		})
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.safetensors")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(missing) error = %v, want a not-exist error", err)
	}
}

func TestOpenEmptyAndTruncated(t *testing.T) {
	path := rawFile(t, 2, "{}", 0)
	f, err := Open(path)
	if err != nil {
		t.Fatalf("Open(empty file): %v", err)
	}
	if len(f.Names()) != 0 {
		t.Errorf("Names() = %v", f.Names())
	}
	f.Close()

	path = filepath.Join(t.TempDir(), "x.safetensors")
	if err := WriteFile(path, sampleEntries(), nil); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if err := os.Truncate(path, st.Size()-3); err != nil {
		t.Fatal(err)
	}
	_, err = Open(path)
	if err == nil || !strings.Contains(err.Error(), "out of range") || !strings.Contains(err.Error(), "looks truncated") {
		t.Errorf("Open(truncated) error = %v", err)
	}
}
