package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// defaultTaps are the tap kinds the lesson needs.
const defaultTaps = "attn.c_proj,mlp.c_proj,hidden_states"

// modelFlags are the flags that pick and load a model.
type modelFlags struct {
	model, backend, cacheDir string
	offline                  bool
}

func (m *modelFlags) register(fs interface {
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
}) {
	m.model = os.Getenv("GPT2TAPS_MODEL")
	fs.StringVar(&m.model, "model", m.model, "checkpoint directory (Hugging Face layout) or Hub id: gpt2, gpt2-medium, gpt2-large, gpt2-xl, org/name (default $GPT2TAPS_MODEL)")
	fs.StringVar(&m.backend, "backend", "", "GoMLX backend: go, xla:cpu, xla:cuda, auto (default $GOMLX_BACKEND, else auto)")
	fs.StringVar(&m.cacheDir, "hf-cache", "", "Hugging Face hub cache (default $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)")
	fs.BoolVar(&m.offline, "offline", false, "never use the network (also HF_HUB_OFFLINE=1)")
}

// resolve turns the model argument into a checkpoint directory and reads its
// configuration, so that inputs can be checked before the (slow) load.
func (m *modelFlags) resolve(stderr io.Writer) (string, gpt2.Config, error) {
	if m.model == "" {
		return "", gpt2.Config{}, usageError{"no model: give --model DIR or a Hub id such as gpt2-large (or set GPT2TAPS_MODEL)"}
	}
	dir, err := gpt2.ResolveModel(context.Background(), m.model, gpt2.ResolveOptions{
		CacheDir: m.cacheDir, Offline: m.offline, Progress: stderr,
	})
	if err != nil {
		return "", gpt2.Config{}, withModelHint(err)
	}
	cfg, err := gpt2.LoadConfig(dir)
	return dir, cfg, err
}

// load loads the resolved model on the chosen backend, reporting to stderr.
func (m *modelFlags) load(dir string, stderr io.Writer) (*gpt2.Model, backend.Choice, error) {
	choice, err := backend.New(m.backend)
	if err != nil {
		return nil, choice, err
	}
	start := time.Now()
	model, err := gpt2.Load(dir, choice.Backend)
	if err != nil {
		return nil, choice, err
	}
	fmt.Fprintf(stderr, "loaded %s (%d layers, width %d, %d heads) from %s in %.1fs; backend %s\n",
		m.model, model.Config.NLayer, model.Config.NEmbd, model.Config.NHead, dir, time.Since(start).Seconds(), choice)
	return model, choice, nil
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
	tapList := fs.String("taps", defaultTaps, "comma-separated tap names or patterns (h.*.attn.c_proj, blocks.3.hook_mlp_out, hidden_states, …)")
	logits := fs.Bool("logits", false, "also write the logits [T,V]")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"no output: give --out taps.safetensors"}
	}
	enc, err := text.tokens(os.Stdin)
	if err != nil {
		return err
	}
	if len(enc.IDs) == 0 {
		return fmt.Errorf("the text has no tokens: give a non-empty text")
	}
	if err := checkOutputDir(*out); err != nil {
		return err
	}
	dir, cfg, err := mf.resolve(stderr)
	if err != nil {
		return err
	}
	if len(enc.IDs) > cfg.NPositions {
		return fmt.Errorf("the text has %d tokens but %s takes at most %d (n_positions): shorten the text", len(enc.IDs), mf.model, cfg.NPositions)
	}
	sel, err := taps.Select(cfg.NLayer, splitList(*tapList)...)
	if err != nil {
		return err
	}
	model, choice, err := mf.load(dir, stderr)
	if err != nil {
		return err
	}
	defer model.Finalize()
	start := time.Now()
	res, err := taps.Capture(model, enc.IDs, taps.Request{Taps: sel, Logits: *logits})
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	meta := map[string]string{
		"model":     mf.model,
		"model_dir": model.Dir,
		"backend":   choice.Name,
		"tokens":    taps.TokensMetadata(enc.Tokens),
		"producer":  "gpt2taps capture",
	}
	if err := taps.WriteFile(*out, res, meta); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "captured %d tokens × %d layers in %.2fs; wrote %s\n", len(enc.IDs), model.Config.NLayer, elapsed.Seconds(), *out)
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
