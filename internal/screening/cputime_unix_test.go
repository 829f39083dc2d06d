//go:build unix

package screening

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the whole process has used (user + system,
// every thread: the garbage collector's work too). On a shared machine
// wall-clock ns/op swings with the neighbours' load; CPU time much less.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
