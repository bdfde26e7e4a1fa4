package browsertest

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// process is one process, identified by its id and its start time (so that
// a recycled id is not mistaken for it).
type process struct {
	pid   int
	start string
}

// String returns the process id.
func (p process) String() string { return strconv.Itoa(p.pid) }

// stat returns the parent id and start time of pid from /proc/pid/stat;
// ok is false for a process that is gone or a zombie (dead, not yet reaped).
func stat(pid int) (ppid int, start string, ok bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, "", false
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, "", false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 20 || f[0] == "Z" {
		return 0, "", false
	}
	ppid, err = strconv.Atoi(f[1])
	if err != nil {
		return 0, "", false
	}
	return ppid, f[19], true // field 22: start time
}

// descendants returns every process below pid (children, their children…),
// whatever session or group they moved to. Jupyter starts kernels in new
// sessions, so signalling its process group does not reach them.
func descendants(pid int) []process {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]process{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, start, ok := stat(p); ok {
			children[ppid] = append(children[ppid], process{pid: p, start: start})
		}
	}
	var out []process
	queue := []int{pid}
	for len(queue) > 0 {
		for _, c := range children[queue[0]] {
			out = append(out, c)
			queue = append(queue, c.pid)
		}
		queue = queue[1:]
	}
	return out
}

// killAll sends SIGKILL to every process of ps that still runs (same id and
// start time) and returns those it killed.
func killAll(ps []process) []process {
	var killed []process
	seen := map[int]bool{}
	for _, p := range ps {
		if seen[p.pid] {
			continue
		}
		seen[p.pid] = true
		if _, start, ok := stat(p.pid); !ok || start != p.start {
			continue
		}
		if syscall.Kill(p.pid, syscall.SIGKILL) == nil {
			killed = append(killed, p)
		}
	}
	return killed
}
