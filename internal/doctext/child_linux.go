package doctext

import (
	"os/exec"
	"syscall"
)

// dieWithParent kills a reader if the agent itself is killed (kill -9, a
// crash): no OCR outlives the process that asked for it.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// cpuCapSignal is the signal the kernel sends at prlimit's CPU soft limit.
const cpuCapSignal = syscall.SIGXCPU
