package taps

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// Source says which model to run, and where.
type Source struct {
	Model   string    // Hub id ("gpt2-large", "org/name") or checkpoint directory in Hugging Face layout
	Backend string    // GoMLX backend: "go", "xla:cpu", "xla:cuda", "auto"; "" → $GOMLX_BACKEND, else auto
	HFCache string    // Hugging Face hub cache ("" → $HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub)
	Offline bool      // never use the network (also HF_HUB_OFFLINE=1)
	Log     io.Writer // progress (downloads, loading) and notes; nil discards them
}

func (s Source) log() io.Writer {
	if s.Log == nil {
		return io.Discard
	}
	return s.Log
}

// Job is a run prepared up to its slow part: the model resolved to a
// checkpoint directory and its configuration read, the input tokenized and
// checked against it, the request checked. Whatever is wrong with the inputs
// is found by Prepare, before any weight is loaded.
type Job struct {
	Source   Source
	Dir      string        // the checkpoint directory
	Config   gpt2.Config   // its config.json
	Encoding gpt2.Encoding // the tokens
	Request  Request
	// Session, when set, is where Run loads the model and leaves it loaded for the next job (see Session).
	Session *Session
}

// Prepare is the one path from (model, text, taps wanted) to a run: it
// tokenizes in (an empty text fails before the model is looked up), resolves
// the model (downloading it into the Hugging Face cache if needed), reads its
// configuration, and checks the tokens and the request against it.
func Prepare(ctx context.Context, src Source, in Input, req Request) (*Job, error) {
	enc, err := in.tokens()
	if err != nil {
		return nil, err
	}
	if err := checkTokens(enc, gpt2.Config{}); err != nil {
		return nil, err
	}
	if src.Model == "" {
		return nil, fmt.Errorf("no model: give a Hub id such as gpt2-large or a checkpoint directory")
	}
	dir, err := gpt2.ResolveModel(ctx, src.Model, gpt2.ResolveOptions{CacheDir: src.HFCache, Offline: src.Offline, Progress: src.log()})
	if err != nil {
		return nil, err
	}
	cfg, err := gpt2.LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	if err := checkTokens(enc, cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", src.Model, err)
	}
	if _, err := req.check(cfg.NLayer); err != nil {
		return nil, err
	}
	return &Job{Source: src, Dir: dir, Config: cfg, Encoding: enc, Request: req}, nil
}

// Input is the job's tokens as an Input.
func (j *Job) Input() Input { return IDs(j.Encoding.IDs) }

// Load loads the job's model on its backend, reporting what it loaded to the
// source's log. The caller finalizes the model.
func (j *Job) Load() (*gpt2.Model, backend.Choice, error) {
	choice, err := backend.New(j.Source.Backend)
	if err != nil {
		return nil, choice, err
	}
	start := time.Now()
	m, err := gpt2.Load(j.Dir, choice.Backend)
	if err != nil {
		return nil, choice, err
	}
	c := m.Config
	fmt.Fprintf(j.Source.log(), "loaded %s (%d layers, width %d, %d heads) from %s in %.1fs; backend %s\n",
		j.Source.Model, c.NLayer, c.NEmbd, c.NHead, j.Dir, time.Since(start).Seconds(), choice)
	return m, choice, nil
}

// Run loads the model, runs the forward pass once and frees the model; through a Session, it loads the model
// only if the session holds another one, and leaves it loaded.
func (j *Job) Run() (*Result, error) {
	start := time.Now()
	res, choice, err := j.run()
	if err != nil {
		return nil, err
	}
	res.Tokens = j.Encoding.Tokens // the text's own bytes, as tokenized
	res.Info = Info{Model: j.Source.Model, Dir: j.Dir, Computed: true, Elapsed: time.Since(start), Backend: choice.String()}
	return res, nil
}

// run runs the forward pass, through the job's session if it has one.
func (j *Job) run() (*Result, backend.Choice, error) {
	if j.Session != nil {
		return j.Session.run(j)
	}
	m, choice, err := j.Load()
	if err != nil {
		return nil, choice, err
	}
	defer m.Finalize()
	res, err := Run(m, j.Input(), j.Request)
	return res, choice, err
}
