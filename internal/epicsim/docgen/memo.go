package docgen

import (
	"bytes"
	"crypto/sha256"
	"sync"
)

// rendered keeps recent renders, up to 16 MB, oldest dropped first: the
// simulator and the tests ask for the same documents again and again.
var rendered = &memo{max: 16 << 20, m: map[[sha256.Size]byte][]byte{}}

type memo struct {
	mu    sync.Mutex
	max   int
	size  int
	m     map[[sha256.Size]byte][]byte
	order [][sha256.Size]byte // insertion order, for dropping the oldest
}

// get returns a copy, so a caller may change what it is given.
func (c *memo) get(k [sha256.Size]byte) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[k]
	if !ok {
		return nil, false
	}
	return bytes.Clone(b), true
}

func (c *memo) put(k [sha256.Size]byte, b []byte) {
	if len(b) > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok {
		return
	}
	for c.size+len(b) > c.max && len(c.order) > 0 {
		old := c.order[0]
		c.order = c.order[1:]
		c.size -= len(c.m[old])
		delete(c.m, old)
	}
	c.m[k] = b
	c.order = append(c.order, k)
	c.size += len(b)
}
