package modelclient

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// Version is the protocol's version. A request carries it, and socket names
// include it, so a client never talks to a server of another version.
const Version = 1

// The operations of a Request.
const (
	OpCapture = ""        // run the capture (the default)
	OpStop    = "stop"    // finish what is running, remove the socket and exit
	OpPrepare = "prepare" // answer at once, then load the model and compute ahead (see Prepare)
)

// Request is one line of JSON a client sends: a capture's taps.Key (the
// checkpoint already resolved, the text already tokenized) and where the
// result goes.
type Request struct {
	V          int         `json:"v"`
	Op         string      `json:"op,omitempty"`
	Model      string      `json:"model,omitempty"`   // the model argument, for records and messages
	Dir        string      `json:"dir,omitempty"`     // the checkpoint directory (absolute)
	Backend    string      `json:"backend,omitempty"` // resolved: never "" (see Options.Backend)
	Config     gpt2.Config `json:"config"`            // the key's config.json, checked against the dir's
	IDs        []int       `json:"ids"`
	Tokens     []string    `json:"tokens"`
	Points     []string    `json:"points,omitempty"`
	Reductions []Reduction `json:"reductions,omitempty"`
	Logits     bool        `json:"logits,omitempty"`
	CacheDir   string      `json:"cache_dir,omitempty"` // the tap cache (resolved: the client's environment decides)
	SpillDir   string      `json:"spill_dir,omitempty"` // where to write the result when the cache cannot take it
}

// Reduction is a taps.Reduction on the wire, its inputs by name.
type Reduction struct {
	Name   string   `json:"name"`
	Op     string   `json:"op"`
	Inputs []string `json:"inputs"`
}

// Reply is the line of JSON a server answers with.
type Reply struct {
	V         int      `json:"v"`
	CachePath string   `json:"cache_path,omitempty"` // the tap cache file holding the result
	File      string   `json:"file,omitempty"`       // else a file in the request's SpillDir holding it
	Computed  bool     `json:"computed,omitempty"`   // the forward pass ran (false: it was in the cache)
	Backend   string   `json:"backend,omitempty"`
	Seconds   float64  `json:"seconds,omitempty"` // the server's time on the request
	Model     string   `json:"model,omitempty"`   // the checkpoint the server holds (a stop's reply)
	Notes     []string `json:"notes,omitempty"`   // lines for the client's log (model loaded, cache notes)
	Error     string   `json:"error,omitempty"`   // the capture's error, as in-process
	Restart   bool     `json:"restart,omitempty"` // the server's binary was rebuilt: it exits; start a new one
	Ahead     bool     `json:"ahead,omitempty"`   // computed ahead, on a Prepare: Seconds is that forward pass's time
}

// NewRequest is the request for key on backend, its result stored in the tap
// cache at cacheDir.
func NewRequest(key taps.Key, backend, cacheDir string) Request {
	r := Request{V: Version, Model: key.Model, Dir: key.Dir, Backend: backend, Config: key.Config,
		IDs: key.Tokens.IDs, Tokens: key.Tokens.Tokens, Points: key.Request.Points, Logits: key.Request.Logits, CacheDir: cacheDir}
	for _, red := range key.Request.Reductions {
		w := Reduction{Name: red.Name, Op: red.Op}
		for _, k := range red.Inputs {
			w.Inputs = append(w.Inputs, k.String())
		}
		r.Reductions = append(r.Reductions, w)
	}
	return r
}

// TapsRequest is the taps.Request the request carries.
func (r Request) TapsRequest() (taps.Request, error) {
	req := taps.Request{Points: r.Points, Logits: r.Logits}
	for _, w := range r.Reductions {
		red := taps.Reduction{Name: w.Name, Op: w.Op}
		for _, name := range w.Inputs {
			k, ok := gpt2.KindByName(name)
			if !ok {
				return req, fmt.Errorf("reduction %q: unknown tap kind %q", w.Name, name)
			}
			red.Inputs = append(red.Inputs, k)
		}
		req.Reductions = append(req.Reductions, red)
	}
	return req, nil
}

// Encoding is the tokens the request carries.
func (r Request) Encoding() gpt2.Encoding { return gpt2.Encoding{IDs: r.IDs, Tokens: r.Tokens} }

// errNoServer: nothing listens on the socket.
var errNoServer = errors.New("no model server")

// errBroken: the server took the request but no whole reply came back (it
// stopped, crashed or was killed).
type errBroken struct{ err error }

func (e errBroken) Error() string {
	return "the model server stopped during the request: " + e.err.Error()
}
func (e errBroken) Unwrap() error { return e.err }

// Ask sends one request to the server at socket and returns its reply. An
// error is errNoServer-like when nothing listens (the caller starts a server)
// and a broken request when the connection ends without a reply. Cancelling
// ctx abandons the reply; the server finishes and stores the capture anyway.
func Ask(ctx context.Context, socket string, req Request) (Reply, error) {
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	conn, err := d.DialContext(dctx, "unix", socket)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return Reply{}, ctx.Err()
		}
		return Reply{}, fmt.Errorf("%w at %s: %v", errNoServer, socket, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	line, err := json.Marshal(req)
	if err != nil {
		return Reply{}, err
	}
	if _, err := conn.Write(append(line, '\n')); err != nil {
		return Reply{}, brokenOrCancelled(ctx, err)
	}
	var rep Reply
	r := bufio.NewReader(conn)
	b, err := r.ReadBytes('\n')
	if err != nil {
		return Reply{}, brokenOrCancelled(ctx, err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return Reply{}, errBroken{fmt.Errorf("unreadable reply: %v", err)}
	}
	if rep.V != Version {
		return Reply{}, fmt.Errorf("the model server at %s speaks protocol %d, this client %d", socket, rep.V, Version)
	}
	return rep, nil
}

func brokenOrCancelled(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return errBroken{err}
}
