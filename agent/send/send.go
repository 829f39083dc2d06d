// Package send files a visit's prep note in the patient's chart as a
// FHIR DocumentReference, opt-in per practice. It writes into the legal
// medical record, so it is careful:
//
//   - Never twice. Every note carries the visit in its identifier and a
//     fresh id for this attempt in masterIdentifier. Before writing, the
//     patient's notes are searched: a current note for the visit is
//     replaced (the new one relatesTo replaces it, and the server marks it
//     superseded), and an earlier attempt that reached the chart after all
//     is taken as sent rather than written again.
//   - A write that may have reached the server (a 5xx, a timeout, a
//     dropped answer) is checked with a search before it is tried again;
//     an attempt that cannot be checked stays pending in the ledger and is
//     checked first next time.
//   - A per-day cap bounds the notes written.
//   - A refusal says what to do and changes nothing else: the prep, the
//     saved day and earlier notes stay as they were.
//
// The ledger (what was sent, when, by whom) lives in the encrypted cache;
// the audit gets who, which patient's FHIR id, when and the server's id,
// never the note's text. Logs get neither.
package send

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/prep"
	"github.com/healthprep/desk/internal/prepnote"
	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/store"
)

// Identifier systems of the notes HealthPrep writes.
const (
	// VisitSystem's value is "<date>/<appointment id>": one note per visit.
	VisitSystem = record.PrepNoteSystem
	// attemptSystem marks one send attempt (masterIdentifier, a UUID URN).
	attemptSystem = "urn:ietf:rfc:3986"
	loinc         = "http://loinc.org"
	categorySys   = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"
)

// Defaults a practice may change.
const (
	DefaultDailyCap = 100
	DefaultNoteType = "11506-3" // LOINC Progress note
	MaxDailyCap     = 1000
)

// Files is where the ledger lives: the encrypted cache.
type Files interface {
	GetFile(ctx context.Context, name string) ([]byte, error)
	PutFile(ctx context.Context, name string, data []byte) error
}

// Record is one visit's note as the ledger knows it.
type Record struct {
	AppointmentID string    `json:"appointmentId"`
	PatientID     string    `json:"patientId"`
	NoteID        string    `json:"noteId,omitempty"` // the server's id; empty while pending
	At            time.Time `json:"at"`
	By            string    `json:"by"`
	Replaced      string    `json:"replaced,omitempty"` // the note this one replaced
	// Attempt is the last attempt's id (masterIdentifier). Pending means
	// it may have reached the chart and is checked before any new write.
	Attempt string `json:"attempt"`
	Pending bool   `json:"pending,omitempty"`
}

// Ledger is a clinic day's notes by appointment id.
type Ledger map[string]Record

// Sender sends the notes of one practice.
type Sender struct {
	FHIR  *fhir.Client // built with fhir.AllowWrites("DocumentReference")
	Files Files
	Log   *slog.Logger
	Now   func() time.Time
	// Audit records an event in the audit log (no note text).
	Audit func(ctx context.Context, event string, fields map[string]string)

	NoteType         string // LOINC code; default DefaultNoteType
	Format           string // prepnote.Text or prepnote.HTML
	DailyCap         int    // notes a day; default DefaultDailyCap
	Author           string // the signed-in user's FHIR reference (Practitioner/…)
	By               string // the signed-in user's name
	CatalogueVersion string
	Location         *time.Location
}

// Outcome is what happened to one visit's note.
type Outcome struct {
	AppointmentID string
	PatientID     string
	Record        *Record // set when the note is in the chart
	// Recovered: an attempt whose answer was lost was found in the chart.
	Recovered bool
	Err       error // words for the front desk
}

// ErrCap is the refusal once the day's cap is reached.
var ErrCap = errors.New("the day's limit of notes sent to Epic is reached")

// Send files the note of each sheet, in order, and reports each one. It
// stops writing at the cap (the rest report it). The error is for the
// whole send (the ledger could not be read), not for one note.
func (s *Sender) Send(ctx context.Context, date string, sheets []prep.Sheet) ([]Outcome, error) {
	led, err := s.ledger(ctx, date)
	if err != nil {
		return nil, err
	}
	out := make([]Outcome, 0, len(sheets))
	for _, sh := range sheets {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		o := s.one(ctx, date, led, sh)
		out = append(out, o)
	}
	return out, nil
}

func (s *Sender) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Sender) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

func (s *Sender) audit(ctx context.Context, event string, f map[string]string) {
	if s.Audit != nil {
		s.Audit(ctx, event, f)
	}
}

// one sends one visit's note.
func (s *Sender) one(ctx context.Context, date string, led Ledger, sh prep.Sheet) Outcome {
	o := Outcome{AppointmentID: sh.AppointmentID, PatientID: sh.Patient.ID}
	fail := func(err error, reason string) Outcome {
		o.Err = err
		s.audit(ctx, "note.refused", map[string]string{"date": date, "appointmentId": sh.AppointmentID, "patientId": sh.Patient.ID, "reason": reason})
		s.log().Warn("prep note not sent", "reason", reason)
		return o
	}
	at := s.now()
	note, err := prepnote.Render(sh, prepnote.Options{Format: s.Format, CatalogueVersion: s.CatalogueVersion, PreparedBy: s.By, PreparedAt: at, Location: s.Location})
	if err != nil {
		return fail(err, "nothing-to-send")
	}
	// What the chart holds for this visit: the current note to replace,
	// and whether a pending attempt reached it.
	prev := led[sh.AppointmentID]
	found, err := s.visitNotes(ctx, date, sh)
	if err != nil {
		return fail(fmt.Errorf("HealthPrep could not check the chart for an earlier note, so nothing was sent: %s", explain(err)), kindName(err))
	}
	if prev.Pending {
		if n, ok := found.attempt(prev.Attempt); ok {
			return s.sent(ctx, date, led, sh, prev, n, true)
		}
	}
	if err := s.underCap(ctx, at); err != nil {
		return fail(err, "cap")
	}
	rec := Record{AppointmentID: sh.AppointmentID, PatientID: sh.Patient.ID, At: at, By: s.By, Attempt: "urn:uuid:" + uuid.NewString(), Pending: true}
	if cur, ok := found.current(); ok {
		rec.Replaced = cur.ID
	}
	body, err := s.document(date, sh, note, rec, at)
	if err != nil {
		return fail(err, "render")
	}
	// The pending mark first: a crash mid-write leaves it for the next
	// send to check.
	led[sh.AppointmentID] = rec
	if err := s.save(ctx, date, led); err != nil {
		led[sh.AppointmentID] = prev
		return fail(err, "ledger")
	}
	if err := s.count(ctx, at); err != nil {
		return fail(err, "ledger")
	}
	w, err := s.FHIR.Create(ctx, "DocumentReference", body)
	for try := 0; err != nil && fhir.MayHaveWritten(err) && try < 2; try++ {
		// It may be in the chart: look before writing again.
		again, serr := s.visitNotes(ctx, date, sh)
		if serr != nil {
			// Unchecked: it stays pending, and the next send looks first.
			return fail(fmt.Errorf("Epic did not confirm the note and could not be checked (%s). It may be in the chart: HealthPrep checks before sending again, so no second note is made. Try again later", explain(serr)), "unconfirmed")
		}
		if n, ok := again.attempt(rec.Attempt); ok {
			return s.sent(ctx, date, led, sh, rec, n, true)
		}
		if try == 1 {
			break
		}
		s.log().Info("prep note not in the chart after a failed write; trying once more", "reason", kindName(err))
		w, err = s.FHIR.Create(ctx, "DocumentReference", body)
	}
	if err != nil {
		// Refused, or checked and not in the chart: nothing is pending.
		led[sh.AppointmentID] = prev
		if serr := s.save(ctx, date, led); serr != nil {
			s.log().Warn("ledger not saved", "err", serr)
		}
		return fail(errors.New(explain(err)), kindName(err))
	}
	return s.sent(ctx, date, led, sh, rec, noteRef{ID: w.ID}, false)
}

// sent records a note in the chart.
func (s *Sender) sent(ctx context.Context, date string, led Ledger, sh prep.Sheet, rec Record, n noteRef, recovered bool) Outcome {
	rec.NoteID, rec.Pending = n.ID, false
	led[sh.AppointmentID] = rec
	if err := s.save(ctx, date, led); err != nil {
		s.log().Warn("ledger not saved after a note was sent", "err", err)
	}
	s.audit(ctx, "note.sent", map[string]string{"date": date, "appointmentId": sh.AppointmentID, "patientId": sh.Patient.ID,
		"noteId": rec.NoteID, "replaced": rec.Replaced, "user": rec.By, "recovered": fmt.Sprint(recovered)})
	s.log().Info("prep note sent", "replaced", rec.Replaced != "", "recovered", recovered)
	return Outcome{AppointmentID: sh.AppointmentID, PatientID: sh.Patient.ID, Record: &rec, Recovered: recovered}
}

// document builds the DocumentReference.
func (s *Sender) document(date string, sh prep.Sheet, n prepnote.Note, rec Record, at time.Time) ([]byte, error) {
	code := s.NoteType
	if code == "" {
		code = DefaultNoteType
	}
	doc := map[string]any{
		"resourceType":     "DocumentReference",
		"masterIdentifier": map[string]any{"system": attemptSystem, "value": rec.Attempt},
		"identifier":       []any{map[string]any{"system": VisitSystem, "value": date + "/" + sh.AppointmentID}},
		"status":           "current",
		"type": map[string]any{"coding": []any{map[string]any{"system": loinc, "code": code, "display": noteTypeName(code)}},
			"text": noteTypeName(code)},
		"category":    []any{map[string]any{"coding": []any{map[string]any{"system": categorySys, "code": "clinical-note", "display": "Clinical Note"}}}},
		"subject":     map[string]any{"reference": "Patient/" + sh.Patient.ID},
		"date":        at.UTC().Format(time.RFC3339),
		"description": n.Title,
		"content": []any{map[string]any{"attachment": map[string]any{
			"contentType": n.ContentType, "data": base64.StdEncoding.EncodeToString(n.Data),
			"title": n.Title, "creation": at.UTC().Format(time.RFC3339),
		}}},
	}
	if s.Author != "" {
		doc["author"] = []any{map[string]any{"reference": s.Author, "display": s.By}}
	}
	ctxt := map[string]any{}
	if !sh.Time.IsZero() {
		ctxt["period"] = map[string]any{"start": sh.Time.UTC().Format(time.RFC3339)}
	}
	if sh.AppointmentID != "" && !strings.ContainsAny(sh.AppointmentID, "/ ") {
		ctxt["related"] = []any{map[string]any{"reference": "Appointment/" + sh.AppointmentID}}
	}
	if len(ctxt) > 0 {
		doc["context"] = ctxt
	}
	if rec.Replaced != "" {
		doc["relatesTo"] = []any{map[string]any{"code": "replaces", "target": map[string]any{"reference": "DocumentReference/" + rec.Replaced}}}
	}
	return json.Marshal(doc)
}

func noteTypeName(code string) string {
	if code == DefaultNoteType {
		return "Progress note"
	}
	return "Note (LOINC " + code + ")"
}

// noteRef is a note of HealthPrep's found in the chart.
type noteRef struct {
	ID, Status, Attempt string
}

type visitNotes []noteRef

func (v visitNotes) attempt(id string) (noteRef, bool) {
	for _, n := range v {
		if n.Attempt == id {
			return n, true
		}
	}
	return noteRef{}, false
}

func (v visitNotes) current() (noteRef, bool) {
	for i := len(v) - 1; i >= 0; i-- {
		if v[i].Status == "current" {
			return v[i], true
		}
	}
	return noteRef{}, false
}

// visitNotes searches the patient's notes for HealthPrep's notes of this
// visit. The search names the patient only (Epic requires it; not every
// server searches by identifier), and the visit is matched here.
func (s *Sender) visitNotes(ctx context.Context, date string, sh prep.Sheet) (visitNotes, error) {
	res, err := s.FHIR.Search(ctx, "DocumentReference", url.Values{"patient": {sh.Patient.ID}})
	if err != nil {
		return nil, err
	}
	want := date + "/" + sh.AppointmentID
	var out visitNotes
	for _, raw := range res.Resources {
		var d struct {
			ID               string `json:"id"`
			Status           string `json:"status"`
			MasterIdentifier struct {
				Value string `json:"value"`
			} `json:"masterIdentifier"`
			Identifier []struct {
				System string `json:"system"`
				Value  string `json:"value"`
			} `json:"identifier"`
		}
		if json.Unmarshal(raw, &d) != nil {
			continue
		}
		for _, id := range d.Identifier {
			if id.System == VisitSystem && id.Value == want {
				out = append(out, noteRef{ID: d.ID, Status: d.Status, Attempt: d.MasterIdentifier.Value})
			}
		}
	}
	return out, nil
}

func ledgerName(date string) string { return "sent-notes-" + date }
func countName(day string) string   { return "sent-count-" + day }

func (s *Sender) ledger(ctx context.Context, date string) (Ledger, error) {
	return Load(ctx, s.Files, date)
}

// Load reads a clinic day's ledger (empty when nothing was sent).
func Load(ctx context.Context, f Files, date string) (Ledger, error) {
	led := Ledger{}
	b, err := f.GetFile(ctx, ledgerName(date))
	if errors.Is(err, store.ErrNoFile) {
		return led, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &led); err != nil {
		return nil, errors.New("the record of notes sent for this day is damaged")
	}
	return led, nil
}

func (s *Sender) save(ctx context.Context, date string, led Ledger) error {
	b, err := json.Marshal(led)
	if err != nil {
		return err
	}
	return s.Files.PutFile(ctx, ledgerName(date), b)
}

// day is the calendar day the cap counts in: the practice's today.
func (s *Sender) day(at time.Time) string {
	loc := s.Location
	if loc == nil {
		loc = time.Local
	}
	return at.In(loc).Format(time.DateOnly)
}

// Count is how many notes were written (or may have been) on a day.
func Count(ctx context.Context, f Files, day string) (int, error) {
	b, err := f.GetFile(ctx, countName(day))
	if errors.Is(err, store.ErrNoFile) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return 0, errors.New("the count of notes sent today is damaged")
	}
	return n, nil
}

func (s *Sender) cap() int {
	if s.DailyCap <= 0 {
		return DefaultDailyCap
	}
	return s.DailyCap
}

func (s *Sender) underCap(ctx context.Context, at time.Time) error {
	n, err := Count(ctx, s.Files, s.day(at))
	if err != nil {
		return err
	}
	if n >= s.cap() {
		return fmt.Errorf("%w: %d notes today, the practice's limit. Nothing more was sent; a manager can raise the limit in Settings", ErrCap, n)
	}
	return nil
}

// count adds one write to the day's count, before it is made: a write
// whose answer was lost still counts.
func (s *Sender) count(ctx context.Context, at time.Time) error {
	day := s.day(at)
	n, err := Count(ctx, s.Files, day)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(n + 1)
	return s.Files.PutFile(ctx, countName(day), b)
}

// explain words a failed request for the front desk: what happened and
// what to do. Nothing was written unless it says so.
func explain(err error) string {
	var e *fhir.Error
	if !errors.As(err, &e) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return "Sending was stopped before Epic answered; nothing new is in the chart unless a later check finds it"
		}
		return err.Error()
	}
	detail := ""
	if e.Detail != "" {
		detail = " (Epic said: " + e.Detail + ")"
	}
	switch e.Kind {
	case fhir.KindScope:
		return "Epic did not allow HealthPrep to add notes to the chart. Sign in again (Settings → Sign in) so Epic can grant it; if this persists, ask your Epic analyst to add DocumentReference.Create (Clinical Notes) to the app's registration"
	case fhir.KindForbidden:
		return "Epic says the signed-in user may not add notes to this patient's chart" + detail
	case fhir.KindInvalid, fhir.KindBadRequest:
		return "Epic refused the note as it was sent" + detail + ". Nothing was added to the chart; tell support if this repeats"
	case fhir.KindConflict:
		return "Epic refused the note because the chart was being changed at the same time" + detail + ". Nothing was added; try again in a minute"
	case fhir.KindServer:
		return "Epic had a problem saving the note (server error) and it is not in the chart. Try again later"
	case fhir.KindUnreachable:
		return "Epic could not be reached, and the note is not in the chart. Check the network and try again"
	case fhir.KindWritesOff:
		return "Sending prep notes to Epic is off for this practice; nothing was sent"
	case fhir.KindSignIn:
		return "Epic no longer accepts this sign-in; sign in again, then send"
	case fhir.KindRateLimited:
		return "Epic is asking us to slow down; try again in a few minutes"
	}
	return e.Error()
}

// Explain is explain for callers outside the package.
func Explain(err error) string { return explain(err) }

// kindName names a failure for the audit and logs: never its text.
func kindName(err error) string {
	var e *fhir.Error
	if errors.As(err, &e) {
		if e.Status != 0 {
			return fmt.Sprintf("http-%d", e.Status)
		}
		switch e.Kind {
		case fhir.KindUnreachable:
			return "unreachable"
		case fhir.KindWritesOff:
			return "writes-off"
		case fhir.KindSignIn:
			return "sign-in"
		}
		return fmt.Sprintf("fhir-kind-%d", e.Kind)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "cancelled"
	}
	return "other"
}
