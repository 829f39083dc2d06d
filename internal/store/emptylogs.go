package store

import (
	"os"
	"path/filepath"
)

// removeEmptyLogs deletes value-log (.vlog) and memtable (.mem) files of
// zero bytes from dir.
//
// Badger (v4.9) creates a value-log file, then writes its header; a process
// killed between the two leaves a 0-byte .vlog. The next open reads it as
// an existing file, gets z.NewFile back and fails ("Open existing file ...
// Create a new file"), so the whole cache was set aside and the last good
// day was gone until the next sync: found by the chaos test (a SIGKILL in
// the first ~50 ms of a sync). A 0-byte file holds nothing, not even the
// header, so removing it loses nothing; Badger makes a fresh one. A
// memtable's write-ahead file is created the same way, and a kill before
// it is sized fails the next open the same way ("while opening memtables
// ... Create a new file": the chaos test again, badger issue #2207).
func removeEmptyLogs(dir string) {
	vlogs, _ := filepath.Glob(filepath.Join(dir, "*.vlog"))
	mems, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	for _, f := range append(vlogs, mems...) {
		if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
			os.Remove(f)
		}
	}
}
