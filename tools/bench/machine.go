package bench

import (
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// Machine describes where a benchmark ran.
type Machine struct {
	CPU string `json:"cpu"` // model name from /proc/cpuinfo
	// SIMDFlags are the CPU's vector instruction sets that matter to the
	// matmul kernels (AVX2, FMA, AVX-512 …), from /proc/cpuinfo's flags.
	SIMDFlags   []string `json:"simd_flags,omitempty"`
	Cores       int      `json:"cores"`        // logical CPUs this process may use
	MemoryBytes int64    `json:"memory_bytes"` // MemTotal
	OS          string   `json:"os"`
	Arch        string   `json:"arch"`
	Go          string   `json:"go"`
	GoMLX       string   `json:"gomlx"`
	// LoadStart and LoadEnd are /proc/loadavg's 1, 5 and 15 minute load
	// averages before and after the run: a busy machine makes timings noisy.
	LoadStart string `json:"loadavg_start"`
	LoadEnd   string `json:"loadavg_end"`
}

// DescribeMachine returns what is known about this machine now.
func DescribeMachine() Machine {
	m := Machine{
		Cores: runtime.NumCPU(), OS: runtime.GOOS, Arch: runtime.GOARCH, Go: runtime.Version(),
		MemoryBytes: procStatusBytes("/proc/meminfo", "MemTotal"),
		CPU:         cpuModel(), LoadStart: loadAverage(),
	}
	m.SIMDFlags = simdFlags(cpuField("flags"))
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/gomlx/gomlx" {
				m.GoMLX = dep.Version
			}
		}
	}
	return m
}

// cpuModel is the first "model name" of /proc/cpuinfo, or GOARCH.
func cpuModel() string {
	if v := cpuField("model name"); v != "" {
		return v
	}
	return runtime.GOARCH
}

// cpuField is the first value of key in /proc/cpuinfo, or "".
func cpuField(key string) string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// simdFlags picks, from a /proc/cpuinfo flags line, the vector instruction
// sets that matter to the matmul kernels, in a fixed order.
func simdFlags(flags string) []string {
	have := map[string]bool{}
	for _, f := range strings.Fields(flags) {
		have[f] = true
	}
	var out []string
	for _, f := range []string{"avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "amx_tile"} {
		if have[f] {
			out = append(out, f)
		}
	}
	return out
}

// loadAverage is the first three fields of /proc/loadavg, or "".
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
