//go:build linux
// +build linux

package keyring

import (
	"os"
	"strconv"
)

// sessionBusRunning reports whether godbus will find a running session bus
// without starting one (HealthPrep patch). It looks where godbus looks
// before falling back to dbus-launch: DBUS_SESSION_BUS_ADDRESS (not
// "autolaunch:"), then the user bus socket /run/user/<uid>/bus or its
// address file /run/user/<uid>/dbus-session.
func sessionBusRunning() bool {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return true
	}
	run := "/run/user/" + strconv.Itoa(os.Getuid())
	for _, name := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(run + "/" + name); err == nil {
			return true
		}
	}
	return false
}
