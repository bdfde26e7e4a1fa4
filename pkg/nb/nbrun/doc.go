// Package nbrun is the part of the notebooks' plumbing that finds models and
// runs GPT-2 without linking GoMLX: Find (the checkpoint cell: the Hugging
// Face cache, downloading if needed, and the tokenizer), Run (the run cell
// of notebooks 01 and 02: the model server of package modelclient keeps the
// model loaded between cells, so a new text costs only its forward pass) and
// the course notebooks' look-ups by model (FindModels, Paths).
//
// It links the Hugging Face Hub client and the tokenizer's tables, which the
// cells that only read the tap cache do not need: those import package nb
// alone and build in well under a second (tools/layers checks that nb links
// neither). Errors stop the cell as nb.Check does, with what to do in the
// notebook added where a setting of the notebook is the remedy (a model that
// is neither cached nor downloadable).
package nbrun

import (
	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/nb/internal/cell"
)

func init() { cell.Hint = withHint }

// localModelHint says how to run without the Hub, in the notebook's terms.
const localModelHint = "in the notebook: set modelName (notebook 03: modelNames), or GPT2TAPS_MODEL, to a local checkpoint directory, or make a " +
	"random one for a smoke run with `go run ./cmd/gpt2taps random-checkpoint --preset gpt2-large --seed 1 --out DIR` " +
	"(or run `bash scripts/lesson.sh --smoke`)"

// withHint adds what to do in the notebook to errors whose remedy is a
// setting of the notebook: a model that is neither cached nor downloadable.
func withHint(err error) error {
	return checkpoints.WithRemedy(err, "unset HF_HUB_OFFLINE to download it, or "+localModelHint, localModelHint)
}

// check stops the cell with err's message if err is not nil (nb.Check).
func check(err error) { cell.Check(err) }

// must returns v, or stops the cell with err's message (nb.Must).
func must[T any](v T, err error) T {
	cell.Check(err)
	return v
}
