package api

import "time"

// The day list, the prep sheet and the catalogue editor's shapes. They are
// the wire's own types, not the engine's: the agent converts to them at its
// edge, so the app does not link the engine, and a field renamed inside
// internal/prep or internal/screening cannot reach the UI unnoticed.

// Counts tallies a patient's screenings by status.
type Counts struct {
	Due         int `json:"due"`
	DueSoon     int `json:"dueSoon"`
	NeedsReview int `json:"needsReview"`
	Complete    int `json:"complete"`
	Excluded    int `json:"excluded"`
	// Attention counts done screenings flagged for their value; they are
	// counted by their status too.
	Attention int `json:"attention"`
}

// DayRow is one appointment in the day's list.
type DayRow struct {
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
	// Due names what is due, in the catalogue's short words ("Mammogram",
	// "A1C"), in catalogue order.
	Due   []string `json:"due,omitempty"`
	Stale bool     `json:"stale,omitempty"`
	// NotFetched: nothing is known of this patient (the counts are zero,
	// not "none due").
	NotFetched bool `json:"notFetched,omitempty"`
}

// DayList is the day's prep list.
type DayList struct {
	Date             string     `json:"date"`
	AsOf             *time.Time `json:"asOf,omitempty"`
	Partial          bool       `json:"partial"`
	CatalogueVersion string     `json:"catalogueVersion"`
	Rows             []DayRow   `json:"rows"`
}

// Line is one entry in a sheet section.
type Line struct {
	Title  string    `json:"title"`
	Date   time.Time `json:"date,omitzero"`
	Detail string    `json:"detail,omitempty"`
}

// SheetPatient is who the sheet is for.
type SheetPatient struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	MRN       string `json:"mrn,omitempty"`
	Age       *int   `json:"age,omitempty"`
	Sex       string `json:"sex,omitempty"`
	BirthDate string `json:"birthDate,omitempty"`
}

// Sheet is one visit's prep sheet.
type Sheet struct {
	Date          string       `json:"date"`
	AppointmentID string       `json:"appointmentId"`
	Patient       SheetPatient `json:"patient"`
	Time          time.Time    `json:"time"`
	Provider      string       `json:"provider"`
	VisitType     string       `json:"visitType"`
	Status        string       `json:"status"`
	Stale         bool         `json:"stale,omitempty"`
	NotFetched    bool         `json:"notFetched,omitempty"`
	// Notes are said once for the whole sheet (a missing birth date).
	Notes   []string `json:"notes"`
	Results []Result `json:"results"`
	// Measures is the quality-measure view for the visit's year: one line
	// per measure that counts the patient or whose screening applies.
	Measures      []MeasureLine `json:"measures"`
	Conditions    []Line        `json:"conditions"`
	Labs          []Line        `json:"labs"`
	Imaging       []Line        `json:"imaging"`
	Consults      []Line        `json:"consults"`
	Hospital      []Line        `json:"hospital"`
	Immunizations []Line        `json:"immunizations"`
	// Unread are documents that could not be read, with why.
	Unread []Line `json:"unread,omitempty"`
}

// ScreeningStatus is a screening's state for a visit.
type ScreeningStatus string

const (
	StatusComplete      ScreeningStatus = "complete"
	StatusDueSoon       ScreeningStatus = "due_soon"
	StatusDue           ScreeningStatus = "due"
	StatusExcluded      ScreeningStatus = "excluded"
	StatusNotApplicable ScreeningStatus = "not_applicable"
	StatusNeedsReview   ScreeningStatus = "needs_review"
)

// Result is one screening's outcome with its explanation.
type Result struct {
	ID         string          `json:"id"`
	Title      string          `json:"title"`
	Status     ScreeningStatus `json:"status"`
	LastDone   time.Time       `json:"lastDone,omitzero"`
	Modality   string          `json:"modality,omitempty"`
	NextDue    time.Time       `json:"nextDue,omitzero"`
	Reason     string          `json:"reason"`
	Evidence   []Evidence      `json:"evidence,omitempty"`
	Rule       string          `json:"rule,omitempty"`
	Variant    string          `json:"variant,omitempty"`
	Review     bool            `json:"review,omitempty"`
	ReviewNote string          `json:"reviewNote,omitempty"`
	Attention  string          `json:"attention,omitempty"`
	Missing    string          `json:"missing,omitempty"`
	Details    string          `json:"details,omitempty"` // for support
	// Measure names the quality measures (eCQMs) the screening
	// corresponds to, e.g. "CMS125".
	Measure string `json:"measure,omitempty"`
}

// MeasureStatus is how a quality measure counts the patient.
type MeasureStatus string

const (
	MeasureMet      MeasureStatus = "met"
	MeasureNotMet   MeasureStatus = "not_met"
	MeasureExcluded MeasureStatus = "excluded"
	MeasureOutside  MeasureStatus = "outside" // not in the measure's population
)

// MeasureLine is how one quality measure (eCQM) counts the patient for the
// visit's calendar year.
type MeasureLine struct {
	ID        string        `json:"id"` // CMS125
	Title     string        `json:"title"`
	Screening string        `json:"screening"` // the result it corresponds to
	Year      int           `json:"year"`
	Status    MeasureStatus `json:"status"`
	Reason    string        `json:"reason"`
	// Differs says why the guideline status (the headline) differs.
	Differs  string     `json:"differs,omitempty"`
	Evidence []Evidence `json:"evidence,omitempty"`
	Details  string     `json:"details,omitempty"` // for support
}

// Evidence is the record that decided a result.
type Evidence struct {
	Type    string    `json:"type"`
	ID      string    `json:"id"`
	System  string    `json:"system,omitempty"`
	Code    string    `json:"code,omitempty"`
	Display string    `json:"display,omitempty"`
	Date    time.Time `json:"date,omitzero"`
	// Text is the sentence of a document the result was read from (always
	// "check").
	Text *TextEvidence `json:"text,omitempty"`
}

// DocumentText is a document's extracted text, as read (OCR included), for
// the sheet's "Show the document's text". The evidence's sentence is in it.
type DocumentText struct {
	DocID string    `json:"docId"`
	Title string    `json:"title"`
	Org   string    `json:"org,omitempty"`
	Date  time.Time `json:"date,omitzero"` // the clinical date, else the filing date
	// Method is how the text was got: text, html, rtf, pdf, ocr or pdf+ocr
	// (OCR text can hold misreadings).
	Method string `json:"method,omitempty"`
	Pages  int    `json:"pages,omitempty"`
	Text   string `json:"text"`
}

// TextEvidence is a document's sentence: the phrase is sentence[start:end]
// in UTF-8 bytes.
type TextEvidence struct {
	Sentence string    `json:"sentence"`
	Start    int       `json:"start"`
	End      int       `json:"end"`
	Org      string    `json:"org,omitempty"`
	DocDate  time.Time `json:"docDate,omitzero"`
	DateFrom string    `json:"dateFrom,omitempty"` // text, clinical or indexed: where the date came from
}

// CatalogueScreening is one screening's settings for the catalogue editor.
type CatalogueScreening struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Enabled bool     `json:"enabled"`
	Sexes   []string `json:"sexes"`
	MinAge  int      `json:"minAge"`
	MaxAge  *int     `json:"maxAge,omitempty"` // absent: no upper bound
	DueSoon string   `json:"dueSoon"`          // ISO 8601 duration, e.g. P60D
	// Modalities are the ways to meet the screening, with their intervals.
	Modalities   []CatalogueModality `json:"modalities"`
	Review       bool                `json:"review"`
	ReviewGroups []string            `json:"reviewGroups,omitempty"`
	ManualReview string              `json:"manualReview,omitempty"`
	Triggers     []string            `json:"triggers,omitempty"`
	Exclusions   []string            `json:"exclusions,omitempty"`
	Variants     []CatalogueVariant  `json:"variants,omitempty"`
	Line         int                 `json:"line"` // where the screening starts in the YAML
}

// CatalogueModality is one way to meet a screening.
type CatalogueModality struct {
	ID             string   `json:"id"`
	Title          string   `json:"title"`
	Interval       string   `json:"interval"` // ISO 8601 duration, or once, season, series
	Doses          int      `json:"doses,omitempty"`
	IntervalReview bool     `json:"intervalReview,omitempty"`
	Review         bool     `json:"review,omitempty"`
	Keywords       []string `json:"keywords,omitempty"`
}

// CatalogueVariant is a risk-group modifier.
type CatalogueVariant struct {
	When     string `json:"when"`
	Interval string `json:"interval,omitempty"`
	Title    string `json:"title,omitempty"`
	MinAge   *int   `json:"minAge,omitempty"`
	MaxAge   *int   `json:"maxAge,omitempty"`
	NoMaxAge bool   `json:"noMaxAge,omitempty"`
	Review   bool   `json:"review,omitempty"`
}

// CatalogueEdit changes one screening's settings; nil fields stay as they
// are. With Modality set, Interval applies to that modality.
type CatalogueEdit struct {
	Screening   string  `json:"screening"`
	Enabled     *bool   `json:"enabled,omitempty"`
	MinAge      *int    `json:"minAge,omitempty"`
	MaxAge      *int    `json:"maxAge,omitempty"`
	ClearMaxAge bool    `json:"clearMaxAge,omitempty"` // no upper age bound
	DueSoon     *string `json:"dueSoon,omitempty"`
	Modality    string  `json:"modality,omitempty"`
	Interval    *string `json:"interval,omitempty"`
}

// CatalogueProblem is one validation message. Line is 1-based; 0 means it
// is not tied to a line.
type CatalogueProblem struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}
