package nb

import (
	"fmt"
	"io"
	"os"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
)

// exit ends the cell's program; a variable so that tests can catch it.
var exit = os.Exit

// stderr receives the cell's error messages and notes.
var stderr io.Writer = os.Stderr

// Check stops the cell with err's message if err is not nil.
func Check(err error) {
	if err == nil {
		return
	}
	fmt.Fprintln(stderr, "error:", withHint(err))
	exit(1)
}

// Must returns v, or stops the cell with err's message.
func Must[T any](v T, err error) T {
	Check(err)
	return v
}

// localModelHint says how to run without the Hub, in the notebook's terms.
const localModelHint = "in the notebook: set modelName (notebook 03: modelNames), or GPT2TAPS_MODEL, to a local checkpoint directory, or make a " +
	"random one for a smoke run with `go run ./cmd/gpt2taps random-checkpoint --preset gpt2-large --seed 1 --out DIR` " +
	"(or run `bash scripts/lesson.sh --smoke`)"

// withHint adds what to do in the notebook to errors whose remedy is a
// setting of the notebook: a model that is neither cached nor downloadable.
func withHint(err error) error {
	return checkpoints.WithRemedy(err, "unset HF_HUB_OFFLINE to download it, or "+localModelHint, localModelHint)
}
