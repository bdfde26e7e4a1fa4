package model

import (
	stdctx "context"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// RunCached is Run through the tap cache: it makes the capture's key without
// loading any weight (checkpoints.NewKey: the text tokenized once, the model resolved
// and its config read, everything checked), returns the cached result when
// the cache holds it, and otherwise opens the model, runs it once, stores the
// result and closes the model.
func RunCached(ctx stdctx.Context, src Source, in gpt2.Input, req taps.Request, cache taps.Cache) (*taps.Result, error) {
	key, err := checkpoints.NewKey(ctx, src.Model, src.resolveOptions(), in, req)
	if err != nil {
		return nil, err
	}
	var m *Model
	defer func() {
		if m != nil {
			m.Close()
		}
	}()
	return cache.Do(ctx, key, func() (*taps.Result, error) {
		var err error
		if m, err = OpenKey(src, key); err != nil {
			return nil, err
		}
		return m.Run(gpt2.Tokens(key.Tokens), key.Request)
	})
}

// OpenKey opens the model of a key made by checkpoints.NewKey (already resolved to
// key.Dir) on src's backend, for callers that run several keys of one model
// through the cache and open it only on the first miss.
func OpenKey(src Source, key taps.Key) (*Model, error) {
	src.Model = key.Model
	return openDir(src, key.Dir)
}
