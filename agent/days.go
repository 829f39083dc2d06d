package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/prep"
	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/store"
)

// loadedDay is a day's snapshot as records, kept in memory while it is
// current: the app asks for the same day over and over.
type loadedDay struct {
	day  store.Day // Patients hold no resources: the records below do
	recs map[string]record.Record
	used time.Time
}

// parseDay reads a day the API was given (YYYY-MM-DD) in loc, with the one
// message every endpoint gives for a date it cannot read.
func parseDay(date string, loc *time.Location) (time.Time, error) {
	day, err := time.ParseInLocation(time.DateOnly, date, loc)
	if err != nil {
		return time.Time{}, api.NewError(api.KindBadRequest, fmt.Sprintf("%q is not a date: it must look like 2026-11-24", date))
	}
	return day, nil
}

// maxLoadedDays bounds the days kept decoded (today, yesterday, one more).
const maxLoadedDays = 3

// loadDay reads a day's snapshot with its charts as records, or returns
// the ones already read when the snapshot has not changed.
func (a *Agent) loadDay(ctx context.Context, date string) (store.Day, map[string]record.Record, error) {
	if _, err := parseDay(date, time.UTC); err != nil {
		return store.Day{}, nil, err
	}
	st, err := a.openStore(ctx)
	if err != nil {
		return store.Day{}, nil, err
	}
	info, err := st.DayInfo(ctx, date)
	if errors.Is(err, store.ErrNoDay) {
		return info, nil, api.NewError(api.KindNotFound, "Nothing is saved for "+date+" yet. Press “Update from Epic” to fetch it.")
	}
	if err != nil {
		return info, nil, err
	}
	a.mu.Lock()
	if ld := a.days[date]; ld != nil && ld.day.SyncedAt.Equal(info.SyncedAt) && ld.day.Partial == info.Partial {
		ld.used = time.Now()
		a.mu.Unlock()
		return ld.day, ld.recs, nil
	}
	a.mu.Unlock()
	// The compact records saved with the day: no FHIR JSON is parsed.
	d, recs, err := st.DayRecords(ctx, date)
	if err != nil {
		return d, nil, err
	}
	a.mu.Lock()
	if a.days == nil {
		a.days = map[string]*loadedDay{}
	}
	a.days[date] = &loadedDay{day: d, recs: recs, used: time.Now()}
	for len(a.days) > maxLoadedDays {
		oldest := date
		for k, v := range a.days {
			if v.used.Before(a.days[oldest].used) {
				oldest = k
			}
		}
		delete(a.days, oldest)
	}
	a.mu.Unlock()
	return d, recs, nil
}

// staleSet is the patients shown with older data: kept from an earlier
// sync. One never fetched is not among them: there is no older data.
func staleSet(d store.Day) map[string]bool {
	s := map[string]bool{}
	for id, p := range d.Patients {
		if p.Stale && !p.Unfetched() {
			s[id] = true
		}
	}
	return s
}

// Day returns the day's prep list from the cache; no network.
func (a *Agent) Day(ctx context.Context, date string) (api.DayList, error) {
	d, recs, err := a.loadDay(ctx, date)
	if err != nil {
		return api.DayList{}, err
	}
	list := prep.BuildDay(date, d.SyncedAt, d.Partial, d.Appointments, recs, staleSet(d), a.catalogue())
	for i, r := range list.Rows {
		if d.Patients[r.PatientID].Unfetched() {
			// Nothing is known: no counts (zero would read "nothing due"),
			// no age or sex from an empty chart.
			list.Rows[i].NotFetched, list.Rows[i].Counts, list.Rows[i].Due, list.Rows[i].Age, list.Rows[i].Sex = true, prep.Counts{}, nil, nil, ""
		}
	}
	a.recount(ctx, date, d, recs, list.Rows) // documents' text (reading.go)
	return wireDay(list), nil
}

func (a *Agent) sheet(d store.Day, recs map[string]record.Record, appt record.Appointment) prep.Sheet {
	p := d.Patients[appt.PatientID]
	if p.Unfetched() {
		// An empty chart would read as "no birth date" and screenings
		// due: show only the appointment, and why nothing else.
		s := prep.BuildSheet(appt, record.Record{}, a.catalogue(), a.prepOptions())
		s.NotFetched, s.Results, s.Measures = true, s.Results[:0], s.Measures[:0]
		s.Patient = prep.SheetPatient{ID: appt.PatientID, Name: appt.PatientName}
		s.Conditions, s.Labs, s.Imaging, s.Consults, s.Hospital, s.Immunizations = []prep.Line{}, []prep.Line{}, []prep.Line{}, []prep.Line{}, []prep.Line{}, []prep.Line{}
		return s
	}
	opts := a.prepOptions()
	opts.Documents = a.documentText(context.Background(), d.Date, appt.PatientID) // reading.go
	s := prep.BuildSheet(appt, recs[appt.PatientID], a.catalogue(), opts)
	s.Stale = p.Stale
	return s
}

// Sheet returns one appointment's prep sheet and records the view.
func (a *Agent) Sheet(ctx context.Context, date, appointmentID string) (api.Sheet, error) {
	d, recs, err := a.loadDay(ctx, date)
	if err != nil {
		return api.Sheet{}, err
	}
	for _, ap := range d.Appointments {
		if ap.ID == appointmentID {
			a.audit(ctx, "sheet.viewed", map[string]string{"date": date, "patientId": ap.PatientID})
			return wireSheet(a.sheet(d, recs, ap)), nil
		}
	}
	return api.Sheet{}, api.NewError(api.KindNotFound, "that appointment is not in the saved day; update from Epic and try again")
}

// PrintHTML renders one sheet, or every visit of the day that will happen.
func (a *Agent) PrintHTML(ctx context.Context, date, appointmentID string) (string, error) {
	d, recs, err := a.loadDay(ctx, date)
	if err != nil {
		return "", err
	}
	var sheets []prep.Sheet
	var ids []string
	for _, ap := range d.Appointments {
		if appointmentID == "" && !ap.Inactive() || ap.ID == appointmentID {
			sheets = append(sheets, a.sheet(d, recs, ap))
			ids = append(ids, ap.PatientID)
		}
	}
	if len(sheets) == 0 {
		return "", api.NewError(api.KindNotFound, "there is nothing to print for that day")
	}
	var b bytes.Buffer
	if err := prep.WritePrintHTML(&b, date, sheets); err != nil {
		return "", err
	}
	a.audit(ctx, "printed", map[string]string{"date": date, "patientIds": strings.Join(ids, ",")})
	return b.String(), nil
}

// prepOptions are the practice's prep sheet lookbacks.
func (a *Agent) prepOptions() prep.Options {
	p, err := a.current()
	if err != nil {
		p = Practice{}
	}
	lb := p.withDefaults().Lookbacks
	// A month is a twelfth of a year, so 12 months is exactly the 365-day default.
	months := func(n int) time.Duration { return time.Duration(n) * 365 * 24 * time.Hour / 12 }
	return prep.Options{Labs: months(lb.Labs), Imaging: months(lb.Imaging), Consults: months(lb.Consults), Hospital: months(lb.Hospital)}
}

// syncAheadDays is how far ahead a day can be fetched: a practice prepares
// the coming weeks' clinics, never next year's.
const syncAheadDays = 28

// dayInReach refuses a day no practice can mean (1900-01-01, a typo'd
// year): from the oldest day the practice keeps (its retention, which
// would purge an older day right after fetching it) to syncAheadDays ahead.
func dayInReach(p Practice, now time.Time, day time.Time) error {
	loc := p.Location()
	today := now.In(loc)
	from := today.AddDate(0, 0, -p.withDefaults().RetentionDays).Format(time.DateOnly)
	to := today.AddDate(0, 0, syncAheadDays).Format(time.DateOnly)
	if d := day.Format(time.DateOnly); d < from || d > to {
		return api.NewError(api.KindBadRequest, fmt.Sprintf("%s cannot be fetched: choose a day from %s (saved days are kept %d days) to %s (%d days ahead)",
			d, from, p.withDefaults().RetentionDays, to, syncAheadDays))
	}
	return nil
}
