package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
)

func TestRunJob(t *testing.T) {
	dir := smokeCheckpoint(t)
	cache := t.TempDir()
	prof := filepath.Join(t.TempDir(), "cpu.pprof")
	kernels := backend.MatmulKernels()
	prev := backend.Matmul()
	t.Cleanup(func() { _ = backend.SetMatmul(prev) })
	for _, tc := range []struct {
		name    string
		job     Job
		runs    int
		kernels []string // a floor job's kernels
	}{
		{"capture", Job{Kind: KindCapture, Warmup: 1, Repeat: 2, CPUProfile: prof}, 2, nil},
		{"capture stock", Job{Kind: KindCapture, Repeat: 1, Matmul: stock}, 1, nil},
		{"floor every kernel", Job{Kind: KindFloor, Warmup: 0, Repeat: 3}, 3, kernels},
		{"floor stock", Job{Kind: KindFloor, Warmup: 1, Repeat: 1, Kernels: []string{stock}}, 1, []string{stock}},
		{"notebook cold", Job{Kind: KindNotebookCold, CacheDir: cache, Matmul: stock}, 1, nil},
		{"notebook warm", Job{Kind: KindNotebookWarm, CacheDir: cache}, 1, nil}, // after the cold one: the cache is warm
	} {
		t.Run(tc.name, func(t *testing.T) {
			job := tc.job
			job.Model, job.Text, job.Backend = dir, testText, "go"
			before := backend.Matmul()
			res, err := RunJob(context.Background(), job, nil)
			if err != nil {
				t.Fatal(err)
			}
			// The notebook reports the lesson's description of the backend ("go: pure Go …").
			if res.Kind != job.Kind || !strings.HasPrefix(res.Backend, "go") || res.Tokens < 5 || res.PeakRSS <= 0 && PeakRSS() > 0 {
				t.Errorf("result %+v: wrong kind, backend, tokens or peak RSS", res)
			}
			if job.Kind == KindFloor {
				if got := backend.Matmul(); got != before {
					t.Errorf("the floor job left the %s kernel on, want %s as before", got, before)
				}
				checkKernelRounds(t, res, tc.kernels, tc.runs)
				return
			}
			if len(res.Timing.Runs) != tc.runs || res.Timing.Median <= 0 || res.FirstSeconds <= 0 {
				t.Errorf("timing %+v, first %g: want %d positive runs", res.Timing, res.FirstSeconds, tc.runs)
			}
			if len(res.Kernels) != 0 {
				t.Errorf("a %s job reported kernel rounds %+v", job.Kind, res.Kernels)
			}
			if want := cmp.Or(job.Matmul, before); res.Matmul != want || res.MatmulDescription == "" {
				t.Errorf("ran the %q kernel (%s), want %q", res.Matmul, res.MatmulDescription, want)
			}
			switch job.Kind {
			case KindCapture:
				if res.LoadSeconds <= 0 || len(res.CPU.Runs) != tc.runs {
					t.Errorf("load %gs, CPU %+v: want the load time and a CPU time per run", res.LoadSeconds, res.CPU)
				}
			case KindNotebookCold:
				if !res.Computed {
					t.Error("the cold notebook cell did not compute the taps")
				}
			case KindNotebookWarm:
				if res.Computed {
					t.Error("the warm notebook cell computed the taps again")
				}
			}
		})
	}
	if info, err := os.Stat(prof); err != nil || info.Size() == 0 {
		t.Errorf("no CPU profile written: %v", err)
	}
}

// checkKernelRounds checks a floor job's rounds: the kernels asked for, each
// with runs timed rounds of the floor and of the capture beside it.
func checkKernelRounds(t *testing.T, res *JobResult, kernels []string, runs int) {
	t.Helper()
	if res.LoadSeconds <= 0 || len(res.Timing.Runs) != 0 {
		t.Errorf("load %gs, timing %+v: want the load time, and the timings by kernel", res.LoadSeconds, res.Timing)
	}
	if len(res.Kernels) != len(kernels) {
		t.Fatalf("kernel rounds %+v, want the kernels %v", res.Kernels, kernels)
	}
	for i, k := range res.Kernels {
		if k.Kernel != kernels[i] || k.Description == "" || k.FloorFirst <= 0 {
			t.Errorf("kernel %d: %q (%s), first floor %gs; want %q described, and a first floor run", i, k.Kernel, k.Description, k.FloorFirst, kernels[i])
		}
		for name, tm := range map[string]Timing{"floor": k.Floor, "floor CPU": k.FloorCPU, "capture": k.Capture, "capture CPU": k.CaptureCPU, "capture/floor": k.RoundRatios} {
			if len(tm.Runs) != runs || tm.Median <= 0 {
				t.Errorf("kernel %s, %s: %+v, want %d positive rounds", k.Kernel, name, tm, runs)
			}
		}
	}
}

func TestRunJobErrors(t *testing.T) {
	dir := smokeCheckpoint(t)
	for _, tc := range []struct {
		name string
		job  Job
		want string
	}{
		{"unknown kind", Job{Kind: "nap", Model: dir, Text: testText}, "unknown kind"},
		{"no model", Job{Kind: KindCapture, Text: testText}, "no model"},
		{"negative repeat", Job{Kind: KindCapture, Model: dir, Text: testText, Repeat: -1}, "negative"},
		{"empty text", Job{Kind: KindCapture, Model: dir, Backend: "go", Repeat: 1}, "no tokens"},
		{"text too long", Job{Kind: KindCapture, Model: dir, Backend: "go", Repeat: 1, Text: strings.Repeat(" x", 600)}, "n_positions"},
		{"warm cell on a cold cache", Job{Kind: KindNotebookWarm, Model: dir, Backend: "go", Text: testText, CacheDir: t.TempDir()}, "not warm"},
		{"notebook without cache", Job{Kind: KindNotebookCold, Model: dir, Backend: "go", Text: testText}, "cache"},
		{"unknown kernel", Job{Kind: KindCapture, Model: dir, Backend: "go", Text: testText, Repeat: 1, Matmul: "fast"}, "unknown matmul kernel"},
		{"unknown floor kernel", Job{Kind: KindFloor, Model: dir, Backend: "go", Text: testText, Repeat: 1, Kernels: []string{stock, "fast"}}, "unknown matmul kernel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := RunJob(context.Background(), tc.job, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestChildMain(t *testing.T) {
	dir := smokeCheckpoint(t)
	tmp := t.TempDir()
	jobPath, resultPath := filepath.Join(tmp, "job.json"), filepath.Join(tmp, "result.json")
	data, _ := json.Marshal(Job{Kind: KindCapture, Model: dir, Text: testText, Backend: "go", Repeat: 1})
	if err := os.WriteFile(jobPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ChildMain(context.Background(), jobPath, resultPath, nil); err != nil {
		t.Fatal(err)
	}
	var res JobResult
	out, err := os.ReadFile(resultPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &res); err != nil || res.Kind != KindCapture || len(res.Timing.Runs) != 1 {
		t.Errorf("result %s (%v): want one capture run", out, err)
	}
	if err := ChildMain(context.Background(), filepath.Join(tmp, "absent.json"), resultPath, nil); err == nil {
		t.Error("a missing job file was accepted")
	}
}
