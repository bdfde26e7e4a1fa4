package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gpt2taps/gpt2taps/internal/atomicfile"
	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/tools/nbtest"
)

// runNotebooks executes the lesson notebooks headless with the chosen model and
// writes the executed copies, checking every cell's output for failures that
// nbconvert does not report for GoNB (panics, non-zero exits).
func runNotebooks(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("notebooks", stderr)
	var mf modelFlags
	mf.register(fs)
	dir := fs.String("notebooks", "notebooks", "folder holding the .ipynb files")
	out := fs.String("out", "", "output folder for the executed notebooks")
	textFile := fs.String("text-file", "", "replace the notebooks' text with this file's (GPT2TAPS_TEXT_FILE)")
	cacheDir := fs.String("cache", "", "tap cache directory (GPT2TAPS_CACHE)")
	timeout := fs.Duration("cell-timeout", 30*time.Minute, "limit for one cell")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"no output: give --out DIR"}
	}
	if mf.model == "" {
		mf.model = lesson.DefaultModel
	}
	books, err := filepath.Glob(filepath.Join(*dir, "*.ipynb"))
	if err != nil || len(books) == 0 {
		return fmt.Errorf("no notebooks in %s: run from the repository root or pass --notebooks DIR", *dir)
	}
	sort.Strings(books)
	if err := nbtest.Available(); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	vars := []string{env.Model + "=" + absIfPath(mf.model)}
	if mf.backend != "" {
		vars = append(vars, "GOMLX_BACKEND="+mf.backend)
	}
	if *textFile != "" {
		vars = append(vars, env.TextFile+"="+absIfPath(*textFile))
	}
	if *cacheDir != "" {
		vars = append(vars, env.Cache+"="+absIfPath(*cacheDir))
	}
	if mf.offline {
		vars = append(vars, "HF_HUB_OFFLINE=1")
	}
	var failed []string
	for _, nb := range books {
		start := time.Now()
		work, err := os.MkdirTemp("", "gpt2taps-notebook-")
		if err != nil {
			return err
		}
		res, err := nbtest.Execute(context.Background(), nb, nbtest.Options{Env: vars, WorkDir: work, Timeout: *timeout})
		if err != nil {
			os.RemoveAll(work)
			return err
		}
		dst := filepath.Join(*out, filepath.Base(nb))
		data, err := os.ReadFile(res.Path)
		if err == nil {
			err = atomicfile.WriteFile(dst, data, 0o644)
		}
		os.RemoveAll(work)
		if err != nil {
			return fmt.Errorf("save the executed %s: %w", filepath.Base(nb), err)
		}
		problems := res.Problems()
		status := "ok"
		if len(problems) > 0 {
			status = fmt.Sprintf("%d problem(s): %s", len(problems), strings.Join(problems, "; "))
			failed = append(failed, filepath.Base(nb))
		}
		fmt.Fprintf(stdout, "%s: executed in %.0fs, %s → %s\n", filepath.Base(nb), time.Since(start).Seconds(), status, dst)
	}
	if len(failed) > 0 {
		return fmt.Errorf("cells failed in %s: open the executed copies in %s to see their errors", strings.Join(failed, ", "), *out)
	}
	return nil
}

// absIfPath makes a path absolute (the kernel runs in the notebooks' folder);
// Hub ids such as gpt2-large are left alone.
func absIfPath(s string) string {
	if _, err := os.Stat(s); err == nil {
		if abs, err := filepath.Abs(s); err == nil {
			return abs
		}
	}
	return s
}
