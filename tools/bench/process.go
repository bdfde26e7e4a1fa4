package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// process is what the parent sees of a finished child process.
type process struct {
	wall    time.Duration // start to exit
	peakRSS int64         // the kernel's maxrss, bytes
}

// runProcess runs argv with env added to this process's environment and
// returns its wall time and peak RSS. Standard error goes to log; the last
// line of it is quoted in the error if the process fails.
func runProcess(ctx context.Context, argv, env []string, stdout, log io.Writer) (process, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = stdout
	tail := &lastLine{}
	cmd.Stderr = io.MultiWriter(log, tail)
	start := time.Now()
	err := cmd.Run()
	p := process{wall: time.Since(start), peakRSS: maxRSS(cmd.ProcessState)}
	if err != nil {
		if msg := tail.String(); msg != "" {
			return p, fmt.Errorf("%s: %w: %s", filepath.Base(argv[0]), err, msg)
		}
		return p, fmt.Errorf("%s: %w", filepath.Base(argv[0]), err)
	}
	return p, nil
}

// lastLine keeps the last non-empty line written to it.
type lastLine struct {
	buf  []byte
	last string
}

func (l *lastLine) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		if s := strings.TrimSpace(string(l.buf[:i])); s != "" {
			l.last = s
		}
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

func (l *lastLine) String() string {
	if s := strings.TrimSpace(string(l.buf)); s != "" {
		return s
	}
	return l.last
}

// runGoJob runs job in a child process started with self (plus the job and
// result file paths) and GOMAXPROCS=threads.
func runGoJob(ctx context.Context, self []string, tmp string, threads int, job Job, log io.Writer) (*JobResult, process, error) {
	if len(self) == 0 {
		return nil, process{}, fmt.Errorf("no command to start a measurement child with")
	}
	data, err := json.Marshal(job)
	if err != nil {
		return nil, process{}, err
	}
	f, err := os.CreateTemp(tmp, "job-*.json")
	if err != nil {
		return nil, process{}, err
	}
	jobPath := f.Name()
	defer os.Remove(jobPath)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, process{}, err
	}
	if err := f.Close(); err != nil {
		return nil, process{}, err
	}
	resultPath := strings.TrimSuffix(jobPath, ".json") + ".result.json"
	defer os.Remove(resultPath)
	argv := append(slices.Clone(self), jobPath, resultPath)
	p, err := runProcess(ctx, argv, []string{"GOMAXPROCS=" + strconv.Itoa(threads)}, log, log)
	if err != nil {
		return nil, p, fmt.Errorf("%s child: %w", job.Kind, err)
	}
	out, err := os.ReadFile(resultPath)
	if err != nil {
		return nil, p, fmt.Errorf("%s child wrote no result: %w", job.Kind, err)
	}
	var res JobResult
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, p, fmt.Errorf("%s child result: %w", job.Kind, err)
	}
	return &res, p, nil
}

// referenceBench is what reference/gpt2_reference.py --bench prints.
type referenceBench struct {
	Median  float64 `json:"median_s"`
	Min     float64 `json:"min_s"`
	Max     float64 `json:"max_s"`
	Repeat  int     `json:"repeat"`
	Threads int     `json:"threads"`
	Tokens  int     `json:"tokens"`
	NLayer  int     `json:"n_layer"`
	Torch   string  `json:"torch"`
}

// runReference runs the PyTorch reference's benchmark mode on the ids in
// idsPath (one warm-up forward pass, then repeat timed ones) with threads
// threads, in a child process.
func runReference(ctx context.Context, python, script, model, idsPath string, repeat, threads int, log io.Writer) (*referenceBench, process, error) {
	argv := []string{python, script, "--bench", "--model", model, "--ids-file", idsPath,
		"--repeat", strconv.Itoa(repeat), "--threads", strconv.Itoa(threads)}
	t := strconv.Itoa(threads)
	env := []string{"OMP_NUM_THREADS=" + t, "MKL_NUM_THREADS=" + t, "OPENBLAS_NUM_THREADS=" + t}
	var stdout bytes.Buffer
	p, err := runProcess(ctx, argv, env, &stdout, log)
	if err != nil {
		return nil, p, fmt.Errorf("PyTorch reference: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var res referenceBench
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		return nil, p, fmt.Errorf("PyTorch reference printed %q, not its --bench JSON: %w", lines[len(lines)-1], err)
	}
	if res.Median <= 0 || res.Repeat != repeat {
		return nil, p, fmt.Errorf("PyTorch reference reported median %gs over %d runs, want %d runs", res.Median, res.Repeat, repeat)
	}
	return &res, p, nil
}
