package nbtest

import (
	"path/filepath"
	"testing"
)

// TestRead parses the copies in testdata/executed of the testdata notebooks,
// as nbconvert executed them with GoNB, and checks what Result exposes.
func TestRead(t *testing.T) {
	for _, tt := range notebookCases {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", "executed", tt.name+".ipynb")
			r, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if r.Path != path {
				t.Errorf("Path = %q, want %q", r.Path, path)
			}
			tt.check(t, r)
		})
	}
}

// TestReadErrors covers files that are not notebooks.
func TestReadErrors(t *testing.T) {
	for _, path := range []string{
		filepath.Join("testdata", "missing.ipynb"),
		filepath.Join("testdata", "nbhello", "nbhello.go"),
	} {
		if _, err := Read(path); err == nil {
			t.Errorf("Read(%s) succeeded, want an error", path)
		}
	}
}
