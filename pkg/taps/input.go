package taps

import (
	"fmt"
	"slices"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// Input is what GPT-2 reads: a text, tokenized with GPT-2's byte-level BPE,
// token ids, or a text already tokenized.
type Input struct {
	text string
	ids  []int
	enc  *gpt2.Encoding
}

// Text is a text to tokenize. No beginning-of-sequence token is added, as in
// the lesson (and Hugging Face's GPT-2 tokenizer): token 0 is the first word.
func Text(s string) Input { return Input{text: s} }

// IDs are token ids, used as they are.
func IDs(ids []int) Input { return Input{ids: append([]int{}, ids...)} }

// Tokens is a text already tokenized (by Encode, or gpt2.Tokenizer): it is
// used as it is, not tokenized again.
func Tokens(enc gpt2.Encoding) Input {
	return Input{enc: &gpt2.Encoding{IDs: slices.Clone(enc.IDs), Tokens: slices.Clone(enc.Tokens)}}
}

// Encode tokenizes the input if it is a text and checks it against cfg: at
// least one token, at most cfg.NPositions, every id in the vocabulary. It is
// the one place these checks live. With cfg's zero value it checks only that
// there are tokens (before a model is looked up).
func (in Input) Encode(cfg gpt2.Config) (gpt2.Encoding, error) {
	enc, err := in.tokens()
	if err != nil {
		return enc, err
	}
	return enc, checkTokens(enc, cfg)
}

// tokens tokenizes a text, or finds the token strings of ids.
func (in Input) tokens() (gpt2.Encoding, error) {
	if in.enc != nil {
		return gpt2.Encoding{IDs: slices.Clone(in.enc.IDs), Tokens: slices.Clone(in.enc.Tokens)}, nil
	}
	tok, err := gpt2.NewTokenizer()
	if err != nil {
		return gpt2.Encoding{}, err
	}
	if in.ids == nil {
		return tok.Encode(in.text)
	}
	enc := gpt2.Encoding{IDs: slices.Clone(in.ids), Tokens: make([]string, len(in.ids))}
	for i, id := range in.ids {
		enc.Tokens[i], _ = tok.Decode([]int{id}) // ids outside GPT-2's vocabulary have no text; checkTokens judges them
	}
	return enc, nil
}

// checkTokens checks tokens against the model: see Encode.
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
