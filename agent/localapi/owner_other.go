//go:build !unix

package localapi

import "io/fs"

// ownerUID is unknown here: NTFS ACLs, not owners and mode bits, protect
// the data directory on Windows.
func ownerUID(fs.FileInfo) (int, bool) { return 0, false }
