//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package bench

import (
	"os"
	"time"
)

// maxRSS returns 0: this system does not report a child's peak resident set
// size through os.ProcessState.
func maxRSS(*os.ProcessState) int64 { return 0 }

// cpuTime returns 0: this system's CPU time is not read here.
func cpuTime() time.Duration { return 0 }
