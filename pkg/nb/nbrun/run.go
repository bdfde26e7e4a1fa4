package nbrun

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/modelclient"
	"github.com/gpt2taps/gpt2taps/pkg/nb/internal/cell"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// ServerIdle is how long the model server a notebook cell starts waits for
// the next capture before it exits and frees the model's memory, unless
// $GPT2TAPS_SERVER_IDLE says otherwise: long enough to read a figure and
// edit the text, short enough not to hold gpt2-large's 3 GB for the rest of
// the day after the notebook is closed.
const ServerIdle = 15 * time.Minute

// Run runs the model name ($GPT2TAPS_MODEL replaces it) on the text
// ($GPT2TAPS_TEXT_FILE replaces it) and returns what req asks for — the one
// capture of notebooks 01 and 02, in the cell under "Run GPT-2 once". It
// links no GoMLX, so the cell builds as fast as the others: it makes the tap
// cache's key (the text tokenized, the checkpoint found — downloaded if
// needed —, no weights loaded) and returns the taps from the tap cache
// ($GPT2TAPS_CACHE, else ~/.cache/gpt2taps/taps) when they are there; else
// the model server of this checkpoint and backend (GOMLX_BACKEND, else
// automatic) computes them — started on first use, it keeps the model loaded
// between cells, so a new text pays only its forward pass — and stores them
// in the tap cache, where the notebook's other cells find them (Taps). The
// server exits after ServerIdle without a capture ($GPT2TAPS_SERVER_IDLE,
// e.g. 30s); GPT2TAPS_SERVER=off runs each capture in a one-shot process
// instead (package modelclient). res.Info says whether the taps were
// computed or loaded, and on which backend.
func Run(name, s string, req taps.Request) *taps.Result {
	ctx := context.Background()
	name = cell.ModelName(name, false)
	key, err := checkpoints.NewKey(ctx, name, checkpoints.Options{Progress: cell.Stderr}, gpt2.Text(cell.Text(s, false)), req)
	check(err)
	return must(modelclient.Capture(ctx, key, taps.Cache{Log: cell.Stderr, Map: true}, serverOptions(cell.Stderr)))
}

// serverOptions are the options of a capture through the model server from a
// cell: the idle time-out (serverIdle), log for the notes, and this
// program's environment made fit for the server's build (serverBuildEnv).
func serverOptions(log io.Writer) modelclient.Options {
	serverBuildEnv()
	return modelclient.Options{Idle: must(serverIdle()), Log: log}
}

// serverIdle is the idle time-out of a server Run starts: $GPT2TAPS_SERVER_IDLE,
// else ServerIdle.
func serverIdle() (time.Duration, error) {
	v := env.Read().ServerIdle
	if v == "" {
		return ServerIdle, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive duration such as 30s or 15m (or unset it)", env.ServerIdle, v)
	}
	return d, nil
}

// cellBuildVars are the build settings the notebooks' set-up cell gives the
// kernel for the cells (CGO_ENABLED=0: no cell of notebooks 01 and 02 links
// GoMLX or any C). The model server is another program, built from the
// repository with go build: it links GoMLX, whose XLA backend needs cgo, so
// it must be built with the toolchain's defaults, not the cells' settings.
var cellBuildVars = []string{"CGO_ENABLED"}

// serverBuildEnv removes the cells' build settings from this program's
// environment, which the model server's build and the server inherit.
func serverBuildEnv() {
	for _, v := range cellBuildVars {
		os.Unsetenv(v)
	}
}
