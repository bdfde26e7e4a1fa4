package nbrun

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2/tokenizer"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/modelclient"
	"github.com/gpt2taps/gpt2taps/pkg/nb/internal/cell"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// Checkpoint is a model found on disk (in the Hugging Face cache, downloaded
// there if missing, or a directory) with its configuration read. Its weights
// are not loaded in the cell: the model server loads them, in the background
// from Prepare, or when the cell that runs GPT-2 (Run) needs taps that are
// not in the tap cache.
type Checkpoint struct {
	Name   string      // the Hub id or directory asked for
	Dir    string      // the checkpoint directory
	Config gpt2.Config // its config.json
}

// Find finds the checkpoint of the model name ($GPT2TAPS_MODEL replaces it,
// with a note), downloading it into the Hugging Face cache if needed, and
// reads its configuration. It loads no weights.
func Find(name string) *Checkpoint {
	name = cell.ModelName(name, true)
	dir := must(checkpoints.Resolve(context.Background(), name, checkpoints.Options{Progress: cell.Stderr}))
	return &Checkpoint{Name: name, Dir: dir, Config: must(gpt2.LoadConfig(dir))}
}

// String describes the checkpoint in a few lines, with the backend that will
// run it as far as it is known without starting one (that is the run cell's
// job, and its output, taps.Info, says what ran).
func (c *Checkpoint) String() string {
	cfg := c.Config
	var b strings.Builder
	fmt.Fprintf(&b, "model:   %s — %d blocks, width %d, %d heads, %.0f M parameters, at most %d tokens\n",
		c.Name, cfg.NLayer, cfg.NEmbd, cfg.NHead, float64(cfg.NumParams())/1e6, cfg.NPositions)
	fmt.Fprintf(&b, "files:   %s\n", c.Dir)
	b.WriteString("backend: " + plannedBackend())
	return b.String()
}

// backendEnv is the variable GoMLX reads for its backend (GoMLX's
// backends.ConfigEnvVar: this package does not link GoMLX).
const backendEnv = "GOMLX_BACKEND"

// plannedBackend says which backend the run cell will start, from what is
// known without starting one: GOMLX_BACKEND when set, else the automatic
// choice of package backend.
func plannedBackend() string {
	if b := os.Getenv(backendEnv); b != "" && b != "auto" {
		return fmt.Sprintf("%s (%s=%s); started only if the taps are not in the tap cache — the run cell says what ran", b, backendEnv, b)
	}
	return "automatic: XLA (CUDA, else CPU) when a PJRT plugin is found, else pure Go (go); started only if the taps are " +
		"not in the tap cache — the run cell says what ran"
}

// Tokens tokenizes the text ($GPT2TAPS_TEXT_FILE replaces it, with a note)
// with GPT-2's byte-level BPE and checks it fits the model.
func (c *Checkpoint) Tokens(s string) gpt2.Encoding {
	return must(tokenizer.Encode(gpt2.Text(cell.Text(s, true)), c.Config))
}

// Prepare has the model server start on tokens in the background and returns
// at once (modelclient.Prepare): it loads the weights unless they are loaded
// and computes tokens into the tap cache with the request of its last
// capture of this checkpoint or, before any, the lesson's (lesson.Request,
// what notebooks 01 and 02 tap) — so that the run cell (Run), a few cells
// later, finds its forward pass done or under way instead of starting it. It never fails the cell: when no server can be used, it
// says so in one note line, and the run cell computes as without it. A cell
// that prepares when the taps are cached already costs a socket round trip.
func (c *Checkpoint) Prepare(tokens gpt2.Encoding) {
	key := taps.Key{Model: c.Name, Dir: c.Dir, Config: c.Config, Tokens: tokens, Request: lesson.Request()}
	if err := modelclient.Prepare(context.Background(), key, taps.Cache{Log: cell.Stderr}, serverOptions(cell.Stderr)); err != nil {
		fmt.Fprintf(cell.Stderr, "note: %s; the run cell will start the model itself\n", err)
	}
}
