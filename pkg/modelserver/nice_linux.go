package modelserver

import (
	"os"
	"strconv"
	"syscall"
)

// lowerPriority adds n to the nice value of every thread of this process.
// Linux's setpriority acts on one thread, and a thread inherits the value of
// the thread that creates it: so every thread there is gets it — twice over
// the list, for a thread created meanwhile by one not yet lowered — and every
// later thread inherits it. A hint: failures are ignored.
func lowerPriority(n int) {
	if n <= 0 {
		return
	}
	done := map[int]bool{}
	for range 2 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil || done[tid] {
				continue
			}
			done[tid] = true
			if now, err := syscall.Getpriority(syscall.PRIO_PROCESS, tid); err == nil {
				// The raw system call returns 20 - nice.
				_ = syscall.Setpriority(syscall.PRIO_PROCESS, tid, min(20-now+n, 19))
			}
		}
	}
}
