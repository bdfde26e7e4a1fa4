package nbtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gpt2taps/gpt2taps/internal/goexp"
)

// DefaultKernel is the kernel Execute uses when Options.KernelName is empty.
const DefaultKernel = "gonb"

// DefaultCellTimeout is the per-cell limit Execute uses when Options.Timeout is zero.
const DefaultCellTimeout = 10 * time.Minute

// Options tune Execute.
type Options struct {
	// Env holds extra "NAME=value" entries for nbconvert and so the kernel and
	// the cells' programs, added to (and overriding) the process's environment.
	// GOEXPERIMENT gets simd added unless it names simd or nosimd already
	// (goexp.WithSIMD): GoNB builds the cells with it.
	Env []string
	// Timeout is the limit for each cell (nbconvert's ExecutePreprocessor.timeout,
	// whole seconds); zero means DefaultCellTimeout. The context bounds the whole run.
	Timeout time.Duration
	// KernelName is the Jupyter kernel to run the notebook with, whatever its
	// metadata says; empty means DefaultKernel.
	KernelName string
	// WorkDir is the folder where nbconvert runs and writes the executed
	// notebook; empty means a new temporary folder, left for the caller to
	// remove (tests pass t.TempDir()). The kernel itself starts in the
	// notebook's own folder, which GoNB exports as $GONB_DIR.
	WorkDir string
}

// Execute runs every cell of the notebook file with `jupyter nbconvert --to
// notebook --execute`, and returns the executed notebook. Cells go on running
// after one fails (--allow-errors): look at Result.Problems for what failed.
// The error is for a run that could not be made or finished: Jupyter or the
// kernel missing (see Available), a cell over its time limit, the context
// done. Cancelling ctx kills nbconvert, the kernel and the cell's program.
func Execute(ctx context.Context, notebook string, opts Options) (*Result, error) {
	if filepath.Ext(notebook) != ".ipynb" {
		return nil, fmt.Errorf("execute %s: not a notebook: the name must end in .ipynb", notebook)
	}
	abs, err := filepath.Abs(notebook)
	if err != nil {
		return nil, fmt.Errorf("execute %s: %w", notebook, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("execute notebook: %w", err)
	}
	kernel := opts.KernelName
	if kernel == "" {
		kernel = DefaultKernel
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultCellTimeout
	}
	seconds := max(1, int((timeout+time.Second-1)/time.Second))
	env := goexp.WithSIMD(append(os.Environ(), opts.Env...))
	jupyter, err := available(ctx, kernel, env)
	if err != nil {
		return nil, fmt.Errorf("execute %s: %w", notebook, err)
	}
	workDir := opts.WorkDir
	if workDir == "" {
		if workDir, err = os.MkdirTemp("", "nbtest-"); err != nil {
			return nil, fmt.Errorf("execute %s: %w", notebook, err)
		}
	}
	output := strings.TrimSuffix(filepath.Base(abs), ".ipynb") + ".executed"
	cmd := command(ctx, env, jupyter, "nbconvert",
		"--to", "notebook", "--execute", "--allow-errors",
		"--ExecutePreprocessor.kernel_name="+kernel,
		"--ExecutePreprocessor.timeout="+strconv.Itoa(seconds),
		"--ExecutePreprocessor.record_timing=True",
		"--output-dir", workDir, "--output", output, abs)
	cmd.Dir = workDir
	killProcessGroupOnCancel(cmd)
	log := &tailBuffer{max: 16 << 10}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		}
		return nil, fmt.Errorf("execute %s: jupyter nbconvert: %w; its log ends:\n%s", notebook, err, lastLines(log.Bytes(), 30))
	}
	return Read(filepath.Join(workDir, output+".ipynb"))
}

// tailBuffer is an io.Writer that keeps the last max bytes written to it:
// nbconvert's log, with the kernel's, can be long.
type tailBuffer struct {
	max int
	buf []byte
}

// Write appends p, dropping the oldest bytes beyond the limit.
func (b *tailBuffer) Write(p []byte) (int, error) {
	b.buf = append(b.buf, p...)
	if extra := len(b.buf) - b.max; extra > 0 {
		b.buf = append(b.buf[:0], b.buf[extra:]...)
	}
	return len(p), nil
}

// Bytes returns what the buffer holds.
func (b *tailBuffer) Bytes() []byte { return b.buf }
