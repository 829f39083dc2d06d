//go:build !linux

package doctext

import (
	"os/exec"
	"syscall"
)

func dieWithParent(*exec.Cmd) {}

// cpuCapSignal: no CPU cap is set outside Linux; a signal no program ends
// by there keeps the classification in one place.
const cpuCapSignal = syscall.Signal(-1)
