package main

import (
	"encoding/json"
	"io"
	"os"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// runTokenize prints {"ids":[…],"tokens":[…]} for a text.
func runTokenize(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("tokenize", stderr)
	var text textFlags
	text.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	s, err := text.read(os.Stdin)
	if err != nil {
		return err
	}
	tok, err := gpt2.NewTokenizer()
	if err != nil {
		return err
	}
	enc, err := tok.Encode(s)
	if err != nil {
		return err
	}
	out := struct {
		IDs    []int    `json:"ids"`
		Tokens []string `json:"tokens"`
	}{IDs: enc.IDs, Tokens: enc.Tokens}
	if out.IDs == nil {
		out.IDs, out.Tokens = []int{}, []string{}
	}
	return json.NewEncoder(stdout).Encode(out)
}
