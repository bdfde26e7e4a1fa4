package main

import (
	"context"
	"io"

	"github.com/gpt2taps/gpt2taps/pkg/modelclient"
	"github.com/gpt2taps/gpt2taps/pkg/modelserver"
)

// runServe keeps one model loaded behind a Unix socket for the user's notebook
// cells (package modelclient starts it on first use), or with --once serves
// one request read from standard input.
func runServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	socket := fs.String("socket", "", "the Unix socket to listen on, in a directory only you may enter (modelclient.PrivateDir)")
	backend := fs.String("backend", "", "GoMLX backend: go, xla:cpu, xla:cuda, auto (default $GOMLX_BACKEND, else auto)")
	idle := fs.Duration("idle", modelclient.DefaultIdle, "exit after this long without a request")
	once := fs.Bool("once", false, "serve one request from standard input, reply on standard output, and exit")
	nice := fs.Int("nice", 10, "lower the server's CPU priority by this much (Linux), so that what it computes ahead gives way to the notebook's cells; 0 keeps it")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !*once && *socket == "" {
		return usageError{"no socket: give --socket PATH (or --once)"}
	}
	if *idle <= 0 {
		return usageError{"--idle must be positive, e.g. --idle 10m"}
	}
	// A second server on the same socket fails with modelserver.ErrAlreadyRunning
	// (exit status 1); the client that started it uses the one running.
	return modelserver.Serve(context.Background(), modelserver.Options{Socket: *socket, Backend: *backend, Idle: *idle, Once: *once, Nice: *nice, Log: stderr, Out: stdout})
}
