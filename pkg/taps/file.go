package taps

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/gpt2taps/gpt2taps/internal/stfile"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// FileFormat identifies taps files written by WriteFile (metadata "format").
const FileFormat = "gpt2taps.taps/1"

// WriteFile writes a capture result as a safetensors file readable by Python's
// safetensors and numpy: one F32 tensor per tap kind, named after the kind
// ("attn.c_proj" [L,T,D], "mlp.c_proj" [L,T,D], "hidden_states" [L+1,T,D], …),
// each reduction under its name, "logits" [T,V] when captured, and the token
// ids as I64 "input_ids" [T]. Stacks that hold only some layers record them in
// the metadata key "<kind>.indices". meta is stored as the file's
// "__metadata__" (string → string) together with "format", "n_layer", the
// model's config.json ("config", when the result has it), the tokens' strings as a JSON list ("tokens", when the result has them) and a
// CRC-32C of every float tensor ("<name>.crc32c") that ReadFile verifies.
//
// The file is written to a temporary file in the same directory and renamed,
// so path never holds a half-written file.
func WriteFile(path string, res *Result, meta map[string]string) error {
	if res == nil {
		return fmt.Errorf("write taps %s: no result", path)
	}
	metadata := map[string]string{}
	for k, v := range meta {
		metadata[k] = v
	}
	metadata["format"] = FileFormat
	metadata["n_layer"] = strconv.Itoa(res.NLayer)
	if res.Config.NLayer > 0 {
		cfg, err := res.Config.MarshalHF()
		if err != nil {
			return fmt.Errorf("write taps %s: %w", path, err)
		}
		metadata["config"] = string(cfg)
	}
	if len(res.Tokens) > 0 {
		tokens, _ := json.Marshal(res.Tokens)
		metadata["tokens"] = string(tokens)
	}
	var entries []stfile.Entry
	ids := make([]byte, 8*len(res.IDs))
	for i, id := range res.IDs {
		binary.LittleEndian.PutUint64(ids[8*i:], uint64(int64(id)))
	}
	entries = append(entries, stfile.Entry{Name: "input_ids", DType: "I64", Shape: []int{len(res.IDs)}, Data: ids})
	for _, k := range gpt2.Kinds() {
		s, ok := res.Stacks[k]
		if !ok {
			continue
		}
		entries = append(entries, f32Entry(k.String(), s.Array))
		metadata[k.String()+".crc32c"] = checksum(s.Data)
		if len(s.Indices) != k.Count(res.NLayer) || !isIota(s.Indices) {
			metadata[k.String()+".indices"] = joinInts(s.Indices)
		}
	}
	for name, a := range res.Reduced {
		if _, isKind := gpt2.KindByName(name); name == "input_ids" || name == "logits" || isKind {
			return fmt.Errorf("write taps %s: reduction name %q clashes with a tensor of the file", path, name)
		}
		entries = append(entries, f32Entry(name, a))
		metadata[name+".crc32c"] = checksum(a.Data)
	}
	if res.Logits != nil {
		entries = append(entries, f32Entry("logits", *res.Logits))
		metadata["logits.crc32c"] = checksum(res.Logits.Data)
	}
	if err := stfile.WriteFile(path, entries, metadata); err != nil {
		return fmt.Errorf("write taps: %w", err)
	}
	return nil
}

// File is a taps file read back by ReadFile or MapFile.
type File struct {
	Result   *Result
	Metadata map[string]string
}

// ReadFile reads a taps file written by WriteFile (or by the PyTorch
// reference, which uses the same tensor names). Tensors other than input_ids,
// logits and the tap kinds come back as reductions.
func ReadFile(path string) (*File, error) { return readFile(path, stfile.Open) }

// MapFile is ReadFile for short-lived programs (a notebook cell): the same
// checks — checksums included, whose pass over the bytes also brings the
// file's pages in once — and the same result, but the F32 tensors' Data alias
// a private, copy-on-write mapping of the file (stfile.OpenPrivate) instead of
// fresh memory, whose first touch costs more than the read. F16 and BF16
// tensors, and F32 ones not 4-byte aligned in the file, are decoded into fresh
// memory as ReadFile does; so is everything where memory mapping is not
// available. Writing to the arrays changes only this process's memory, never
// the file. The mapping is never unmapped: it lives until the process exits,
// so call MapFile once per file in a program that ends soon after, never in a
// loop or a server. The file must not be overwritten or truncated in place
// meanwhile (WriteFile and the tap cache replace files by rename and remove
// them, both safe).
func MapFile(path string) (*File, error) { return readFile(path, stfile.OpenPrivate) }

// readFile is ReadFile, opening the file with open: F32 tensors whose values
// the opened file hands out in place (stfile.File.MappedFloat32s) are used as
// they are, all others decoded into fresh memory.
func readFile(path string, open func(string) (*stfile.File, error)) (*File, error) {
	f, err := open(path)
	if err != nil {
		return nil, fmt.Errorf("read taps: %w", err)
	}
	defer f.Close()
	meta := f.Metadata()
	res := &Result{Stacks: map[gpt2.Kind]*Stack{}, Reduced: map[string]Array{}}
	if s, ok := meta["n_layer"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("read taps %s: metadata n_layer %q is not a non-negative integer: the file is corrupt; delete it and capture again", path, s)
		}
		res.NLayer = n
	}
	dtype, shape, ok := f.Info("input_ids")
	if !ok || dtype != "I64" || len(shape) != 1 {
		return nil, fmt.Errorf("read taps %s: no I64 input_ids [T] tensor: this is not a taps file", path)
	}
	raw, err := f.Bytes("input_ids")
	if err != nil {
		return nil, fmt.Errorf("read taps: %w", err)
	}
	res.IDs = make([]int, shape[0])
	for i := range res.IDs {
		res.IDs[i] = int(int64(binary.LittleEndian.Uint64(raw[8*i:])))
	}
	for _, name := range f.Names() {
		if name == "input_ids" {
			continue
		}
		dtype, shape, _ := f.Info(name)
		if dtype != "F32" && dtype != "F16" && dtype != "BF16" {
			return nil, fmt.Errorf("read taps %s: tensor %q has dtype %s, want F32", path, name, dtype)
		}
		if want, ok := meta[name+".crc32c"]; ok {
			raw, err := f.Bytes(name)
			if err != nil {
				return nil, fmt.Errorf("read taps: %w", err)
			}
			if got := fmt.Sprintf("%08x", crc32.Checksum(raw, castagnoli)); got != want {
				return nil, fmt.Errorf("read taps %s: tensor %q is corrupt (checksum %s, want %s): delete the file and capture again", path, name, got, want)
			}
		}
		vals, err := float32s(f, name, shape)
		if err != nil {
			return nil, fmt.Errorf("read taps: %w", err)
		}
		t := Array{Dims: shape, Data: vals}
		switch k, isKind := gpt2.KindByName(name); {
		case name == "logits":
			if len(shape) != 2 || shape[0] != len(res.IDs) {
				return nil, fmt.Errorf("read taps %s: logits have shape %v, want [%d, vocabulary] for its %d tokens: the file is corrupt; capture again", path, shape, len(res.IDs), len(res.IDs))
			}
			res.Logits = &t
		case isKind:
			if err := checkStackShape(k, shape, len(res.IDs)); err != nil {
				return nil, fmt.Errorf("read taps %s: %w: the file is corrupt; capture again", path, err)
			}
			indices, err := stackIndices(meta[name+".indices"], shape[0])
			if err != nil {
				return nil, fmt.Errorf("read taps %s: %s.indices: %w", path, name, err)
			}
			res.Stacks[k] = &Stack{Kind: k, Indices: indices, Array: t}
		default:
			res.Reduced[name] = t
		}
	}
	if res.NLayer == 0 { // a file from elsewhere (e.g. the PyTorch reference): infer the depth
		if s, ok := res.Stacks[gpt2.HiddenState]; ok && isIota(s.Indices) {
			res.NLayer = max(len(s.Indices)-1, 0)
		} else if s, ok := res.Stacks[gpt2.AttnOut]; ok && isIota(s.Indices) {
			res.NLayer = len(s.Indices)
		}
	}
	if raw, ok := meta["config"]; ok {
		cfg, err := gpt2.ParseConfig([]byte(raw))
		if err != nil || cfg.NLayer != res.NLayer {
			return nil, fmt.Errorf("read taps %s: metadata config is not the config of a %d-layer GPT-2: the file is corrupt; capture again", path, res.NLayer)
		}
		res.Config = cfg
	}
	if raw, ok := meta["tokens"]; ok {
		var tokens []string
		if err := json.Unmarshal([]byte(raw), &tokens); err != nil || len(tokens) != len(res.IDs) {
			return nil, fmt.Errorf("read taps %s: metadata tokens is not a list of %d strings: the file is corrupt; capture again", path, len(res.IDs))
		}
		res.Tokens = tokens
	}
	for k, s := range res.Stacks {
		if n := len(s.Indices); n > 0 && s.Indices[n-1] >= k.Count(res.NLayer) {
			return nil, fmt.Errorf("read taps %s: %s holds point %d, but a %d-layer model has %d: the file is corrupt; capture again", path, k, s.Indices[n-1], res.NLayer, k.Count(res.NLayer))
		}
	}
	return &File{Result: res, Metadata: meta}, nil
}

// float32s returns the values of float tensor name of shape: in place when f
// hands them out so (MapFile), else decoded into a new slice.
func float32s(f *stfile.File, name string, shape []int) ([]float32, error) {
	if vals, ok := f.MappedFloat32s(name); ok {
		return vals, nil
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	vals := make([]float32, n)
	if err := f.Float32s(name, vals); err != nil {
		return nil, err
	}
	return vals, nil
}

// checkStackShape checks a stack's shape against its kind and the number of tokens T: [n, T, …] for the
// per-token kinds, [n, H, T, T] for attention patterns.
func checkStackShape(k gpt2.Kind, shape []int, T int) error {
	if k == gpt2.AttnPattern {
		if len(shape) != 4 || shape[2] != T || shape[3] != T {
			return fmt.Errorf("stack %s has shape %v, want [n, heads, %d, %d] for its %d tokens", k, shape, T, T, T)
		}
		return nil
	}
	if len(shape) != 3 || shape[1] != T {
		return fmt.Errorf("stack %s has shape %v, want [n, %d, width] for its %d tokens", k, shape, T, T)
	}
	return nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// checksum is the CRC-32C of float32 values' little-endian bytes, as hex.
func checksum(data []float32) string {
	var sum uint32
	buf := make([]byte, 0, 1<<16)
	for _, v := range data {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		if len(buf) == cap(buf) {
			sum = crc32.Update(sum, castagnoli, buf)
			buf = buf[:0]
		}
	}
	return fmt.Sprintf("%08x", crc32.Update(sum, castagnoli, buf))
}

// f32Entry streams an array into a file entry as F32.
func f32Entry(name string, a Array) stfile.Entry {
	return stfile.Entry{Name: name, DType: "F32", Shape: a.Dims, WriteTo: func(w io.Writer) error {
		buf := make([]byte, 0, 1<<16)
		for _, v := range a.Data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
		_, err := w.Write(buf)
		return err
	}}
}

func isIota(xs []int) bool {
	for i, x := range xs {
		if x != i {
			return false
		}
	}
	return true
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}

// stackIndices parses "<kind>.indices" metadata; absent means 0…n−1.
func stackIndices(s string, n int) ([]int, error) {
	if s == "" {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx, nil
	}
	var idx []int
	for _, part := range strings.Split(s, ",") {
		v, err := strconv.Atoi(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not a list of integers", s)
		}
		idx = append(idx, v)
	}
	if len(idx) != n {
		return nil, fmt.Errorf("%q does not match the stack's %d rows", s, n)
	}
	for i, v := range idx {
		if v < 0 || (i > 0 && v <= idx[i-1]) {
			return nil, fmt.Errorf("%q is not a strictly increasing list of layer indices", s)
		}
	}
	return idx, nil
}
