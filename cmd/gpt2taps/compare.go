package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/compare"
	"github.com/gpt2taps/gpt2taps/pkg/compare/inprocess"
	"github.com/gpt2taps/gpt2taps/pkg/model"
)

// listFlag is a repeatable flag; each use may also hold a comma-separated list.
type listFlag struct {
	values []string
	set    bool
	empty  bool // a use had no value: a usage error after parsing (flag's own errors print the whole usage)
}

func (l *listFlag) String() string { return strings.Join(l.values, ",") }

func (l *listFlag) Set(s string) error {
	l.set = true
	items := splitList(s)
	l.empty = l.empty || len(items) == 0
	l.values = append(l.values, items...)
	return nil
}

// runCompare runs the lesson's analysis on every (model, text), with the training control, and writes the figure
// and compare.json: the command-line side of notebook 03.
func runCompare(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("compare", stderr)
	var models, files, builtins listFlag
	fs.Var(&models, "model", "a model: Hub id or checkpoint directory; repeat or separate with commas (default $"+
		env.Models+", else $"+env.Model+", else "+strings.Join(compare.DefaultModels(), ",")+")")
	fs.Var(&files, "text-file", "a text file, byte-exact, named after the file (- for standard input); repeatable")
	fs.Var(&builtins, "builtin", "a built-in text: "+strings.Join(compare.TextNames(), ", ")+"; repeatable (default: all of them, unless --text-file is given)")
	out := fs.String("out", "", "output directory for the figure and compare.json")
	formats := fs.String("format", "png", "figure formats: png, svg or png,svg")
	cacheDir := fs.String("cache", "", "tap cache directory (default $GPT2TAPS_CACHE, else ~/.cache/gpt2taps/taps); the random checkpoints go to its random-checkpoints folder")
	random := fs.Bool("random-control", true, "also run each model's shape with random weights (the training control); --random-control=false to skip")
	planOnly := fs.Bool("plan", false, "print what would be downloaded, generated and computed, and stop")
	backendName := fs.String("backend", "", "GoMLX backend: go, xla:cpu, xla:cuda, auto (default $GOMLX_BACKEND, else auto)")
	hfCache := fs.String("hf-cache", "", "Hugging Face hub cache (default $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)")
	offline := fs.Bool("offline", false, "never use the network (also HF_HUB_OFFLINE=1)")
	if err := parse(fs, args); err != nil {
		return err
	}
	for name, l := range map[string]*listFlag{"--model": &models, "--text-file": &files, "--builtin": &builtins} {
		if l.empty {
			return usageError{name + " was given an empty value"}
		}
	}
	if *out == "" && !*planOnly {
		return usageError{"no output: give --out DIR"}
	}
	for _, f := range splitList(*formats) {
		if f != "png" && f != "svg" {
			return usageError{fmt.Sprintf("unknown figure format %q: use png, svg or png,svg", f)}
		}
	}
	if *out != "" {
		if err := checkCreatableDir(*out); err != nil {
			return err
		}
	}
	list := models.values
	if !models.set {
		var note string
		if list, note = compare.ModelsFromEnv(compare.DefaultModels()); note != "" {
			fmt.Fprintln(stderr, "note:", note)
		}
	}
	texts, err := compareTexts(files.values, builtins.values)
	if err != nil {
		return err
	}
	// The forward passes run here, each checkpoint loaded once for all its texts.
	capturer := &inprocess.Capturer{Source: model.Source{Backend: *backendName, HFCache: *hfCache, Offline: *offline, Log: stderr}}
	defer capturer.Close()
	o := compare.Options{Backend: *backendName, CacheDir: *cacheDir, HFCache: *hfCache, Offline: *offline, Random: *random, Log: stderr,
		Capture: capturer.Capture}
	ctx := context.Background()
	plan, err := compare.NewPlan(ctx, list, texts, o)
	if err != nil {
		return withModelHint(err)
	}
	plan.Forecast(inprocess.ProbeRate(*backendName))
	plan.Write(stderr)
	if *planOnly {
		return nil
	}
	c, err := plan.Run(ctx)
	if err != nil {
		return withModelHint(err)
	}
	written, err := c.WriteReport(*out, splitList(*formats))
	if err != nil {
		return err
	}
	if err := c.WriteTable(stderr); err != nil {
		return err
	}
	fmt.Fprintln(stderr)
	if err := c.WriteByModel(stderr); err != nil {
		return err
	}
	for _, p := range written {
		fmt.Fprintln(stdout, p)
	}
	return nil
}

// compareTexts reads the text files and the built-in texts named; with neither, all the built-in texts.
func compareTexts(files, builtins []string) ([]compare.Text, error) {
	if len(files) == 0 && len(builtins) == 0 {
		return compare.DefaultTexts()
	}
	var texts []compare.Text
	for _, name := range builtins {
		t, err := compare.Builtin(name)
		if err != nil {
			return nil, usageError{err.Error()}
		}
		texts = append(texts, t)
	}
	stdinUsed := false
	for _, f := range files {
		if f == "-" {
			if stdinUsed {
				return nil, usageError{"--text-file - (standard input) can be given once"}
			}
			stdinUsed = true
			data, err := io.ReadAll(os.Stdin)
			if err != nil {
				return nil, fmt.Errorf("read standard input: %w", err)
			}
			if len(data) == 0 {
				return nil, fmt.Errorf("standard input is empty: the text has no tokens; give a non-empty text")
			}
			texts = append(texts, compare.Text{Name: "stdin", About: "read from standard input", Source: "-", Text: string(data)})
			continue
		}
		t, err := compare.TextFromFile(f)
		if err != nil {
			return nil, err
		}
		texts = append(texts, t)
	}
	return texts, nil
}
