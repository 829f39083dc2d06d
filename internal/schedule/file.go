package schedule

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

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

// Row is one appointment as the file gives it.
type Row struct {
	Line       int
	Start      time.Time // the date is the file's, or zero (year 0) when it has none
	HasDate    bool
	Minutes    int
	Provider   string
	ProviderID string
	VisitType  string
	Status     string // FHIR Appointment.status
	Department string
	CSN        string
	MRN        string
	FHIRID     string
	Family     string
	Given      string
	BirthDate  time.Time
}

// column names, normalised (lower case, letters and digits only).
var columns = map[string][]string{
	"date":       {"apptdate", "appointmentdate", "date", "visitdate", "dateofservice", "dos", "contactdate", "scheduleddate"},
	"time":       {"appttime", "appointmenttime", "time", "starttime", "apptstart", "start", "scheduledtime", "apptdatetime", "appointmentdatetime", "datetime", "scheduledstart"},
	"provider":   {"provider", "providername", "apptprovider", "visitprovider", "resource", "physician", "doctor", "attending", "prov"},
	"providerid": {"providerid", "provid", "providerepicid", "provider_id"},
	"mrn":        {"mrn", "patientmrn", "medicalrecordnumber", "mrnumber", "patientid", "epi", "epimrn", "ptid"},
	"fhirid":     {"fhirid", "patientfhirid", "fhirpatientid"},
	"name":       {"patientname", "patient", "name", "ptname"},
	"family":     {"lastname", "patientlastname", "familyname", "last", "surname"},
	"given":      {"firstname", "patientfirstname", "givenname", "first"},
	"dob":        {"dob", "birthdate", "dateofbirth", "patientdob", "birthdt", "ptdob"},
	"visittype":  {"visittype", "appttype", "appointmenttype", "type", "visittypename", "visit", "apptvisittype"},
	"status":     {"status", "apptstatus", "appointmentstatus", "visitstatus"},
	"minutes":    {"duration", "length", "minutes", "apptlength", "durationmin", "durationminutes", "apptduration"},
	"department": {"department", "dept", "departmentname", "location"},
	"csn":        {"csn", "contactserialnumber", "apptcsn", "encountercsn", "visitcsn"},
}

func normHeader(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// headerIndex maps a header row to columns; ok when it looks like one.
func headerIndex(rec []string) (map[string]int, bool) {
	idx := map[string]int{}
	for i, h := range rec {
		n := normHeader(h)
		for col, names := range columns {
			for _, name := range names {
				if n == name {
					if _, dup := idx[col]; !dup {
						idx[col] = i
					}
				}
			}
		}
	}
	_, hasTime := idx["time"]
	return idx, hasTime && len(idx) >= 3
}

// ParseCSV reads an exported schedule. Lines before the header row (a
// report title, a printed-on line) are skipped. It returns the rows it
// could read and a RowError for each it could not; the error is for a file
// that cannot be used at all.
func ParseCSV(r io.Reader, loc *time.Location) ([]Row, []RowError, error) {
	data, err := io.ReadAll(io.LimitReader(r, 16<<20+1))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the schedule file: %w", err)
	}
	if len(data) > 16<<20 {
		return nil, nil, errors.New("the schedule file is larger than 16 MB; export one day or one week at a time")
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // Excel's and Epic's UTF-8 BOM
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	// Tab-separated when the first lines (title lines included) hold more
	// tabs than commas.
	head := data
	for i, n := 0, 0; i < len(data); i++ {
		if data[i] == '\n' {
			if n++; n == 10 {
				head = data[:i]
				break
			}
		}
	}
	if bytes.Count(head, []byte("\t")) > bytes.Count(head, []byte(",")) {
		cr.Comma = '\t'
	}
	var (
		idx      map[string]int
		rows     []Row
		problems []RowError
	)
	for n := 0; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				problems = append(problems, RowError{Line: pe.Line, Problem: "the row is not valid CSV"})
				continue
			}
			return nil, nil, fmt.Errorf("reading the schedule file: %w", err)
		}
		if idx == nil {
			if i, ok := headerIndex(rec); ok {
				idx = i
				if err := checkColumns(idx); err != nil {
					return nil, nil, err
				}
			} else if n >= 10 {
				return nil, nil, errors.New("the schedule file has no header row with an appointment time column (e.g. \"Appt Time\") in its first 10 lines")
			}
			continue
		}
		if blank(rec) {
			continue
		}
		row, err := parseRow(rec, idx, loc)
		row.Line = line
		if err != nil {
			problems = append(problems, RowError{Line: line, Problem: err.Error()})
			continue
		}
		rows = append(rows, row)
	}
	if idx == nil {
		return nil, nil, errors.New("the schedule file is empty or has no header row")
	}
	return rows, problems, nil
}

func checkColumns(idx map[string]int) error {
	var missing []string
	if _, ok := idx["provider"]; !ok {
		if _, ok := idx["providerid"]; !ok {
			missing = append(missing, "the provider (\"Provider\")")
		}
	}
	if _, ok := idx["visittype"]; !ok {
		missing = append(missing, "the visit type (\"Visit Type\")")
	}
	_, mrn := idx["mrn"]
	_, fid := idx["fhirid"]
	_, name := idx["name"]
	_, fam := idx["family"]
	_, dob := idx["dob"]
	if !mrn && !fid && !((name || fam) && dob) {
		missing = append(missing, "the patient's MRN (\"MRN\"), or name and date of birth (\"Patient Name\", \"DOB\")")
	}
	if len(missing) > 0 {
		return fmt.Errorf("the schedule file has no column for %s", strings.Join(missing, ", or "))
	}
	return nil
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func parseRow(rec []string, idx map[string]int, loc *time.Location) (Row, error) {
	get := func(col string) string {
		if i, ok := idx[col]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var row Row
	tv, dv := get("time"), get("date")
	if tv == "" {
		return row, errors.New("the appointment time is empty")
	}
	if t, ok := parseDateTime(tv, loc); ok {
		row.Start, row.HasDate = t, true
	} else {
		clock, ok := parseClock(tv)
		if !ok {
			return row, errors.New("the appointment time is not a time this app can read (e.g. 8:30 AM or 08:30)")
		}
		if dv != "" {
			d, ok := parseDate(dv, loc)
			if !ok {
				return row, errors.New("the appointment date is not a date this app can read (e.g. 11/24/2026)")
			}
			row.HasDate = true
			row.Start = time.Date(d.Year(), d.Month(), d.Day(), clock.Hour(), clock.Minute(), 0, 0, loc)
		} else {
			row.Start = time.Date(0, 1, 1, clock.Hour(), clock.Minute(), 0, 0, loc)
		}
	}
	row.Provider, row.ProviderID = titleIfShouting(get("provider")), get("providerid")
	row.VisitType, row.Department, row.CSN = get("visittype"), get("department"), get("csn")
	row.Status = fileStatus(get("status"))
	if m := get("minutes"); m != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(strings.ToLower(m), "min")), "m"))
		if err != nil || n < 0 || n > 24*60 {
			return row, errors.New("the appointment length is not a number of minutes")
		}
		row.Minutes = n
	}
	row.MRN, row.FHIRID = get("mrn"), get("fhirid")
	if row.FHIRID != "" && !fhirID.MatchString(row.FHIRID) {
		return row, errors.New("the FHIR id is not one Epic gives (letters, digits, - and . only, at most 64)")
	}
	row.Family, row.Given = get("family"), get("given")
	if n := get("name"); n != "" && row.Family == "" {
		row.Family, row.Given = splitName(n)
	}
	if row.Given != "" {
		row.Given = strings.Fields(row.Given)[0] // a middle name or initial is not searched
	}
	if b := get("dob"); b != "" {
		d, ok := parseDOB(b, loc)
		if !ok {
			return row, errors.New("the date of birth is not a date with a four-digit year this app can read (e.g. 09/12/1987)")
		}
		row.BirthDate = d
	}
	switch {
	case row.MRN != "" || row.FHIRID != "":
	case row.Family == "" && row.Given == "":
		return row, errors.New("the row has no MRN and no patient name")
	case row.BirthDate.IsZero():
		return row, errors.New("the row has a patient name but no MRN or date of birth; a name alone is not enough to find the right chart")
	case row.Family == "" || row.Given == "":
		return row, errors.New("the patient name needs both a first and a last name (or give the MRN)")
	}
	return row, nil
}

// fhirID is FHIR R4's id syntax.
var fhirID = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// splitName reads "LAST, FIRST M" or "First Last".
func splitName(n string) (family, given string) {
	if fam, giv, ok := strings.Cut(n, ","); ok {
		return strings.TrimSpace(fam), strings.TrimSpace(giv)
	}
	f := strings.Fields(n)
	switch len(f) {
	case 0:
		return "", ""
	case 1:
		return f[0], ""
	}
	return f[len(f)-1], f[0]
}

func titleIfShouting(s string) string {
	if s != "" && s == strings.ToUpper(s) && strings.ContainsFunc(s, unicode.IsLetter) {
		return displayName(s)
	}
	return s
}

var dateLayouts = []string{"1/2/2006", "2006-01-02", "1-2-2006", "2-Jan-2006", "Jan 2, 2006", "January 2, 2006", "20060102", "1/2/06", "2-Jan-06", "1.2.2006"}

func parseDate(s string, loc *time.Location) (time.Time, bool) {
	for _, l := range dateLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseDOB takes four-digit years only: "06" could be 1906 or 2006, and a
// wrong guess finds the wrong chart.
func parseDOB(s string, loc *time.Location) (time.Time, bool) {
	for _, l := range dateLayouts {
		if strings.HasSuffix(l, "/06") || strings.HasSuffix(l, "-06") {
			continue
		}
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

var clockLayouts = []string{"3:04PM", "3:04:05PM", "15:04", "15:04:05", "3PM", "1504"}

func parseClock(s string) (time.Time, bool) {
	s = strings.ToUpper(strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), ".", ""))
	for _, l := range clockLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseDateTime reads a date and time in one field.
func parseDateTime(s string, loc *time.Location) (time.Time, bool) {
	for _, l := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t.In(loc), true
		}
	}
	d, rest, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return time.Time{}, false
	}
	day, ok1 := parseDate(d, loc)
	clock, ok2 := parseClock(rest)
	if !ok1 || !ok2 {
		return time.Time{}, false
	}
	return time.Date(day.Year(), day.Month(), day.Day(), clock.Hour(), clock.Minute(), 0, 0, loc), true
}

// fileStatus maps the statuses Epic's reports print to FHIR's.
func fileStatus(s string) string {
	switch strings.ToLower(strings.NewReplacer(" ", "", "-", "", "_", "").Replace(s)) {
	case "", "scheduled", "sch", "booked", "confirmed", "pending":
		return "booked"
	case "arrived", "arr", "checkedin", "checkin", "roomed":
		return "arrived"
	case "completed", "comp", "complete", "checkedout", "checkout", "fulfilled":
		return "fulfilled"
	case "canceled", "cancelled", "can", "canc":
		return "cancelled"
	case "noshow", "ns", "leftwithoutbeingseen", "lwbs":
		return "noshow"
	}
	return strings.ToLower(s)
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

// resolve finds each row's patient in Epic: one search per distinct MRN
// (or name and birth date), whatever the number of rows naming it, at most
// Concurrency at once. A look-up that fails for a reason that would fail
// every look-up (sign-in, Epic unreachable or throttling, the sync
// cancelled) stops the others and fails the whole schedule.
func (s File) resolve(ctx context.Context, rows []Row) ([]record.Appointment, []RowError, error) {
	keys := make([]string, len(rows))
	var todo []int // the first row of each distinct patient to search for
	seen := map[string]bool{}
	for i, r := range rows {
		keys[i] = lookupKey(r)
		if keys[i] != "" && !seen[keys[i]] {
			seen[keys[i]] = true
			todo = append(todo, i)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		found = map[string]lookup{}
		fatal error
		wg    sync.WaitGroup
	)
	work := make(chan int)
	n := s.Concurrency
	if n <= 0 {
		n = 6
	}
	for w := 0; w < min(n, len(todo)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				l, err := s.lookup(ctx, rows[i])
				mu.Lock()
				if err != nil && fatal == nil {
					fatal = err
					cancel()
				}
				found[keys[i]] = l
				mu.Unlock()
			}
		}()
	}
feed:
	for _, i := range todo {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if fatal != nil {
		return nil, nil, fatal
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var out []record.Appointment
	var problems []RowError
	for i, r := range rows {
		if r.FHIRID != "" {
			out = append(out, appointmentOf(r, r.FHIRID, displayOf(r)))
			continue
		}
		id, name, problem := found[keys[i]].forRow(r)
		if problem != "" {
			problems = append(problems, RowError{Line: r.Line, Problem: problem})
			continue
		}
		out = append(out, appointmentOf(r, id, name))
	}
	return out, problems, nil
}

// lookupKey names the search a row needs: rows with the same key share
// one search. A row with a FHIR id needs none ("").
func lookupKey(r Row) string {
	switch {
	case r.FHIRID != "":
		return ""
	case r.MRN != "":
		return "mrn\x00" + r.MRN
	}
	return "name\x00" + strings.ToLower(r.Family) + "\x00" + strings.ToLower(r.Given) + "\x00" + r.BirthDate.Format(time.DateOnly)
}

func appointmentOf(r Row, patientID, name string) record.Appointment {
	a := record.Appointment{
		Start: r.Start, Minutes: r.Minutes, ProviderID: r.ProviderID, Provider: r.Provider,
		Location: r.Department, VisitType: r.VisitType, Status: r.Status,
		PatientID: patientID, PatientName: name, CSN: r.CSN,
	}
	a.ID = "csn-" + r.CSN
	if r.CSN == "" {
		a.ID = fmt.Sprintf("%s-%s-%s", patientID, r.Start.Format("1504"), strings.Join(strings.Fields(r.Provider+r.ProviderID), ""))
	}
	return a
}

// lookup is what one patient search found: the one matching chart, or a
// problem to report on every row that needed it (never a guess).
type lookup struct {
	patient patientHead
	how     string // "MRN" or "name and date of birth"
	problem string
}

// forRow is the row's patient id and display name, or its problem.
func (l lookup) forRow(r Row) (id, name, problem string) {
	if l.problem != "" {
		return "", "", l.problem
	}
	p := l.patient
	if r.MRN != "" && !r.BirthDate.IsZero() && p.BirthDate != "" && p.BirthDate != r.BirthDate.Format(time.DateOnly) {
		return "", "", "the MRN and the date of birth on this row belong to different patients; check the row against Epic"
	}
	name = displayOf(r)
	if name == "" {
		name = p.display()
	}
	return p.ID, name, ""
}

// lookup searches Epic for the row's patient, by MRN or by name and birth
// date. A failure every search would meet is returned as the error.
func (s File) lookup(ctx context.Context, r Row) (lookup, error) {
	var q url.Values
	l := lookup{how: "name and date of birth"}
	if r.MRN != "" {
		ident := r.MRN
		if s.MRNSystem != "" {
			ident = s.MRNSystem + "|" + r.MRN
		}
		q, l.how = url.Values{"identifier": {ident}}, "MRN"
	} else {
		q = url.Values{"family": {r.Family}, "given": {r.Given}, "birthdate": {r.BirthDate.Format(time.DateOnly)}}
	}
	res, err := s.FHIR.Search(ctx, "Patient", q)
	switch fhir.KindOf(err) {
	case fhir.KindUnknown:
		if err != nil {
			return l, err
		}
	case fhir.KindSignIn, fhir.KindUnreachable, fhir.KindRateLimited, fhir.KindScope:
		return l, err
	default:
		l.problem = "the patient look-up failed: " + err.Error()
		return l, nil
	}
	var found []patientHead
	for _, raw := range res.Resources {
		var p patientHead
		if json.Unmarshal(raw, &p) == nil && p.ResourceType == "Patient" && p.ID != "" {
			found = append(found, p)
		}
	}
	switch {
	case len(found) == 0:
		l.problem = "no patient in Epic matches this row's " + l.how
	case len(found) > 1:
		l.problem = fmt.Sprintf("%d patients in Epic match this row's %s; add the MRN to the row so the right chart is used", len(found), l.how)
	default:
		l.patient = found[0]
	}
	return l, nil
}

func displayOf(r Row) string {
	if r.Family == "" {
		return ""
	}
	return strings.TrimSpace(titleIfShouting(r.Given) + " " + titleIfShouting(r.Family))
}

type patientHead struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	BirthDate    string `json:"birthDate"`
	Name         []struct {
		Text   string   `json:"text"`
		Family string   `json:"family"`
		Given  []string `json:"given"`
	} `json:"name"`
}

func (p patientHead) display() string {
	if len(p.Name) == 0 {
		return ""
	}
	n := p.Name[0]
	if n.Text != "" {
		return n.Text
	}
	return strings.TrimSpace(strings.Join(append(n.Given, n.Family), " "))
}
