package checkpoints

import (
	"context"
	"fmt"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2/tokenizer"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// NewKey tokenizes in (an empty text fails before the model is looked up),
// resolves the model (downloading it into the Hugging Face cache if needed:
// see Resolve), reads its configuration and checks the tokens and
// the request against it.
func NewKey(ctx context.Context, model string, opts Options, in gpt2.Input, req taps.Request) (taps.Key, error) {
	enc, err := tokenizer.Encode(in, gpt2.Config{})
	if err != nil {
		return taps.Key{}, err
	}
	if model == "" {
		return taps.Key{}, fmt.Errorf("no model: give a Hub id such as gpt2-large or a checkpoint directory")
	}
	dir, err := Resolve(ctx, model, opts)
	if err != nil {
		return taps.Key{}, err
	}
	cfg, err := gpt2.LoadConfig(dir)
	if err != nil {
		return taps.Key{}, err
	}
	if err := gpt2.CheckTokens(enc, cfg); err != nil {
		return taps.Key{}, fmt.Errorf("%s: %w", model, err)
	}
	if _, err := req.Validate(cfg.NLayer); err != nil {
		return taps.Key{}, err
	}
	return taps.Key{Model: model, Dir: dir, Config: cfg, Tokens: enc, Request: req}, nil
}
