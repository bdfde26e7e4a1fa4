package lesson

import (
	"fmt"
	"io"
	"os"

	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// Environment variables that override a notebook's or command's settings.
const (
	EnvModel    = "GPT2TAPS_MODEL"     // Hub id or checkpoint directory
	EnvTextFile = "GPT2TAPS_TEXT_FILE" // a file whose contents replace the text
	EnvCache    = taps.EnvCache        // the tap cache directory
)

// DefaultModel is the model of the original lesson.
const DefaultModel = "gpt2-large"

// Options say which model to run, where, and where to cache.
type Options struct {
	Model    string    // Hub id or directory; "" → DefaultModel
	Backend  string    // GoMLX backend ("" → GOMLX_BACKEND, else auto)
	CacheDir string    // tap cache; "" → taps.DefaultCacheDir()
	HFCache  string    // Hugging Face hub cache; "" → HF_HUB_CACHE / HF_HOME / ~/.cache/huggingface/hub
	Offline  bool      // never use the network
	Log      io.Writer // progress and notes (nil → discarded)
}

// FromEnv returns o with the environment's overrides applied: GPT2TAPS_MODEL
// replaces Model and GPT2TAPS_CACHE replaces CacheDir when set.
func (o Options) FromEnv() Options {
	if m := os.Getenv(EnvModel); m != "" {
		o.Model = m
	}
	if c := os.Getenv(EnvCache); c != "" {
		o.CacheDir = c
	}
	return o
}

// ModelOrDefault is the model to use.
func (o Options) ModelOrDefault() string {
	if o.Model == "" {
		return DefaultModel
	}
	return o.Model
}

// Source is where o's model runs, for taps.Prepare.
func (o Options) Source() taps.Source {
	return taps.Source{Model: o.ModelOrDefault(), Backend: o.Backend, HFCache: o.HFCache, Offline: o.Offline, Log: o.Log}
}

// Text returns the text to analyse: the contents of $GPT2TAPS_TEXT_FILE when
// set, otherwise text. It is taken byte-exact.
func Text(text string) (string, error) {
	path := os.Getenv(EnvTextFile)
	if path == "" {
		return text, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w (unset it to use the text given in code)", EnvTextFile, err)
	}
	return string(data), nil
}
