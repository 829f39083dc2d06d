package agent

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/healthprep/desk/internal/screening"
)

// The catalogue part reads the practice's copy once, falls back to the
// default when the copy is missing or invalid, and keeps a saved one in
// the file and in memory; reset removes the copy.
func TestCataloguePartKeepsThePracticeCopy(t *testing.T) {
	file := filepath.Join(t.TempDir(), catalogueFile)
	log := slog.New(slog.DiscardHandler)
	if lc := newCatalogues(file, log).current(); lc.custom || lc.cat.Version != screening.Default().Version {
		t.Fatalf("no copy: custom=%v version %q, want the default", lc.custom, lc.cat.Version)
	}
	if err := os.WriteFile(file, []byte("screenings: [not: a catalogue"), 0o600); err != nil {
		t.Fatal(err)
	}
	if lc := newCatalogues(file, log).current(); lc.custom {
		t.Fatal("an invalid copy was used")
	}
	mine := []byte(strings.Replace(string(screening.DefaultYAML()), "version: ", "version: practice-", 1))
	cat, err := screening.Parse(mine)
	if err != nil {
		t.Fatal(err)
	}
	c := newCatalogues(file, log)
	if _, err := c.save(mine, cat); err != nil {
		t.Fatal(err)
	}
	if lc := c.current(); !lc.custom || lc.cat.Version != cat.Version {
		t.Fatalf("after save: custom=%v version %q", lc.custom, lc.cat.Version)
	}
	if lc := newCatalogues(file, log).current(); !lc.custom || lc.cat.Version != cat.Version {
		t.Fatalf("a new part did not read the saved copy: custom=%v version %q", lc.custom, lc.cat.Version)
	}
	lc, err := c.reset()
	if err != nil || lc.custom {
		t.Fatalf("reset: custom=%v, %v", lc.custom, err)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("reset left the practice's copy: %v", err)
	}
}

// A transient practice's part (the demo's) neither reads nor writes the
// practice's copy.
func TestCataloguePartOfATransientPracticeTouchesNoFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), catalogueFile)
	mine := []byte(strings.Replace(string(screening.DefaultYAML()), "version: ", "version: practice-", 1))
	if err := os.WriteFile(file, mine, 0o600); err != nil {
		t.Fatal(err)
	}
	c := newCatalogues("", slog.New(slog.DiscardHandler))
	if c.current().custom {
		t.Fatal("the transient part read the practice's copy")
	}
	demo := []byte(strings.Replace(string(screening.DefaultYAML()), "version: ", "version: demo-", 1))
	cat, err := screening.Parse(demo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.save(demo, cat); err != nil || c.current().cat.Version != cat.Version {
		t.Fatalf("save: %v, version %q", err, c.current().cat.Version)
	}
	if _, err := c.reset(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != string(mine) {
		t.Fatalf("the practice's copy changed: %v", err)
	}
}

// Reading the catalogue while it is saved and reset sees a whole
// catalogue each time (go test -race checks the part's lock).
func TestCataloguePartUnderConcurrentUse(t *testing.T) {
	c := newCatalogues(filepath.Join(t.TempDir(), catalogueFile), slog.New(slog.DiscardHandler))
	cat := screening.Default()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 { // each reset parses the default again: a few are enough
				switch i {
				case 0:
					if _, err := c.save(screening.DefaultYAML(), cat); err != nil {
						t.Error(err)
					}
				case 1:
					if _, err := c.reset(); err != nil {
						t.Error(err)
					}
				default:
					if lc := c.current(); lc.cat == nil || len(lc.yaml) == 0 {
						t.Error("a reader saw no catalogue")
					}
					if c.withExclusionsOff([]string{"hospice", "no-such-concept"}) == nil {
						t.Error("no catalogue with exclusions off")
					}
				}
			}
		}()
	}
	wg.Wait()
}
