package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/internal/bench"
)

// benchChildEnv makes this test binary act as gpt2taps for the measurement
// processes that bench starts: they re-execute os.Executable(), which in a test
// is the test binary.
const benchChildEnv = "GPT2TAPS_BENCH_TEST_CHILD"

func init() {
	if os.Getenv(benchChildEnv) == "1" && len(os.Args) > 2 && os.Args[1] == "bench" && os.Args[2] == benchChildArg {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
}

// TestBenchSmoke runs the smoke benchmark (a tiny random checkpoint, every
// side, the PyTorch reference included) and checks that the JSON report has
// every field with a plausible value. Timings are not asserted.
func TestBenchSmoke(t *testing.T) {
	t.Setenv(benchChildEnv, "1")
	python := os.Getenv("GPT2TAPS_PYTHON")
	if python == "" {
		python = "/usr/bin/python3"
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "bench.json")
	code, stdout, stderr := runCLI(t, "bench", "--smoke", "--repeat", "2", "--warmup", "1", "--threads", "2",
		"--work", filepath.Join(dir, "work"), "--json", out, "--python", python, "--backend", "go")
	if code != 0 {
		t.Fatalf("bench --smoke: exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep bench.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("the JSON report does not parse: %v", err)
	}
	if rep.Machine.Cores < 1 || rep.Machine.Go == "" || rep.Machine.CPU == "" || rep.Seconds <= 0 {
		t.Errorf("machine %+v, duration %g: incomplete", rep.Machine, rep.Seconds)
	}
	if s := rep.Settings; s.Threads != 2 || s.Repeat != 2 || s.Warmup != 1 || s.Tokens != 341 || s.Python != python {
		t.Errorf("settings %+v, want 2 threads, 2 runs, 1 warm-up, the lesson's 341 tokens and the Python given", s)
	}
	if len(rep.Models) != 1 {
		t.Fatalf("%d models, want the smoke checkpoint only", len(rep.Models))
	}
	m := rep.Models[0]
	if m.Name != "smoke" || m.Layers != 2 || m.Width != 64 || m.Tokens != 341 || m.F32Bytes != 4*m.Params || m.GFLOP <= 0 {
		t.Errorf("model %s: %d layers, width %d, %d tokens, %d F32 bytes for %d params, %g GFLOP", m.Name, m.Layers, m.Width, m.Tokens, m.F32Bytes, m.Params, m.GFLOP)
	}
	timed := func(name string, s bench.Side, runs int) {
		t.Helper()
		if len(s.Timing.Runs) != runs || s.Timing.Median <= 0 || s.Timing.Min > s.Timing.Median || s.Timing.Median > s.Timing.Max {
			t.Errorf("%s: timing %+v, want %d positive runs", name, s.Timing, runs)
		}
		if s.PeakRSS < 1<<20 || s.PeakRSS > 8<<30 {
			t.Errorf("%s: peak RSS %d bytes is not plausible", name, s.PeakRSS)
		}
		if len(s.Process.Runs) == 0 || s.Process.Median < s.Timing.Min {
			t.Errorf("%s: process wall %+v, shorter than a run inside it", name, s.Process)
		}
	}
	timed("Go capture", m.Capture, 2)
	timed("matmul floor", m.Floor, 2)
	timed("notebook capture cell", m.NotebookCold, 1)
	timed("notebook analysis cell", m.NotebookWarm, 2)
	if m.Capture.Backend != "go" || m.Capture.LoadSeconds <= 0 || m.Capture.FirstSeconds <= 0 || len(m.Capture.CPU.Runs) != 2 {
		t.Errorf("Go capture: backend %q, load %gs, first run %gs, CPU %+v", m.Capture.Backend, m.Capture.LoadSeconds, m.Capture.FirstSeconds, m.Capture.CPU)
	}
	if m.Floor.Beside == nil || len(m.Floor.Beside.Runs) != 2 || m.Floor.RoundRatios == nil || m.Floor.RoundRatios.Median <= 0 {
		t.Errorf("matmul floor: captures beside it %+v, ratios %+v", m.Floor.Beside, m.Floor.RoundRatios)
	}
	if p := m.PyTorch; p == nil || p.Timing.Median <= 0 || p.Version == "" || p.Threads != 2 || p.PeakRSS < 1<<20 {
		t.Errorf("PyTorch side %+v: want a median, the torch version, 2 threads and a peak RSS", p)
	}
	r := m.Ratios
	if r.GoOverPyTorch <= 0 || r.CaptureOverFloor <= 0 || r.CaptureOverFloorCPU <= 0 || r.CaptureOverFloorSeparate <= 0 || r.PeakRSSOverF32 <= 0 || r.PyTorchRSSOverF32 <= 0 {
		t.Errorf("ratios %+v: all should be positive", r)
	}
	names := map[string]bool{}
	for _, tg := range m.Targets {
		names[tg.Name] = true
		if tg.Limit <= 0 || tg.Value <= 0 {
			t.Errorf("target %+v: no value or limit", tg)
		}
	}
	for _, want := range []string{bench.TargetPeakRSS, bench.TargetFloor, bench.TargetWarmCell, bench.TargetGoPyTorch} {
		if !names[want] {
			t.Errorf("no target %q in %+v", want, m.Targets)
		}
	}
	for _, want := range []string{"| | smoke |", "Go / PyTorch", "capture / floor", "analysis cell, warm cache"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the printed table lacks %q:\n%s", want, stdout)
		}
	}
}

func TestBenchUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--repeat", "x"}, "invalid value"},
		{[]string{"bench", benchChildArg}, "job file"},
		{[]string{"bench", "--smoke", "--python", "none", "--repeat", "0", "--work", "unused"}, "repeat"},
		{[]string{"bench", "--preset", "gpt3", "--python", "none", "--work", "unused"}, "unknown GPT-2 preset"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			dir := t.TempDir()
			for i, a := range tc.args {
				if a == "unused" {
					tc.args[i] = filepath.Join(dir, "work")
				}
			}
			code, _, stderr := runCLI(t, tc.args...)
			if code == 0 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q: want a failure mentioning %q", code, stderr, tc.want)
			}
		})
	}
}
