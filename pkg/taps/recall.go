package taps

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gpt2taps/gpt2taps/internal/atomicfile"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// The tap cache's recall index finds a result by what it was asked for — the
// model argument, the text and the request as given — without tokenizing the
// text or resolving the model. A notebook's analysis cells use it (Recall):
// they then link neither the tokenizer's tables nor the Hugging Face Hub
// client, and build in well under a second. Every result the cache stores or
// serves through Do is remembered there; Recall then checks it like Load does
// (the model files' fingerprint, the tokens, the request), so a stale entry is
// a miss, never a wrong result.

// recallDir is the index's directory inside the cache.
const recallDir = "recall"

// recallEntry is one remembered key.
type recallEntry struct {
	Model   string      `json:"model"`
	Dir     string      `json:"dir"`
	Config  gpt2.Config `json:"config"`
	IDs     []int       `json:"ids"`
	Tokens  []string    `json:"tokens"`
	Request Request     `json:"request"`
}

// recallPath is the index file of (model, text, req) in the cache.
func (c Cache) recallPath(model, text string, req Request) string {
	h := sha256.New()
	for _, part := range []string{cacheFormat, model, text, recallRequest(req)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return filepath.Join(c.dir(), recallDir, hex.EncodeToString(h.Sum(nil))[:32]+".json")
}

// recallRequest spells req as given (its points in their order), the same
// whether its lists are nil or empty: the model server rebuilds requests from
// its protocol.
func recallRequest(req Request) string {
	var b strings.Builder
	fmt.Fprintf(&b, "points=%q logits=%v", req.Points, req.Logits)
	for _, r := range req.Reductions {
		fmt.Fprintf(&b, " %s=%s", r.Name, r.key())
	}
	return b.String()
}

// remember records k under the text its tokens spell (tokens rejoin into the
// text exactly), so that Recall finds its result.
func (c Cache) remember(k Key) error {
	data, err := json.Marshal(recallEntry{Model: k.Model, Dir: k.Dir, Config: k.Config, IDs: k.Tokens.IDs, Tokens: k.Tokens.Tokens, Request: k.Request})
	if err != nil {
		return err
	}
	path := c.recallPath(k.Model, strings.Join(k.Tokens.Tokens, ""), k.Request)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data, 0o644)
}

// Recall returns the cached result of req on model (the argument as given to
// NewKey: a Hub id or a directory) and text, if a run through Do stored or
// served it and the cache still holds it for the same model files; ok is
// false otherwise. It never tokenizes, resolves or computes.
func (c Cache) Recall(model, text string, req Request) (res *Result, ok bool, err error) {
	data, err := os.ReadFile(c.recallPath(model, text, req))
	if os.IsNotExist(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("tap cache: %w", err)
	}
	var e recallEntry
	if err := json.Unmarshal(data, &e); err != nil || e.Dir == "" || len(e.IDs) != len(e.Tokens) {
		fmt.Fprintf(c.log(), "note: ignoring the tap cache's index entry for %s: it is damaged; run the capture again\n", model)
		return nil, false, nil
	}
	if _, err := os.Stat(e.Dir); err != nil {
		return nil, false, nil // the checkpoint is gone: its taps are not this model's any more
	}
	return c.Load(Key{Model: e.Model, Dir: e.Dir, Config: e.Config, Tokens: gpt2.Encoding{IDs: e.IDs, Tokens: e.Tokens}, Request: e.Request})
}
