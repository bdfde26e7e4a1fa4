package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Kind names a measurement that runs in a child process.
type Kind string

// The child measurements.
const (
	// KindCapture loads the model once (model.Load), warms up, then times
	// captures (Model.Run, the compiled graph reused) with the lesson's
	// request (lesson.Request).
	KindCapture Kind = "capture"
	// KindFloor loads the model and times the backend on exactly the forward
	// pass's matrix multiplications (see Floor), round by round beside
	// captures, with every matmul kernel of Job.Kernels (see kernels.go).
	KindFloor Kind = "matmul-floor"
	// KindNotebookCold is the notebook's capture cell on an empty tap cache:
	// model.RunCached with lesson.Request, which opens the model, runs it and
	// stores the taps.
	KindNotebookCold Kind = "notebook-cold"
	// KindNotebookWarm is a notebook analysis cell on a warm tap cache:
	// model.RunCached (a cache hit) then lesson.Analyze.
	KindNotebookWarm Kind = "notebook-warm"
)

// Job is one measurement, run by RunJob in a fresh process.
type Job struct {
	Kind     Kind   `json:"kind"`
	Model    string `json:"model"`     // checkpoint directory
	Text     string `json:"text"`      // the text, byte-exact
	Backend  string `json:"backend"`   // GoMLX backend ("" → GOMLX_BACKEND, else auto)
	Warmup   int    `json:"warmup"`    // untimed runs first (capture, floor)
	Repeat   int    `json:"repeat"`    // timed runs (capture, floor)
	CacheDir string `json:"cache_dir"` // tap cache (notebook jobs)
	// Matmul is the pure-Go backend's float32 matmul kernel for the whole
	// job (backend.MatmulStock, backend.MatmulSIMD; "" leaves the choice to
	// GPT2TAPS_MATMUL). Capture and notebook jobs.
	Matmul string `json:"matmul,omitempty"`
	// Kernels are the kernels a floor job alternates, round by round; empty
	// means every kernel available on the pure-Go backend (backend.MatmulKernels),
	// and the backend's own products on another backend.
	Kernels []string `json:"kernels,omitempty"`
	// CPUProfile, if set, is where a pprof CPU profile of the timed runs is
	// written.
	CPUProfile string `json:"cpu_profile,omitempty"`
}

// JobResult is what a child measured, as seen from inside the process.
type JobResult struct {
	Kind    Kind   `json:"kind"`
	Backend string `json:"backend"` // the backend that ran
	Tokens  int    `json:"tokens"`
	// LoadSeconds is the time starting the backend and model.Load took
	// (capture, floor).
	LoadSeconds float64 `json:"load_s,omitempty"`
	// LoadPeakRSS is the process's peak RSS right after loading, in bytes.
	LoadPeakRSS int64 `json:"load_peak_rss_bytes,omitempty"`
	// FirstSeconds is the first run, which also builds and compiles the graph.
	FirstSeconds float64 `json:"first_run_s,omitempty"`
	// Matmul and MatmulDescription are the pure-Go backend's float32 matmul
	// kernel that ran and its description (capture and notebook jobs; "" on
	// another backend).
	Matmul            string `json:"matmul,omitempty"`
	MatmulDescription string `json:"matmul_description,omitempty"`
	// Timing holds the timed runs (capture and notebook jobs).
	Timing Timing `json:"timing"`
	// CPU is the process's CPU time (user + system) during each timed run, s.
	CPU Timing `json:"cpu"`
	// Kernels holds, for the floor, the rounds of each kernel.
	Kernels []KernelRounds `json:"kernels,omitempty"`
	// PeakRSS is the process's peak RSS at the end (VmHWM), in bytes; the
	// parent also reads the kernel's maxrss of the whole process.
	PeakRSS int64 `json:"peak_rss_bytes"`
	// Computed says, for notebook jobs, whether the forward pass ran (a cold
	// cache) or the taps came from the cache.
	Computed bool `json:"computed"`
}

// RunJob runs job in this process and returns what it measured. Its
// matmul kernel (Job.Matmul) is set for the whole process, as
// backend.SetMatmul does.
func RunJob(ctx context.Context, job Job, log io.Writer) (*JobResult, error) {
	if log == nil {
		log = io.Discard
	}
	if job.Model == "" {
		return nil, errors.New("job: no model directory")
	}
	if job.Repeat < 0 || job.Warmup < 0 {
		return nil, fmt.Errorf("job: warm-up %d and repeat %d must not be negative", job.Warmup, job.Repeat)
	}
	restore, err := useMatmul(job.Matmul)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", job.Kind, err)
	}
	defer restore()
	prof := &profiler{path: job.CPUProfile}
	defer prof.stop()
	var res *JobResult
	switch job.Kind {
	case KindCapture:
		res, err = runCaptureJob(ctx, job, prof, log)
	case KindFloor:
		res, err = runFloorJob(ctx, job, prof, log)
	case KindNotebookCold, KindNotebookWarm:
		res, err = runNotebookJob(ctx, job, prof, log)
	default:
		return nil, fmt.Errorf("job: unknown kind %q (known: %s, %s, %s, %s)", job.Kind, KindCapture, KindFloor, KindNotebookCold, KindNotebookWarm)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", job.Kind, err)
	}
	res.Kind = job.Kind
	res.PeakRSS = PeakRSS()
	return res, nil
}

// ChildMain is the body of the child process: it reads a Job (JSON) from
// jobPath, runs it and writes the JobResult (JSON) to resultPath.
func ChildMain(ctx context.Context, jobPath, resultPath string, log io.Writer) error {
	data, err := os.ReadFile(jobPath)
	if err != nil {
		return fmt.Errorf("read job: %w", err)
	}
	var job Job
	if err := json.Unmarshal(data, &job); err != nil {
		return fmt.Errorf("read job %s: %w", jobPath, err)
	}
	res, err := RunJob(ctx, job, log)
	if err != nil {
		return err
	}
	out, err := json.Marshal(res)
	if err != nil {
		return err
	}
	if err := os.WriteFile(resultPath, out, 0o644); err != nil {
		return fmt.Errorf("write job result: %w", err)
	}
	return nil
}
