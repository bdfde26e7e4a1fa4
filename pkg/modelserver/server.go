// Package modelserver keeps one GPT-2 model loaded in a local process and runs
// captures for the notebook cells of its user (package modelclient, which
// links no GoMLX, is the other side): a new text costs its forward pass, not
// loading the weights and compiling the graph again, as in a Python kernel.
//
// A server listens on a Unix socket (mode 0600, in the user's private
// directory: see modelclient.PrivateDir) and serves one request at a time;
// the protocol is one line of JSON each way (modelclient.Request and Reply,
// versioned by modelclient.Version). It holds one model — the checkpoint of
// its first request, on its backend — and refuses requests for another. Each
// capture goes through the tap cache (taps.Cache.Do), so the result lands
// there atomically: a client killed meanwhile finds it cached next time, and
// a server killed meanwhile leaves no half-written file. The reply names the
// cache file; a result the cache holds already is answered with its file
// unread (the client checks it when it reads it). A Prepare
// (modelclient.Prepare) is answered at once; then the server loads the model
// and computes the prepared tokens ahead with the request of its last capture
// (kept next to the socket, in <socket>.last.json, so that the next server of
// the checkpoint knows it too), and tells the capture that asks for them that
// they were computed ahead. A server exits after an idle time-out, on SIGTERM or SIGINT and
// when asked to stop, removing its socket; it replaces a stale socket (one
// nobody listens on) and refuses to start beside a live one.
package modelserver

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gofrs/flock"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/modelclient"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// Options configure a server.
type Options struct {
	Socket  string        // the Unix socket to listen on (its directory must be private; unused with Once)
	Backend string        // GoMLX backend; "" → $GOMLX_BACKEND, else "auto" (as modelclient resolves it)
	Idle    time.Duration // exit after this long without a request; 0 → modelclient.DefaultIdle
	Once    bool          // serve one request read from In, reply on Out, exit (the one-shot fallback)
	Log     io.Writer     // what the server does (listening, models loaded, captures, exit); nil discards it
	// Nice lowers the server's CPU priority by this much (Linux; unused with
	// Once), so that what it computes ahead (Prepare) gives way to the cells
	// being built meanwhile: on a machine with few cores, they compete.
	Nice int
	In   io.Reader // Once: the request (nil → standard input)
	Out  io.Writer // Once: the reply (nil → standard output)
}

// ErrAlreadyRunning is returned when a server already listens on the socket.
var ErrAlreadyRunning = errors.New("a model server is already running")

// readTimeout bounds the wait for a connection's request line.
const readTimeout = 30 * time.Second

// server is one model and the requests it serves.
type server struct {
	opts    Options
	backend string
	log     io.Writer
	exe     string      // the server's binary, and
	exeInfo os.FileInfo // what it was at start (nil: unknown)
	stop    chan struct{}
	stopped sync.Once

	mu    sync.Mutex // one request at a time; guards what follows
	m     *model.Model
	dir   string                 // the checkpoint this server holds (set by its first request)
	fp    string                 // m's checkpoint fingerprint
	last  *modelclient.Request   // the last capture's request (its taps.Request part), for Prepare
	ahead map[string]aheadResult // results computed ahead (Prepare), by cache file, until asked for
}

// Serve runs a server until its idle time-out, a stop request, SIGTERM or
// SIGINT, or ctx's end, and returns nil then; with Once it serves one request.
func Serve(ctx context.Context, opts Options) error {
	s := &server{opts: opts, backend: resolveBackend(opts.Backend), log: opts.Log, stop: make(chan struct{})}
	if s.log == nil {
		s.log = io.Discard
	}
	s.log = &syncWriter{w: s.log}
	if opts.Once {
		return s.once()
	}
	if opts.Idle <= 0 {
		s.opts.Idle = modelclient.DefaultIdle
	}
	if exe, err := os.Executable(); err == nil {
		if info, err := os.Stat(exe); err == nil {
			s.exe, s.exeInfo = exe, info
		}
	}
	lowerPriority(opts.Nice)
	ctx, stopSignals := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stopSignals()
	ln, unlock, err := listen(opts.Socket, s.log)
	if err != nil {
		return err
	}
	defer unlock()
	s.last = readLast(s.lastPath(), s.log)
	fmt.Fprintf(s.log, "listening on %s (backend %s, idle time-out %s, pid %d)\n", opts.Socket, s.backend, s.opts.Idle, os.Getpid())
	s.loop(ctx, ln, stopSignals)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m != nil {
		s.m.Close()
		s.m = nil
	}
	return nil
}

// resolveBackend resolves a backend name as modelclient does.
func resolveBackend(b string) string {
	if b == "" {
		b = os.Getenv("GOMLX_BACKEND")
	}
	if b == "" {
		b = "auto"
	}
	return b
}

// listen takes the socket's lock (held while the server lives: a second
// server on the same socket finds it taken), replaces a stale socket file and
// listens with mode 0600.
func listen(socket string, log io.Writer) (net.Listener, func(), error) {
	if socket == "" {
		return nil, nil, fmt.Errorf("no socket: give --socket PATH")
	}
	if err := modelclient.CheckPrivateDir(filepath.Dir(socket)); err != nil {
		return nil, nil, err
	}
	lk := flock.New(socket + ".lock")
	if ok, err := lk.TryLock(); err != nil {
		return nil, nil, fmt.Errorf("lock %s: %w", socket+".lock", err)
	} else if !ok {
		return nil, nil, fmt.Errorf("%w on %s", ErrAlreadyRunning, socket)
	}
	unlock := func() { _ = lk.Unlock() }
	if _, err := os.Lstat(socket); err == nil {
		if c, err := net.DialTimeout("unix", socket, time.Second); err == nil {
			c.Close()
			unlock()
			return nil, nil, fmt.Errorf("%w on %s", ErrAlreadyRunning, socket)
		}
		if err := os.Remove(socket); err != nil {
			unlock()
			return nil, nil, fmt.Errorf("replace the stale socket %s: %w", socket, err)
		}
		fmt.Fprintf(log, "replaced the stale socket %s\n", socket)
	}
	ln, err := net.Listen("unix", socket)
	if err != nil {
		unlock()
		return nil, nil, err
	}
	if err := os.Chmod(socket, 0o600); err != nil {
		ln.Close()
		unlock()
		return nil, nil, err
	}
	return ln, unlock, nil
}

// loop accepts connections and serves each in its own goroutine (the model
// itself one request at a time) until the idle time-out, a stop, or ctx's
// end; then it closes the listener (removing the socket) and waits for the
// requests under way.
func (s *server) loop(ctx context.Context, ln net.Listener, stopSignals func()) {
	conns := make(chan net.Conn)
	quit := make(chan struct{})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			select {
			case conns <- c:
			case <-quit:
				c.Close()
				return
			}
		}
	}()
	var wg sync.WaitGroup
	done := make(chan struct{})
	busy := 0
	idle := time.NewTimer(s.opts.Idle)
	defer idle.Stop()
	rctx := context.WithoutCancel(ctx) // a capture under way finishes and is stored
loop:
	for {
		select {
		case c := <-conns:
			busy++
			idle.Stop()
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.handle(rctx, c)
				select {
				case done <- struct{}{}:
				case <-quit:
				}
			}()
		case <-done:
			if busy--; busy == 0 {
				idle.Reset(s.opts.Idle)
			}
		case <-idle.C:
			fmt.Fprintf(s.log, "no request for %s: exiting\n", s.opts.Idle)
			break loop
		case <-s.stop:
			fmt.Fprintln(s.log, "asked to stop: exiting")
			break loop
		case <-ctx.Done():
			stopSignals() // a second signal kills at once
			fmt.Fprintf(s.log, "%v: exiting\n", context.Cause(ctx))
			break loop
		}
	}
	close(quit)
	ln.Close() // removes the socket
	_ = os.Remove(s.opts.Socket)
	wg.Wait()
}

// handle serves one connection: one request line, one reply line.
func (s *server) handle(ctx context.Context, c net.Conn) {
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(readTimeout))
	line, err := bufio.NewReader(c).ReadBytes('\n')
	if err != nil {
		return // a probe (modelclient waits for the socket by connecting), or a client gone
	}
	_ = c.SetReadDeadline(time.Time{})
	rep, after := s.serveLine(ctx, line)
	b, _ := json.Marshal(rep)
	_, _ = c.Write(append(b, '\n'))
	if after != nil {
		c.Close() // the client has its answer; the work goes on
		after()
	}
}

// serveLine answers one request line, and returns what is left to do after
// the reply (a Prepare's work), if anything.
func (s *server) serveLine(ctx context.Context, line []byte) (modelclient.Reply, func()) {
	var req modelclient.Request
	if err := json.Unmarshal(line, &req); err != nil {
		return modelclient.Reply{V: modelclient.Version, Error: fmt.Sprintf("model server: unreadable request: %v", err)}, nil
	}
	if req.V != modelclient.Version {
		return modelclient.Reply{V: modelclient.Version, Error: fmt.Sprintf("model server: protocol %d, this server speaks %d: update gpt2taps", req.V, modelclient.Version)}, nil
	}
	switch req.Op {
	case modelclient.OpStop:
		s.stopped.Do(func() { close(s.stop) })
		s.mu.Lock()
		defer s.mu.Unlock()
		return modelclient.Reply{V: modelclient.Version, Model: s.dir}, nil
	case modelclient.OpCapture, modelclient.OpPrepare:
		if !s.opts.Once && s.rebuilt() {
			fmt.Fprintf(s.log, "%s was rebuilt: exiting so that the new build serves\n", s.exe)
			s.stopped.Do(func() { close(s.stop) })
			return modelclient.Reply{V: modelclient.Version, Restart: true}, nil
		}
		if req.Op == modelclient.OpPrepare {
			return modelclient.Reply{V: modelclient.Version}, func() { s.prepare(ctx, req) }
		}
		return s.capture(ctx, req), nil
	}
	return modelclient.Reply{V: modelclient.Version, Error: fmt.Sprintf("model server: unknown operation %q", req.Op)}, nil
}

// rebuilt reports whether the server's binary file was replaced since it
// started (modelclient rebuilt it from changed sources).
func (s *server) rebuilt() bool {
	if s.exeInfo == nil {
		return false
	}
	now, err := os.Stat(s.exe)
	return err != nil || !os.SameFile(s.exeInfo, now)
}

// capture runs one capture request through the tap cache.
func (s *server) capture(ctx context.Context, req modelclient.Request) modelclient.Reply {
	start := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	rep := modelclient.Reply{V: modelclient.Version}
	fail := func(err error) modelclient.Reply {
		rep.Error = err.Error()
		return rep
	}
	if req.Backend != s.backend {
		return fail(fmt.Errorf("this model server runs backend %s, the request asks for %s: each checkpoint and backend has its own server (see modelclient.SocketPath)", s.backend, req.Backend))
	}
	if !s.opts.Once && s.dir != "" && req.Dir != s.dir {
		return fail(fmt.Errorf("this model server holds the checkpoint %s, the request is for %s: each checkpoint and backend has its own server (see modelclient.SocketPath)", s.dir, req.Dir))
	}
	key, err := requestKey(req)
	if err != nil {
		return fail(err)
	}
	if s.dir == "" {
		s.dir = key.Dir
	}
	s.remember(req)
	notes := &lines{}
	cache := taps.Cache{Dir: req.CacheDir, Log: io.MultiWriter(s.log, notes)}
	if !s.opts.Once {
		// Already stored (computed ahead, or earlier): the client reads and
		// checks the file itself; reading it here too would double the cost.
		if path, ok := s.stored(cache, key); ok {
			rep.CachePath = path
			if a, ok := s.ahead[path]; ok {
				delete(s.ahead, path)
				rep.Computed, rep.Ahead, rep.Backend, rep.Seconds = true, true, a.backend, a.seconds
			}
			return rep
		}
	}
	res, err := cache.Do(ctx, key, func() (*taps.Result, error) {
		return s.run(key, notes)
	})
	rep.Notes = notes.list()
	if err != nil {
		return fail(err)
	}
	rep.CachePath, rep.Computed, rep.Backend = res.Info.CachePath, res.Info.Computed, res.Info.Backend
	if rep.CachePath == "" { // the cache could not take it (its note is in Notes): hand the file over
		if req.SpillDir == "" {
			return fail(fmt.Errorf("the taps could not be stored in the tap cache %s: set GPT2TAPS_CACHE to a writable directory", req.CacheDir))
		}
		rep.File = filepath.Join(req.SpillDir, "result.safetensors")
		if err := taps.WriteFile(rep.File, res, map[string]string{"producer": "gpt2taps serve"}); err != nil {
			return fail(fmt.Errorf("hand the taps over: %w", err))
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep
}

// run is the forward pass of key on the server's model, loading it first
// (again, when the checkpoint's files changed since it was loaded).
func (s *server) run(key taps.Key, notes io.Writer) (*taps.Result, error) {
	if err := s.load(key, notes); err != nil {
		return nil, err
	}
	start := time.Now()
	res, err := s.m.Run(gpt2.Tokens(key.Tokens), key.Request)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(s.log, "captured %d tokens of %s in %.2fs\n", len(key.Tokens.IDs), key.Model, time.Since(start).Seconds())
	return res, nil
}

// load loads key's checkpoint unless it is loaded (again, when its files
// changed since it was loaded).
func (s *server) load(key taps.Key, notes io.Writer) error {
	fp, err := taps.ModelFingerprint(key.Dir)
	if err != nil {
		return err
	}
	if s.m != nil && fp != s.fp {
		fmt.Fprintf(s.log, "the checkpoint %s changed since it was loaded: loading it again\n", key.Dir)
		s.m.Close()
		s.m = nil
	}
	if s.m == nil {
		m, err := model.OpenKey(model.Source{Backend: s.backend, Log: io.MultiWriter(s.log, notes)}, key)
		if err != nil {
			return err
		}
		s.m, s.fp = m, fp
	}
	return nil
}

// requestKey is the taps.Key of a request, checked as checkpoints.NewKey checks it
// (with its messages): tokens, then the configuration, then the request.
func requestKey(req modelclient.Request) (taps.Key, error) {
	enc := req.Encoding()
	if err := gpt2.CheckTokens(enc, gpt2.Config{}); err != nil {
		return taps.Key{}, err
	}
	if req.Dir == "" {
		return taps.Key{}, fmt.Errorf("no model: give a Hub id such as gpt2-large or a checkpoint directory")
	}
	cfg, err := gpt2.LoadConfig(req.Dir)
	if err != nil {
		return taps.Key{}, err
	}
	if err := gpt2.CheckTokens(enc, cfg); err != nil {
		return taps.Key{}, fmt.Errorf("%s: %w", req.Model, err)
	}
	tr, err := req.TapsRequest()
	if err != nil {
		return taps.Key{}, err
	}
	if _, err := tr.Validate(cfg.NLayer); err != nil {
		return taps.Key{}, err
	}
	if cfg != req.Config {
		return taps.Key{}, fmt.Errorf("the checkpoint %s changed since this capture was planned (its config.json differs): run it again", req.Dir)
	}
	return taps.Key{Model: req.Model, Dir: req.Dir, Config: cfg, Tokens: enc, Request: tr}, nil
}

// once serves the one request on In.
func (s *server) once() error {
	in, out := s.opts.In, s.opts.Out
	if in == nil {
		in = os.Stdin
	}
	if out == nil {
		out = os.Stdout
	}
	line, err := bufio.NewReader(in).ReadBytes('\n')
	if err != nil && (err != io.EOF || len(strings.TrimSpace(string(line))) == 0) {
		return fmt.Errorf("read the request: %w", err)
	}
	rep, _ := s.serveLine(context.Background(), line) // no Prepare work: the process ends
	s.mu.Lock()
	if s.m != nil {
		s.m.Close()
		s.m = nil
	}
	s.mu.Unlock()
	b, _ := json.Marshal(rep)
	_, err = out.Write(append(b, '\n'))
	return err
}

// lines collects what is written to it, line by line (a request's notes).
type lines struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lines) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range strings.Split(l.buf.String(), "\n") {
		if line = strings.TrimRight(line, "\r "); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// syncWriter serializes writes to w (the log is written by every request).
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}
