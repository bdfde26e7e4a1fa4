package main

import (
	"encoding/json"
	"io"

	"github.com/gpt2taps/gpt2taps/pkg/compare/inprocess"
)

// runRate measures the backend's matrix-product rate (inprocess.ProbeRate: one GPT-2-sized product, about a
// second) and prints it as one line of JSON, compare.Rate's: {"backend":…,"flops":…,"probe":…}. Notebook 03's
// plan cell runs it, so that the cell forecasts the comparison's time without linking GoMLX.
func runRate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("rate", stderr)
	backendName := fs.String("backend", "", "GoMLX backend: go, xla:cpu, xla:cuda, auto (default $GOMLX_BACKEND, else auto)")
	if err := parse(fs, args); err != nil {
		return err
	}
	r, err := inprocess.ProbeRate(*backendName)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(r)
}
