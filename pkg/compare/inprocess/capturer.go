package inprocess

import (
	"context"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// Capturer computes taps in this process, keeping the last checkpoint it opened loaded: a comparison runs all
// the texts of one checkpoint in a row, so each checkpoint is loaded once, on the first text the tap cache does
// not hold, and closed before the next one is opened (one model in memory at a time). It is not safe for
// concurrent use.
type Capturer struct {
	// Source gives the backend, the Hub cache, offline mode and the log; its Model is ignored (each key names its
	// checkpoint).
	Source model.Source

	m   *model.Model
	dir string
}

// Capture returns key's taps from cache when it holds them, else computes them and stores them there. It has
// the signature of compare.CaptureFunc.
func (c *Capturer) Capture(ctx context.Context, key taps.Key, cache taps.Cache) (*taps.Result, error) {
	return cache.Do(ctx, key, func() (*taps.Result, error) {
		if c.m != nil && c.dir != key.Dir {
			c.Close()
		}
		if c.m == nil {
			m, err := model.OpenKey(c.Source, key)
			if err != nil {
				return nil, err
			}
			c.m, c.dir = m, key.Dir
		}
		return c.m.Run(gpt2.Tokens(key.Tokens), key.Request)
	})
}

// Close closes the model kept loaded, if any; the Capturer can be used again afterwards.
func (c *Capturer) Close() {
	if c.m != nil {
		c.m.Close()
		c.m, c.dir = nil, ""
	}
}
