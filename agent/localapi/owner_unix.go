//go:build unix

package localapi

import (
	"io/fs"
	"syscall"
)

// ownerUID is the file's owner.
func ownerUID(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
