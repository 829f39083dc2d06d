package schedule

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/record"
)

// File is a schedule exported from Epic (a CSV or tab-separated report)
// and imported by the front desk. Column names are matched liberally
// ("Appt Time", "Appointment Time", "Start"; "MRN", "Patient ID"; "DOB",
// "Birth Date"...), and so are Epic's date and time formats. Each row's
// patient is found in Epic by MRN (Patient?identifier=) or, without one,
// by name and birth date (Patient?family=&given=&birthdate=); a patient
// not found, or matching more than one chart, is reported by row number
// and never guessed. A bad row is reported and the others are kept.
type File struct {
	FHIR *fhir.Client
	// Open returns the file's content. The agent keeps the imported file
	// in the encrypted cache (it holds names, MRNs and birth dates), so it
	// reads it from there; Path is the plain alternative.
	Open func(ctx context.Context) (io.ReadCloser, error)
	Path string
	// Date is the day a file without a date column is for (YYYY-MM-DD);
	// empty takes the day being synced.
	Date string
	// MRNSystem is the identifier system of the practice's MRN, e.g.
	// Epic's urn:oid:...; empty searches by the value alone.
	MRNSystem string
	// Concurrency bounds the patient look-ups at once; default 6.
	Concurrency int
}

// MaxPerDay bounds the appointments a schedule file may give one day, and
// MaxRows the whole file (two weeks of such days): a busy practice of 40
// providers sees about 1,200 patients a day, so a file beyond these is not
// a day's schedule (a year's report, a patient list) and is refused
// rather than searched row by row in Epic.
const (
	MaxPerDay = 2000
	MaxRows   = 14 * MaxPerDay
)

// CheckPlausible refuses rows that cannot be a day's (or a week's)
// schedule, saying the limit. date is the day of rows without a date.
func CheckPlausible(rows []Row, date string) error {
	if len(rows) > MaxRows {
		return fmt.Errorf("the schedule file has %d appointments; a file may hold at most %d (two weeks of a busy clinic): export one day's schedule (or one week's) from Epic", len(rows), MaxRows)
	}
	perDay := map[string]int{}
	for _, r := range rows {
		d := date
		if r.HasDate {
			d = r.Start.Format(time.DateOnly)
		}
		perDay[d]++
	}
	days := make([]string, 0, len(perDay))
	for d := range perDay {
		days = append(days, d)
	}
	sort.Strings(days)
	for _, d := range days {
		if perDay[d] > MaxPerDay {
			return fmt.Errorf("the schedule file has %d appointments on %s; a day may have at most %d: export one day's schedule (or one week's) from Epic", perDay[d], d, MaxPerDay)
		}
	}
	return nil
}

// RowError is one schedule-file row that could not be used. Its message
// names the row, never the patient.
type RowError struct {
	Line    int
	Problem string
}

func (e RowError) Error() string {
	return fmt.Sprintf("schedule file row %d: %s", e.Line, e.Problem)
}

// RowErrors is returned with the rows that could be used when some could not.
type RowErrors struct{ Rows []RowError }

func (e *RowErrors) Error() string {
	var lines []string
	for i, r := range e.Rows {
		if i == 10 {
			lines = append(lines, "...")
			break
		}
		lines = append(lines, strconv.Itoa(r.Line))
	}
	return fmt.Sprintf("%d rows of the schedule file could not be used (rows %s)", len(e.Rows), strings.Join(lines, ", "))
}

// Appointments implements Source.
func (s File) Appointments(ctx context.Context, day time.Time) ([]record.Appointment, error) {
	rc, err := s.open(ctx)
	if err != nil {
		return nil, err
	}
	rows, problems, err := ParseCSV(rc, day.Location())
	rc.Close()
	if err != nil {
		return nil, err
	}
	date := day.Format(time.DateOnly)
	if s.Date != "" {
		err = CheckPlausible(rows, s.Date)
	} else {
		err = CheckPlausible(rows, date)
	}
	if err != nil {
		return nil, err
	}
	var today []Row
	var first, last string
	for _, r := range rows {
		if !r.HasDate {
			if s.Date != "" && s.Date != date {
				return nil, fmt.Errorf("the imported schedule file is for %s, not %s; import that day's file", s.Date, date)
			}
			r.Start = time.Date(day.Year(), day.Month(), day.Day(), r.Start.Hour(), r.Start.Minute(), 0, 0, day.Location())
		}
		d := r.Start.Format(time.DateOnly)
		if first == "" || d < first {
			first = d
		}
		last = max(last, d)
		if d == date {
			today = append(today, r)
		}
	}
	// An unreadable row's date is unknown: it is reported whatever day it was.
	if len(today) == 0 && len(problems) == 0 {
		if len(rows) > 0 {
			return nil, fmt.Errorf("the imported schedule file has no appointments on %s (it covers %s to %s); import that day's file", date, first, last)
		}
		return nil, nil
	}
	out, more, err := s.resolve(ctx, today)
	if err != nil {
		return nil, err
	}
	problems = append(problems, more...)
	sortAppointments(out)
	if len(problems) > 0 {
		sortProblems(problems)
		return out, &RowErrors{Rows: problems}
	}
	return out, nil
}

func sortProblems(p []RowError) {
	sort.SliceStable(p, func(i, j int) bool { return p[i].Line < p[j].Line })
}

func (s File) open(ctx context.Context) (io.ReadCloser, error) {
	if s.Open != nil {
		rc, err := s.Open(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the imported schedule file: %w", err)
		}
		return rc, nil
	}
	if s.Path == "" {
		return nil, errors.New("no schedule file has been imported: import the day's schedule exported from Epic")
	}
	f, err := os.Open(s.Path)
	if err != nil {
		return nil, fmt.Errorf("reading the schedule file: %w", err)
	}
	return f, nil
}
