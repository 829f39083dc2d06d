package agent

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"sync"

	"github.com/healthprep/desk/internal/screening"
)

// catalogues is the agent's catalogue part: the screening catalogue in
// use and the text it came from, read once from the practice's copy
// (else the default) and replaced when the manager imports, edits or
// resets it. It has its own lock, so building prep never waits on the
// agent's, and the agent makes one per practice (catalogueFor).
type catalogues struct {
	// file is the practice's copy; "" for a transient practice (the
	// demo), whose edits stay in memory so a practice's copy is never
	// read or changed by it.
	file string
	log  *slog.Logger

	// defaultCat parses the default catalogue (screening.Default, or
	// the parse the agent started in the background at Open).
	defaultCat func() *screening.Catalogue

	mu  sync.Mutex
	cur loadedCatalogue // zero until first use
}

// loadedCatalogue is the catalogue in use and the text it came from.
type loadedCatalogue struct {
	cat    *screening.Catalogue
	yaml   []byte
	custom bool
}

func newCatalogues(file string, log *slog.Logger) *catalogues {
	return &catalogues{file: file, log: log, defaultCat: screening.Default}
}

// current is the catalogue in use: the practice's copy when it is valid,
// else the default (an unreadable or invalid copy is logged and left for
// the manager to fix in Settings).
func (c *catalogues) current() loadedCatalogue {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur.cat != nil {
		return c.cur
	}
	c.cur = loadedCatalogue{cat: c.defaultCat(), yaml: screening.DefaultYAML()}
	if c.file == "" {
		return c.cur
	}
	b, err := os.ReadFile(c.file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		c.log.Warn("the practice catalogue cannot be read; using the default", "err", err)
	default:
		if cat, err := screening.Parse(b); err == nil {
			c.cur = loadedCatalogue{cat: cat, yaml: b, custom: true}
		} else {
			c.log.Warn("the practice catalogue is invalid; using the default until it is fixed in Settings", "err", err)
		}
	}
	return c.cur
}

// withExclusionsOff is the catalogue in use with the exclusion concepts
// in off switched off; one the catalogue no longer has is ignored.
func (c *catalogues) withExclusionsOff(off []string) *screening.Catalogue {
	cat := c.current().cat
	var known []string
	for _, x := range cat.ExclusionConcepts() {
		if slices.Contains(off, x.ID) {
			known = append(known, x.ID)
		}
	}
	if cc, err := cat.WithExclusionsOff(known); err == nil {
		return cc
	}
	return cat
}

// save makes b, already validated as cat, the catalogue in use, and the
// practice's copy. The lock is held across the write, so two saves
// cannot leave the file and memory disagreeing.
func (c *catalogues) save(b []byte, cat *screening.Catalogue) (loadedCatalogue, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.file != "" {
		if err := writeFileAtomic(c.file, b); err != nil {
			return loadedCatalogue{}, err
		}
	}
	c.cur = loadedCatalogue{cat: cat, yaml: b, custom: true}
	return c.cur, nil
}

// reset goes back to the default catalogue, removing the practice's copy.
func (c *catalogues) reset() (loadedCatalogue, error) {
	c.mu.Lock()
	if c.file != "" {
		if err := os.Remove(c.file); err != nil && !errors.Is(err, fs.ErrNotExist) {
			c.mu.Unlock()
			return loadedCatalogue{}, err
		}
	}
	c.cur = loadedCatalogue{}
	c.mu.Unlock()
	return c.current(), nil
}
