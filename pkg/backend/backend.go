package backend

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego" // the pure-Go backend, always available
)

// Auto is the backend name that picks XLA when it can be loaded and the pure-Go
// backend otherwise.
const Auto = "auto"

// EnvVar is the environment variable GoMLX reads for the backend configuration.
const EnvVar = backends.ConfigEnvVar

// Choice is a resolved backend: the backend itself plus what was asked for and
// why this one was taken, for reports such as "backend: go (XLA not compiled in)".
type Choice struct {
	Backend   backends.Backend
	Requested string // the name asked for ("" means: not asked; GOMLX_BACKEND or Auto applied)
	Name      string // the configuration that was used, e.g. "go" or "xla:cuda"
	Note      string // why, when it differs from what was requested (a fallback)
}

// String describes the backend that runs, e.g. "go (GoMLX simplego, pure Go)".
func (c Choice) String() string {
	s := c.Name + " (" + Describe(c.Backend) + ")"
	if c.Note != "" {
		s += "; " + c.Note
	}
	return s
}

// Describe names a backend and the device it runs on, as reported by GoMLX.
func Describe(b backends.Backend) string {
	if b == nil {
		return "none"
	}
	desc := b.Description()
	if desc == "" {
		desc = b.Name()
	}
	return desc
}

// New returns the backend for name: "" (GOMLX_BACKEND, else Auto), Auto, "go",
// "xla" (GoMLX's default XLA plugin), "xla:cpu", "xla:cuda", or any other
// GoMLX configuration "<backend>:<config>". An unknown name or a missing PJRT
// plugin is an error that says what to install or set.
func New(name string) (Choice, error) {
	requested := name
	if name == "" {
		name = os.Getenv(EnvVar)
	}
	if name == "" || name == Auto {
		return auto(requested)
	}
	b, err := newWithConfig(name)
	if err != nil {
		return Choice{}, err
	}
	return Choice{Backend: b, Requested: requested, Name: name}, nil
}

// auto takes XLA if it can be loaded, else the pure-Go backend.
func auto(requested string) (Choice, error) {
	if XLACompiled() {
		b, err := newWithConfig("xla:cpu")
		if err == nil {
			return Choice{Backend: b, Requested: requested, Name: "xla:cpu"}, nil
		}
		b, goErr := newWithConfig("go")
		if goErr != nil {
			return Choice{}, goErr
		}
		return Choice{Backend: b, Requested: requested, Name: "go",
			Note: "XLA is compiled in but no PJRT CPU plugin was found; using the pure-Go backend (see environment.md to install one)"}, nil
	}
	b, err := newWithConfig("go")
	if err != nil {
		return Choice{}, err
	}
	return Choice{Backend: b, Requested: requested, Name: "go", Note: "XLA not compiled in (built with -tags noxla)"}, nil
}

// Available lists the backend names compiled into this binary.
func Available() []string {
	names := backends.List()
	slices.Sort(names)
	return names
}

// XLACompiled reports whether the XLA (PJRT) backend is compiled into this binary.
func XLACompiled() bool {
	return slices.Contains(backends.List(), "xla")
}

// newWithConfig wraps backends.NewWithConfig, which panics on unknown names,
// and turns failures into errors that say what to do.
func newWithConfig(config string) (b backends.Backend, err error) {
	kind, _, _ := strings.Cut(config, ":")
	if !slices.Contains(backends.List(), kind) {
		if kind == "xla" || kind == "stablehlo" || kind == "hlo" {
			return nil, fmt.Errorf("backend %q: XLA is not compiled into this binary (it was built with -tags noxla or without cgo); rebuild with cgo enabled and without -tags noxla, or use the pure-Go backend (GOMLX_BACKEND=go)", config)
		}
		return nil, fmt.Errorf("unknown backend %q: use one of %s, %q, or a GoMLX configuration such as \"xla:cuda\"", config, strings.Join(Available(), ", "), Auto)
	}
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("backend %q: %v", config, r)
		}
	}()
	b, err = backends.NewWithConfig(config)
	if err != nil {
		if kind == "xla" || kind == "stablehlo" || kind == "hlo" {
			return nil, fmt.Errorf("backend %q: no usable PJRT plugin: %v; install one with gopjrt's installer (see environment.md), or set PJRT_PLUGIN_LIBRARY_PATH to a directory holding pjrt_c_api_*_plugin.so (for CUDA, the one inside JAX's jax-cuda12-pjrt wheel works), or use GOMLX_BACKEND=go", config, firstLine(err))
		}
		return nil, fmt.Errorf("backend %q: %w", config, err)
	}
	return b, nil
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
