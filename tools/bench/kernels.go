package bench

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
)

// How the float32 matmul kernels of the pure-Go backend (backend.MatmulStock,
// backend.MatmulSIMD) are measured side by side in one run:
//
//   - One Go process per model times, round by round, the matmul floor and the
//     capture with every kernel, switching with backend.SetMatmul (KindFloor
//     with Job.Kernels): one model load, graphs compiled once, and the kernels'
//     order alternating from round to round, so that both kernels meet the same
//     load on a shared machine. Floor GFLOP/s, capture/floor and the kernels'
//     speed-ups come from these rounds.
//   - One capture process per kernel (KindCapture with Job.Matmul), as a user's
//     process with GPT2TAPS_MATMUL set: its peak RSS is that kernel's alone (a
//     process that ran both kernels holds both kernels' buffers), and its
//     median capture is the one compared with PyTorch's forward pass, which
//     also runs in a process of its own.
//
// Every kernel gets the same warm-up and timed runs: the stock kernel's runs
// are the slow ones (about 40 s a gpt2-large capture on 2 cores), and they are
// the runs the benchmark measured before the SIMD kernel existed, so the
// SIMD kernel adds its own cheaper runs to a run of the same length as before.
// --kernels simd skips the stock kernel for a quick run.

// pureGo reports whether a backend name is GoMLX's pure-Go backend
// ("go", "go:parallelism=2", or a description "go: pure Go …").
func pureGo(name string) bool {
	return name == "go" || strings.HasPrefix(name, "go:")
}

// Kernels chooses the kernels to measure: requested (any order, repeats
// allowed) or, when empty, every kernel available in this binary, in
// backend.MatmulKernels' order (stock first). The note says why the SIMD
// kernel is left out when it is not available (e.g. "built without
// GOEXPERIMENT=simd"). Asking for a kernel this binary cannot run is an error
// that says why: the measurement processes are this binary.
func Kernels(requested []string) (kernels []string, note string, err error) {
	available := backend.MatmulKernels()
	if !slices.Contains(available, backend.MatmulSIMD) {
		note = "the SIMD kernel is not measured: " + simdUnavailable()
	}
	if len(requested) == 0 {
		return available, note, nil
	}
	for _, k := range requested {
		switch {
		case slices.Contains(available, k):
		case k == backend.MatmulSIMD:
			return nil, "", fmt.Errorf("matmul kernel %q is not available in this gpt2taps: %s (environment.md, the pure-Go backend's matmul kernel); measure the %s kernel alone", k, simdUnavailable(), backend.MatmulStock)
		default:
			return nil, "", fmt.Errorf("unknown matmul kernel %q: use %s", k, strings.Join(available, " or "))
		}
	}
	for _, k := range available {
		if slices.Contains(requested, k) {
			kernels = append(kernels, k)
		}
	}
	if !slices.Contains(kernels, backend.MatmulSIMD) {
		note = ""
	}
	return kernels, note, nil
}

// simdUnavailable is why the SIMD kernel cannot run here, as backend.SetMatmul
// says it ("built without GOEXPERIMENT=simd").
func simdUnavailable() string {
	prev := backend.Matmul()
	err := backend.SetMatmul(backend.MatmulSIMD)
	_ = backend.SetMatmul(prev)
	if err == nil {
		return "it is available"
	}
	msg := err.Error()
	const prefix = "not available: "
	if i := strings.Index(msg, prefix); i >= 0 {
		msg = msg[i+len(prefix):]
	}
	if i := strings.LastIndex(msg, "; use "); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// useMatmul makes this process's pure-Go backends use kernel ("" leaves the
// choice alone) for a job: backend.SetMatmul now, and GPT2TAPS_MATMUL for the
// backends the job creates (backend.New applies it, e.g. in the notebook's
// model.RunCached). restore puts the variable back.
func useMatmul(kernel string) (restore func(), err error) {
	if kernel == "" {
		return func() {}, nil
	}
	if err := backend.SetMatmul(kernel); err != nil {
		return nil, err
	}
	old, had := os.LookupEnv(backend.MatmulEnvVar)
	if err := os.Setenv(backend.MatmulEnvVar, kernel); err != nil {
		return nil, err
	}
	return func() {
		if had {
			_ = os.Setenv(backend.MatmulEnvVar, old)
		} else {
			_ = os.Unsetenv(backend.MatmulEnvVar)
		}
	}, nil
}

// checkKernel checks, after the model is loaded, that the job runs on the
// kernel it asked for, and returns the kernel and its description ("" and ""
// for a backend other than the pure-Go one, where asking for a kernel is an
// error).
func checkKernel(backendName, asked string) (kernel, description string, err error) {
	if !pureGo(backendName) {
		if asked != "" {
			return "", "", fmt.Errorf("matmul kernel %q: kernels are a setting of the pure-Go backend, and this job runs on %s; drop --kernels or use --backend go", asked, backendName)
		}
		return "", "", nil
	}
	kernel = backend.Matmul()
	if asked != "" && kernel != asked {
		return "", "", fmt.Errorf("matmul kernel %q asked for, %q runs (%s)", asked, kernel, backend.MatmulDescription())
	}
	return kernel, backend.MatmulDescription(), nil
}
