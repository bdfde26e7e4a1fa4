package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/modelclient"
	"github.com/gpt2taps/gpt2taps/tools/bench"
)

// benchChildArg is the hidden first argument with which bench re-executes
// itself to run one measurement in a fresh process: bench __child JOB RESULT.
const benchChildArg = "__child"

// runBench times capture against the PyTorch reference, the matmul floor and
// the notebook path, each in its own process, with every matmul kernel of the
// pure-Go backend side by side, and prints a Markdown table.
func runBench(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == benchChildArg {
		if len(args) != 3 {
			return usageError{"bench " + benchChildArg + " needs a job file and a result file"}
		}
		return bench.ChildMain(context.Background(), args[1], args[2], stderr)
	}
	fs := newFlags("bench", stderr)
	presets := fs.String("preset", "gpt2-large,gpt2", "GPT-2 presets to measure on random checkpoints of their shape, generated in --work (seeded, reused)")
	models := fs.String("model", "", "comma-separated checkpoint directories to measure (instead of the presets unless --preset is given)")
	smoke := fs.Bool("smoke", false, "measure a tiny random checkpoint only (seconds; what CI runs)")
	repeat := fs.Int("repeat", 3, "timed runs of each side (and warm analysis cells), reported as median [min–max]")
	warmup := fs.Int("warmup", 1, "untimed runs before the timed ones (the PyTorch reference always does 1)")
	threads := fs.Int("threads", runtime.NumCPU(), "threads for both sides: GOMAXPROCS of the Go processes, torch.set_num_threads")
	textFile := fs.String("text-file", "", "text to run on (default: the lesson's text, 341 tokens)")
	work := fs.String("work", filepath.Join(os.TempDir(), "gpt2taps-bench"), "directory for the generated checkpoints (gpt2-large: 3.1 GB) and scratch files")
	jsonOut := fs.String("json", "", "also write the full report as JSON to this file")
	python := fs.String("python", defaultPython(), "Python with PyTorch that runs reference/gpt2_reference.py; none skips the PyTorch side")
	reference := fs.String("reference", "", "path of reference/gpt2_reference.py (default: found from the current directory upwards)")
	backendName := fs.String("backend", "", "GoMLX backend of the Go side: go, xla:cpu, xla:cuda, auto (default $GOMLX_BACKEND, else auto)")
	kernels := fs.String("kernels", "", "comma-separated float32 matmul kernels of the pure-Go backend to measure side by side: "+
		strings.Join(backend.MatmulKernels(), ", ")+" in this build (default: all of them)")
	seed := fs.Int64("seed", 1, "seed of the generated checkpoints")
	cpuProfile := fs.String("cpuprofile", "", "directory for pprof CPU profiles of the Go processes' timed runs")
	notebookLoop := fs.Bool("notebook", false, "also run the notebook loop: Run All of notebook 01 in Jupyter with GoNB, twice, each with a new text, "+
		"next to the PyTorch reference on the same text (needs Jupyter and GoNB: scripts/install.sh)")
	notebookOnly := fs.Bool("notebook-only", false, "run the notebook loop and its PyTorch reference only (implies --notebook)")
	notebookFile := fs.String("notebook-file", "", "the notebook the loop runs (default: "+bench.DefaultLoopNotebook+", found from the current directory upwards)")
	if err := parse(fs, args); err != nil {
		return err
	}
	presetSet := false
	fs.Visit(func(f *flag.Flag) { presetSet = presetSet || f.Name == "preset" })

	o := bench.Options{
		Models: splitList(*models), Smoke: *smoke, Warmup: *warmup, Repeat: *repeat, Threads: *threads,
		Backend: *backendName, Kernels: splitList(*kernels), WorkDir: *work, Seed: *seed, Python: *python, Reference: *reference,
		CPUProfileDir: *cpuProfile, Log: stderr,
		NotebookLoop: *notebookLoop || *notebookOnly, NotebookOnly: *notebookOnly, Notebook: *notebookFile,
	}
	if presetSet || (!*smoke && len(o.Models) == 0) {
		o.Presets = splitList(*presets)
	}
	if *textFile != "" {
		data, err := os.ReadFile(*textFile)
		if err != nil {
			return fmt.Errorf("read text file: %w", err)
		}
		o.Text = string(data)
	}
	if o.Python != bench.NoPython && o.Reference == "" {
		ref, err := findReference()
		if err != nil {
			return err
		}
		o.Reference = ref
	}
	if o.NotebookLoop {
		if o.Notebook == "" {
			nbPath, err := findUp(bench.DefaultLoopNotebook, "--notebook-file PATH")
			if err != nil {
				return err
			}
			o.Notebook = nbPath
		}
		o.StopServers = stopModelServers
		o.BuildServer = buildModelServer
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("cannot find this program to run the measurement processes: %w", err)
	}
	o.Self = []string{exe, "bench", benchChildArg}
	if o.CPUProfileDir != "" {
		if err := os.MkdirAll(o.CPUProfileDir, 0o755); err != nil {
			return err
		}
	}

	// Interrupted (Ctrl-C, SIGTERM), Run stops the measurement process
	// running, removes its scratch files and returns.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := bench.Run(ctx, o)
	if err != nil {
		return err
	}
	if *jsonOut != "" {
		data, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, append(data, '\n'), 0o644); err != nil {
			return fmt.Errorf("write the JSON report: %w", err)
		}
	}
	return bench.Markdown(stdout, rep)
}

// defaultPython is Debian's python3, which has PyTorch, when present.
func defaultPython() string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}

// stopModelServers asks the model servers whose sockets lie under
// runtimeDir (modelclient.PrivateDir with XDG_RUNTIME_DIR=runtimeDir) to exit:
// the notebook loop's cells started them.
func stopModelServers(runtimeDir string) error {
	socks, err := filepath.Glob(filepath.Join(runtimeDir, "gpt2taps", "model-*.sock"))
	if err != nil {
		return err
	}
	var errs []error
	for _, sock := range socks {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := modelclient.Ask(ctx, sock, modelclient.Request{V: modelclient.Version, Op: modelclient.OpStop})
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", filepath.Base(sock), err))
		}
	}
	return errors.Join(errs...)
}

// findUp looks for rel in the current directory and its parents; the error
// names the flag that gives the path.
func findUp(rel, flagHint string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", usageError{"cannot find " + rel + " from the current directory: run in the repository, or give " + flagHint}
		}
		dir = parent
	}
}

// findReference looks for reference/gpt2_reference.py in the current
// directory and its parents.
func findReference() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "reference", "gpt2_reference.py")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", usageError{"cannot find reference/gpt2_reference.py from the current directory: run in the repository, give --reference PATH, or skip the PyTorch side with --python none"}
		}
		dir = parent
	}
}

// buildModelServer builds the model server's binary as the notebook's cells
// do (modelclient.BuiltBinary, in their environment: without the cells'
// CGO_ENABLED, which nbrun drops for the server's build).
func buildModelServer(log io.Writer) error {
	os.Unsetenv("CGO_ENABLED")
	_, err := modelclient.BuiltBinary(log)
	return err
}
