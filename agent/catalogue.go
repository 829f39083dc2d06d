package agent

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/screening"
)

// catalogueFile is the practice's own copy of the screening catalogue in
// the data directory (no patient data, so it need not be encrypted). A
// transient practice's edits (the demo's) stay in memory, so trying the
// demo never changes a practice's catalogue.
const catalogueFile = "catalogue.yaml"

// loadedCatalogue is the catalogue in use and the text it came from.
type loadedCatalogue struct {
	cat    *screening.Catalogue
	yaml   []byte
	custom bool
}

// catalogue returns the catalogue in use: the practice's copy when valid,
// else the default, with the exclusions the practice switched off in
// Settings (one the catalogue no longer has is ignored).
func (a *Agent) catalogue() *screening.Catalogue {
	c := a.loadCatalogue().cat
	a.mu.Lock()
	var off []string
	if a.practice != nil {
		off = a.practice.DisabledExclusions
	}
	a.mu.Unlock()
	var known []string
	for _, x := range c.ExclusionConcepts() {
		if slices.Contains(off, x.ID) {
			known = append(known, x.ID)
		}
	}
	if cc, err := c.WithExclusionsOff(known); err == nil {
		return cc
	}
	return c
}

func (a *Agent) loadCatalogue() loadedCatalogue {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cat.cat != nil {
		return a.cat
	}
	a.cat = loadedCatalogue{cat: screening.Default(), yaml: screening.DefaultYAML()}
	if a.practice != nil && a.practice.tenant().Transient {
		return a.cat
	}
	b, err := os.ReadFile(filepath.Join(a.opts.Dir, catalogueFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		a.log.Warn("the practice catalogue cannot be read; using the default", "err", err)
	default:
		if c, err := screening.Parse(b); err == nil {
			a.cat = loadedCatalogue{cat: c, yaml: b, custom: true}
		} else {
			a.log.Warn("the practice catalogue is invalid; using the default until it is fixed in Settings", "err", err)
		}
	}
	return a.cat
}

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
	if err := os.Remove(filepath.Join(a.opts.Dir, catalogueFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return api.CatalogueView{}, err
	}
	a.mu.Lock()
	a.cat = loadedCatalogue{}
	a.mu.Unlock()
	a.audit(ctx, "catalogue.reset", nil)
	return catalogueView(a.loadCatalogue()), nil
}

// saveCatalogue makes b, already validated as c, the practice's catalogue.
func (a *Agent) saveCatalogue(ctx context.Context, b []byte, c *screening.Catalogue, how string) (api.CatalogueChange, error) {
	a.mu.Lock()
	transient := a.practice != nil && a.practice.tenant().Transient
	a.mu.Unlock()
	if !transient {
		if err := writeFileAtomic(filepath.Join(a.opts.Dir, catalogueFile), b); err != nil {
			return api.CatalogueChange{}, err
		}
	}
	lc := loadedCatalogue{cat: c, yaml: b, custom: true}
	a.mu.Lock()
	a.cat = lc
	a.mu.Unlock()
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
