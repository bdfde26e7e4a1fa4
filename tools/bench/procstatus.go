package bench

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// PeakRSS returns this process's peak resident set size so far in bytes
// (VmHWM in /proc/self/status), or 0 where the kernel does not report it.
func PeakRSS() int64 {
	return procStatusBytes("/proc/self/status", "VmHWM")
}

// procStatusBytes reads a "Key:   123 kB" line from a /proc status-like file.
func procStatusBytes(path, key string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != key {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return 0
		}
		v, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0
		}
		if len(fields) > 1 && strings.EqualFold(fields[1], "kB") {
			v *= 1024
		}
		return v
	}
	return 0
}
