package nb

import (
	"fmt"
	"os"

	"github.com/gpt2taps/gpt2taps/internal/env"
)

// ModelName is the model the cells use: $GPT2TAPS_MODEL when set, otherwise
// name. It prints nothing: Find says when the environment replaced name.
func ModelName(name string) string { return modelName(name, false) }

// Text is the text the cells use: the contents of $GPT2TAPS_TEXT_FILE
// (byte-exact) when set, otherwise s. It prints nothing: Checkpoint.Tokens
// says when the file replaced the text cell.
func Text(s string) string { return text(s, false) }

// modelName is ModelName; with note, a line on the cell's output says when
// the environment replaced name.
func modelName(name string, note bool) string {
	m := env.Read().Model
	if m == "" || m == name {
		return name
	}
	if note {
		fmt.Fprintf(stderr, "note: %s=%s replaces modelName %q\n", env.Model, m, name)
	}
	return m
}

// text is Text; with note, a line on the cell's output says when the file
// replaced the text cell.
func text(s string, note bool) string {
	path := env.Read().TextFile
	if path == "" {
		return s
	}
	data, err := os.ReadFile(path)
	if err != nil {
		Check(fmt.Errorf("%s: %w (unset it to use the text given in code)", env.TextFile, err))
	}
	t := string(data)
	if note {
		fmt.Fprintf(stderr, "note: the text comes from %s=%s (%d bytes), not from the text cell\n", env.TextFile, path, len(t))
	}
	return t
}
