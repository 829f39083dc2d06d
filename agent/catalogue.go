package agent

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/screening"
	"github.com/healthprep/desk/internal/screening/valuesets"
)

// catalogueFile is the practice's own copy of the screening catalogue in
// the data directory (no patient data, so it need not be encrypted). A
// transient practice's edits (the demo's) stay in memory, so trying the
// demo never changes a practice's catalogue.
const catalogueFile = "catalogue.yaml"

// catalogueFor is the current practice's catalogue part, made on first
// use and dropped with the practice (closePractice).
func (a *Agent) catalogueFor() *catalogues {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cats == nil {
		file := filepath.Join(a.opts.Dir, catalogueFile)
		if a.practice != nil && a.practice.tenant().Transient {
			file = ""
		}
		a.cats = newCatalogues(file, a.log)
		if ch := a.catPrefetch; ch != nil {
			a.catPrefetch = nil
			a.cats.defaultCat = func() *screening.Catalogue {
				if c, ok := <-ch; ok {
					return c // the background parse, once
				}
				return screening.Default() // after a reset: parse again
			}
		}
	}
	return a.cats
}

// prefetchCatalogue loads the default catalogue in the background, so the
// load (its generated JSON, the value sets and the index: about 10 ms of
// CPU) overlaps the keychain and the cache opening instead of following
// them on a fresh start. The first practice's catalogue part takes it.
//
// The value sets the catalogue's compiling looks up are decoded (a 230 KB
// JSON, about 8 ms of CPU) on a goroutine of their own beside the catalogue
// load: on a fresh start the other core is idle while the keychain
// answers, and the load then finds them ready instead of decoding them
// after itself.
func (a *Agent) prefetchCatalogue() {
	go valuesets.Embedded()
	ch := make(chan *screening.Catalogue, 1)
	go func() {
		ch <- screening.Default()
		close(ch)
	}()
	a.mu.Lock()
	a.catPrefetch = ch
	a.mu.Unlock()
}

// catalogue returns the catalogue in use with the exclusions the practice
// switched off in Settings.
func (a *Agent) catalogue() *screening.Catalogue {
	a.mu.Lock()
	var off []string
	if a.practice != nil {
		off = a.practice.DisabledExclusions
	}
	a.mu.Unlock()
	return a.catalogueFor().withExclusionsOff(off)
}

func (a *Agent) loadCatalogue() loadedCatalogue { return a.catalogueFor().current() }

// Catalogue returns the catalogue in use for the settings editor.
func (a *Agent) Catalogue(ctx context.Context) (api.CatalogueView, error) {
	return catalogueView(a.loadCatalogue()), nil
}

// ImportCatalogue replaces the practice's catalogue with yaml when it
// validates; otherwise nothing changes and the problems come back.
func (a *Agent) ImportCatalogue(ctx context.Context, yaml string) (api.CatalogueChange, error) {
	c, err := screening.Parse([]byte(yaml))
	if err != nil {
		return a.refused(err)
	}
	return a.saveCatalogue(ctx, []byte(yaml), c, "imported")
}

// EditCatalogue applies the manager's edits to the catalogue in use.
// The edits change the YAML text in place, so the practice's comments and
// the codes' provenance survive.
func (a *Agent) EditCatalogue(ctx context.Context, edits []api.CatalogueEdit) (api.CatalogueChange, error) {
	if len(edits) == 0 {
		return api.CatalogueChange{}, api.NewError(api.KindBadRequest, "nothing to change")
	}
	text, c, err := screening.ApplyEdits(a.loadCatalogue().yaml, unwireEdits(edits))
	if err != nil {
		return a.refused(err)
	}
	return a.saveCatalogue(ctx, text, c, "edited")
}

// ResetCatalogue goes back to the default catalogue.
func (a *Agent) ResetCatalogue(ctx context.Context) (api.CatalogueView, error) {
	lc, err := a.catalogueFor().reset()
	if err != nil {
		return api.CatalogueView{}, err
	}
	a.audit(ctx, "catalogue.reset", nil)
	return catalogueView(lc), nil
}

// saveCatalogue makes b, already validated as c, the practice's catalogue.
func (a *Agent) saveCatalogue(ctx context.Context, b []byte, c *screening.Catalogue, how string) (api.CatalogueChange, error) {
	lc, err := a.catalogueFor().save(b, c)
	if err != nil {
		return api.CatalogueChange{}, err
	}
	a.audit(ctx, "catalogue."+how, map[string]string{"version": c.Version})
	a.log.Info("screening catalogue changed", "how", how, "version", c.Version)
	v := catalogueView(lc)
	return api.CatalogueChange{Problems: []api.CatalogueProblem{}, Catalogue: &v}, nil
}

// refused reports a catalogue that does not validate as its problems;
// nothing was saved.
func (a *Agent) refused(err error) (api.CatalogueChange, error) {
	var ve *screening.ValidationError
	if !errors.As(err, &ve) {
		return api.CatalogueChange{}, err
	}
	return api.CatalogueChange{Problems: wireProblems(ve.List())}, nil
}

func catalogueView(lc loadedCatalogue) api.CatalogueView {
	return api.CatalogueView{Version: lc.cat.Version, Custom: lc.custom, YAML: string(lc.yaml), Screenings: wireScreenings(lc.cat.Summary())}
}
