package bench

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestProcStatusBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "status")
	body := "Name:\tbench\nVmPeak:\t  2048 kB\nVmHWM:\t  1536 kB\nThreads:\t7\nBroken:\tx kB\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key  string
		want int64
	}{
		{"VmHWM", 1536 * 1024},
		{"VmPeak", 2048 * 1024},
		{"Threads", 7}, // no unit: taken as is
		{"Broken", 0},
		{"Absent", 0},
	} {
		if got := procStatusBytes(path, tc.key); got != tc.want {
			t.Errorf("procStatusBytes(%s) = %d, want %d", tc.key, got, tc.want)
		}
	}
	if got := procStatusBytes(filepath.Join(t.TempDir(), "none"), "VmHWM"); got != 0 {
		t.Errorf("a missing file gave %d, want 0", got)
	}
}

func TestPeakRSS(t *testing.T) {
	got := PeakRSS()
	if runtime.GOOS != "linux" {
		if got != 0 {
			t.Errorf("PeakRSS() = %d off Linux, want 0", got)
		}
		return
	}
	if got < 1<<20 || got > 1<<40 {
		t.Errorf("PeakRSS() = %d bytes, not plausible for this test process", got)
	}
}
