package bench

import (
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// Machine describes where a benchmark ran.
type Machine struct {
	CPU         string `json:"cpu"`          // model name from /proc/cpuinfo
	Cores       int    `json:"cores"`        // logical CPUs this process may use
	MemoryBytes int64  `json:"memory_bytes"` // MemTotal
	OS          string `json:"os"`
	Arch        string `json:"arch"`
	Go          string `json:"go"`
	GoMLX       string `json:"gomlx"`
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
	data, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return runtime.GOARCH
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
