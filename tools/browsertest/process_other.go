//go:build !unix

package browsertest

import "os/exec"

func newProcessGroup(cmd *exec.Cmd) {}

func terminateGroup(cmd *exec.Cmd) { _ = cmd.Process.Kill() }

func killGroup(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
