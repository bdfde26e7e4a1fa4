//go:build unix

package nbtest

import (
	"os/exec"
	"syscall"
	"time"
)

// killProcessGroupOnCancel starts cmd in its own process group and makes the
// context's cancellation kill the whole group: nbconvert, the kernel it
// started and the program of the running cell.
func killProcessGroupOnCancel(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
}
