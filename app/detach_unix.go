//go:build !windows

package app

import (
	"os/exec"
	"syscall"
)

// detach starts the agent in its own session so closing the window (or its
// terminal) does not stop it.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }
