package bench

import (
	"runtime"
	"slices"
	"testing"
)

func TestSIMDFlags(t *testing.T) {
	got := simdFlags("fpu sse4_2 fma avx2 avx avx512vl avx512f sha_ni")
	if want := []string{"avx", "avx2", "fma", "avx512f", "avx512vl"}; !slices.Equal(got, want) {
		t.Errorf("simdFlags = %v, want %v", got, want)
	}
	if got := simdFlags(""); got != nil {
		t.Errorf("no flags: %v", got)
	}
}

func TestDescribeMachine(t *testing.T) {
	m := DescribeMachine()
	if m.CPU == "" || m.Cores < 1 || m.Go == "" || m.Arch != runtime.GOARCH {
		t.Errorf("machine %+v: incomplete", m)
	}
	if runtime.GOOS == "linux" && (m.MemoryBytes <= 0 || m.LoadStart == "") {
		t.Errorf("machine %+v: no memory or load average on Linux", m)
	}
}
