package model

import (
	stdctx "context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gopjrt/dtypes"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// Source says which model to open, and where it runs.
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

// resolveOptions are the Hub options of s.
func (s Source) resolveOptions() checkpoints.Options {
	return checkpoints.Options{CacheDir: s.HFCache, Offline: s.Offline, Progress: s.log()}
}

// Model is a GPT-2 checkpoint loaded onto a GoMLX backend.
//
// Its weights are variables of Context, scoped by their Hugging Face module
// paths: "h.3.attn.c_proj.weight" lives in scope /h/3/attn/c_proj, name
// "weight". Loading is therefore a name mapping, not a copy of the
// architecture. A Model keeps the graphs it compiled for Run: running again
// with the same request and number of tokens reuses them.
type Model struct {
	Name    string      // the model argument it was opened with (a Hub id or a directory)
	Dir     string      // the checkpoint directory
	Config  gpt2.Config // its config.json
	Backend backends.Backend
	Context *context.Context

	choice      backend.Choice // how Backend was chosen, for reports
	ownsBackend bool

	mu    sync.Mutex
	execs map[string]*capture // compiled captures, by request key
}

// Open opens a model for Run: it resolves src.Model to a checkpoint directory
// (downloading it into the Hugging Face cache if needed), reads its
// configuration, starts the backend and loads the weights onto it, reporting
// what it loaded to src.Log. The model owns its backend: Close frees both.
func Open(ctx stdctx.Context, src Source) (*Model, error) {
	if src.Model == "" {
		return nil, fmt.Errorf("no model: give a Hub id such as gpt2-large or a checkpoint directory")
	}
	dir, err := checkpoints.Resolve(ctx, src.Model, src.resolveOptions())
	if err != nil {
		return nil, err
	}
	return openDir(src, dir)
}

// openDir is Open of a model already resolved to dir.
func openDir(src Source, dir string) (*Model, error) {
	choice, err := backend.New(src.Backend)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	m, err := Load(dir, choice.Backend)
	if err != nil {
		choice.Backend.Finalize()
		return nil, err
	}
	m.Name, m.choice, m.ownsBackend = src.Model, choice, true
	c := m.Config
	fmt.Fprintf(src.log(), "loaded %s (%d layers, width %d, %d heads) from %s in %.1fs; backend %s\n",
		src.Model, c.NLayer, c.NEmbd, c.NHead, dir, time.Since(start).Seconds(), choice)
	return m, nil
}

// Load reads config.json and the weights from a checkpoint directory in
// Hugging Face layout (see gpt2.LoadWeights) and places every weight on b,
// which stays the caller's: Close frees the weights only.
//
// Each weight is decoded to F32 straight into the backend's memory where the
// backend shares buffers with the host (simplego, XLA CPU), or into one reused
// scratch slice that is copied to the device (GPUs), so no second host copy of
// the weights ever exists; the checkpoint is read, not mapped, so its pages do
// not count in the process's memory (see gpt2.LoadWeights).
func Load(dir string, b backends.Backend) (*Model, error) {
	if b == nil {
		return nil, fmt.Errorf("load %s: no backend given", dir)
	}
	cfg, err := gpt2.LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	m := &Model{Name: dir, Config: cfg, Dir: dir, Backend: b, Context: context.New(),
		choice: backend.Choice{Backend: b, Name: b.Name()}, execs: map[string]*capture{}}
	var scratch []float32
	_, err = gpt2.LoadWeights(dir, cfg, gpt2.LoadOptions{Decode: func(name string, dims []int, decode func([]float32) error) error {
		t, err := m.decodeToDevice(dims, decode, &scratch)
		if err != nil {
			return err
		}
		m.setVariable(name, t)
		return nil
	}})
	if err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// BackendReport says what runs the model, e.g. "go: pure Go (GoMLX simplego), 2 CPU threads, …".
func (m *Model) BackendReport() string { return m.choice.String() }

// decodeToDevice creates an F32 device tensor of shape dims filled by decode.
func (m *Model) decodeToDevice(dims []int, decode func([]float32) error, scratch *[]float32) (*tensors.Tensor, error) {
	b := m.Backend
	shape := shapes.Make(dtypes.Float32, dims...)
	if b.HasSharedBuffers() {
		buf, flat, err := b.NewSharedBuffer(0, shape)
		if err != nil {
			return nil, fmt.Errorf("allocate %v on backend %s: %w", dims, b.Name(), err)
		}
		if err := decode(flat.([]float32)); err != nil {
			_ = b.BufferFinalize(buf)
			return nil, err
		}
		return tensors.FromBuffer(b, buf)
	}
	n := shape.Size()
	if cap(*scratch) < n {
		*scratch = make([]float32, n)
	}
	host := (*scratch)[:n]
	if err := decode(host); err != nil {
		return nil, err
	}
	buf, err := b.BufferFromFlatData(0, host, shape)
	if err != nil {
		return nil, fmt.Errorf("copy %v to backend %s: %w", dims, b.Name(), err)
	}
	return tensors.FromBuffer(b, buf)
}

// setVariable records t as the variable named by its Hugging Face path.
func (m *Model) setVariable(name string, t *tensors.Tensor) {
	scope, leaf := splitWeightName(name)
	ctx := m.Context
	for _, s := range scope {
		ctx = ctx.In(s)
	}
	ctx.VariableWithValue(leaf, t).SetTrainable(false)
}

// Weight returns the variable holding the weight with the given Hugging Face
// name (without the "transformer." prefix), e.g. "h.0.attn.c_proj.weight".
func (m *Model) Weight(name string) (*context.Variable, error) {
	scope, leaf := splitWeightName(name)
	v := m.Context.GetVariableByScopeAndName("/"+strings.Join(scope, "/"), leaf)
	if v == nil {
		return nil, fmt.Errorf("model has no weight %q", name)
	}
	return v, nil
}

// Close frees the model's compiled graphs and weights and, when Open started
// it, its backend. The model cannot be used afterwards.
func (m *Model) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.execs {
		c.exec.Finalize()
	}
	m.execs = nil
	if m.Context != nil {
		m.Context.Finalize()
		m.Context = nil
	}
	if m.ownsBackend && m.Backend != nil {
		m.Backend.Finalize()
		m.Backend = nil
	}
}

// splitWeightName splits "h.3.attn.c_proj.weight" into the scope
// ["h","3","attn","c_proj"] and the leaf name "weight".
func splitWeightName(name string) (scope []string, leaf string) {
	parts := strings.Split(name, ".")
	return parts[:len(parts)-1], parts[len(parts)-1]
}
