package backend

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestXLADescription(t *testing.T) {
	cases := []struct {
		name, desc string
		devices    []string
		want       string
	}{
		{
			"cpu",
			`stablehlo:cpu - PJRT "cpu" plugin (/usr/local/lib/gomlx/pjrt/pjrt_c_api_cpu_plugin.so) v0.81 [StableHLO] [1 device(s)]`,
			[]string{"TFRT_CPU_0 [processId=0]"},
			fmt.Sprintf(`XLA, PJRT "cpu" plugin (/usr/local/lib/gomlx/pjrt/pjrt_c_api_cpu_plugin.so) v0.81; device 0: TFRT_CPU_0 [processId=0]; %d CPUs`, runtime.NumCPU()),
		},
		{
			"cuda from a path, two devices",
			`stablehlo:/x/xla_cuda_plugin.so - PJRT plugin (/x/xla_cuda_plugin.so) v0.81 [StableHLO] [2 device(s)]`,
			[]string{"cuda:0 [processId=0]", "cuda:1 [processId=0]"},
			`XLA, PJRT plugin (/x/xla_cuda_plugin.so) v0.81; device 0: cuda:0 [processId=0]; device 1: cuda:1 [processId=0]`,
		},
		{"unexpected format kept", "something else", nil, "XLA, something else; " + fmt.Sprint(runtime.NumCPU()) + " CPUs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := xlaDescription(tc.desc, tc.devices)
			// The GPU models come from this machine's NVIDIA driver, if any.
			got, _, _ = strings.Cut(got, "; GPU: ")
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestNvidiaGPUs(t *testing.T) {
	dir := t.TempDir()
	for bus, info := range map[string]string{
		"0000:17:00.0": "Model: \t\t NVIDIA H100 80GB HBM3\nIRQ:   140\nGPU UUID: GPU-1\n",
		"0000:65:00.0": "Model: \t\t NVIDIA A10\nIRQ:   141\n",
	} {
		if err := os.MkdirAll(filepath.Join(dir, bus), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, bus, "information"), []byte(info), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := strings.Join(nvidiaGPUs(dir), ", ")
	if want := "NVIDIA H100 80GB HBM3, NVIDIA A10"; got != want {
		t.Errorf("nvidiaGPUs = %q, want %q", got, want)
	}
	if got := nvidiaGPUs(filepath.Join(dir, "missing")); len(got) != 0 {
		t.Errorf("nvidiaGPUs of a missing directory = %v", got)
	}
}

func TestGoThreads(t *testing.T) {
	max := runtime.GOMAXPROCS(0)
	cases := map[string]int{
		"go":                 min(runtime.NumCPU(), max),
		"go:parallelism=1":   1,
		"go:parallelism=999": max,
		"go:parallelism=x":   min(runtime.NumCPU(), max),
	}
	for config, want := range cases {
		if got := goThreads(config); got != want {
			t.Errorf("goThreads(%q) = %d, want %d", config, got, want)
		}
	}
}
