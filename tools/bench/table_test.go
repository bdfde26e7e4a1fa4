package bench

import (
	"strings"
	"testing"
)

func TestMarkdown(t *testing.T) {
	large := fabricated(36, 1280, 20)
	large.Name, large.Params, large.F32Bytes = "gpt2-large", 774e6, 3096e6
	large.Kernels[0].Capture = Side{Timing: NewTiming([]float64{50, 48, 55}), FirstSeconds: 56, LoadSeconds: 3.2, PeakRSS: 3.7e9, LoadPeakRSS: 3.2e9, Backend: "go"}
	large.Kernels[1].Capture = Side{Timing: NewTiming([]float64{12, 11, 13}), FirstSeconds: 14, LoadSeconds: 3.1, PeakRSS: 3.8e9, LoadPeakRSS: 3.2e9, Backend: "go"}
	large.PyTorch = &Side{Timing: Timing{Median: 5.5, Min: 5.4, Max: 6}, PeakRSS: 3.9e9, Version: "1.13"}
	large.NotebookCold = Side{Timing: NewTiming([]float64{60}), Process: NewTiming([]float64{61}), PeakRSS: 3.9e9}
	large.NotebookWarm = Side{Timing: NewTiming([]float64{0.3, 0.4, 0.35}), Process: NewTiming([]float64{0.5})}
	small := fabricated(12, 768, 12)
	small.Name, small.Params, small.F32Bytes = "gpt2", 124e6, 498e6
	r := &Report{
		Machine:  Machine{CPU: "Test CPU", SIMDFlags: []string{"avx2", "fma"}, Cores: 2, MemoryBytes: 8e9, OS: "linux", Arch: "amd64", Go: "go1.26", GoMLX: "v0.25.0", LoadStart: "1.00 1.00 1.00", LoadEnd: "2.00 1.50 1.00"},
		Settings: Settings{Threads: 2, Warmup: 1, Repeat: 3, Tokens: 341, Kernels: []string{stock, simd}},
		Seconds:  100,
		Models:   []ModelReport{large, small},
	}
	for i := range r.Models {
		r.Models[i].evaluate()
	}
	var b strings.Builder
	if err := Markdown(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Machine: Test CPU (avx2, fma), 2 cores, 8.00 GB RAM",
		"load average 1.00 1.00 1.00 → 2.00 1.50 1.00",
		"341 tokens, 2 threads, 1 warm-up + 3 timed runs",
		"GoMLX backend go; matmul kernels stock, simd (side by side",
		"PyTorch 1.13",
		"| | gpt2-large | gpt2 |\n|---|---|---|\n",
		"| 36 layers × 1280, 774 M params, F32 3.10 GB, 500 GFLOP of matmuls |",
		"| **stock kernel: GoMLX simplego's own** | | |",
		"| **SIMD kernel: gpt2taps SIMD GEMM (AVX2+FMA)** | | |",
		"| Go capture (forward pass + taps), own process | 50.0 s [48.0–55.0 s] | 40.0 s |",
		"| Go capture (forward pass + taps), own process | 12.0 s [11.0–13.0 s] | 10.0 s |",
		"| 56.0 s; 3.20 s |",
		"| 9.09× (no target here) | 10.00× (no target here) |",                           // stock
		"| 2.18× (target ≤ 3: met; stretch ≤ 2: **not met**) | 2.50× (no target here) |", // simd
		"| 35.0 s [34.0–36.0 s], **14.3 GFLOP/s** |",                                     // stock floor, gpt2-large
		"| 6.00 s [5.00–7.00 s], **83.3 GFLOP/s** |",                                     // simd floor
		"| Go capture beside the floor (same rounds) | 38.0 s [37.0–39.0 s] |",           // stock
		"| 1.086 (target ≤ 1.15: met) |",                                                 // stock
		"| 1.667 (no target here) |",                                                     // simd
		"| 1.20× (target ≤ 1.3: met) |",                                                  // stock, 3.7 GB
		"| 1.23× (target ≤ 1.3: met) |",                                                  // simd, 3.8 GB
		"| **matmul floor GFLOP/s, SIMD / stock** (median of the rounds) | 6.00× (target ≥ 5: met) | 6.00× (target ≥ 5: met) |",
		"| **capture time, stock / SIMD** (median of the rounds) | 3.90× (no target here) | 3.90× (target ≥ 1: met) |",
		"3.90 GB (1.26× F32)",
		"| **notebook path** (simd kernel) | | |",
		"| 60.0 s; 61.0 s; 3.90 GB |",
		"| 0.35 s (target ≤ 2: met) | 2.50 s (target ≤ 2: **not met**) |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	// header + model, PyTorch ×2, 2 × (title + 9 rows), title + 2 ratios, title + 3 notebook rows
	if n := strings.Count(out, "\n| "); n != 1+3+20+3+4 {
		t.Errorf("%d table rows, want 31:\n%s", n, out)
	}
}

// TestMarkdownStockOnly is the table of a binary without the SIMD kernel:
// the stock kernel's rows, no ratio of kernels, and the reason in the header.
func TestMarkdownStockOnly(t *testing.T) {
	m := fabricated(12, 768, 12)
	m.Name, m.Kernels, m.NotebookKernel = "gpt2", m.Kernels[:1], stock
	m.Kernels[0].Description = "GoMLX stock kernel (built without GOEXPERIMENT=simd)"
	m.evaluate()
	r := &Report{Settings: Settings{Threads: 2, Warmup: 1, Repeat: 3, Kernels: []string{stock},
		KernelNote: "the SIMD kernel is not measured: built without GOEXPERIMENT=simd"}, Models: []ModelReport{m}}
	var b strings.Builder
	if err := Markdown(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"matmul kernels stock; the SIMD kernel is not measured: built without GOEXPERIMENT=simd", "| **stock kernel: GoMLX simplego's own** |", "(stock kernel)"} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	for _, absent := range []string{"SIMD / stock", "side by side:", "SIMD kernel:"} {
		if strings.Contains(out, absent) {
			t.Errorf("the table of the stock kernel alone has %q:\n%s", absent, out)
		}
	}
}

func TestFormatting(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{formatSeconds(0), "—"},
		{formatSeconds(0.01234), "0.012 s"},
		{formatSeconds(5.517), "5.52 s"},
		{formatSeconds(45.26), "45.3 s"},
		{formatSeconds(123.4), "123 s"},
		{formatBytes(0), "—"},
		{formatBytes(13e6), "13 MB"},
		{formatBytes(3096160696), "3.10 GB"},
		{formatBytes(512), "1 kB"},
		{formatTiming(Timing{}), "—"},
		{formatTiming(Timing{Median: 2, Min: 2, Max: 2}), "2.00 s"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// TestMarkdownStockElementwise checks the rows of captures with the stock
// elementwise code beside the SIMD kernel's, and their paired ratio.
func TestMarkdownStockElementwise(t *testing.T) {
	m := fabricated(12, 768, 12)
	stockEW := NewTiming([]float64{20, 27, 33}) // beside the SIMD captures 10, 9, 11 s: ratios 2, 3, 3
	m.Kernels[1].Floor.BesideStockElementwise = &stockEW
	m.Kernels[1].Floor.Elementwise = "gpt2taps SIMD kernels (AVX2+FMA)"
	m.evaluate()
	if got := m.Kernels[1].Ratios.ElementwiseStockOverSIMD; got != 3 {
		t.Errorf("stock / SIMD elementwise = %g, want 3 (median of the paired ratios)", got)
	}
	r := &Report{Settings: Settings{Threads: 2, Warmup: 1, Repeat: 3, Tokens: 341, Kernels: []string{stock, simd}}, Models: []ModelReport{m}}
	var b strings.Builder
	if err := Markdown(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| Go capture beside the floor, GoMLX's stock elementwise code (same rounds) | 27.0 s [20.0–33.0 s] |",
		"| **capture time, stock / SIMD elementwise** (median of the rounds) | 3.00× (elementwise: gpt2taps SIMD kernels (AVX2+FMA)) |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Count(b.String(), "stock elementwise code") != 1 {
		t.Errorf("the stock-elementwise row is not in the SIMD kernel's group alone:\n%s", b.String())
	}
}
