package backend

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
)

// describeXLA describes an XLA (PJRT) backend; set by xla.go when XLA is
// compiled in. It reports false for other backends.
var describeXLA func(b backends.Backend) (string, bool)

// Device says which engine runs this choice and on which device, as far as
// the backend tells: for the pure-Go backend its threads and float32 matmul
// kernel ("pure Go (GoMLX simplego), 16 CPU threads, float32 matmul: gpt2taps
// SIMD GEMM (AVX2+FMA)", see MatmulDescription), or for XLA the PJRT plugin
// (platform, file, API version) and each device, e.g.
// `XLA, PJRT "cuda" plugin (/usr/local/lib/gomlx/pjrt/pjrt_c_api_cuda_plugin.so) v0.81; device 0: cuda:0 [processId=0]; GPU: NVIDIA H100 80GB HBM3`.
func (c Choice) Device() string {
	return describe(c.Backend, c.Name)
}

func describe(b backends.Backend, config string) string {
	if b == nil {
		return "none"
	}
	if _, ok := b.(*simplego.Backend); ok {
		n := goThreads(config)
		return fmt.Sprintf("pure Go (GoMLX simplego), %d CPU thread%s, %s, %s", n, plural(n), matmulSummary(), elementwiseSummary())
	}
	if describeXLA != nil {
		if s, ok := describeXLA(b); ok {
			return s
		}
	}
	desc := b.Description()
	if desc == "" {
		desc = b.Name()
	}
	return desc
}

// goThreads is how many threads the pure-Go backend computes with: its
// parallelism (runtime.NumCPU unless the configuration sets parallelism=N),
// capped by GOMAXPROCS.
func goThreads(config string) int {
	n := runtime.NumCPU()
	_, opts, _ := strings.Cut(config, ":")
	for _, opt := range strings.Split(opts, ",") {
		if v, ok := strings.CutPrefix(opt, "parallelism="); ok {
			if p, err := strconv.Atoi(v); err == nil && p > 0 {
				n = p
			}
		}
	}
	return min(n, runtime.GOMAXPROCS(0))
}

// xlaDescription builds the XLA description from what GoMLX's stablehlo
// backend reports: its Description ("stablehlo:<plugin> - PJRT "<plugin>"
// plugin (<path>) v0.NN [StableHLO] [N device(s)]") and one DeviceDescription
// per device; for CUDA plugins it adds the GPU models the NVIDIA driver lists.
func xlaDescription(desc string, devices []string) string {
	plugin := desc
	if _, after, ok := strings.Cut(desc, " - "); ok {
		plugin = after
	}
	if i := strings.Index(plugin, " ["); i >= 0 { // drop " [StableHLO] [1 device(s)]"
		plugin = plugin[:i]
	}
	var b strings.Builder
	b.WriteString("XLA, " + plugin)
	for i, d := range devices {
		fmt.Fprintf(&b, "; device %d: %s", i, d)
	}
	if strings.Contains(strings.ToLower(plugin), "cuda") {
		if gpus := nvidiaGPUs("/proc/driver/nvidia/gpus"); len(gpus) > 0 {
			b.WriteString("; GPU: " + strings.Join(gpus, ", "))
		}
	} else {
		fmt.Fprintf(&b, "; %d CPUs", runtime.NumCPU())
	}
	return b.String()
}

// nvidiaGPUs lists the models of the GPUs the NVIDIA driver reports under dir
// (/proc/driver/nvidia/gpus/<bus id>/information, line "Model: …").
func nvidiaGPUs(dir string) []string {
	files, _ := filepath.Glob(filepath.Join(dir, "*", "information"))
	slices.Sort(files)
	var models []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "Model:"); ok {
				models = append(models, strings.TrimSpace(v))
			}
		}
	}
	return models
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
