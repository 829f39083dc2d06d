package agent

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/prep"
	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/screening"
)

// openPractice opens an agent on a fresh data directory holding a
// configured (not signed-in) practice.
func openPractice(t *testing.T) (*Agent, string) {
	t.Helper()
	dir := t.TempDir()
	p := Practice{Name: "Test Practice", FHIRBase: "https://epic.example.org/api/FHIR/R4", ClientID: "abc"}.withDefaults()
	if err := SavePractice(dir, p); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HEALTHPREP_KEYRING", "file")
	t.Setenv("HEALTHPREP_KEYRING_PASSWORD", "test")
	a, err := Open(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a, dir
}

func TestCatalogueImportRefusesABadOneAndKeepsTheLastGood(t *testing.T) {
	ctx := context.Background()
	a, dir := openPractice(t)
	bad := strings.Replace(string(screening.DefaultYAML()), "min_age: 45", "min_age: 80", 1)
	ch, err := a.ImportCatalogue(ctx, bad)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Catalogue != nil || len(ch.Problems) == 0 || ch.Problems[0].Line == 0 {
		t.Fatalf("a catalogue with min > max was accepted or its problem has no line: %+v", ch.Problems)
	}
	if _, err := os.Stat(filepath.Join(dir, catalogueFile)); !os.IsNotExist(err) {
		t.Fatalf("a refused catalogue was written: %v", err)
	}

	good := strings.Replace(string(screening.DefaultYAML()), "version: ", "version: practice-", 1)
	ch, err = a.ImportCatalogue(ctx, good)
	if err != nil || len(ch.Problems) > 0 {
		t.Fatalf("a valid catalogue was refused: %v %+v", err, ch.Problems)
	}
	if !ch.Catalogue.Custom || !strings.HasPrefix(ch.Catalogue.Version, "practice-") {
		t.Fatalf("import result: custom=%v version=%q", ch.Catalogue.Custom, ch.Catalogue.Version)
	}
	// A second agent on the same directory finds the practice's copy.
	a.Close()
	b, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if v, _ := b.Catalogue(ctx); !v.Custom || v.Version != ch.Catalogue.Version {
		t.Fatalf("after restart: custom=%v version=%q", v.Custom, v.Version)
	}
	v, err := b.ResetCatalogue(ctx)
	if err != nil || v.Custom || v.Version != screening.Default().Version {
		t.Fatalf("reset: %v custom=%v version=%q", err, v.Custom, v.Version)
	}
}

func TestCatalogueEditKeepsTheTextAndRefusesABadEdit(t *testing.T) {
	ctx := context.Background()
	a, dir := openPractice(t)
	off, tooOld := false, 200
	ch, err := a.EditCatalogue(ctx, []api.CatalogueEdit{{Screening: "colorectal_cancer", Enabled: &off}})
	if err != nil || len(ch.Problems) > 0 {
		t.Fatalf("edit: %v %+v", err, ch.Problems)
	}
	for _, s := range ch.Catalogue.Screenings {
		if s.ID == "colorectal_cancer" && s.Enabled {
			t.Fatal("the screening is still enabled after the edit")
		}
	}
	saved, err := os.ReadFile(filepath.Join(dir, catalogueFile))
	if err != nil {
		t.Fatal(err)
	}
	// Comments and provenance survive an edit.
	if !strings.Contains(string(saved), "# HealthPrep Desk default screening catalogue.") || !strings.Contains(string(saved), "2.16.840.1.113883.3.464.1003.108.12.1020") {
		t.Fatal("the edited catalogue lost its comments or sources")
	}
	ch, err = a.EditCatalogue(ctx, []api.CatalogueEdit{{Screening: "colorectal_cancer", MinAge: &tooOld}})
	if err != nil || ch.Catalogue != nil || len(ch.Problems) == 0 {
		t.Fatalf("a min age over the max age was accepted: %v %+v", err, ch)
	}
	after, _ := os.ReadFile(filepath.Join(dir, catalogueFile))
	if string(after) != string(saved) {
		t.Fatal("a refused edit changed the saved catalogue")
	}
}

// A practice that switches the hospice exclusion off in Settings sees its
// hospice patients due again on the prep sheet; the choice is kept and an
// unknown exclusion is refused.
func TestDisabledExclusionMakesHospicePatientDue(t *testing.T) {
	ctx := context.Background()
	a, dir := openPractice(t)
	hospice := record.Item{Type: "Encounter", ID: "enc1", Status: "finished", Date: time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC),
		Codes: []record.Coding{{System: "http://snomed.info/sct", Code: "183919006"}}}
	rec := record.Record{Patient: record.Patient{ID: "p1", Sex: "female", BirthDate: time.Date(1960, 5, 5, 0, 0, 0, 0, time.UTC)}, Items: []record.Item{hospice}}
	appt := record.Appointment{ID: "a1", Start: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), PatientID: "p1"}
	status := func() screening.Status {
		for _, r := range prep.BuildSheet(appt, rec, a.catalogue(), prep.Options{}).Results {
			if r.ID == "breast_cancer" {
				return r.Status
			}
		}
		return ""
	}
	if st := status(); st != screening.Excluded {
		t.Fatalf("hospice patient: %s", st)
	}
	s, err := a.Settings(ctx)
	if err != nil || len(s.Exclusions) < 4 || len(s.DisabledExclusions) != 0 {
		t.Fatalf("settings %+v %v", s, err)
	}
	s.DisabledExclusions = []string{"hospice"}
	if err := a.SaveSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	if st := status(); st != screening.Due {
		t.Fatalf("hospice switched off: %s, want due", st)
	}
	s.DisabledExclusions = []string{"no_such_exclusion"}
	if err := a.SaveSettings(ctx, s); err == nil || !strings.Contains(err.Error(), "no_such_exclusion") {
		t.Fatalf("an unknown exclusion was saved: %v", err)
	}
	a.Close()
	b, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if s, _ := b.Settings(ctx); !slices.Equal(s.DisabledExclusions, []string{"hospice"}) {
		t.Fatalf("after reopening: %v", s.DisabledExclusions)
	}
}
