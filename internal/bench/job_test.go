package bench

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunJob(t *testing.T) {
	dir := smokeCheckpoint(t)
	cache := t.TempDir()
	prof := filepath.Join(t.TempDir(), "cpu.pprof")
	for _, tc := range []struct {
		job    Job
		runs   int
		beside bool
	}{
		{Job{Kind: KindCapture, Warmup: 1, Repeat: 2, CPUProfile: prof}, 2, false},
		{Job{Kind: KindFloor, Warmup: 0, Repeat: 3}, 3, true},
		{Job{Kind: KindNotebookCold, CacheDir: cache}, 1, false},
		{Job{Kind: KindNotebookWarm, CacheDir: cache}, 1, false}, // after the cold one: the cache is warm
	} {
		t.Run(string(tc.job.Kind), func(t *testing.T) {
			job := tc.job
			job.Model, job.Text, job.Backend = dir, testText, "go"
			res, err := RunJob(context.Background(), job, nil)
			if err != nil {
				t.Fatal(err)
			}
			// The notebook reports the lesson's description of the backend ("go: pure Go …").
			if res.Kind != job.Kind || !strings.HasPrefix(res.Backend, "go") || res.Tokens < 5 || res.PeakRSS <= 0 && PeakRSS() > 0 {
				t.Errorf("result %+v: wrong kind, backend, tokens or peak RSS", res)
			}
			if len(res.Timing.Runs) != tc.runs || res.Timing.Median <= 0 || res.FirstSeconds <= 0 {
				t.Errorf("timing %+v, first %g: want %d positive runs", res.Timing, res.FirstSeconds, tc.runs)
			}
			if (res.Beside != nil) != tc.beside {
				t.Errorf("captures beside the floor: %v, want %v", res.Beside, tc.beside)
			}
			if tc.beside && (len(res.Beside.Runs) != tc.runs || len(res.RoundRatios.Runs) != tc.runs || res.RoundRatios.Median <= 0) {
				t.Errorf("beside %+v, ratios %+v: want %d rounds", res.Beside, res.RoundRatios, tc.runs)
			}
			switch job.Kind {
			case KindCapture, KindFloor:
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
