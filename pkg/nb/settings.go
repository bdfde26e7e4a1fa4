package nb

import (
	"fmt"
	"os"

	"github.com/gpt2taps/gpt2taps/pkg/lesson"
)

// modelName is the model to use: $GPT2TAPS_MODEL when set, otherwise name;
// with note, a line on the cell's output says when the environment replaced
// name.
func modelName(name string, note bool) string {
	m := os.Getenv(lesson.EnvModel)
	if m == "" || m == name {
		return name
	}
	if note {
		fmt.Fprintf(stderr, "note: %s=%s replaces modelName %q\n", lesson.EnvModel, m, name)
	}
	return m
}

// text is the text to use: the contents of $GPT2TAPS_TEXT_FILE when set,
// otherwise s; with note, a line on the cell's output says when the file
// replaced the text cell.
func text(s string, note bool) string {
	t := Must(lesson.Text(s))
	if path := os.Getenv(lesson.EnvTextFile); path != "" && note {
		fmt.Fprintf(stderr, "note: the text comes from %s=%s (%d bytes), not from the text cell\n", lesson.EnvTextFile, path, len(t))
	}
	return t
}
