package taps

import (
	"fmt"
	"slices"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// Input is what GPT-2 reads: a text, tokenized with GPT-2's byte-level BPE, or
// token ids.
type Input struct {
	text   string
	ids    []int
	isText bool
}

// Text is a text to tokenize. No beginning-of-sequence token is added, as in
// the lesson (and Hugging Face's GPT-2 tokenizer): token 0 is the first word.
func Text(s string) Input { return Input{text: s, isText: true} }

// IDs are token ids, used as they are.
func IDs(ids []int) Input { return Input{ids: slices.Clone(ids)} }

// Encode tokenizes the input if it is a text and checks it against cfg: at
// least one token, at most cfg.NPositions, every id in the vocabulary. It is
// the one place these checks live; Prepare runs them before the slow work
// (resolving and loading a model).
func (in Input) Encode(cfg gpt2.Config) (gpt2.Encoding, error) {
	enc, err := in.tokens()
	if err != nil {
		return enc, err
	}
	return enc, checkTokens(enc, cfg)
}

// tokens tokenizes a text, or finds the token strings of ids.
func (in Input) tokens() (gpt2.Encoding, error) {
	tok, err := gpt2.NewTokenizer()
	if err != nil {
		return gpt2.Encoding{}, err
	}
	if in.isText {
		return tok.Encode(in.text)
	}
	enc := gpt2.Encoding{IDs: slices.Clone(in.ids), Tokens: make([]string, len(in.ids))}
	for i, id := range in.ids {
		enc.Tokens[i], _ = tok.Decode([]int{id}) // ids outside GPT-2's vocabulary have no text; checkTokens judges them
	}
	return enc, nil
}

// checkTokens checks tokens against the model: see Encode. Without a model
// (cfg's zero value) it checks only that there are tokens.
func checkTokens(enc gpt2.Encoding, cfg gpt2.Config) error {
	if len(enc.IDs) == 0 {
		return fmt.Errorf("the text has no tokens: give a non-empty text")
	}
	if cfg == (gpt2.Config{}) {
		return nil
	}
	if len(enc.IDs) > cfg.NPositions {
		return fmt.Errorf("the text has %d tokens but the model takes at most %d (n_positions): shorten the text", len(enc.IDs), cfg.NPositions)
	}
	for i, id := range enc.IDs {
		if id < 0 || id >= cfg.VocabSize {
			return fmt.Errorf("token id %d at position %d is outside the model's vocabulary [0, %d)", id, i, cfg.VocabSize)
		}
	}
	return nil
}
