package main

import (
	"encoding/json"
	"io"
	"os"
)

// runTokenize prints {"ids":[…],"tokens":[…]} for a text.
func runTokenize(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("tokenize", stderr)
	var text textFlags
	text.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	enc, err := text.tokens(os.Stdin)
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
