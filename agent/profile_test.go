package agent

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/tenant"
)

// The tenant profile, not the code, decides how a sync talks to the
// server and where the practice's data goes: a practice on a profile with
// other Observation categories, other Patient batches and its own cache
// and keychain id fetches exactly that, there.
func TestProfileDecidesTheSync(t *testing.T) {
	t.Setenv("HEALTHPREP_KEYRING", "file")
	t.Setenv("HEALTHPREP_KEYRING_PASSWORD", "test")
	ctx := context.Background()
	prof := tenant.Demo
	prof.Name, prof.Mode = "vitals-only", "practice"
	prof.ObservationCategories = []string{"vital-signs"}
	prof.PatientBatch = 1 // a batch of one is a read: every Patient on its own
	prof.KeychainID, prof.CacheDir = "vitals-only", "vitals-cache"
	prof.Transient = false
	dir := t.TempDir()
	p := Practice{Name: "Vitals Clinic", ClientID: epicsim.DemoClientID, Profile: prof.Name,
		Schedule: ScheduleSource{Kind: "provider-service", ProviderIDs: []string{"E1001", "E1002", "E1003"}}}
	if err := SavePractice(dir, p); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, Options{Dir: dir}); err == nil {
		t.Fatal("a practice naming a profile this agent does not know was opened")
	}
	a, err := Open(ctx, Options{Dir: dir, Profiles: []tenant.Profile{prof}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	date := weekdayBefore(a.now(), 1)
	sum, err := a.Sync(ctx, api.SyncRequest{Date: date})
	if err != nil || sum.Patients < 2 || sum.Partial {
		t.Fatalf("sync: %+v, %v", sum, err)
	}
	if n := a.demo.Requests()["Patient"]; n != sum.Patients {
		t.Errorf("%d Patient requests for %d patients; a batch of one reads each patient alone", n, sum.Patients)
	}
	_, recs, err := a.loadDay(ctx, date)
	if err != nil {
		t.Fatal(err)
	}
	var vitals int
	for _, r := range recs {
		for _, it := range r.Items {
			if it.Type != "Observation" {
				continue
			}
			if !slices.ContainsFunc(it.Category, func(c record.Coding) bool { return c.Code == "vital-signs" }) {
				t.Fatalf("an Observation in categories %v was fetched; the profile asks for vital-signs only", it.Category)
			}
			vitals++
		}
	}
	if vitals == 0 {
		t.Fatal("no vital signs were fetched")
	}
	st, err := a.Status(ctx)
	if err != nil || st.Mode != api.ModePractice {
		t.Fatalf("status mode %v (%v), want the profile's %q", st.Mode, err, prof.Mode)
	}
	if _, err := os.Stat(filepath.Join(dir, "vitals-cache")); err != nil {
		t.Errorf("the profile's cache directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, tenant.Demo.CacheDir)); err == nil {
		t.Error("the practice wrote to the demo's cache directory")
	}
}

// The demo profile keeps its own cache and keychain items, so trying the
// demo never touches a practice's; a practice's follow its own id.
func TestDemoProfileKeepsItsOwnCacheAndKeychain(t *testing.T) {
	a := &Agent{opts: Options{Dir: "/data"}}
	demo := demoPractice()
	practice := Practice{FHIRBase: "https://fhir.example.org/api/FHIR/R4", ClientID: "abc"}
	if a.cacheDir(demo) == a.cacheDir(practice) {
		t.Errorf("the demo and a practice share the cache %s", a.cacheDir(demo))
	}
	if keychainID(demo) != "demo" || keychainID(practice) != practice.ID() {
		t.Errorf("keychain ids: demo %q, practice %q (want demo and %q)", keychainID(demo), keychainID(practice), practice.ID())
	}
	if demo.RedirectPort != tenant.Epic.RedirectPort || practice.withDefaults().RedirectPort != 53682 {
		t.Errorf("redirect ports %d and %d, want Epic's registered 53682", demo.RedirectPort, practice.withDefaults().RedirectPort)
	}
}
