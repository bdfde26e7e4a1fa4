package taps_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/gpt2taps/gpt2taps/internal/stfile"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// filled makes an array of shape dims holding distinct values, a negative zero and a NaN with a payload among
// them, so that only a bit-exact copy compares equal.
func filled(seed float32, dims ...int) taps.Array {
	a := fuzzF32(dims...)
	for i := range a.Data {
		a.Data[i] = seed + a.Data[i]/7
	}
	a.Data[0] = float32(math.Copysign(0, -1))
	if len(a.Data) > 1 {
		a.Data[len(a.Data)-1] = math.Float32frombits(0x7fc0abcd)
	}
	return a
}

// tapsFileCases writes the files MapFile must read as ReadFile does and returns their paths, each with the
// tensors whose values MapFile must hand out in place: a taps file as WriteFile writes it (all F32, several pages),
// one as the PyTorch reference may write it (no metadata, F16 and BF16 beside F32), and one whose F32 data is not
// 4-byte aligned in the file (a header nobody padded), which MapFile must copy.
func tapsFileCases(t *testing.T) map[string]struct {
	path   string
	mapped []string
} {
	t.Helper()
	dir := t.TempDir()
	const T, D = 3, 700 // a stack row of 2800 bytes: stacks span pages, and start off page boundaries
	res := &taps.Result{NLayer: 2, IDs: []int{15496, 995, 0}, Tokens: []string{"Hello", " world", "!"},
		Stacks: map[gpt2.Kind]*taps.Stack{
			gpt2.AttnOut:     {Kind: gpt2.AttnOut, Indices: []int{0, 1}, Array: filled(1, 2, T, D)},
			gpt2.HiddenState: {Kind: gpt2.HiddenState, Indices: []int{0, 1, 2}, Array: filled(2, 3, T, D)},
			gpt2.MLPOut:      {Kind: gpt2.MLPOut, Indices: []int{1}, Array: filled(3, 1, T, D)},
		},
		Reduced: map[string]taps.Array{"cosine": filled(4, 2, T), "one": filled(5, 1)},
		Logits:  ptr(filled(6, T, 11)),
	}
	written := filepath.Join(dir, "written.safetensors")
	if err := taps.WriteFile(written, res, map[string]string{"model": "gpt2"}); err != nil {
		t.Fatal(err)
	}

	ids := binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 1), 2)
	f16, bf16 := make([]byte, 2*3*2*5), make([]byte, 2*2*2*5)
	vals := filled(7, 3*2*5).Data
	if err := stfile.FromFloat32("F16", vals, f16); err != nil {
		t.Fatal(err)
	}
	if err := stfile.FromFloat32("BF16", vals[:2*2*5], bf16); err != nil {
		t.Fatal(err)
	}
	reference := filepath.Join(dir, "reference.safetensors")
	if err := stfile.WriteFile(reference, []stfile.Entry{
		{Name: "input_ids", DType: "I64", Shape: []int{2}, Data: ids},
		{Name: "hidden_states", DType: "F16", Shape: []int{3, 2, 5}, Data: f16},
		{Name: "attn.c_proj", DType: "BF16", Shape: []int{2, 2, 5}, Data: bf16},
		{Name: "mlp.c_proj", DType: "F32", Shape: []int{2, 2, 5}, Data: f32le(vals[10:])},
	}, nil); err != nil {
		t.Fatal(err)
	}

	misaligned := filepath.Join(dir, "misaligned.safetensors")
	mlp := f32le(filled(8, 1, 2, 3).Data)
	meta := map[string]string{"n_layer": "1", "mlp.c_proj.crc32c": fmt.Sprintf("%08x",
		crc32.Checksum(mlp, crc32.MakeTable(crc32.Castagnoli)))}
	header, err := json.Marshal(map[string]any{
		"__metadata__": meta,
		"input_ids":    map[string]any{"dtype": "I64", "shape": []int{2}, "data_offsets": []int{0, 16}},
		"mlp.c_proj":   map[string]any{"dtype": "F32", "shape": []int{1, 2, 3}, "data_offsets": []int{16, 40}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for (8+len(header))%4 != 2 {
		header = append(header, ' ')
	}
	data := append(binary.LittleEndian.AppendUint64(nil, uint64(len(header))), header...)
	if err := os.WriteFile(misaligned, append(append(data, ids...), mlp...), 0o644); err != nil {
		t.Fatal(err)
	}
	return map[string]struct {
		path   string
		mapped []string
	}{
		"written":    {written, []string{"attn.c_proj", "hidden_states", "mlp.c_proj", "cosine", "one", "logits"}},
		"reference":  {reference, []string{"mlp.c_proj"}},
		"misaligned": {misaligned, nil},
	}
}

// f32le is values' little-endian F32 bytes.
func f32le(values []float32) []byte {
	b := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

// arrays returns every float array of res by its tensor name.
func arrays(res *taps.Result) map[string]taps.Array {
	out := maps.Clone(res.Reduced)
	for k, s := range res.Stacks {
		out[k.String()] = s.Array
	}
	if res.Logits != nil {
		out["logits"] = *res.Logits
	}
	return out
}

// sameBits reports whether a and b hold the same shapes and bit-identical values.
func sameBits(a, b taps.Array) bool {
	return slices.Equal(a.Dims, b.Dims) && len(a.Data) == len(b.Data) && (a.Data == nil) == (b.Data == nil) &&
		slices.EqualFunc(a.Data, b.Data, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

// sameResult says how got differs from want ("" when it does not): every field, and the arrays bit for bit.
func sameResult(got, want *taps.Result) string {
	ga, wa := arrays(got), arrays(want)
	if !slices.Equal(slices.Sorted(maps.Keys(ga)), slices.Sorted(maps.Keys(wa))) {
		return fmt.Sprintf("tensors %v, want %v", slices.Sorted(maps.Keys(ga)), slices.Sorted(maps.Keys(wa)))
	}
	for name, a := range wa {
		if !sameBits(ga[name], a) {
			return fmt.Sprintf("%s differs", name)
		}
	}
	strip := func(r *taps.Result) taps.Result {
		c := *r
		c.Stacks, c.Reduced, c.Logits = map[gpt2.Kind]*taps.Stack{}, nil, nil
		for k, s := range r.Stacks {
			c.Stacks[k] = &taps.Stack{Kind: s.Kind, Indices: s.Indices}
		}
		return c
	}
	if g, w := strip(got), strip(want); !reflect.DeepEqual(g, w) {
		return fmt.Sprintf("%+v, want %+v", g, w)
	}
	return ""
}

// mappedFrom reports whether data lies in a writable private mapping of the file at path, from /proc/self/maps;
// known is false where the system does not say.
func mappedFrom(t *testing.T, data []float32, path string) (mapped, known bool) {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return false, false
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		t.Fatal(err)
	}
	addr := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(data))))
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		f := strings.Fields(sc.Text()) // start-end perms offset dev inode [path]
		if len(f) < 6 {
			continue
		}
		lo, hi, _ := strings.Cut(f[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || addr < start || addr >= end {
			continue
		}
		return f[1] == "rw-p" && f[5] == real, true
	}
	return false, true
}

// TestMapFileMatchesReadFile: MapFile returns what ReadFile returns, bit for bit, on taps files of every float
// dtype and on one whose F32 data is misaligned; it hands out exactly the aligned F32 tensors in place, in a
// private writable mapping of the file; and writing to them changes neither the file nor what is read next.
func TestMapFileMatchesReadFile(t *testing.T) {
	for name, tc := range tapsFileCases(t) {
		t.Run(name, func(t *testing.T) {
			before, err := os.ReadFile(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			want, err := taps.ReadFile(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := taps.MapFile(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := sameResult(got.Result, want.Result); diff != "" {
				t.Fatalf("MapFile: %s", diff)
			}
			if !maps.Equal(got.Metadata, want.Metadata) {
				t.Errorf("MapFile metadata %v, want %v", got.Metadata, want.Metadata)
			}
			for name, a := range arrays(got.Result) {
				mapped, known := mappedFrom(t, a.Data, tc.path)
				if !known {
					t.Log("/proc/self/maps is not readable: not checking which arrays are mapped")
					break
				}
				if wantMapped := slices.Contains(tc.mapped, name); mapped != wantMapped {
					t.Errorf("%s: in the file's private mapping = %v, want %v", name, mapped, wantMapped)
				}
				if m, _ := mappedFrom(t, arrays(want.Result)[name].Data, tc.path); m {
					t.Errorf("ReadFile's %s is in a mapping of the file", name)
				}
			}
			for _, a := range arrays(got.Result) { // a fault here (a read-only mapping) crashes the test
				for i := range a.Data {
					a.Data[i] = -a.Data[i] + 1
				}
			}
			if now, err := os.ReadFile(tc.path); err != nil || !bytes.Equal(now, before) {
				t.Fatalf("writing to MapFile's arrays changed the file (%v)", err)
			}
			again, err := taps.MapFile(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := sameResult(again.Result, want.Result); diff != "" {
				t.Errorf("MapFile after writing to an earlier MapFile's arrays: %s", diff)
			}
		})
	}
}

// TestMapFileErrors: MapFile refuses damaged files, and files that are not taps files, with ReadFile's errors.
func TestMapFileErrors(t *testing.T) {
	good, err := os.ReadFile(tapsFileCases(t)["written"].path)
	if err != nil {
		t.Fatal(err)
	}
	notTaps := filepath.Join(t.TempDir(), "weights.safetensors")
	if err := stfile.WriteFile(notTaps, []stfile.Entry{{Name: "w", DType: "F32", Shape: []int{1}, Data: make([]byte, 4)}}, nil); err != nil {
		t.Fatal(err)
	}
	notTapsData, err := os.ReadFile(notTaps)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(at int) []byte { d := bytes.Clone(good); d[at] ^= 0x40; return d }
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		data []byte // nil: no file
		want string
	}{
		{"missing", nil, "no such file"},
		{"truncated", good[:len(good)/2], "out of range"},
		{"one byte short", good[:len(good)-1], "out of range"},
		{"flipped byte in the first tensor", flip(len(good) - 4*(2*3*700+3*3*700+3*700+2*3+1+3*11) + 8),
			`tensor "attn.c_proj" is corrupt (checksum`},
		{"flipped byte in the last tensor", flip(len(good) - 2), `tensor "one" is corrupt (checksum`},
		{"garbage", []byte("not a safetensors file"), "header"},
		{"not a taps file", notTapsData, "not a taps file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".safetensors")
			if tc.data != nil {
				if err := os.WriteFile(path, tc.data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, readErr := taps.ReadFile(path)
			_, mapErr := taps.MapFile(path)
			if readErr == nil || mapErr == nil || mapErr.Error() != readErr.Error() {
				t.Errorf("MapFile error %v, ReadFile error %v; want the same error", mapErr, readErr)
			}
			if mapErr == nil || !strings.Contains(mapErr.Error(), tc.want) {
				t.Errorf("MapFile error %v, want one containing %q", mapErr, tc.want)
			}
		})
	}
}
