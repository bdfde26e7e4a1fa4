// Package modelclient asks a local model server for a capture, so that a new
// text costs only its forward pass: GoNB runs every notebook cell as a new
// program, and loading gpt2-large's weights and compiling its graph again in
// each would cost most of a cell's time. It is plain Go — a cell that asks for
// a capture links no GoMLX and builds in well under a second.
//
// Capture returns the result from the tap cache when it holds it. Otherwise
// it asks the server of the key's checkpoint and backend (gpt2taps serve; see
// package modelserver), starting it on first use. The server keeps the model
// loaded, stores the result in the tap cache (atomically: a client killed
// meanwhile loses nothing) and answers with the cache file, which Capture
// reads. The server exits after an idle time-out. Prepare hands it tokens
// ahead of their capture, to load the model and compute them in the
// background while a notebook's other cells run.
//
// Security: the server's socket lies in a directory only the user may enter
// (PrivateDir: $XDG_RUNTIME_DIR/gpt2taps, else os.TempDir()/gpt2taps-<uid>,
// mode 0700, refused when owned by someone else or open to others), and is
// itself mode 0600.
//
// Fallback: if no server can be used — GPT2TAPS_SERVER=off, Options.Disabled,
// a private directory that fails its checks, a server that cannot be started
// or that dies during the request — the capture runs in a one-shot child
// process (gpt2taps serve --once: load, run, store, exit), with one note line
// on Options.Log saying why. Memory: at most one model is loaded by the
// user's servers at a time — starting a server stops the user's servers of
// other checkpoints — so the peak stays that of one in-process capture.
package modelclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// DefaultIdle is how long a server waits for the next request before it
// exits, freeing the model's memory.
const DefaultIdle = 10 * time.Minute

// startTimeout bounds the wait for a started server to listen (it listens
// before it loads the model).
const startTimeout = 30 * time.Second

// Options say how Capture reaches a model.
type Options struct {
	Backend  string        // GoMLX backend; "" → $GOMLX_BACKEND, else "auto"
	Idle     time.Duration // a started server's idle time-out; 0 → DefaultIdle
	Log      io.Writer     // notes (fallbacks, the model loading, cache notes); nil discards them
	Disabled bool          // never use a server: always a one-shot process (as GPT2TAPS_SERVER=off)

	// Binary is the gpt2taps program to start; "" → BuiltBinary, else
	// gpt2taps on PATH.
	Binary string
	// Start starts a server listening on s.Socket and returns without waiting
	// for it (Capture waits until it listens); nil → Binary's serve
	// subcommand in a new session, so that it outlives the cell, its output
	// appended to s.Log. Tests run modelserver.Serve in a goroutine.
	Start func(s Server) error
}

// Server is a server to start.
type Server struct {
	Socket  string        // the Unix socket to listen on
	Backend string        // resolved, never ""
	Idle    time.Duration // its idle time-out
	Log     string        // its log file, next to the socket
}

// Args are the gpt2taps command-line arguments that start s.
func (s Server) Args() []string {
	return []string{"serve", "--socket", s.Socket, "--backend", s.Backend, "--idle", s.Idle.String()}
}

func (o Options) log() io.Writer {
	if o.Log == nil {
		return io.Discard
	}
	return o.Log
}

// backend resolves Options.Backend as package backend does.
func (o Options) backend() string {
	if o.Backend != "" {
		return o.Backend
	}
	if b := os.Getenv("GOMLX_BACKEND"); b != "" {
		return b
	}
	return "auto"
}

func (o Options) idle() time.Duration {
	if o.Idle <= 0 {
		return DefaultIdle
	}
	return o.Idle
}

// binary is the gpt2taps program to run.
func (o Options) binary() (string, error) {
	if o.Binary != "" {
		return o.Binary, nil
	}
	bin, err := BuiltBinary(o.log())
	if err == nil {
		return bin, nil
	}
	if p, perr := exec.LookPath("gpt2taps"); perr == nil {
		return p, nil
	}
	return "", err
}

// Capture returns key's result: from cache when it holds it, else computed by
// the model server of (key.Dir, backend) — started when none answers — and
// read back from the cache, else by a one-shot process (see the package
// comment). When that server is running, it is asked first, even for a cached
// result: it may have computed the result ahead (Prepare), or be computing
// it, and then says so (Info.Ahead). Errors of the capture itself (a text too
// long for the model, a request naming no tap…) are the same one-line errors
// as in-process.
func Capture(ctx context.Context, key taps.Key, cache taps.Cache, opts Options) (*taps.Result, error) {
	start := time.Now()
	req := newRequest(key, cache, opts)
	spill, err := os.MkdirTemp("", "gpt2taps-result-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(spill)
	req.SpillDir = spill
	if s, ok := liveServer(req, opts); ok {
		rep, err := Ask(ctx, s.Socket, req)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err == nil && !rep.Restart {
			var stale notReadBack
			if res, err := finish(key, cache, rep, start, opts.log()); !errors.As(err, &stale) {
				return res, err
			}
		}
	}
	if res, ok, err := cache.Load(key); err != nil || ok {
		return res, err
	}

	rep, err := viaServer(ctx, req, opts)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !errors.Is(err, errOff) {
			fmt.Fprintf(opts.log(), "note: %s; running this capture in a one-shot process\n", firstLine(err.Error()))
		}
		if rep, err = oneShot(ctx, req, opts); err != nil {
			return nil, err
		}
	}
	return finish(key, cache, rep, start, opts.log())
}

// newRequest is the request for key with the checkpoint directory and the
// cache made absolute (the server runs elsewhere).
func newRequest(key taps.Key, cache taps.Cache, opts Options) Request {
	cacheDir := cache.Dir
	if cacheDir == "" {
		cacheDir = taps.DefaultCacheDir()
	}
	if abs, err := filepath.Abs(cacheDir); err == nil {
		cacheDir = abs
	}
	if abs, err := filepath.Abs(key.Dir); err == nil {
		key.Dir = abs
	}
	return NewRequest(key, opts.backend(), cacheDir)
}

// liveServer returns the server of req's checkpoint and backend if one is
// listening (and the server is not switched off).
func liveServer(req Request, opts Options) (Server, bool) {
	s, err := serverFor(req, opts)
	if err != nil || !listening(s.Socket) {
		return Server{}, false
	}
	return s, true
}

// errOff: the server is switched off (no note: it was asked for).
var errOff = errors.New("the model server is off")

// viaServer asks the server of req's checkpoint and backend, starting it if
// none answers.
func viaServer(ctx context.Context, req Request, opts Options) (Reply, error) {
	s, err := serverFor(req, opts)
	if err != nil {
		return Reply{}, err
	}
	for attempt := 0; ; attempt++ {
		rep, err := Ask(ctx, s.Socket, req)
		switch {
		case err == nil && rep.Restart && attempt == 0:
			waitGone(ctx, s.Socket) // an older build: it exits; start the new one
		case err == nil && rep.Restart:
			return Reply{}, fmt.Errorf("the model server at %s asked for a restart again", s.Socket)
		case err == nil:
			return rep, nil
		case errors.Is(err, errNoServer) && attempt == 0:
		default:
			return rep, err
		}
		if err := startServer(ctx, s, opts); err != nil {
			return Reply{}, err
		}
	}
}

// serverFor is the server of req's checkpoint and backend; errOff when
// servers are switched off, an error when none can be used.
func serverFor(req Request, opts Options) (Server, error) {
	if opts.Disabled || serverOff() {
		return Server{}, errOff
	}
	priv, err := PrivateDir()
	if err != nil {
		return Server{}, fmt.Errorf("not using a model server: %w", err)
	}
	s := Server{Socket: SocketPath(priv, req.Dir, req.Backend), Backend: req.Backend, Idle: opts.idle()}
	s.Log = strings.TrimSuffix(s.Socket, ".sock") + ".log"
	if err := checkSocketPath(s.Socket); err != nil {
		return Server{}, fmt.Errorf("not using a model server: %w", err)
	}
	return s, nil
}

// serverOff reports whether GPT2TAPS_SERVER switches the server off.
func serverOff() bool {
	switch strings.ToLower(strings.TrimSpace(env.Read().Server)) {
	case "off", "0", "false", "no":
		return true
	}
	return false
}

// startServer starts s and waits until it listens.
func startServer(ctx context.Context, s Server, opts Options) error {
	stopOthers(filepath.Dir(s.Socket), s.Socket, opts.log())
	var exited <-chan error
	if opts.Start != nil {
		if err := opts.Start(s); err != nil {
			return fmt.Errorf("the model server could not be started: %w", err)
		}
	} else {
		bin, err := opts.binary()
		if err != nil {
			return fmt.Errorf("the model server could not be started: %w", err)
		}
		if exited, err = startDetached(bin, s); err != nil {
			return fmt.Errorf("the model server could not be started: %w", err)
		}
	}
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if listening(s.Socket) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-exited:
			if listening(s.Socket) { // another cell's server won the race
				return nil
			}
			return fmt.Errorf("the model server exited at start (%v): %s (log %s)", err, lastLogLine(s.Log), s.Log)
		case <-deadline.C:
			return fmt.Errorf("the model server did not listen on %s within %s (log %s)", s.Socket, startTimeout, s.Log)
		case <-tick.C:
		}
	}
}

// startDetached starts bin's serve subcommand for s in a new session (it
// outlives this process), appending its output to s.Log. The channel gets
// its exit.
func startDetached(bin string, s Server) (<-chan error, error) {
	logf, err := os.OpenFile(s.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, s.Args()...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // a new session: it outlives the cell
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return exited, nil
}

// listening reports whether a server accepts connections on socket.
func listening(socket string) bool {
	c, err := net.DialTimeout("unix", socket, 500*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// waitGone waits (a few seconds at most) until nothing listens on socket.
func waitGone(ctx context.Context, socket string) {
	for i := 0; i < 250 && ctx.Err() == nil && listening(socket); i++ {
		time.Sleep(20 * time.Millisecond)
	}
}

// stopOthers asks the user's servers of other checkpoints or backends to
// exit (after what they are running), so that one model at a time stays in
// memory.
func stopOthers(priv, keep string, log io.Writer) {
	socks, _ := filepath.Glob(filepath.Join(priv, "model-*.sock"))
	for _, sock := range socks {
		if sock == keep {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		rep, err := Ask(ctx, sock, Request{V: Version, Op: OpStop})
		cancel()
		if err == nil && rep.Model != "" {
			fmt.Fprintf(log, "note: stopped the model server of %s (one model stays in memory at a time)\n", rep.Model)
		}
	}
}

// oneShot runs the capture in a child process: gpt2taps serve --once reads
// the request on its standard input and writes the reply on its output.
func oneShot(ctx context.Context, req Request, opts Options) (Reply, error) {
	bin, err := opts.binary()
	if err != nil {
		return Reply{}, fmt.Errorf("cannot run the capture: %w", err)
	}
	line, err := json.Marshal(req)
	if err != nil {
		return Reply{}, err
	}
	cmd := exec.CommandContext(ctx, bin, "serve", "--once", "--backend", req.Backend)
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(append(line, '\n')), &stdout, &stderr
	runErr := cmd.Run()
	var rep Reply
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &rep); err != nil || rep.V != Version {
		if ctx.Err() != nil {
			return Reply{}, ctx.Err()
		}
		why := lastLine(stderr.String())
		if why == "" && runErr != nil {
			why = runErr.Error()
		}
		return Reply{}, fmt.Errorf("the one-shot capture (%s serve --once) failed: %s", bin, why)
	}
	return rep, nil
}

// finish turns a reply into the result, read back from the cache (or the
// spilled file).
func finish(key taps.Key, cache taps.Cache, rep Reply, start time.Time, log io.Writer) (*taps.Result, error) {
	for _, n := range rep.Notes {
		fmt.Fprintln(log, n)
	}
	if rep.Error != "" {
		return nil, errors.New(rep.Error)
	}
	var res *taps.Result
	if rep.File != "" {
		f, err := taps.ReadFile(rep.File)
		os.Remove(rep.File)
		if err != nil {
			return nil, fmt.Errorf("read the model server's result: %w", err)
		}
		res = f.Result
		res.Tokens = key.Tokens.Tokens
		res.Info = taps.Info{Model: key.Model, Dir: key.Dir, Backend: rep.Backend}
	} else {
		var ok bool
		var err error
		if res, ok, err = cache.Load(key); err != nil {
			return nil, err
		} else if !ok {
			return nil, notReadBack{rep.CachePath}
		}
	}
	res.Info.Computed = rep.Computed
	res.Info.Elapsed = time.Since(start)
	if rep.Ahead {
		res.Info.Ahead, res.Info.Waited = true, res.Info.Elapsed
		res.Info.Elapsed = time.Duration(rep.Seconds * float64(time.Second))
	}
	return res, nil
}

// notReadBack: the reply names a cache file that fails its checks (the
// client removed it; asking again computes it anew).
type notReadBack struct{ path string }

func (e notReadBack) Error() string {
	return fmt.Sprintf("the model server stored the taps in %s, but they cannot be read back from the tap cache", e.path)
}

// lastLogLine is the last non-empty line of the file at path.
func lastLogLine(path string) string {
	b, _ := os.ReadFile(path)
	return lastLine(string(b))
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
