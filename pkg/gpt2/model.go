package gpt2

import (
	"fmt"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gopjrt/dtypes"
)

// Model is a GPT-2 checkpoint loaded onto a GoMLX backend.
//
// Its weights are variables of Context, scoped by their Hugging Face module
// paths: "h.3.attn.c_proj.weight" lives in scope /h/3/attn/c_proj, name
// "weight". Loading is therefore a name mapping, not a copy of the architecture.
type Model struct {
	Config  Config
	Dir     string
	Backend backends.Backend
	Context *context.Context
}

// Load reads config.json and the weights from a checkpoint directory in
// Hugging Face layout (see LoadWeights) and places every weight on backend.
//
// Each weight is decoded to F32 straight into the backend's memory where the
// backend shares buffers with the host (simplego, XLA CPU), or into one reused
// scratch slice that is copied to the device (GPUs), so no second host copy of
// the weights ever exists; the checkpoint's mapped pages are released tensor by
// tensor.
func Load(dir string, backend backends.Backend) (*Model, error) {
	if backend == nil {
		return nil, fmt.Errorf("load %s: no backend given", dir)
	}
	cfg, err := LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	m := &Model{Config: cfg, Dir: dir, Backend: backend, Context: context.New()}
	var scratch []float32
	_, err = LoadWeights(dir, cfg, LoadOptions{Decode: func(name string, dims []int, decode func([]float32) error) error {
		t, err := m.decodeToDevice(dims, decode, &scratch)
		if err != nil {
			return err
		}
		m.setVariable(name, t)
		return nil
	}})
	if err != nil {
		m.Finalize()
		return nil, err
	}
	return m, nil
}

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

// Finalize frees the model's weights on the backend.
func (m *Model) Finalize() {
	if m.Context != nil {
		m.Context.Finalize()
	}
}

// splitWeightName splits "h.3.attn.c_proj.weight" into the scope
// ["h","3","attn","c_proj"] and the leaf name "weight".
func splitWeightName(name string) (scope []string, leaf string) {
	parts := strings.Split(name, ".")
	return parts[:len(parts)-1], parts[len(parts)-1]
}
