package send

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/prep"
	"github.com/healthprep/desk/internal/store"
)

// cutSearches fails the searches that follow a write while armed, like a
// network that goes down right after a note was sent: the write's answer
// is lost and the check cannot be made.
type cutSearches struct {
	next  http.RoundTripper
	armed atomic.Bool
}

func (c *cutSearches) RoundTrip(r *http.Request) (*http.Response, error) {
	if c.armed.Load() && r.Method == http.MethodGet {
		return nil, errors.New("connect: network is unreachable")
	}
	return c.next.RoundTrip(r)
}

func fixture(t testing.TB) (*epicsim.Server, *Sender, *cutSearches, prep.Sheet) {
	t.Helper()
	ctx := context.Background()
	sim, err := epicsim.Start(ctx, epicsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	key := make([]byte, 32)
	rand.Read(key)
	st, err := store.Open(ctx, t.TempDir(), key, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cut := &cutSearches{next: http.DefaultTransport}
	tok := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: sim.MintAccessToken(epicsim.DemoClientID, time.Hour), TokenType: "Bearer"})
	s := &Sender{
		FHIR:  &fhir.Client{Base: sim.FHIRBase(), HTTP: &http.Client{Transport: cut}, Tokens: tok, Writes: fhir.AllowWrites("DocumentReference"), MaxTries: 1},
		Files: st, By: "Front Desk", CatalogueVersion: "test-1", Location: time.UTC,
	}
	pt := sim.Practice().Patients[0]
	sh := prep.Sheet{Date: "2026-11-27", AppointmentID: "appt-1", Patient: prep.SheetPatient{ID: pt.ID}, Time: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC), Provider: "Dr. Test"}
	return sim, s, cut, sh
}

// A note stored by Epic whose answer was lost, with the network gone
// before it could be checked: the send says it may be in the chart and
// keeps it pending; the next send finds it and writes nothing more.
func TestAnUncheckedWriteIsCheckedBeforeTheNextOne(t *testing.T) {
	sim, s, cut, sh := fixture(t)
	ctx := context.Background()
	sim.SetWriteFault(epicsim.WriteDropped, 1)
	// Arm the cut once the write is on its way: the first GET after it.
	s.FHIR.HTTP.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodPost {
			defer cut.armed.Store(true)
		}
		return cut.RoundTrip(r)
	})
	outs, err := s.Send(ctx, "2026-11-27", []prep.Sheet{sh})
	if err != nil || len(outs) != 1 || outs[0].Err == nil || !strings.Contains(outs[0].Err.Error(), "no second note is made") {
		t.Fatalf("first send: %+v %v", outs, err)
	}
	led, _ := Load(ctx, s.Files, "2026-11-27")
	if r := led["appt-1"]; !r.Pending || r.Attempt == "" {
		t.Fatalf("ledger %+v, want the attempt pending", r)
	}
	if sim.NoteCount() != 1 {
		t.Fatalf("%d notes stored, want the 1 whose answer was lost", sim.NoteCount())
	}
	cut.armed.Store(false)
	s.FHIR.HTTP.Transport = cut
	outs, err = s.Send(ctx, "2026-11-27", []prep.Sheet{sh})
	if err != nil || outs[0].Err != nil || !outs[0].Recovered || outs[0].Record.NoteID == "" {
		t.Fatalf("second send: %+v %v", outs, err)
	}
	if sim.NoteCount() != 1 {
		t.Fatalf("%d notes stored after the second send, want 1", sim.NoteCount())
	}
	if n, _ := Count(ctx, s.Files, time.Now().UTC().Format(time.DateOnly)); n != 1 {
		t.Fatalf("the day's count is %d, want 1", n)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The cap counts writes before they are made, on the day they are made:
// at the cap nothing is written; a new day starts from zero.
func TestCapBoundsTheDaysWrites(t *testing.T) {
	sim, s, _, sh := fixture(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 23, 59, 0, 0, time.UTC)
	s.Now, s.DailyCap = func() time.Time { return now }, 2
	other := sh
	other.AppointmentID, other.Patient.ID = "appt-2", sim.Practice().Patients[1].ID
	third := sh
	third.AppointmentID, third.Patient.ID = "appt-3", sim.Practice().Patients[2].ID
	outs, err := s.Send(ctx, "2026-11-27", []prep.Sheet{sh, other, third})
	if err != nil || outs[0].Err != nil || outs[1].Err != nil || !errors.Is(outs[2].Err, ErrCap) || sim.NoteCount() != 2 {
		t.Fatalf("at the cap: %+v %v, %d written", outs, err, sim.NoteCount())
	}
	now = now.Add(2 * time.Minute) // the next day
	if outs, _ := s.Send(ctx, "2026-11-27", []prep.Sheet{third}); outs[0].Err != nil || sim.NoteCount() != 3 {
		t.Fatalf("the next day: %+v", outs)
	}
}

// A chart never fetched has no prep: nothing is searched or written.
func TestNothingSentForAnUnfetchedChart(t *testing.T) {
	sim, s, _, sh := fixture(t)
	sh.NotFetched = true
	outs, err := s.Send(context.Background(), "2026-11-27", []prep.Sheet{sh})
	if err != nil || outs[0].Err == nil || sim.NoteCount() != 0 || sim.Requests()["DocumentReference"] != 0 {
		t.Fatalf("%+v %v", outs, err)
	}
}
