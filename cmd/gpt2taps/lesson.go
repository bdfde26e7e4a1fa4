package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// runLesson runs part 1 and part 2 of the lesson end to end and writes every
// figure and summary.json.
func runLesson(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("lesson", stderr)
	var text textFlags
	var mf modelFlags
	text.register(fs)
	mf.register(fs)
	out := fs.String("out", "", "output directory for the figures and summary.json")
	formats := fs.String("format", "png", "figure formats: png, svg or png,svg")
	cacheDir := fs.String("cache", "", "tap cache directory (default $GPT2TAPS_CACHE, else ~/.cache/gpt2taps/taps)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"no output: give --out DIR"}
	}
	if err := checkCreatableDir(*out); err != nil {
		return err
	}
	s := lesson.NietzscheText
	if text.textSet || text.file != "" {
		var err error
		if s, err = text.read(os.Stdin); err != nil {
			return err
		}
	}
	name := mf.model
	if name == "" {
		name = lesson.DefaultModel
	}
	src := model.Source{Model: name, Backend: mf.backend, HFCache: mf.cacheDir, Offline: mf.offline, Log: stderr}
	start := time.Now()
	res, err := model.RunCached(context.Background(), src, gpt2.Text(s), lesson.Request(), taps.Cache{Dir: *cacheDir, Log: stderr})
	if err != nil {
		return withModelHint(err)
	}
	elapsed := time.Since(start)
	how := "computed"
	if !res.Info.Computed {
		how = "loaded from the tap cache"
	}
	fmt.Fprintf(stderr, "taps of %d tokens × %d layers %s in %.2fs (%s)\n", len(res.IDs), res.Config.NLayer, how, elapsed.Seconds(), res.Info.CachePath)
	a, err := lesson.Analyze(res)
	if err != nil {
		return err
	}
	written, notes, err := a.WriteReport(*out, splitList(*formats))
	if err != nil {
		return err
	}
	for _, p := range written {
		fmt.Fprintln(stdout, p)
	}
	for _, n := range notes {
		fmt.Fprintln(stderr, "note:", n)
	}
	c := a.Claims
	fmt.Fprintf(stderr, "lesson claim (middle layers near zero, first and last higher): %v — middle mean %.4f (max |mean| %.4f), first %.4f, last %.4f\n",
		c.Holds, float64(c.MiddleMean), float64(c.MiddleMaxAbsMean), float64(c.FirstLayerMean), float64(c.LastLayerMean))
	return nil
}

// checkCreatableDir fails early if dir is not a directory and cannot be
// created: its nearest existing ancestor must be a directory.
func checkCreatableDir(dir string) error {
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		info, err := os.Stat(p)
		if err == nil {
			if !info.IsDir() {
				return fmt.Errorf("output directory %s cannot be created: %s is not a directory; choose another --out", dir, p)
			}
			return nil
		}
		if parent := filepath.Dir(p); parent == p {
			return nil
		}
	}
}
