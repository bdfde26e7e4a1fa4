package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2/tokenizer"
)

// textFlags are --text and --text-file, shared by the commands that read a text.
type textFlags struct {
	text, file string
	textSet    bool
}

func (t *textFlags) register(fs *flag.FlagSet) {
	fs.Func("text", "the text itself", func(s string) error { t.text, t.textSet = s, true; return nil })
	fs.StringVar(&t.file, "text-file", "", "file holding the text, byte-exact (- for standard input)")
}

// read returns the text, byte-exact (no newline translation).
func (t *textFlags) read(stdin io.Reader) (string, error) {
	switch {
	case t.textSet && t.file != "":
		return "", usageError{"give either --text or --text-file, not both"}
	case t.textSet:
		return t.text, nil
	case t.file == "-":
		data, err := io.ReadAll(stdin)
		if err != nil {
			return "", fmt.Errorf("read standard input: %w", err)
		}
		return string(data), nil
	case t.file != "":
		data, err := os.ReadFile(t.file)
		if err != nil {
			return "", fmt.Errorf("read text file: %w", err)
		}
		return string(data), nil
	default:
		return "", usageError{"no text: give --text-file F (- for standard input) or --text \"…\""}
	}
}

// tokens reads the text and tokenizes it.
func (t *textFlags) tokens(stdin io.Reader) (gpt2.Encoding, error) {
	s, err := t.read(stdin)
	if err != nil {
		return gpt2.Encoding{}, err
	}
	tok, err := tokenizer.New()
	if err != nil {
		return gpt2.Encoding{}, err
	}
	return tok.Encode(s)
}
