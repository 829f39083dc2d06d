// Package buildinfo carries the version stamped in at link time (see Makefile).
package buildinfo

import "runtime"

// Set with -ldflags "-X github.com/healthprep/desk/internal/buildinfo.Version=...".
var (
	Version = "dev"
	Commit  = "unknown"
	Date    = "unknown"
)

// Info is the build description shown by `healthprep-agent version` and the app's About.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"goVersion"`
}

// Get returns this binary's build info.
func Get() Info {
	return Info{Version: Version, Commit: Commit, Date: Date, GoVersion: runtime.Version()}
}
