package stfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/internal/hfcache/hubtest"
)

// TestCheck checks files cut off or damaged the ways an interrupted download or a bad copy leaves them: Check
// refuses each, naming the file and saying to download it again, and agrees with Open.
func TestCheck(t *testing.T) {
	good := hubtest.Safetensors(4, 3)
	headerOnly := hubtest.Safetensors()
	raw := func(header string, data ...byte) []byte {
		return append(append(binary.LittleEndian.AppendUint64(nil, uint64(len(header))), header...), data...)
	}
	tests := []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{"complete", good, ""},
		{"no tensors", headerOnly, ""},
		{"truncated data", good[:len(good)-1], "are out of range"},
		{"trailing bytes", append(bytes.Clone(good), 0), "1 extra bytes after the last tensor"},
		{"truncated header", good[:12], "header length"},
		{"shorter than length prefix", good[:5], "too short"},
		{"empty", nil, "too short"},
		{"header not JSON", raw("{{{{"), "bad header JSON"},
		{"reversed offsets", raw(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`, 0, 0, 0, 0), "do not match dtype F32"},
		{"huge header length", binary.LittleEndian.AppendUint64(nil, 1<<40), "above the 100000000-byte limit"},
		{"overlapping tensors", raw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}`, make([]byte, 6)...), "overlap"},
		{"unknown dtype", raw(`{"w":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}`, 0), `unknown safetensors dtype "Q4"`},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".safetensors")
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			err := Check(path)
			f, openErr := Open(path)
			if openErr == nil {
				f.Close()
			}
			if (err == nil) != (openErr == nil) {
				t.Fatalf("Check error %v, but Open error %v", err, openErr)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Check error = %v, want one containing %q", err, tt.wantErr)
			}
			remedy := "download it again"
			if strings.HasPrefix(tt.name, "unknown dtype") {
				remedy = "written by a tool this reader does not know"
			}
			for _, want := range []string{path, remedy} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Check error %q does not say %q", err, want)
				}
			}
		})
	}
	if err := Check(filepath.Join(dir, "absent.safetensors")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Check of a missing file: error %v, want one wrapping fs.ErrNotExist", err)
	}
}
