//go:build !unix

package main

import "time"

// cpuTime is not measured on this system: only wall-time rates are printed.
func cpuTime() time.Duration { return 0 }
