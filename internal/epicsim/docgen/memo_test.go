package docgen

import (
	"bytes"
	"crypto/sha256"
	"testing"
	"time"
)

// A kept render is the same bytes as a fresh one, and changing what Bytes
// returned changes nothing kept.
func TestRenderKeptIsTheSameAndCopied(t *testing.T) {
	var scan Doc
	for _, d := range Corpus(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)) {
		if d.Format == PNGScan {
			scan = d
			break
		}
	}
	first, err := scan.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := scan.render()
	if err != nil {
		t.Fatal(err)
	}
	clear(first)
	again, err := scan.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, fresh) {
		t.Fatal("the kept render differs from a fresh one, or was changed through a returned copy")
	}
}

// The memo drops the oldest renders past its size, and refuses one larger
// than the whole.
func TestMemoDropsTheOldest(t *testing.T) {
	c := &memo{max: 10, m: map[[sha256.Size]byte][]byte{}}
	key := func(s string) [sha256.Size]byte { return sha256.Sum256([]byte(s)) }
	c.put(key("a"), []byte("aaaa"))
	c.put(key("b"), []byte("bbbb"))
	c.put(key("c"), []byte("cccc")) // 12 > 10: a goes
	c.put(key("huge"), make([]byte, 11))
	for k, want := range map[string]bool{"a": false, "b": true, "c": true, "huge": false} {
		if _, ok := c.get(key(k)); ok != want {
			t.Errorf("%s kept = %v, want %v", k, ok, want)
		}
	}
	if c.size != 8 {
		t.Errorf("size %d, want 8", c.size)
	}
}
