package gpucheck_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/tools/gpucheck"
)

// TestTorchBenchScript runs torch_bench.py on the CPU, on a small generated
// checkpoint and a Go timing written by Timing.WriteJSON, as the GPU check
// runs it on CUDA; and checks its one-line errors.
func TestTorchBenchScript(t *testing.T) {
	c, err := gpucheck.ParseCase(caseJSON)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "checkpoint")
	if err := c.WriteCheckpoint(dir); err != nil {
		t.Fatal(err)
	}
	goJSON := filepath.Join(t.TempDir(), "go.json")
	timing := gpucheck.Timing{Backend: "go", Device: "pure Go", Model: "test case", Checkpoint: dir,
		Layers: c.Layers, Embd: c.Embd, IDs: c.IDs, LoadS: 0.1, FirstS: 0.2, RunsS: []float64{0.5, 0.3, 0.4}}
	if err := timing.WriteJSON(goJSON); err != nil {
		t.Fatal(err)
	}
	gone := timing
	gone.Checkpoint = filepath.Join(t.TempDir(), "gone")
	goneJSON := filepath.Join(t.TempDir(), "gone.json")
	if err := gone.WriteJSON(goneJSON); err != nil {
		t.Fatal(err)
	}
	notJSON := writeTemp(t, "x.json", []byte("{"))

	cases := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // substring of stdout+stderr
	}{
		{"cpu run", []string{"--go-result", goJSON, "--device", "cpu", "--repeat", "2", "--threads", "1", "--no-transformers"}, 0,
			"Go / PyTorch = "},
		{"checkpoint gone", []string{"--go-result", goneJSON, "--device", "cpu"}, 2,
			"torch_bench: error: checkpoint " + gone.Checkpoint + " (from " + goneJSON + ") is gone"},
		{"not JSON", []string{"--go-result", notJSON}, 2, "torch_bench: error: " + notJSON + " is not JSON"},
		{"bad repeat", []string{"--go-result", goJSON, "--repeat", "0"}, 2, "torch_bench: error: --repeat 0: must be at least 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "torch.json")
			cmd := exec.Command(referencePython(), append([]string{"torch_bench.py", "--out", out}, tc.args...)...)
			msg, err := cmd.CombinedOutput()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatalf("%s (PyTorch: install Debian's python3-torch, or run scripts/install.sh): %v", referencePython(), err)
			}
			if code != tc.wantCode || !strings.Contains(string(msg), tc.wantOut) {
				t.Fatalf("exit %d, output:\n%s\nwant exit %d and %q", code, msg, tc.wantCode, tc.wantOut)
			}
			if code != 0 {
				return
			}
			var res struct {
				Tokens  int `json:"tokens"`
				PyTorch map[string]struct {
					MedianS float64   `json:"median_s"`
					RunsS   []float64 `json:"runs_s"`
					Ratio   float64   `json:"ratio_go_over_torch"`
				} `json:"pytorch"`
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &res); err != nil {
				t.Fatal(err)
			}
			r := res.PyTorch["reference"]
			if res.Tokens != len(c.IDs) || len(r.RunsS) != 2 || r.MedianS <= 0 || r.Ratio != timing.MedianS()/r.MedianS {
				t.Errorf("torch_bench.py wrote %s", data)
			}
		})
	}
}
