package agent

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/screening"
)

// catalogueFile is the practice's own copy of the screening catalogue in
// the data directory (no patient data, so it need not be encrypted). The
// demo's edits stay in memory, so trying the demo never changes a
// practice's catalogue.
const catalogueFile = "catalogue.yaml"

// loadedCatalogue is the catalogue in use and the text it came from.
type loadedCatalogue struct {
	cat    *screening.Catalogue
	yaml   []byte
	custom bool
}

// catalogue returns the catalogue in use: the practice's copy when valid,
// else the default.
func (a *Agent) catalogue() *screening.Catalogue { return a.loadCatalogue().cat }

func (a *Agent) loadCatalogue() loadedCatalogue {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cat.cat != nil {
		return a.cat
	}
	a.cat = loadedCatalogue{cat: screening.Default(), yaml: screening.DefaultYAML()}
	if a.practice != nil && a.practice.Demo {
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
			// Only the count: problem texts quote the file, which is fine,
			// but the log need not carry them.
			a.log.Warn("the practice catalogue is invalid; using the default until it is fixed in Settings", "problems", len(problems(err)))
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
	return a.saveCatalogue(ctx, []byte(yaml), "import")
}

// EditCatalogue applies the manager's edits to the catalogue in use.
func (a *Agent) EditCatalogue(ctx context.Context, edits []api.CatalogueEdit) (api.CatalogueChange, error) {
	return api.CatalogueChange{}, api.NewError(api.KindInternal, "editing single screenings is not available in this version yet; export the catalogue, edit it and import it")
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

// saveCatalogue validates b and makes it the practice's catalogue.
func (a *Agent) saveCatalogue(ctx context.Context, b []byte, how string) (api.CatalogueChange, error) {
	c, err := screening.Parse(b)
	if err != nil {
		if errors.Is(err, screening.ErrInvalid) {
			return api.CatalogueChange{Problems: problems(err)}, nil
		}
		return api.CatalogueChange{}, err
	}
	a.mu.Lock()
	demo := a.practice != nil && a.practice.Demo
	a.mu.Unlock()
	if !demo {
		if err := writeFileAtomic(filepath.Join(a.opts.Dir, catalogueFile), b); err != nil {
			return api.CatalogueChange{}, err
		}
	}
	lc := loadedCatalogue{cat: c, yaml: b, custom: true}
	a.mu.Lock()
	a.cat = lc
	a.mu.Unlock()
	a.audit(ctx, "catalogue."+how, map[string]string{"version": c.Version})
	v := catalogueView(lc)
	return api.CatalogueChange{Problems: []api.CatalogueProblem{}, Catalogue: &v}, nil
}

var lineRE = regexp.MustCompile(`^line (\d+): `)

// problems turns a validation error into line-numbered problems.
func problems(err error) []api.CatalogueProblem {
	var ve *screening.ValidationError
	if !errors.As(err, &ve) {
		return []api.CatalogueProblem{{Message: err.Error()}}
	}
	out := make([]api.CatalogueProblem, 0, len(ve.Problems))
	for _, p := range ve.Problems {
		pr := api.CatalogueProblem{Message: p}
		if m := lineRE.FindStringSubmatch(p); m != nil {
			pr.Line, _ = strconv.Atoi(m[1])
			pr.Message = p[len(m[0]):]
		}
		out = append(out, pr)
	}
	return out
}

func catalogueView(lc loadedCatalogue) api.CatalogueView {
	v := api.CatalogueView{Version: lc.cat.Version, Custom: lc.custom, YAML: string(lc.yaml), Screenings: []api.CatalogueScreening{}}
	for _, s := range lc.cat.Screenings {
		cs := api.CatalogueScreening{ID: s.ID, Title: s.Title, Enabled: s.On(), Sexes: s.Sexes, MinAge: s.MinAge, MaxAge: s.MaxAge,
			DueSoon: s.DueSoon, ManualReview: s.ManualReview, Modalities: []api.CatalogueModality{}}
		for _, m := range s.Modalities {
			cs.Modalities = append(cs.Modalities, api.CatalogueModality{ID: m.ID, Title: m.Title, Interval: m.Interval})
			for _, g := range m.Evidence {
				cs.Review = cs.Review || g.Review
			}
		}
		v.Screenings = append(v.Screenings, cs)
	}
	return v
}
