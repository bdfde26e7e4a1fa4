package tokenizer

import "github.com/gpt2taps/gpt2taps/pkg/gpt2"

// Encode tokenizes an input if it is a text (finds the token strings of ids)
// and checks it against cfg (gpt2.CheckTokens: at least one token, at most
// cfg.NPositions, every id in the vocabulary; with cfg's zero value only
// that there are tokens).
func Encode(in gpt2.Input, cfg gpt2.Config) (gpt2.Encoding, error) {
	enc, err := tokens(in)
	if err != nil {
		return enc, err
	}
	return enc, gpt2.CheckTokens(enc, cfg)
}

// tokens tokenizes a text, or finds the token strings of ids.
func tokens(in gpt2.Input) (gpt2.Encoding, error) {
	if enc, ok := in.Tokenized(); ok {
		return enc, nil
	}
	tok, err := New()
	if err != nil {
		return gpt2.Encoding{}, err
	}
	ids, ok := in.TokenIDs()
	if !ok {
		return tok.Encode(in.String())
	}
	enc := gpt2.Encoding{IDs: ids, Tokens: make([]string, len(ids))}
	for i, id := range ids {
		enc.Tokens[i], _ = tok.Decode([]int{id}) // ids outside GPT-2's vocabulary have no text; CheckTokens judges them
	}
	return enc, nil
}
