package main

import (
	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
)

// Hints in gpt2taps's own terms. The packages say what is wrong and what to do in neutral terms (a local
// checkpoint directory, HF_HUB_OFFLINE, HF_HUB_CACHE); the command line adds here which flag does it.

// localModelHint says how to run without the Hub.
const localModelHint = "give a local checkpoint directory as --model DIR (or GPT2TAPS_MODEL=DIR), or make a " +
	"random one for a smoke run with `gpt2taps random-checkpoint --preset gpt2-large --seed 1 --out DIR`"

// withModelHint adds to an error from resolving the model argument what to do with gpt2taps's flags, when the
// model is neither cached nor downloadable: offline mode is on, or the Hub can't be reached. Other errors are
// returned as they are.
func withModelHint(err error) error {
	return checkpoints.WithRemedy(err,
		"with gpt2taps: drop --offline (and HF_HUB_OFFLINE=1) to turn offline mode off, "+localModelHint,
		"with gpt2taps: "+localModelHint)
}
