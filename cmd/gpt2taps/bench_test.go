package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/tools/bench"
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
	rep := readReport(t, out)
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
	// Every kernel built in, side by side: the stock one first.
	kernels := backend.MatmulKernels()
	if !slices.Equal(rep.Settings.Kernels, kernels) || (rep.Settings.KernelNote == "") != slices.Contains(kernels, backend.MatmulSIMD) {
		t.Errorf("settings: kernels %v (%q), want every kernel built in, %v, and a note exactly when the SIMD one is missing", rep.Settings.Kernels, rep.Settings.KernelNote, kernels)
	}
	if len(m.Kernels) != len(kernels) {
		t.Fatalf("%d kernels measured, want %v", len(m.Kernels), kernels)
	}
	for i, k := range m.Kernels {
		if k.Kernel != kernels[i] || k.Description == "" {
			t.Errorf("kernel %d: %q (%q), want %q described", i, k.Kernel, k.Description, kernels[i])
		}
		timed(k.Kernel+": Go capture", k.Capture, 2)
		timed(k.Kernel+": matmul floor", k.Floor, 2)
		c := k.Capture
		if c.Backend != "go" || c.LoadSeconds <= 0 || c.FirstSeconds <= 0 || len(c.CPU.Runs) != 2 {
			t.Errorf("%s: Go capture: backend %q, load %gs, first run %gs, CPU %+v", k.Kernel, c.Backend, c.LoadSeconds, c.FirstSeconds, c.CPU)
		}
		f := k.Floor
		if f.Beside == nil || len(f.Beside.Runs) != 2 || f.BesideCPU == nil || f.RoundRatios == nil || f.RoundRatios.Median <= 0 || k.FloorGFLOPS <= 0 {
			t.Errorf("%s: matmul floor: captures beside it %+v, ratios %+v, %g GFLOP/s", k.Kernel, f.Beside, f.RoundRatios, k.FloorGFLOPS)
		}
		r := k.Ratios
		if r.GoOverPyTorch <= 0 || r.CaptureOverFloor <= 0 || r.CaptureOverFloorCPU <= 0 || r.CaptureOverFloorSeparate <= 0 || r.PeakRSSOverF32 <= 0 {
			t.Errorf("%s: ratios %+v: all should be positive", k.Kernel, r)
		}
	}
	if m.NotebookLoop != nil || strings.Contains(stdout, "notebook loop") {
		t.Error("the notebook loop ran without --notebook: it is off by default")
	}
	timed("notebook capture cell", m.NotebookCold, 1)
	timed("notebook analysis cell", m.NotebookWarm, 2)
	if m.NotebookKernel != kernels[len(kernels)-1] {
		t.Errorf("the notebook ran with the %q kernel, want %q", m.NotebookKernel, kernels[len(kernels)-1])
	}
	if p := m.PyTorch; p == nil || p.Timing.Median <= 0 || p.Version == "" || p.Threads != 2 || p.PeakRSS < 1<<20 {
		t.Errorf("PyTorch side %+v: want a median, the torch version, 2 threads and a peak RSS", p)
	}
	both := len(kernels) == 2
	if m.Ratios.PyTorchRSSOverF32 <= 0 || (m.Ratios.FloorSIMDOverStock > 0) != both || (m.Ratios.CaptureStockOverSIMD > 0) != both {
		t.Errorf("ratios %+v: want PyTorch's RSS, and the kernels' ratios exactly when both ran", m.Ratios)
	}
	names := map[string]bool{}
	for _, tg := range m.Targets {
		names[tg.Name+" "+tg.Kernel] = true
		if tg.Limit <= 0 || tg.Value <= 0 {
			t.Errorf("target %+v: no value or limit", tg)
		}
	}
	wantTargets := []string{bench.TargetWarmCell + " " + m.NotebookKernel}
	for _, k := range kernels {
		wantTargets = append(wantTargets, bench.TargetPeakRSS+" "+k, bench.TargetFloor+" "+k, bench.TargetGoPyTorch+" "+k)
	}
	if both {
		wantTargets = append(wantTargets, bench.TargetFloorSpeedup+" simd", bench.TargetCaptureSpeedup+" simd")
	}
	for _, want := range wantTargets {
		if !names[want] {
			t.Errorf("no target %q in %+v", want, m.Targets)
		}
	}
	if len(m.Targets) != len(wantTargets) {
		t.Errorf("%d targets, want %d: %+v", len(m.Targets), len(wantTargets), m.Targets)
	}
	wantTable := []string{"| | smoke |", "Go / PyTorch", "capture / floor", "analysis cell, warm cache", "| **stock kernel: GoMLX simplego's own** |"}
	if both {
		wantTable = append(wantTable, "| **SIMD kernel: gpt2taps SIMD GEMM", "matmul floor GFLOP/s, SIMD / stock")
	} else {
		wantTable = append(wantTable, "the SIMD kernel is not measured: ")
	}
	for _, want := range wantTable {
		if !strings.Contains(stdout, want) {
			t.Errorf("the printed table lacks %q:\n%s", want, stdout)
		}
	}
}

// TestBenchSmokeOneKernel chooses the stock kernel alone: no other kernel
// runs, the notebook path included.
func TestBenchSmokeOneKernel(t *testing.T) {
	t.Setenv(benchChildEnv, "1")
	dir := t.TempDir()
	out := filepath.Join(dir, "bench.json")
	code, stdout, stderr := runCLI(t, "bench", "--smoke", "--kernels", "stock", "--repeat", "1", "--warmup", "0", "--threads", "2",
		"--work", filepath.Join(dir, "work"), "--json", out, "--python", "none", "--backend", "go")
	if code != 0 {
		t.Fatalf("bench --smoke --kernels stock: exit %d: %s", code, stderr)
	}
	rep := readReport(t, out)
	m := rep.Models[0]
	if !slices.Equal(rep.Settings.Kernels, []string{"stock"}) || len(m.Kernels) != 1 || m.Kernels[0].Kernel != "stock" || m.NotebookKernel != "stock" {
		t.Errorf("kernels %v, measured %+v, notebook %q: want the stock kernel alone", rep.Settings.Kernels, m.Kernels, m.NotebookKernel)
	}
	if strings.Contains(stderr, "simd kernel") || strings.Contains(stdout, "SIMD") {
		t.Errorf("the SIMD kernel ran or is reported:\n%s\n%s", stderr, stdout)
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
		{[]string{"bench", "--smoke", "--python", "none", "--kernels", "stock,fast", "--work", "unused"}, `unknown matmul kernel "fast"`},
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
			if _, err := os.Stat(filepath.Join(dir, "work")); err == nil {
				t.Error("the failed run left a work directory behind")
			}
		})
	}
}

// TestBenchNotebookWithoutJupyter asks for the notebook loop where Jupyter
// cannot be found: one line saying what is missing and how to install it,
// before anything is measured or written.
func TestBenchNotebookWithoutJupyter(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, flag := range []string{"--notebook", "--notebook-only"} {
		t.Run(flag, func(t *testing.T) {
			work := filepath.Join(t.TempDir(), "work")
			code, stdout, stderr := runCLI(t, "bench", "--smoke", flag, "--python", "none", "--work", work)
			if code != 1 || !strings.Contains(stderr, "the notebook loop needs Jupyter with the GoNB kernel: jupyter is not installed") ||
				!strings.Contains(stderr, "scripts/install.sh") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q: want one line saying Jupyter is missing and how to install it", code, stdout, stderr)
			}
			if _, err := os.Stat(work); err == nil {
				t.Error("the failed run left a work directory behind")
			}
		})
	}
}

// TestBenchNotebookFile names a notebook that does not exist: one error
// naming it.
func TestBenchNotebookFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.ipynb")
	code, _, stderr := runCLI(t, "bench", "--smoke", "--notebook-only", "--notebook-file", missing, "--python", "none", "--work", filepath.Join(t.TempDir(), "work"))
	if code != 1 || !strings.Contains(stderr, missing) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("exit %d, stderr %q: want one line naming %s", code, stderr, missing)
	}
}

// TestBenchWithoutSIMD asks for the SIMD kernel: in a binary built without
// it (GOEXPERIMENT=nosimd), one error that says why and what to do.
func TestBenchWithoutSIMD(t *testing.T) {
	if slices.Contains(backend.MatmulKernels(), backend.MatmulSIMD) {
		t.Skip("this binary has the SIMD kernel; scripts/build-variants.sh runs this test without it")
	}
	code, _, stderr := runCLI(t, "bench", "--smoke", "--python", "none", "--kernels", "simd", "--work", filepath.Join(t.TempDir(), "work"))
	if code != 1 || !strings.Contains(stderr, `"simd" is not available`) || !strings.Contains(stderr, "GOEXPERIMENT=simd") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("exit %d, stderr %q: want one line saying the SIMD kernel is not built in", code, stderr)
	}
}

// readReport reads the JSON report a bench run wrote.
func readReport(t *testing.T, path string) bench.Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep bench.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("the JSON report does not parse: %v", err)
	}
	return rep
}
