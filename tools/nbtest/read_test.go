package nbtest

import (
	"os"
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

// TestCellByIDOrTag finds cells by id and by metadata tag, never by source.
func TestCellByIDOrTag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tagged.ipynb")
	nb := `{"cells": [
 {"cell_type": "markdown", "id": "intro", "metadata": {}, "source": ["# Title"]},
 {"cell_type": "code", "id": "run", "metadata": {"tags": ["capture", "slow"]}, "execution_count": 1, "outputs": [], "source": ["%%\n", "fmt.Println(1)"]},
 {"cell_type": "code", "id": "other", "metadata": {"tags": ["slow"], "jupyter": {"source_hidden": true}}, "execution_count": 2, "outputs": [], "source": ["run"]}
], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}`
	if err := os.WriteFile(path, []byte(nb), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int{"intro": 0, "run": 1, "capture": 1, "slow": 1, "other": 2} {
		c, ok := r.Cell(name)
		if !ok || c.Index != want {
			t.Errorf("Cell(%q) = cell %d, %v; want cell %d", name, c.Index, ok, want)
		}
	}
	if c, _ := r.Cell("run"); c.ID != "run" || len(c.Tags) != 2 || c.Tags[0] != "capture" {
		t.Errorf("cell run: id %q, tags %v", c.ID, c.Tags)
	}
	if c, _ := r.Cell("other"); !c.Hidden {
		t.Error("cell other is collapsed (source_hidden) but Hidden is false")
	}
	if c, _ := r.Cell("run"); c.Hidden {
		t.Error("cell run is not collapsed but Hidden is true")
	}
	if _, ok := r.Cell("fmt.Println(1)"); ok {
		t.Error("a cell was found by its source")
	}
}
