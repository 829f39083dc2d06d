package agent

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/prep"
	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/store"
)

// parseDay reads a day the API was given (YYYY-MM-DD) in loc, with the one
// message every endpoint gives for a date it cannot read.
func parseDay(date string, loc *time.Location) (time.Time, error) {
	day, err := time.ParseInLocation(time.DateOnly, date, loc)
	if err != nil {
		return time.Time{}, api.NewError(api.KindBadRequest, fmt.Sprintf("%q is not a date: it must look like 2026-11-24", date))
	}
	return day, nil
}

// loadDay reads a day from the current practice's days part.
func (a *Agent) loadDay(ctx context.Context, date string) (store.Day, map[string]record.Record, error) {
	d, err := a.daysFor()
	if err != nil {
		return store.Day{}, nil, err
	}
	return d.load(ctx, date)
}

// Day returns the day's prep list from the cache; no network.
func (a *Agent) Day(ctx context.Context, date string) (api.DayList, error) {
	d, recs, err := a.loadDay(ctx, date)
	if err != nil {
		return api.DayList{}, err
	}
	// The day's cached document reads load (once per date: ~10 ms of
	// cache reads and evaluations on a fresh start) on the other core while
	// the list is built; the counts wait for them.
	read := make(chan struct{})
	go func() {
		defer close(read)
		a.documentText(ctx, date, "")
	}()
	list := prepDay(d, recs, a.catalogue())
	<-read
	a.recount(ctx, date, d, recs, list.Rows) // documents' text (reading.go)
	return wireDay(list), nil
}

// sheet is one appointment's prep sheet with what its documents said.
func (a *Agent) sheet(d store.Day, recs map[string]record.Record, appt record.Appointment) prep.Sheet {
	opts := a.prepOptions()
	if !d.Patients[appt.PatientID].Unfetched() {
		opts.Documents = a.documentText(context.Background(), d.Date, appt.PatientID) // reading.go
	}
	return prepSheet(d, recs, appt, a.catalogue(), opts)
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
	from := oldestKept(p, now)
	to := now.In(p.Location()).AddDate(0, 0, syncAheadDays).Format(time.DateOnly)
	if d := day.Format(time.DateOnly); d < from || d > to {
		return api.NewError(api.KindBadRequest, fmt.Sprintf("%s cannot be fetched: choose a day from %s (saved days are kept %d days) to %s (%d days ahead)",
			d, from, p.withDefaults().RetentionDays, to, syncAheadDays))
	}
	return nil
}
