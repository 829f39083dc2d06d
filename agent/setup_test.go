package agent

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/epicsim"
)

// openSignedIn opens an agent for a practice set up against a simulated
// tenant, signed in (the sign-in itself is tested in internal/smart).
func openSignedIn(t *testing.T, sched ScheduleSource) (*Agent, *epicsim.Server, string) {
	t.Helper()
	return openSignedInLogged(t, sched, nil)
}

// openSignedInLogged is openSignedIn with the agent logging to log.
func openSignedInLogged(t *testing.T, sched ScheduleSource, log *slog.Logger) (*Agent, *epicsim.Server, string) {
	t.Helper()
	ctx := context.Background()
	sim, err := epicsim.Start(ctx, epicsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	dir := t.TempDir()
	t.Setenv("HEALTHPREP_KEYRING", "file")
	t.Setenv("HEALTHPREP_KEYRING_PASSWORD", "test")
	if err := SavePractice(dir, Practice{Name: "Sim Practice", FHIRBase: sim.FHIRBase(), ClientID: epicsim.DemoClientID, Schedule: sched}); err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, Options{Dir: dir, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	p, err := a.current()
	if err != nil {
		t.Fatal(err)
	}
	a.accessFor(p).UseTokens(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: sim.MintAccessToken(epicsim.DemoClientID, time.Hour), TokenType: "Bearer"}))
	return a, sim, dir
}

func TestCleanScheduleSplitsPastedProviderIDs(t *testing.T) {
	c := cleanSchedule(api.ScheduleSource{Kind: " provider-service ", ProviderIDs: []string{`"E1001", E1002;E1001`, "  E1003\n"}})
	if len(c.Problems) != 0 || !slices.Equal(c.Source.ProviderIDs, []string{"E1001", "E1002", "E1003"}) || c.Source.Kind != "provider-service" {
		t.Fatalf("cleaned %+v", c)
	}
	for _, tc := range []struct {
		in    api.ScheduleSource
		field string
	}{
		{api.ScheduleSource{Kind: "provider-service"}, "providerIds"},
		{api.ScheduleSource{Kind: "fhir-appointments", ProviderIDs: []string{" , "}}, "providerIds"},
		{api.ScheduleSource{Kind: "provider-service", ProviderIDs: []string{"E1001, E10/02"}}, "providerIds"},
		{api.ScheduleSource{Kind: ""}, "kind"},
		{api.ScheduleSource{Kind: "fax"}, "kind"},
	} {
		c := cleanSchedule(tc.in)
		if len(c.Problems) != 1 || c.Problems[0].Field != tc.field || c.Problems[0].Message == "" {
			t.Errorf("%+v: problems %+v, want one for %s", tc.in, c.Problems, tc.field)
		}
	}
	if c := cleanSchedule(api.ScheduleSource{Kind: "file", ProviderIDs: []string{"E1001"}}); len(c.Problems) != 0 || c.Source.ProviderIDs != nil {
		t.Fatalf("the file route needs no provider IDs: %+v", c)
	}
}

// The wizard's "Test schedule" fetches the day from Epic's provider
// schedule with the IDs as typed, saving nothing: the count is the
// tenant's, per provider, and a mistyped ID shows with none.
func TestTestScheduleCountsTheDaysAppointments(t *testing.T) {
	ctx := context.Background()
	a, sim, _ := openSignedIn(t, ScheduleSource{Kind: "provider-service"})
	day := time.Now()
	for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
		day = day.AddDate(0, 0, -1)
	}
	date := day.Format(time.DateOnly)
	want := sim.Practice().Appointments[date]
	if len(want) == 0 {
		t.Fatalf("the tenant has no appointments on %s", date)
	}
	got, err := a.TestSchedule(ctx, api.ScheduleTest{Date: date, Source: api.ScheduleSource{Kind: "provider-service", ProviderIDs: []string{"E1001,E1002, E1003 E9999"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Tested || got.Appointments != len(want) || got.Date != date || len(got.ByProvider) != 4 {
		t.Fatalf("test of %s: %+v, want %d appointments over 4 provider IDs", date, got, len(want))
	}
	sum := 0
	for _, p := range got.ByProvider {
		sum += p.Appointments
	}
	if sum != len(want) || got.ByProvider[3].ID != "E9999" || !got.ByProvider[3].Unknown || got.ByProvider[0].Name == "" {
		t.Fatalf("by provider %+v", got.ByProvider)
	}
	// Nothing was saved: the practice still has no provider IDs.
	if p, _ := a.current(); len(p.Schedule.ProviderIDs) != 0 {
		t.Fatalf("a test saved the provider IDs: %+v", p.Schedule)
	}
	// A problem with the fields is said by field, with nothing fetched.
	got, err = a.TestSchedule(ctx, api.ScheduleTest{Source: api.ScheduleSource{Kind: "provider-service"}})
	if err != nil || got.Tested || len(got.Problems) != 1 || got.Problems[0].Field != "providerIds" {
		t.Fatalf("test with no IDs: %+v, %v", got, err)
	}
}

// On a day the clinic is closed the test says so and names the next clinic
// day with appointments (a manager setting up on a Sunday).
func TestTestScheduleOnAClosedDayNamesTheNextClinicDay(t *testing.T) {
	ctx := context.Background()
	a, sim, _ := openSignedIn(t, ScheduleSource{Kind: "provider-service", ProviderIDs: []string{"E1001", "E1002", "E1003"}})
	sat := time.Now().AddDate(0, 0, -1)
	for sat.Weekday() != time.Saturday {
		sat = sat.AddDate(0, 0, -1)
	}
	mon := sat.AddDate(0, 0, 2).Format(time.DateOnly)
	got, err := a.TestSchedule(ctx, api.ScheduleTest{Date: sat.Format(time.DateOnly)}) // the saved source
	if err != nil {
		t.Fatal(err)
	}
	if !got.Tested || got.Appointments != 0 || got.NextDate != mon || got.NextAppointments != len(sim.Practice().Appointments[mon]) || got.NextAppointments == 0 {
		t.Fatalf("Saturday test: %+v, want none and Monday %s with %d", got, mon, len(sim.Practice().Appointments[mon]))
	}
}

func TestSaveScheduleKeepsTheSourceOrSaysWhyNot(t *testing.T) {
	ctx := context.Background()
	a, _, dir := openSignedIn(t, ScheduleSource{Kind: "provider-service"})
	got, err := a.SaveSchedule(ctx, api.ScheduleSource{Kind: "provider-service", ProviderIDs: []string{"E1001, x/y"}})
	if err != nil || len(got.Problems) != 1 || got.Problems[0].Field != "providerIds" {
		t.Fatalf("a bad ID: %+v, %v", got, err)
	}
	if p, _ := a.current(); len(p.Schedule.ProviderIDs) != 0 {
		t.Fatalf("a refused source was saved: %+v", p.Schedule)
	}
	if _, err := a.SaveSchedule(ctx, api.ScheduleSource{Kind: "provider-service", ProviderIDs: []string{"E1001 E1002"}}); err != nil {
		t.Fatal(err)
	}
	p, err := LoadPractice(dir)
	if err != nil || !slices.Equal(p.Schedule.ProviderIDs, []string{"E1001", "E1002"}) {
		t.Fatalf("saved practice: %+v, %v", p.Schedule, err)
	}
	st, err := a.Status(ctx)
	if err != nil || st.Schedule == nil || !slices.Equal(st.Schedule.ProviderIDs, []string{"E1001", "E1002"}) {
		t.Fatalf("status schedule %+v, %v", st.Schedule, err)
	}
}
