package modelclient

import (
	"context"
	"errors"

	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// Prepare gets the model server of key's checkpoint and backend ready for a
// capture of key's tokens that is about to come, and returns without waiting
// for it: it starts the server if none is running (as Capture would), and the
// server, once it has answered, loads the model unless it is loaded and
// computes the tokens into the tap cache, unless they are there, with the
// request of the last capture of this checkpoint and backend (the server
// keeps it, across its restarts: what a notebook asked last, it most likely
// asks again) or, before any, with key.Request (naming no taps: only load). A notebook's checkpoint cell calls it, so that the
// weights load, and the forward pass runs, while the cells between it and the
// run cell build and run; the run cell's Capture then finds the result done
// or under way, and says it was computed ahead (Info.Ahead).
//
// It does nothing when servers are off (GPT2TAPS_SERVER=off,
// Options.Disabled) and returns an error when no server can be started; the
// server's own errors (a text too long for the model) are left for the
// capture to report. A result computed ahead for a request that then does
// not come is only stored in the tap cache; the capture asked for instead
// waits for that forward pass first.
func Prepare(ctx context.Context, key taps.Key, cache taps.Cache, opts Options) error {
	req := newRequest(key, cache, opts)
	req.Op = OpPrepare
	_, err := viaServer(ctx, req, opts)
	if errors.Is(err, errOff) {
		return nil
	}
	return err
}
