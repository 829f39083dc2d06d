package keychain

import (
	"context"
	"encoding/xml"
	"slices"
	"testing"

	"github.com/godbus/dbus"
)

// sessions lists the Secret Service's open sessions (object paths under
// /org/freedesktop/secrets/session), from introspection.
func sessions(t *testing.T) []string {
	t.Helper()
	conn, err := dbus.SessionBus()
	if err != nil {
		t.Fatal(err)
	}
	var doc string
	if err := conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets/session").
		Call("org.freedesktop.DBus.Introspectable.Introspect", 0).Store(&doc); err != nil {
		t.Fatal(err)
	}
	var n struct {
		Nodes []struct {
			Name string `xml:"name,attr"`
		} `xml:"node"`
	}
	if err := xml.Unmarshal([]byte(doc), &n); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range n.Nodes {
		out = append(out, "/org/freedesktop/secrets/session/"+c.Name)
	}
	return out
}

// The keyring (patched, thirdparty/keyring) keeps one Secret Service
// session for its reads: upstream opened one per Get, two of its five
// D-Bus round trips, and a start reads up to five items.
func TestOneSessionForManyReads(t *testing.T) {
	ctx := context.Background()
	needSessionBus(t)
	before := sessions(t)
	k := realKeychain(t, "test-"+t.Name())
	t.Cleanup(func() { k.DeleteAll(ctx) })
	if err := k.Set(ctx, RefreshToken, []byte("rt")); err != nil {
		t.Fatal(err)
	}
	for _, it := range allItems {
		if _, err := k.Get(ctx, it); err != nil && it == RefreshToken {
			t.Fatal(err)
		}
	}
	var opened []string
	for _, s := range sessions(t) {
		if !slices.Contains(before, s) {
			opened = append(opened, s)
		}
	}
	if len(opened) != 1 {
		t.Fatalf("%d sessions opened for one set and %d reads, want 1", len(opened), len(allItems))
	}

	// The daemon forgets the session (it restarted, or closed it): the
	// next read opens a new one and still answers.
	conn, err := dbus.SessionBus()
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Object("org.freedesktop.secrets", dbus.ObjectPath(opened[0])).
		Call("org.freedesktop.Secret.Session.Close", 0).Err; err != nil {
		t.Fatal(err)
	}
	got, err := k.Get(ctx, RefreshToken)
	if err != nil || string(got) != "rt" {
		t.Fatalf("after the session closed: %q, %v", got, err)
	}
}
