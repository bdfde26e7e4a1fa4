package stfile_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nlpodyssey/safetensors"

	"github.com/gpt2taps/gpt2taps/internal/stfile"
)

// fuzzSeedFile returns a small valid safetensors file written by WriteFile.
func fuzzSeedFile(f *testing.F, entries []stfile.Entry, meta map[string]string) []byte {
	f.Helper()
	path := filepath.Join(f.TempDir(), "seed.safetensors")
	if err := stfile.WriteFile(path, entries, meta); err != nil {
		f.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return data
}

// fuzzRaw builds a file from a header, without any check.
func fuzzRaw(header string, data []byte) []byte {
	return append(append(binary.LittleEndian.AppendUint64(nil, uint64(len(header))), header...), data...)
}

// hugeDimension reports whether a tensor of st has a dimension above 2^63-1, which Open refuses (the one
// documented difference from github.com/nlpodyssey/safetensors).
func hugeDimension(st safetensors.SafeTensors) bool {
	for _, nt := range st.Tensors() {
		for _, d := range nt.TensorView.Shape() {
			if d > math.MaxInt64 {
				return true
			}
		}
	}
	return false
}

// FuzzOpen writes arbitrary bytes to a file and opens it. Open must never panic, and Check must accept exactly
// what Open accepts; it either refuses the file with
// an error naming it and saying what to do, or returns a File whose Names, Info and Bytes agree with each other and
// tile the data section exactly. Open must accept exactly the files github.com/nlpodyssey/safetensors accepts (but
// for hugeDimension), and read the same tensors from them.
func FuzzOpen(f *testing.F) {
	f.Add(fuzzSeedFile(f, []stfile.Entry{
		{Name: "w", DType: "F32", Shape: []int{2, 2}, Data: make([]byte, 16)},
		{Name: "h", DType: "F16", Shape: []int{3}, Data: []byte{0, 0x3c, 0, 0xc0, 0xff, 0x7b}},
		{Name: "ids", DType: "I64", Shape: []int{1}, Data: make([]byte, 8)},
		{Name: "s", DType: "BF16", Shape: []int{}, Data: []byte{0x80, 0x3f}},
		{Name: "empty", DType: "U8", Shape: []int{0, 3}, Data: []byte{}},
	}, map[string]string{"format": "pt"}))
	f.Add(fuzzSeedFile(f, nil, nil))
	f.Add(fuzzRaw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}`, make([]byte, 8)))
	f.Add(fuzzRaw(`{"__metadata__":{"k":1}}`, nil))
	f.Add(fuzzRaw(`{"x":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}}`, nil))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.safetensors")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ref, refErr := safetensors.Deserialize(data)
		checkErr := stfile.Check(path)
		file, err := stfile.Open(path)
		if (checkErr == nil) != (err == nil) {
			t.Fatalf("Check error %v, but Open error %v", checkErr, err)
		}
		if err != nil {
			if refErr == nil && !hugeDimension(ref) {
				t.Fatalf("Open refused a file github.com/nlpodyssey/safetensors accepts: %v", err)
			}
			if msg := err.Error(); !strings.Contains(msg, path) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q does not name the file on one line", msg)
			}
			return
		}
		defer file.Close()
		if refErr != nil {
			t.Fatalf("Open accepted a file github.com/nlpodyssey/safetensors refuses (%v)", refErr)
		}
		names := file.Names()
		if got, want := slices.Sorted(slices.Values(names)), slices.Sorted(slices.Values(ref.Names())); !slices.Equal(got, want) {
			t.Fatalf("Names() = %v, nlpodyssey/safetensors reads %v", got, want)
		}
		var total int
		for _, name := range names {
			dtype, shape, ok := file.Info(name)
			if !ok {
				t.Fatalf("Info(%q) says the listed tensor is absent", name)
			}
			size, err := stfile.DTypeSize(dtype)
			if err != nil {
				t.Fatalf("tensor %q has dtype %q: %v", name, dtype, err)
			}
			n := size
			for _, d := range shape {
				n *= d
			}
			raw, err := file.Bytes(name)
			if err != nil {
				t.Fatalf("Bytes(%q): %v", name, err)
			}
			if len(raw) != n {
				t.Fatalf("Bytes(%q) has %d bytes, dtype %s and shape %v need %d", name, len(raw), dtype, shape, n)
			}
			view, _ := ref.Tensor(name)
			if !bytes.Equal(raw, view.Data()) || view.DType().String() != dtype {
				t.Fatalf("tensor %q differs from what nlpodyssey/safetensors reads", name)
			}
			if dtype == "F32" || dtype == "F16" || dtype == "BF16" {
				got, want := make([]float32, n/size), make([]float32, n/size)
				if err := file.Float32s(name, got); err != nil {
					t.Fatalf("Float32s(%q): %v", name, err)
				}
				if err := stfile.ToFloat32(dtype, raw, want); err != nil {
					t.Fatalf("ToFloat32(%q): %v", name, err)
				}
				if !slices.EqualFunc(got, want, func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }) {
					t.Fatalf("Float32s(%q) differs from ToFloat32 of its bytes", name)
				}
			}
			total += n
		}
		if headerLen := binary.LittleEndian.Uint64(data); uint64(total) != uint64(len(data))-8-headerLen {
			t.Fatalf("the tensors hold %d bytes, the data section %d", total, uint64(len(data))-8-headerLen)
		}
		if _, _, ok := file.Info("__metadata__"); ok {
			t.Fatalf("__metadata__ is listed as a tensor")
		}
		_, refMeta, _ := safetensors.ReadMetadata(data)
		for k, v := range refMeta.Metadata() {
			if file.Metadata()[k] != v {
				t.Fatalf("metadata %q = %q, nlpodyssey/safetensors reads %q", k, file.Metadata()[k], v)
			}
		}
	})
}

// FuzzReadIndex reads arbitrary bytes as a checkpoint index. ReadIndex must never panic; it either refuses the
// index with a one-line error naming the file, or returns the weight map with its distinct shards sorted, every
// shard a plain file name that ShardPath places next to the index.
func FuzzReadIndex(f *testing.F) {
	f.Add([]byte(`{"metadata": {"total_size": 8}, "weight_map": {"a": "model-00002-of-00002.safetensors", "b": "model-00001-of-00002.safetensors", "c": "model-00001-of-00002.safetensors"}}`))
	f.Add([]byte(`{"weight_map": {"a": "sub/x.safetensors"}}`))
	f.Add([]byte(`{"weight_map": {"a": "../x.safetensors", "b": "/x", "c": "..", "d": "a\\b"}}`))
	f.Add([]byte(`{"weight_map": {}}`))
	f.Add([]byte(`{"weight_map": {"a": 1}}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"weight_map": {`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, stfile.IndexFile)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ix, err := stfile.ReadIndex(path)
		if err != nil {
			if msg := err.Error(); !strings.Contains(msg, path) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q does not name the file on one line", msg)
			}
			return
		}
		if len(ix.WeightMap) == 0 || len(ix.Shards) == 0 || !slices.IsSorted(ix.Shards) {
			t.Fatalf("accepted index has weight map %v and shards %v", ix.WeightMap, ix.Shards)
		}
		for i, shard := range ix.Shards {
			if i > 0 && ix.Shards[i-1] == shard {
				t.Fatalf("shard %q listed twice", shard)
			}
			if p := ix.ShardPath(shard); filepath.Dir(p) != dir || filepath.Base(p) != shard {
				t.Fatalf("shard %q is placed at %s, not next to the index", shard, p)
			}
		}
		for name, shard := range ix.WeightMap {
			if _, found := slices.BinarySearch(ix.Shards, shard); !found {
				t.Fatalf("tensor %q's shard %q is not among the shards %v", name, shard, ix.Shards)
			}
		}
	})
}
