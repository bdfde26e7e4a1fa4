// Package nbmodel is the part of the notebooks' plumbing that runs GPT-2 in
// the cell's own program: notebook 03's comparison of many (model, text)
// pairs (Compare and the cells around it), whose package pkg/compare runs
// models, the course notebooks' batch captures (RunBatch, RunVersions,
// RunPaths: model.RunBatchCached pads a batch of sentences so that one graph
// compiles), and Run, the in-process capture (model.RunCached). It links
// pkg/model and GoMLX, so a cell using it builds with cgo and takes seconds
// to link: notebooks 01 and 02 do not use it — their run cell is nb.Run,
// which asks the model server and links no GoMLX, and every other cell reads
// the tap cache (nb.Taps).
//
// It shares pkg/nb's settings and errors: the environment's overrides
// (nb.ModelName, nb.Text), and nb.Check / nb.Must, which stop the cell with
// one line "error: …".
package nbmodel

import (
	"context"
	"io"
	"os"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/nb"
	_ "github.com/gpt2taps/gpt2taps/pkg/nb/nbrun" // nb.Check then adds the notebook's remedy to a model that cannot be found
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// Outputs of the cell's program; variables so that tests can read them.
var (
	stdout io.Writer = os.Stdout
	stderr io.Writer = os.Stderr
)

// Run runs the model name ($GPT2TAPS_MODEL replaces it) on the text
// ($GPT2TAPS_TEXT_FILE replaces it) and returns what req asks for: the first
// time by loading the weights and running the forward pass on the backend of
// GOMLX_BACKEND (else automatic), then from the tap cache ($GPT2TAPS_CACHE,
// else ~/.cache/gpt2taps/taps), where the notebook's other cells find it
// (nb.Taps). res.Info says which, and on what backend. It is nb.Run in this
// program (no model server): the same taps, in the same cache.
func Run(name, s string, req taps.Request) *taps.Result {
	src := model.Source{Model: nb.ModelName(name), Log: stderr}
	return nb.Must(model.RunCached(context.Background(), src, gpt2.Text(nb.Text(s)), req, taps.Cache{Log: stderr}))
}
