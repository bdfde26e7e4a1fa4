package bench

import (
	"strings"
	"testing"
)

func TestMarkdown(t *testing.T) {
	r := &Report{
		Machine:  Machine{CPU: "Test CPU", Cores: 2, MemoryBytes: 8e9, OS: "linux", Arch: "amd64", Go: "go1.26", GoMLX: "v0.25.0", LoadStart: "1.00 1.00 1.00", LoadEnd: "2.00 1.50 1.00"},
		Settings: Settings{Threads: 2, Warmup: 1, Repeat: 3, Tokens: 341},
		Seconds:  100,
		Models: []ModelReport{{
			Name: "gpt2-large", Layers: 36, Width: 1280, Params: 774e6, F32Bytes: 3096e6, GFLOP: 500,
			Capture:      Side{Timing: NewTiming([]float64{50, 48, 55}), FirstSeconds: 56, LoadSeconds: 3.2, PeakRSS: 3.7e9, LoadPeakRSS: 3.2e9, Backend: "go"},
			PyTorch:      &Side{Timing: Timing{Median: 5.5, Min: 5.4, Max: 6}, PeakRSS: 3.9e9, Version: "1.13"},
			Floor:        Side{Timing: NewTiming([]float64{45, 46, 44}), RoundRatios: &Timing{Median: 1.08}},
			NotebookCold: Side{Timing: NewTiming([]float64{60}), Process: NewTiming([]float64{61}), PeakRSS: 3.9e9},
			NotebookWarm: Side{Timing: NewTiming([]float64{0.3, 0.4, 0.35}), Process: NewTiming([]float64{0.5})},
		}},
	}
	r.Models[0].evaluate()
	var b strings.Builder
	if err := Markdown(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Machine: Test CPU, 2 cores, 8.00 GB RAM",
		"load average 1.00 1.00 1.00 → 2.00 1.50 1.00",
		"341 tokens, 2 threads, 1 warm-up + 3 timed runs",
		"PyTorch 1.13",
		"| | gpt2-large |\n|---|---|\n",
		"| 36 layers × 1280, 774 M params, F32 3.10 GB |",
		"| 50.0 s [48.0–55.0 s] |",
		"| 9.09× (no target here) |",
		"45.0 s [44.0–46.0 s], 11.1 GFLOP/s",
		"| 1.080 (target ≤ 1.15: met) |",
		"| 1.20× (target ≤ 1.3: met) |",
		"3.90 GB (1.26× F32)",
		"| 60.0 s; 61.0 s; 3.90 GB |",
		"| 0.35 s (target ≤ 2: met) |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\n| "); n != 16 {
		t.Errorf("%d table rows, want 16 (header + 15):\n%s", n, out)
	}

	r.Models[0].Capture.PeakRSS = 5e9
	r.Models[0].Targets = nil
	r.Models[0].evaluate()
	b.Reset()
	_ = Markdown(&b, r)
	if !strings.Contains(b.String(), "1.61× (target ≤ 1.3: **not met**)") {
		t.Errorf("a missed target is not flagged:\n%s", b.String())
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
