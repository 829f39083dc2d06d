package main

import (
	"math"
	"runtime/debug"
	"time"
)

// A fresh `prep` builds one day and exits in about 100 ms, and a fresh
// `serve` opens the cache and the first day in about as long: collecting
// their start-up garbage is work nobody waits for the result of (a third
// of prep's CPU time, profiled: the mark workers, assists and the
// preemptions they cause). So they run with the collector off, with a
// soft memory limit as the backstop: as the heap nears it the runtime
// collects anyway, so a day far larger than the demo's still fits.
// GOGC or GOMEMLIMIT in the environment are left to do what they say.
const startupLimit = 256 << 20

// collectLate turns the collector off for a one-shot command.
func collectLate(getenv func(string) string) bool {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return false
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(startupLimit)
	return true
}

// serveStartup is how long a fresh `serve` runs without collecting: its
// first day is served well within it, and the agent then hands that
// garbage back once the local API is idle (agent.freeWhenIdle forces a
// collection whatever GOGC says).
const serveStartup = time.Second

// collectLateAtStart turns the collector off for serve's start and back
// to the defaults after serveStartup.
func collectLateAtStart(getenv func(string) string) {
	if !collectLate(getenv) {
		return
	}
	time.AfterFunc(serveStartup, func() {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
	})
}
