// Package prep builds prep sheets and the day's prep list from cached
// records, offline. It is pure: records and a catalogue in, sheets out.
//
// JSON (stable: the app, the CLI's --format json and tests read it; add
// fields, never rename). Dates are RFC 3339; absent values are left out.
//
// A Day is {"date" (YYYY-MM-DD), "asOf"?, "partial", "catalogueVersion",
// "rows": [Row]}, rows in time order (then provider).
//
// A Row is one appointment: {"appointmentId", "time", "provider",
// "visitType", "status" (FHIR Appointment.status), "inactive" (cancelled,
// no-show), "patientId", "patientName", "mrn"?, "age"?, "sex"?, "counts":
// {"due", "dueSoon", "needsReview", "complete", "excluded", "attention"
// (done but flagged, e.g. HbA1c poor control; also counted by status)},
// "stale"?}.
//
// A Sheet is {"date", "appointmentId", "patient": {"id", "name", "mrn"?,
// "age"?, "sex"?, "birthDate"?}, "time", "provider", "visitType", "status",
// "stale"?, "notes": [string] (a missing fact that decides several results,
// said once), "results": [screening.Result], "measures": [MeasureLine],
// "conditions", "labs", "imaging",
// "consults", "hospital", "immunizations": [Line]}. Results come due first,
// then due soon, needs review, complete, excluded, and (only with
// Options.ShowNotApplicable) not applicable; catalogue order within each.
// Switched-off screenings never appear.
//
// A Result is {"id", "title", "status" (complete | due_soon | due |
// excluded | not_applicable | needs_review), "lastDone"?, "modality"?,
// "nextDue"?, "reason", "evidence"?: [{"type", "id", "system"?, "code"?,
// "display"?, "date"?}], "rule"? (the trigger or exclusion), "variant"?
// (the risk-group modifier), "review"? and "reviewNote"? (what to check),
// "attention"? (a done screening's out-of-range result: "poor control:
// 9.8 % on 2026-03-02"), "missing"? (the fact the chart lacks: "birth
// date", "sex"), "details"?
// (codes, value sets and rules, for support)}.
//
// A MeasureLine is the quality-measure view of one eCQM for the visit's
// calendar year: {"id" (CMS125), "title", "screening" (the result's id),
// "year", "status" (met | not_met | excluded | outside), "reason",
// "differs"? (why the guideline status differs), "evidence"?,
// "details"?}. A result names its measures in "measure" ("CMS125").
//
// A Line is {"title", "date"?, "detail"?}: a condition's ICD-10 code, a
// lab's value, a hospital stay's kind, a vaccine's dose count.
package prep

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/screening"
)

// Options tune what a sheet shows.
type Options struct {
	// Lookback per section; zero means 12 months.
	Labs, Imaging, Consults, Hospital time.Duration
	// ShowNotApplicable keeps screenings that do not apply.
	ShowNotApplicable bool
	// Documents is what the patient's documents said (doctext.go).
	Documents *screening.DocText
}

func orYear(d time.Duration) time.Duration {
	if d <= 0 {
		return 365 * 24 * time.Hour
	}
	return d
}

// Counts tallies a patient's screenings by status.
type Counts struct {
	Due         int `json:"due"`
	DueSoon     int `json:"dueSoon"`
	NeedsReview int `json:"needsReview"`
	Complete    int `json:"complete"`
	Excluded    int `json:"excluded"`
	// Attention counts results flagged for their value (done, but e.g. an
	// HbA1c above 9 %); they are counted by their status too.
	Attention int `json:"attention"`
}

// Row is one appointment in the day's list.
type Row struct {
	AppointmentID string    `json:"appointmentId"`
	Time          time.Time `json:"time"`
	Provider      string    `json:"provider"`
	VisitType     string    `json:"visitType"`
	Status        string    `json:"status"`
	Inactive      bool      `json:"inactive"`
	PatientID     string    `json:"patientId"`
	PatientName   string    `json:"patientName"`
	MRN           string    `json:"mrn,omitempty"`
	Age           *int      `json:"age,omitempty"`
	Sex           string    `json:"sex,omitempty"`
	Counts        Counts    `json:"counts"`
	// Due names what is due in short words ("Mammogram", "A1C", "Flu"),
	// in catalogue order: Today shows them on the row.
	Due   []string `json:"due,omitempty"`
	Stale bool     `json:"stale,omitempty"`
	// NotFetched: Epic could not give this patient and no earlier sync
	// did either, so nothing is known (the counts are zero, not "none due").
	NotFetched bool `json:"notFetched,omitempty"`
}

// Day is the day's prep list.
type Day struct {
	Date             string     `json:"date"`
	AsOf             *time.Time `json:"asOf,omitempty"`
	Partial          bool       `json:"partial"`
	CatalogueVersion string     `json:"catalogueVersion"`
	Rows             []Row      `json:"rows"`
}

// Line is one entry in a sheet section.
type Line struct {
	Title  string    `json:"title"`
	Date   time.Time `json:"date,omitzero"`
	Detail string    `json:"detail,omitempty"`
}

// SheetPatient is a sheet's header.
type SheetPatient struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	MRN       string `json:"mrn,omitempty"`
	Age       *int   `json:"age,omitempty"`
	Sex       string `json:"sex,omitempty"`
	BirthDate string `json:"birthDate,omitempty"`
}

// Sheet is one appointment's prep sheet.
type Sheet struct {
	Date          string       `json:"date"`
	AppointmentID string       `json:"appointmentId"`
	Patient       SheetPatient `json:"patient"`
	Time          time.Time    `json:"time"`
	Provider      string       `json:"provider"`
	VisitType     string       `json:"visitType"`
	Status        string       `json:"status"`
	Stale         bool         `json:"stale,omitempty"`
	NotFetched    bool         `json:"notFetched,omitempty"` // nothing known: see Row.NotFetched
	// Notes say once what several results share: a fact missing from the
	// chart that decides them. Those results' reasons then just name it.
	Notes   []string           `json:"notes"`
	Results []screening.Result `json:"results"`
	// Measures is the quality-measure view for the visit's year: one line
	// per measure that counts the patient or whose screening applies
	// (see screening.MeasureLine).
	Measures      []screening.MeasureLine `json:"measures"`
	Conditions    []Line                  `json:"conditions"`
	Labs          []Line                  `json:"labs"`
	Imaging       []Line                  `json:"imaging"`
	Consults      []Line                  `json:"consults"`
	Hospital      []Line                  `json:"hospital"`
	Immunizations []Line                  `json:"immunizations"`
	// Unread are documents that could not be read (doctext's reason).
	Unread []Line `json:"unread,omitempty"`
}

var order = map[screening.Status]int{
	screening.Due: 0, screening.DueSoon: 1, screening.NeedsReview: 2,
	screening.Complete: 3, screening.Excluded: 4, screening.NotApplicable: 5,
}

func count(results []screening.Result) Counts {
	var c Counts
	for _, r := range results {
		switch r.Status {
		case screening.Due:
			c.Due++
		case screening.DueSoon:
			c.DueSoon++
		case screening.NeedsReview:
			c.NeedsReview++
		case screening.Complete:
			c.Complete++
		case screening.Excluded:
			c.Excluded++
		}
		if r.Attention != "" {
			c.Attention++
		}
	}
	return c
}

// dueLabels are the short names of the screenings due, the title where the
// catalogue gives none.
func dueLabels(results []screening.Result, cat *screening.Catalogue) []string {
	var out []string
	for _, r := range results {
		if r.Status != screening.Due {
			continue
		}
		label := r.Title
		if s := cat.Find(r.ID); s != nil && s.Short != "" {
			label = s.Short
		}
		out = append(out, label)
	}
	return out
}

func header(p record.Patient, visit time.Time, fallbackName string) SheetPatient {
	h := SheetPatient{ID: p.ID, Name: p.Name, MRN: p.MRN, Sex: p.Sex}
	if h.Name == "" {
		h.Name = fallbackName
	}
	if a := screening.Age(p.BirthDate, visit); a >= 0 {
		h.Age = &a
		h.BirthDate = p.BirthDate.Format(time.DateOnly)
	}
	return h
}

// BuildSheet builds the prep sheet for one appointment.
func BuildSheet(a record.Appointment, rec record.Record, cat *screening.Catalogue, opts Options) Sheet {
	visit := a.Start
	results := screening.EvaluateWithDetails(rec, cat, visit)
	if d := opts.Documents; d != nil { // what documents' text says: "check"
		results = screening.ApplyText(results, cat, visit, d.Docs, d.Found)
	}
	measures := []screening.MeasureLine{}
	for _, l := range screening.EvaluateMeasures(rec, cat, visit, results) {
		applies := slices.ContainsFunc(results, func(r screening.Result) bool {
			return r.ID == l.Screening && r.Status != screening.NotApplicable
		})
		if l.Status != screening.MeasureOutside || applies {
			measures = append(measures, l)
		}
	}
	if !opts.ShowNotApplicable {
		results = slices.DeleteFunc(results, func(r screening.Result) bool { return r.Status == screening.NotApplicable })
	}
	sort.SliceStable(results, func(i, j int) bool { return order[results[i].Status] < order[results[j].Status] })
	s := Sheet{
		Date: visit.Format(time.DateOnly), AppointmentID: a.ID, Patient: header(rec.Patient, visit, a.PatientName),
		Time: a.Start, Provider: a.Provider, VisitType: a.VisitType, Status: a.Status, Results: results,
		Notes: missingNotes(results), Measures: measures, Unread: unreadLines(opts.Documents),
	}
	s.Conditions, s.Labs, s.Imaging, s.Consults, s.Hospital, s.Immunizations = []Line{}, []Line{}, []Line{}, []Line{}, []Line{}, []Line{}
	within := func(t time.Time, d time.Duration) bool {
		return !t.IsZero() && visit.Sub(t) <= orYear(d) && !t.After(visit)
	}
	latest := map[string]bool{}
	once := func(section, key string) bool {
		k := section + "|" + key
		if latest[k] {
			return false
		}
		latest[k] = true
		return true
	}
	vaccine, doses := map[string]int{}, map[int]int{} // code -> line; line -> doses
	items := slices.Clone(rec.Items)
	sort.SliceStable(items, func(i, j int) bool { return items[i].Date.After(items[j].Date) })
	for i := range items {
		it := &items[i]
		key := it.Title
		if len(it.Codes) > 0 {
			key = it.Codes[0].System + "|" + it.Codes[0].Code
		}
		switch it.Type {
		case "Condition":
			// The problem list: a visit's encounter diagnosis is no
			// standing condition (the measures read them apart).
			if (it.Status == "active" || it.Status == "recurrence" || it.Status == "relapse") && it.Verification != "entered-in-error" && it.Verification != "refuted" && !hasCategory(it, "encounter-diagnosis") && once("c", key) {
				s.Conditions = append(s.Conditions, Line{Title: it.Title, Date: it.Date, Detail: code(it)})
			}
		case "Observation":
			if !final(it) {
				continue
			}
			if hasCategory(it, "laboratory") && within(it.Date, opts.Labs) && once("l", key) {
				s.Labs = append(s.Labs, Line{Title: it.Title, Date: it.Date, Detail: value(it)})
			} else if hasCategory(it, "imaging") && within(it.Date, opts.Imaging) && once("i", key) {
				s.Imaging = append(s.Imaging, Line{Title: it.Title, Date: it.Date})
			}
		case "DiagnosticReport":
			if final(it) && (hasCategory(it, "imaging") || hasCategory(it, "RAD")) && within(it.Date, opts.Imaging) {
				s.Imaging = append(s.Imaging, Line{Title: it.Title, Date: it.Date})
			}
		case "DocumentReference":
			if (it.Status == "current" || it.Status == "") && within(it.Date, opts.Consults) && !strings.EqualFold(it.Title, "Progress Note") {
				s.Consults = append(s.Consults, Line{Title: it.Title, Date: it.Date})
			}
		case "Encounter":
			if (it.Class == "IMP" || it.Class == "EMER" || it.Class == "ACUTE" || it.Class == "OBSENC") && within(it.Date, opts.Hospital) {
				s.Hospital = append(s.Hospital, Line{Title: it.Title, Date: it.Date, Detail: map[string]string{"IMP": "inpatient", "EMER": "emergency", "ACUTE": "inpatient", "OBSENC": "observation"}[it.Class]})
			}
		case "Immunization":
			// One line per vaccine: the newest dose, and how many.
			if it.Status != "completed" || it.Subpotent {
				continue
			}
			if once("v", key) {
				vaccine[key] = len(s.Immunizations)
				s.Immunizations = append(s.Immunizations, Line{Title: it.Title, Date: it.Date})
			}
			doses[vaccine[key]]++
		}
	}
	for i, n := range doses {
		if n > 1 {
			s.Immunizations[i].Detail = strconv.Itoa(n) + " doses"
		}
	}
	if len(s.Labs) > 25 {
		s.Labs = s.Labs[:25]
	}
	return s
}

// missingNotes says once what a missing fact keeps from being decided, and
// shortens the reasons it would otherwise repeat.
func missingNotes(results []screening.Result) []string {
	notes := []string{}
	n := map[string]int{}
	var facts []string
	for _, r := range results {
		if r.Missing != "" {
			if n[r.Missing] == 0 {
				facts = append(facts, r.Missing)
			}
			n[r.Missing]++
		}
	}
	for _, f := range facts {
		what := "1 screening"
		if n[f] > 1 {
			what = strconv.Itoa(n[f]) + " screenings"
		}
		notes = append(notes, "The patient's "+f+" is not recorded in Epic, so "+what+" cannot be decided: ask for it at check-in and have it added.")
	}
	for i := range results {
		if results[i].Missing != "" {
			results[i].Reason = "needs the " + results[i].Missing + " (see the note above)"
		}
	}
	return notes
}

func final(it *record.Item) bool {
	return it.Status == "final" || it.Status == "amended" || it.Status == "corrected"
}

func hasCategory(it *record.Item, c string) bool {
	for _, x := range it.Category {
		if strings.EqualFold(x.Code, c) {
			return true
		}
	}
	return false
}

func code(it *record.Item) string {
	for _, c := range it.Codes {
		if strings.Contains(c.System, "icd-10") {
			return c.Code
		}
	}
	return ""
}

func value(it *record.Item) string {
	if it.Value == nil {
		return ""
	}
	return strings.TrimSpace(fmt.Sprintf("%g %s", roundTo(it.Value.Value, 2), it.Value.Unit))
}

func roundTo(v float64, places int) float64 {
	p := 1.0
	for i := 0; i < places; i++ {
		p *= 10
	}
	if v < 0 {
		return float64(int64(v*p-0.5)) / p
	}
	return float64(int64(v*p+0.5)) / p
}

// BuildDay builds the day's list: one row per appointment, cancelled and
// no-show visits kept but marked, each patient evaluated once.
func BuildDay(date string, asOf time.Time, partial bool, appts []record.Appointment, records map[string]record.Record, stale map[string]bool, cat *screening.Catalogue) Day {
	d := Day{Date: date, Partial: partial, CatalogueVersion: cat.Version, Rows: make([]Row, 0, len(appts))}
	if !asOf.IsZero() {
		d.AsOf = &asOf
	}
	type tally struct {
		c   Counts
		due []string
	}
	counted := map[string]tally{}
	for _, a := range appts {
		rec := records[a.PatientID]
		t, ok := counted[a.PatientID]
		if !ok {
			results := screening.Evaluate(rec, cat, a.Start)
			t = tally{count(results), dueLabels(results, cat)}
			counted[a.PatientID] = t
		}
		h := header(rec.Patient, a.Start, a.PatientName)
		d.Rows = append(d.Rows, Row{
			AppointmentID: a.ID, Time: a.Start, Provider: a.Provider, VisitType: a.VisitType, Status: a.Status,
			Inactive: a.Inactive(), PatientID: a.PatientID, PatientName: h.Name, MRN: h.MRN, Age: h.Age, Sex: h.Sex,
			Counts: t.c, Due: t.due, Stale: stale[a.PatientID],
		})
	}
	SortRows(d.Rows, "time")
	return d
}

// SortRows orders rows by "time" (then provider) or "provider" (then time).
func SortRows(rows []Row, by string) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if by == "provider" && a.Provider != b.Provider {
			return a.Provider < b.Provider
		}
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		return a.Provider < b.Provider
	})
}
