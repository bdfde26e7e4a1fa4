//go:build !linux

package browsertest

// process is a process left behind; without /proc none is tracked.
type process struct{ pid int }

// descendants is only implemented on Linux (/proc); elsewhere the process
// group is all that is stopped.
func descendants(pid int) []process { return nil }

func killAll(ps []process) []process { return nil }
