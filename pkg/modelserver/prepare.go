package modelserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gpt2taps/gpt2taps/internal/atomicfile"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/modelclient"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// maxAhead bounds the results computed ahead that wait to be asked for.
const maxAhead = 8

// aheadResult is a result computed ahead (Prepare) and stored in the tap
// cache: the capture that asks for it is told it was computed, and in how long.
type aheadResult struct {
	seconds float64
	backend string
}

// prepare is a Prepare's work, after its reply: load the model unless it is
// loaded, then compute req's tokens into the tap cache, unless they are
// there, with the request of the last capture (s.last, kept across restarts)
// or, before any, req's own (none: only load). Its errors go to the log only: the
// capture that follows reports its own.
func (s *server) prepare(ctx context.Context, req modelclient.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.prepareLocked(ctx, req); err != nil {
		fmt.Fprintf(s.log, "prepare: %v\n", firstLine(err.Error()))
	}
}

func (s *server) prepareLocked(ctx context.Context, req modelclient.Request) error {
	if req.Backend != s.backend {
		return fmt.Errorf("this model server runs backend %s, the request asks for %s", s.backend, req.Backend)
	}
	if s.dir != "" && req.Dir != s.dir {
		return fmt.Errorf("this model server holds the checkpoint %s, the request is for %s", s.dir, req.Dir)
	}
	if req.Dir == "" {
		return errors.New("no checkpoint directory")
	}
	cfg, err := gpt2.LoadConfig(req.Dir)
	if err != nil {
		return err
	}
	if cfg != req.Config {
		return fmt.Errorf("the checkpoint %s changed since the request was made", req.Dir)
	}
	s.dir = req.Dir
	if s.last != nil {
		req.Points, req.Reductions, req.Logits = s.last.Points, s.last.Reductions, s.last.Logits
	}
	if !namesTaps(req) || len(req.IDs) == 0 {
		return s.load(taps.Key{Model: req.Model, Dir: req.Dir, Config: cfg}, io.Discard)
	}
	key, err := requestKey(req)
	if err != nil {
		return err
	}
	cache := taps.Cache{Dir: req.CacheDir, Log: s.log}
	if _, ok := s.stored(cache, key); ok {
		return s.load(key, io.Discard)
	}
	start := time.Now()
	res, err := cache.Do(ctx, key, func() (*taps.Result, error) { return s.run(key, io.Discard) })
	if err != nil {
		return err
	}
	if res.Info.Computed && res.Info.CachePath != "" {
		if len(s.ahead) >= maxAhead || s.ahead == nil {
			s.ahead = map[string]aheadResult{}
		}
		s.ahead[res.Info.CachePath] = aheadResult{seconds: time.Since(start).Seconds(), backend: res.Info.Backend}
		fmt.Fprintf(s.log, "computed %d tokens ahead into %s\n", len(key.Tokens.IDs), res.Info.CachePath)
	}
	return nil
}

// namesTaps reports whether a request says what to tap.
func namesTaps(r modelclient.Request) bool {
	return len(r.Points) > 0 || len(r.Reductions) > 0 || r.Logits
}

// stored returns the cache file of key's result when it exists.
func (s *server) stored(cache taps.Cache, key taps.Key) (string, bool) {
	path, err := cache.Path(key)
	if err != nil {
		return "", false
	}
	if _, err := os.Stat(path); err != nil {
		return "", false
	}
	return path, true
}

// remember keeps req's taps request as the last one (s.last), in memory and
// next to the socket, so that a Prepare without one — and a Prepare sent to
// the next server of this checkpoint, after this one's idle time-out — uses
// it.
func (s *server) remember(req modelclient.Request) {
	last := modelclient.Request{V: modelclient.Version, Points: req.Points, Reductions: req.Reductions, Logits: req.Logits}
	if s.last != nil && slices.Equal(s.last.Points, last.Points) && slices.EqualFunc(s.last.Reductions, last.Reductions, sameReduction) && s.last.Logits == last.Logits {
		return
	}
	s.last = &last
	path := s.lastPath()
	if path == "" {
		return
	}
	b, _ := json.Marshal(last)
	if err := atomicfile.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		fmt.Fprintf(s.log, "note: could not keep the last request in %s: %v\n", path, err)
	}
}

func sameReduction(a, b modelclient.Reduction) bool {
	return a.Name == b.Name && a.Op == b.Op && slices.Equal(a.Inputs, b.Inputs)
}

// lastPath is the file keeping the last request, next to the socket ("" for a
// one-shot server).
func (s *server) lastPath() string {
	if s.opts.Once || s.opts.Socket == "" {
		return ""
	}
	return strings.TrimSuffix(s.opts.Socket, ".sock") + ".last.json"
}

// readLast reads the last request a server of this socket kept (nil when
// there is none or it cannot be read).
func readLast(path string, log io.Writer) *modelclient.Request {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var r modelclient.Request
	if err := json.Unmarshal(b, &r); err != nil || r.V != modelclient.Version || !namesTaps(r) {
		fmt.Fprintf(log, "note: ignoring the last request kept in %s: not a request of protocol %d\n", path, modelclient.Version)
		return nil
	}
	return &r
}

// firstLine is s up to its first newline.
func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
