package backend

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego" // the pure-Go backend, always available
)

// Auto is the backend name that picks XLA when it can be loaded (CUDA before
// CPU) and the pure-Go backend otherwise.
const Auto = "auto"

// EnvVar is the environment variable GoMLX reads for the backend configuration.
const EnvVar = backends.ConfigEnvVar

// Choice is a resolved backend: the backend itself plus what was asked for and
// why this one was taken, for reports such as "go: pure Go (GoMLX simplego),
// 16 CPU threads, float32 matmul: gpt2taps SIMD GEMM (AVX2+FMA); XLA not
// compiled in".
type Choice struct {
	Backend   backends.Backend
	Requested string // the name asked for ("" means: not asked; GOMLX_BACKEND or Auto applied)
	Name      string // the configuration that was used, e.g. "go" or "xla:cuda"
	Note      string // why, when it differs from what was requested (a fallback)
}

// String reports what runs: the configuration, the engine and its devices
// (see Device), and the fallback note if any, e.g.
// `xla:cuda: XLA, PJRT "cuda" plugin (…/pjrt_c_api_cuda_plugin.so) v0.81; device 0: cuda:0 [processId=0]; GPU: NVIDIA H100 80GB HBM3`.
func (c Choice) String() string {
	s := c.Name + ": " + c.Device()
	if c.Note != "" {
		s += "; " + c.Note
	}
	return s
}

// xlaPlugins lists the PJRT plugins gopjrt finds, CUDA before CPU; set by
// xla.go when XLA is compiled in.
var xlaPlugins func() []string

// New returns the backend for name: "" (GOMLX_BACKEND, else Auto), Auto, "go",
// "xla" (the first PJRT plugin found, CUDA before CPU), "xla:cpu", "xla:cuda",
// or any other GoMLX configuration "<backend>:<config>", such as
// "xla:/path/to/plugin.so" or "go:parallelism=4". An explicit name never falls
// back: an unknown name or a missing PJRT plugin is an error that says what to
// install or set.
//
// Besides gopjrt's own search (PJRT_PLUGIN_LIBRARY_PATH, else
// ~/.local/lib/gomlx/pjrt, /usr/local/lib/gomlx/pjrt and the system library
// paths, for files named pjrt_c_api_<name>_plugin.so), "xla:<name>" also takes
// JAX's plugin xla_<name>_plugin.so from those directories (or their
// xla_<name>*/ subdirectories), so PJRT_PLUGIN_LIBRARY_PATH may point at the
// jax_plugins/xla_cuda12 directory of a jax-cuda12-pjrt wheel.
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

// auto takes XLA on CUDA, else XLA on CPU, when a plugin is there and starts;
// else the pure-Go backend, with a note saying why.
func auto(requested string) (Choice, error) {
	var notes []string
	if XLACompiled() {
		for _, platform := range []string{"cuda", "cpu"} {
			if !pluginAvailable(platform) {
				continue
			}
			config := "xla:" + platform
			b, err := newWithConfig(config)
			if err == nil {
				return Choice{Backend: b, Requested: requested, Name: config, Note: strings.Join(notes, "; ")}, nil
			}
			notes = append(notes, fmt.Sprintf("%s did not start (%s)", config, firstLine(err)))
		}
		if len(notes) == 0 {
			notes = append(notes, "no PJRT plugin found for XLA (to install one, see environment.md, GPU section)")
		}
	} else {
		notes = append(notes, "XLA not compiled in (built with -tags noxla or without cgo)")
	}
	b, err := newWithConfig("go")
	if err != nil {
		return Choice{}, err
	}
	return Choice{Backend: b, Requested: requested, Name: "go", Note: strings.Join(notes, "; ")}, nil
}

// pluginAvailable reports whether a PJRT plugin for platform can be found:
// by gopjrt's search, or as JAX's plugin file (for CUDA only where a GPU is
// visible, as gopjrt's search does).
func pluginAvailable(platform string) bool {
	if xlaPlugins != nil && slices.Contains(xlaPlugins(), platform) {
		return true
	}
	if platform == "cuda" && !hasNVIDIADevice() {
		return false
	}
	dirs, _, _ := searchDirs()
	_, ok := findJAXPlugin(platform, dirs)
	return ok
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

// isXLA reports whether a GoMLX backend name is the XLA (stablehlo) backend.
func isXLA(kind string) bool {
	return kind == "xla" || kind == "stablehlo" || kind == "hlo" || kind == "shlo"
}

// newWithConfig wraps backends.NewWithConfig, which panics on unknown names,
// finds the PJRT plugin for XLA configurations, and turns failures into
// errors that say what to do.
func newWithConfig(config string) (b backends.Backend, err error) {
	kind, rest, _ := strings.Cut(config, ":")
	if !slices.Contains(backends.List(), kind) {
		if isXLA(kind) {
			return nil, fmt.Errorf("backend %q: XLA is not compiled into this binary (it was built with -tags noxla or without cgo); rebuild with cgo enabled and without -tags noxla, or use the pure-Go backend (GOMLX_BACKEND=go)", config)
		}
		return nil, fmt.Errorf("unknown backend %q: use one of %s, %q, or a GoMLX configuration such as \"xla:cuda\"", config, strings.Join(Available(), ", "), Auto)
	}
	resolved := config
	if isXLA(kind) {
		if resolved, err = resolveXLA(config, kind, rest); err != nil {
			return nil, err
		}
	}
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("backend %q: %v", config, r)
		}
	}()
	b, err = backends.NewWithConfig(resolved)
	if err == nil && kind == simplego.BackendName {
		if err = firstErr(configureMatmul(), configureElementwise()); err != nil {
			b.Finalize()
			return nil, fmt.Errorf("backend %q: %w", config, err)
		}
	}
	if err != nil {
		if isXLA(kind) {
			return nil, &PluginError{msg: fmt.Sprintf("backend %q: the PJRT plugin was found but did not start: %s; check that its libraries load (ldd on the plugin file; for CUDA: the NVIDIA driver, and NVIDIA's libraries as gopjrt's installer lays them out), or use the pure-Go backend (GOMLX_BACKEND=go)", config, firstLine(err))}
		}
		return nil, fmt.Errorf("backend %q: %w", config, err)
	}
	return b, nil
}

// resolveXLA returns the GoMLX configuration that loads the plugin config
// names ("xla:cuda" → itself when gopjrt finds a cuda plugin, or
// "xla:/…/xla_cuda_plugin.so" for JAX's), or the missing-plugin error.
func resolveXLA(config, kind, rest string) (string, error) {
	plugin, opts, _ := strings.Cut(rest, ",")
	if filepath.IsAbs(plugin) {
		return config, nil
	}
	var available []string
	if xlaPlugins != nil {
		available = xlaPlugins()
	}
	if (plugin == "" && len(available) > 0) || slices.Contains(available, plugin) {
		return config, nil
	}
	if plugin != "" {
		dirs, _, _ := searchDirs()
		if path, ok := findJAXPlugin(plugin, dirs); ok {
			if plugin == "cuda" {
				for k, v := range jaxCUDAEnv(path, os.Getenv) {
					if err := os.Setenv(k, v); err != nil {
						return "", fmt.Errorf("backend %q: set %s: %w", config, k, err)
					}
				}
			}
			resolved := kind + ":" + path
			if opts != "" {
				resolved += "," + opts
			}
			return resolved, nil
		}
	}
	return "", missingPluginError(config, plugin, available)
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
