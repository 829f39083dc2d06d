//go:build !windows

package app

import (
	"os/exec"
	"syscall"
)

// startDetached starts the agent in its own session so closing the window (or its
// terminal) does not stop it.
func startDetached(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }
