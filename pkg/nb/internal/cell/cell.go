// Package cell is what every notebook helper package (nb, nbrun, nbmodel)
// shares about the cell's program: its outputs, how an error stops it, and
// the settings the environment overrides. It links nothing heavy, so that
// package nb, which the analysis cells import, stays small.
package cell

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"

	"github.com/gpt2taps/gpt2taps/internal/env"
)

// RunCell is the heading of the notebooks' cell that runs GPT-2, which the
// readers name when the tap cache lacks what they ask for.
const RunCell = "Run GPT-2 once"

// The cell program's outputs and exit; variables so that tests can catch them.
var (
	Stdout io.Writer = os.Stdout
	Stderr io.Writer = os.Stderr
	Exit             = os.Exit
)

// Hint adds what to do in the notebook to an error, where the error has a
// remedy that is a setting of the notebook (a model that is neither cached
// nor downloadable). It is the identity unless package nbrun, which every
// cell that looks up a model links, replaces it: only such cells meet those
// errors, and the cells that only read the tap cache link no Hub client.
var Hint = func(err error) error { return err }

// Check stops the cell with err's message (and Hint's remedy) if err is not nil.
func Check(err error) {
	if err == nil {
		return
	}
	fmt.Fprintln(Stderr, "error:", Hint(err))
	Exit(1)
}

// NotCached stops the cell: the taps of model on this text are not in the
// tap cache (why, when not "", says more).
func NotCached(model, why string) {
	if why != "" {
		why = " (" + why + ")"
	}
	fmt.Fprintf(Stderr, "error: the taps of %s on this text are not in the tap cache yet%s: run the cell under %q first, then this one\n", model, why, RunCell)
	Exit(1)
}

// ModelName is the model the cells use: $GPT2TAPS_MODEL when set, otherwise
// name; with note, a line on the cell's output says when the environment
// replaced name.
func ModelName(name string, note bool) string {
	m := env.Read().Model
	if m == "" || m == name {
		return name
	}
	if note {
		fmt.Fprintf(Stderr, "note: %s=%s replaces modelName %q\n", env.Model, m, name)
	}
	return m
}

// ModelNames are the models a cell of many models uses: $GPT2TAPS_MODELS
// when set, else $GPT2TAPS_MODEL as the only one, else names; with note, a
// line says when the environment replaced them.
func ModelNames(names []string, note bool) []string {
	v := env.Read()
	switch {
	case len(v.Models) > 0:
		if note {
			fmt.Fprintf(Stderr, "note: %s is set: the models are %s\n", env.Models, strings.Join(v.Models, ", "))
		}
		return v.Models
	case v.Model != "":
		if note {
			fmt.Fprintf(Stderr, "note: %s is set: the only model is %s (set %s for several)\n", env.Model, v.Model, env.Models)
		}
		return []string{v.Model}
	}
	return names
}

// Text is the text the cells use: the contents of $GPT2TAPS_TEXT_FILE
// (byte-exact) when set, otherwise s; with note, a line says when the file
// replaced the text cell.
func Text(s string, note bool) string {
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
		fmt.Fprintf(Stderr, "note: the text comes from %s=%s (%d bytes), not from the text cell\n", env.TextFile, path, len(t))
	}
	return t
}

// Sentences are the sentences the cells use: the lines of
// $GPT2TAPS_SENTENCES_FILE when set (one sentence per line; a final newline
// and CRLF line ends allowed, blank lines not), otherwise s; with note, a
// line says when the file replaced the list.
func Sentences(s []string, note bool) []string {
	path := env.Read().SentencesFile
	if path == "" {
		if len(s) == 0 {
			Check(errors.New("no sentences: give at least one"))
		}
		return s
	}
	lines, err := readSentences(path)
	if err != nil {
		Check(fmt.Errorf("%s: %w (unset it to use the sentences given in code)", env.SentencesFile, err))
	}
	if note {
		fmt.Fprintf(Stderr, "note: the %d sentences come from %s=%s, not from the sentences cell\n", len(lines), env.SentencesFile, path)
	}
	return lines
}

// readSentences reads one sentence per line, as `gpt2taps course --sentences` does.
func readSentences(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := strings.TrimRight(string(data), "\r\n")
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("%s holds no sentences: write one sentence per line", path)
	}
	var out []string
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			return nil, fmt.Errorf("%s: line %d is blank: write one sentence per line, with no blank lines", path, i+1)
		}
		out = append(out, line)
	}
	return out, nil
}

// ShowHTML shows an HTML fragment in the cell's output, or prints a note
// outside GoNB.
func ShowHTML(s string) {
	if !gonbui.IsNotebook {
		fmt.Fprintln(Stderr, "note: not in a GoNB notebook: the HTML output is not shown")
		return
	}
	gonbui.DisplayHTML(s)
	gonbui.Sync() // the cell's program may exit right after this call
	Check(gonbui.Error())
}
