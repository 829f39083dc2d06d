package agent

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/agent/send"
	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/prep"
	"github.com/healthprep/desk/internal/prepnote"
)

// sendSettings are the practice's note-sending choices with defaults.
func sendSettings(p Practice) api.SendSettings {
	s := p.Send
	if s.DailyCap == 0 {
		s.DailyCap = send.DefaultDailyCap
	}
	if s.NoteType == "" {
		s.NoteType = send.DefaultNoteType
	}
	if s.Format == "" {
		s.Format = prepnote.Text
	}
	return s
}

var loincCode = regexp.MustCompile(`^[0-9]{1,7}-[0-9]$`)

// validSend says what is wrong with sending settings, for the manager.
func validSend(s api.SendSettings) error {
	switch {
	case s.DailyCap < 0 || s.DailyCap > send.MaxDailyCap:
		return fmt.Errorf("the daily limit of notes sent to Epic must be 1 to %d", send.MaxDailyCap)
	case s.NoteType != "" && !loincCode.MatchString(s.NoteType):
		return errors.New("the note type must be a LOINC code like 11506-3")
	case s.Format != "" && s.Format != prepnote.Text && s.Format != prepnote.HTML:
		return errors.New("the note format must be text or html")
	}
	return nil
}

// errSendingOff is the refusal while the practice has not turned sending on.
var errSendingOff = api.NewError(api.KindForbidden, "Sending prep notes to Epic is off for this practice. A manager can turn it on in Settings (“Send prep notes to Epic”), then sign in again so Epic allows it.")

// errSignInToWrite is the refusal while the sign-in holds no write scope.
var errSignInToWrite = api.NewError(api.KindNeedsSignIn, "Epic has not allowed HealthPrep to add notes with the current sign-in (sending was turned on after it). Sign in to Epic again: the sign-in now asks for it. Nothing was sent.")

// canWrite reports whether the last sign-in was granted a note write scope
// (a profile's fixed user, the demo's, may write).
func canWrite(p Practice) bool {
	return p.tenant().SignedInAs != "" || p.SignedIn != nil && p.SignedIn.WriteNotes
}

// Send files the prep notes of a day's visits in their charts: the
// appointments named, or every visit of the day that will happen. Notes
// are sent one at a time, one send at a time (see package send).
func (a *Agent) Send(ctx context.Context, req api.SendRequest) (api.SendResult, error) {
	p, err := a.current()
	if err != nil {
		return api.SendResult{}, err
	}
	ss := sendSettings(p)
	if !ss.Enabled {
		return api.SendResult{}, errSendingOff
	}
	date := req.Date
	if date == "" {
		date = a.today()
	}
	a.sendMu.Lock()
	defer a.sendMu.Unlock()
	d, recs, err := a.loadDay(ctx, date)
	if err != nil {
		return api.SendResult{}, err
	}
	var sheets []prep.Sheet
	providers := map[string]bool{}
	for _, ap := range d.Appointments {
		if len(req.AppointmentIDs) == 0 && !ap.Inactive() || slices.Contains(req.AppointmentIDs, ap.ID) {
			sheets = append(sheets, a.sheet(d, recs, ap))
			providers[ap.Provider] = true
		}
	}
	if len(sheets) == 0 || len(req.AppointmentIDs) > 0 && len(sheets) != len(req.AppointmentIDs) {
		return api.SendResult{}, api.NewError(api.KindNotFound, "that visit is not in the saved day; update from Epic and try again")
	}
	ts, err := a.tokens(ctx, p)
	if err != nil {
		return api.SendResult{}, err
	}
	st, err := a.openStore(ctx)
	if err != nil {
		return api.SendResult{}, err
	}
	if !canWrite(p) {
		return api.SendResult{}, errSignInToWrite
	}
	by, author := p.tenant().SignedInAs, ""
	if by == "" && p.SignedIn != nil {
		by, author = p.SignedIn.Name, relativeRef(p.SignedIn.FHIRUser, a.fhirBase(p))
	}
	fc := &fhir.Client{Base: a.fhirBase(p), HTTP: a.httpFor(p), Tokens: ts, Log: a.log,
		Writes: fhir.AllowWrites("DocumentReference")} // this client alone may write, and only notes
	s := &send.Sender{FHIR: fc, Files: st, Log: a.log, Now: a.opts.Now, Audit: a.audit,
		NoteType: ss.NoteType, Format: ss.Format, DailyCap: ss.DailyCap, Author: author, By: by,
		CatalogueVersion: a.catalogue().Version, Location: p.Location()}
	outs, err := s.Send(ctx, date, sheets)
	if err != nil {
		return api.SendResult{}, err
	}
	res := api.SendResult{Date: date, Sent: []api.SentNote{}, Failed: []api.SendFailure{}, DailyCap: ss.DailyCap}
	if len(providers) == 1 {
		for pr := range providers {
			res.Provider = pr
		}
	}
	for _, o := range outs {
		if o.Err != nil {
			res.Failed = append(res.Failed, api.SendFailure{AppointmentID: o.AppointmentID, Message: o.Err.Error()})
			continue
		}
		n := sentNote(*o.Record)
		n.Recovered = o.Recovered
		res.Sent = append(res.Sent, n)
	}
	res.SentToday, _ = send.Count(ctx, st, a.now().In(p.Location()).Format(time.DateOnly))
	return res, nil
}

func sentNote(r send.Record) api.SentNote {
	return api.SentNote{AppointmentID: r.AppointmentID, NoteID: r.NoteID, At: r.At, By: r.By, Replaced: r.Replaced, Unconfirmed: r.Pending}
}

// SentNotes says which of a day's visits have a note in the chart.
func (a *Agent) SentNotes(ctx context.Context, date string) (api.SentNotes, error) {
	p, err := a.current()
	if err != nil {
		return api.SentNotes{}, err
	}
	if _, err := parseDay(date, time.UTC); err != nil {
		return api.SentNotes{}, err
	}
	out := api.SentNotes{Date: date, Enabled: sendSettings(p).Enabled, CanWrite: canWrite(p), Notes: map[string]api.SentNote{}}
	st, err := a.openStore(ctx)
	if err != nil {
		return out, err
	}
	led, err := send.Load(ctx, st, date)
	if err != nil {
		return out, err
	}
	for id, r := range led {
		if r.NoteID != "" || r.Pending {
			out.Notes[id] = sentNote(r)
		}
	}
	return out, nil
}

// relativeRef turns the signed-in user's fhirUser (often an absolute URL
// on the FHIR base) into a reference the server resolves.
func relativeRef(fhirUser, base string) string {
	if fhirUser == "" {
		return ""
	}
	if rest, ok := strings.CutPrefix(fhirUser, strings.TrimRight(base, "/")+"/"); ok {
		return rest
	}
	if strings.Contains(fhirUser, "://") {
		return "" // on another server: not a reference this chart can hold
	}
	return fhirUser
}
