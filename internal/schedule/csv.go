// Reading the exported file: its columns, rows, dates and times.

package schedule

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

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
