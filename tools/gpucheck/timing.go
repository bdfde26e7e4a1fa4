package gpucheck

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
)

// Timing is what the capture benchmark measured, written as JSON for
// torch_bench.py, which reads the checkpoint and token ids from it.
type Timing struct {
	Backend    string    `json:"backend"`     // configuration, e.g. "xla:cuda"
	Device     string    `json:"device"`      // engine and device, from backend.Choice.Device
	Model      string    `json:"model"`       // what the checkpoint is, e.g. "random gpt2-large, seed 1"
	Checkpoint string    `json:"checkpoint"`  // its directory
	Layers     int       `json:"n_layer"`     // the checkpoint's depth
	Embd       int       `json:"n_embd"`      // and width
	IDs        []int     `json:"input_ids"`   // the tokens captured
	Taps       []string  `json:"taps"`        // what each capture returned to the host
	LoadS      float64   `json:"load_s"`      // loading the weights onto the device
	FirstS     float64   `json:"first_run_s"` // first capture: graph compilation plus one run
	RunsS      []float64 `json:"runs_s"`      // each later capture, forward pass and copy to host
}

// MedianS is the median of RunsS (0 when there are none).
func (t Timing) MedianS() float64 {
	if len(t.RunsS) == 0 {
		return 0
	}
	return analysis.Median(t.RunsS)
}

// Summary is one line: what ran and how long a capture took.
func (t Timing) Summary() string {
	return fmt.Sprintf("%s (%d × width %d), %d tokens on %s [%s]: load %.2fs, first capture (compile + run) %.2fs, median of %d captures %.4fs",
		t.Model, t.Layers, t.Embd, len(t.IDs), t.Backend, t.Device, t.LoadS, t.FirstS, len(t.RunsS), t.MedianS())
}

// WriteJSON writes t to path, indented, with the median added.
func (t Timing) WriteJSON(path string) error {
	data, err := json.MarshalIndent(struct {
		Timing
		MedianS float64 `json:"median_s"`
	}{t, t.MedianS()}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write timing: %w", err)
	}
	return nil
}
