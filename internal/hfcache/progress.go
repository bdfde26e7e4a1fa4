package hfcache

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// report writes to the progress writer, if any.
func (r *resolver) report(format string, args ...any) {
	if r.progress != nil {
		fmt.Fprintf(r.progress, format, args...)
	}
}

// partialBytes sums the sizes of the blobs being downloaded (hub writes them to <blob>.downloading).
func partialBytes(repoDir string) int64 {
	matches, _ := filepath.Glob(filepath.Join(repoDir, "blobs", "*.downloading"))
	var n int64
	for _, m := range matches {
		if info, err := os.Stat(m); err == nil {
			n += info.Size()
		}
	}
	return n
}

// formatProgress formats "done / total (pct%)", or just "done" when the total is unknown.
func formatProgress(done, total int64) string {
	if total <= 0 {
		return formatBytes(max(done, 0))
	}
	return fmt.Sprintf("%s / %s (%d%%)", formatBytes(done), formatBytes(total), done*100/total)
}

// formatBytes formats a byte count with a decimal unit.
func formatBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	value, exp := float64(n)/unit, 0
	for value >= unit && exp < 4 {
		value /= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", value, "kMGTP"[exp])
}
