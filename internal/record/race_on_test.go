//go:build race

package record_test

// raceOn: under the race detector, whole-practice reads (single goroutine,
// nothing for it to find) shrink to one clinic day.
const raceOn = true
