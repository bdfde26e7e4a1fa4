package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// modelFlags are the flags that pick and load a model.
type modelFlags struct {
	model, backend, cacheDir string
	offline                  bool
}

func (m *modelFlags) register(fs interface {
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
}) {
	m.model = env.Read().Model
	fs.StringVar(&m.model, "model", m.model, "checkpoint directory (Hugging Face layout) or Hub id: gpt2, gpt2-medium, gpt2-large, gpt2-xl, org/name (default $GPT2TAPS_MODEL)")
	fs.StringVar(&m.backend, "backend", "", "GoMLX backend: go, xla:cpu, xla:cuda, auto (default $GOMLX_BACKEND, else auto)")
	fs.StringVar(&m.cacheDir, "hf-cache", "", "Hugging Face hub cache (default $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)")
	fs.BoolVar(&m.offline, "offline", false, "never use the network (also HF_HUB_OFFLINE=1)")
}

// source is where the chosen model runs; progress goes to stderr.
func (m *modelFlags) source(stderr io.Writer) (model.Source, error) {
	if m.model == "" {
		return model.Source{}, usageError{"no model: give --model DIR or a Hub id such as gpt2-large (or set " + env.Model + ")"}
	}
	return model.Source{Model: m.model, Backend: m.backend, HFCache: m.cacheDir, Offline: m.offline, Log: stderr}, nil
}

// resolveOptions are the Hub options of the flags; progress goes to stderr.
func (m *modelFlags) resolveOptions(stderr io.Writer) checkpoints.Options {
	return checkpoints.Options{CacheDir: m.cacheDir, Offline: m.offline, Progress: stderr}
}

// checkOutputDir fails early, before any slow work, if path's directory cannot take the output file.
func checkOutputDir(path string) error {
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("output directory %s: %w: make sure it exists and is writable, or choose another --out", dir, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("output directory %s is not a directory: make sure it exists and is writable, or choose another --out", dir)
	}
	return nil
}

// runCapture runs GPT-2 on a text and writes the taps file.
func runCapture(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("capture", stderr)
	var text textFlags
	var mf modelFlags
	text.register(fs)
	mf.register(fs)
	out := fs.String("out", "", "output taps file (.safetensors)")
	tapList := fs.String("taps", strings.Join(lesson.Request().Points, ","), "comma-separated tap names or patterns (h.*.attn.c_proj, blocks.3.hook_mlp_out, hidden_states, …)")
	logits := fs.Bool("logits", false, "also write the logits [T,V]")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"no output: give --out taps.safetensors"}
	}
	s, err := text.read(os.Stdin)
	if err != nil {
		return err
	}
	src, err := mf.source(stderr)
	if err != nil {
		return err
	}
	if err := checkOutputDir(*out); err != nil {
		return err
	}
	// Everything about the inputs is checked before any weight is loaded: the
	// text tokenized, the model resolved, the tokens and taps checked against
	// its configuration.
	req := taps.Request{Points: splitList(*tapList), Logits: *logits}
	key, err := checkpoints.NewKey(context.Background(), src.Model, mf.resolveOptions(stderr), gpt2.Text(s), req)
	if err != nil {
		return withModelHint(err)
	}
	start := time.Now()
	m, err := model.OpenKey(src, key)
	if err != nil {
		return err
	}
	res, err := m.Run(gpt2.Tokens(key.Tokens), key.Request)
	m.Close() // the result is on the host: free the weights before writing it
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	meta := map[string]string{
		"model":     mf.model,
		"model_dir": key.Dir,
		"backend":   res.Info.Backend,
		"producer":  "gpt2taps capture",
	}
	if err := taps.WriteFile(*out, res, meta); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "captured %d tokens × %d layers (loading included) in %.2fs; wrote %s\n", len(res.IDs), key.Config.NLayer, elapsed.Seconds(), *out)
	return nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
