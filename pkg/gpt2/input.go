package gpt2

import (
	"fmt"
	"slices"
)

// Input is what GPT-2 reads: a text (to tokenize with GPT-2's byte-level BPE,
// package tokenizer), token ids, or a text already tokenized. It is plain
// data: tokenizer.Encode turns it into an Encoding.
type Input struct {
	text string
	ids  []int
	enc  *Encoding
}

// Text is a text to tokenize. No beginning-of-sequence token is added, as in
// the lesson (and Hugging Face's GPT-2 tokenizer): token 0 is the first word.
func Text(s string) Input { return Input{text: s} }

// IDs are token ids, used as they are.
func IDs(ids []int) Input { return Input{ids: append([]int{}, ids...)} }

// Tokens is a text already tokenized (by package tokenizer): it is used as it
// is, not tokenized again.
func Tokens(enc Encoding) Input {
	return Input{enc: &Encoding{IDs: slices.Clone(enc.IDs), Tokens: slices.Clone(enc.Tokens)}}
}

// Tokenized returns the tokens of an input made by Tokens, and ok = false for
// the other kinds.
func (in Input) Tokenized() (enc Encoding, ok bool) {
	if in.enc == nil {
		return Encoding{}, false
	}
	return Encoding{IDs: slices.Clone(in.enc.IDs), Tokens: slices.Clone(in.enc.Tokens)}, true
}

// TokenIDs returns the ids of an input made by IDs, and ok = false for the
// other kinds.
func (in Input) TokenIDs() (ids []int, ok bool) {
	if in.ids == nil || in.enc != nil {
		return nil, false
	}
	return slices.Clone(in.ids), true
}

// String returns the text of an input made by Text ("" for the other kinds).
func (in Input) String() string { return in.text }

// CheckTokens checks tokens against the model: at least one token, at most
// cfg.NPositions, every id in the vocabulary. It is the one place these
// checks live. With cfg's zero value it checks only that there are tokens
// (before a model is looked up).
func CheckTokens(enc Encoding, cfg Config) error {
	if len(enc.IDs) == 0 {
		return fmt.Errorf("the text has no tokens: give a non-empty text")
	}
	if cfg == (Config{}) {
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
