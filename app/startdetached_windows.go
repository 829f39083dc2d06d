//go:build windows

package app

import (
	"os/exec"
	"syscall"
)

// startDetached starts the agent without a console window, outliving the app.
func startDetached(cmd *exec.Cmd) {
	const createNoWindow = 0x08000000
	const detachedProcess = 0x00000008
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: createNoWindow | detachedProcess}
}
