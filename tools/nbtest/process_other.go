//go:build !unix

package nbtest

import (
	"os/exec"
	"time"
)

// killProcessGroupOnCancel makes the context's cancellation kill nbconvert;
// without Unix process groups, the kernel it started may outlive it.
func killProcessGroupOnCancel(cmd *exec.Cmd) {
	cmd.WaitDelay = 5 * time.Second
}
