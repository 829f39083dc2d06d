package agent

import (
	"context"
	"errors"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/documents"
	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/screening"
	"github.com/healthprep/desk/internal/store"
)

// errNoDocText says nothing about the patient or the document: the ids
// are the caller's, and a FHIR id of a patient's document stays out of
// errors and logs.
var errNoDocText = api.NewError(api.KindNotFound,
	"that document's text is not in the saved day: it was not read (or could not be read). Update from Epic and try again.")

// DocumentText returns the extracted text of one of a visit's documents,
// from the encrypted cache only: the app opens it from the sheet's
// text-derived evidence, offline too. Only the visit's own patient's
// documents answer, and only those reading would consider.
func (a *Agent) DocumentText(ctx context.Context, date, appointmentID, docID string) (api.DocumentText, error) {
	if _, err := parseDay(date, time.UTC); err != nil {
		return api.DocumentText{}, err
	}
	st, err := a.openStore(ctx)
	if err != nil {
		return api.DocumentText{}, err
	}
	d, err := st.GetDay(ctx, date)
	if errors.Is(err, store.ErrNoDay) {
		return api.DocumentText{}, api.NewError(api.KindNotFound, "Nothing is saved for "+date+" yet. Press “Update from Epic” to fetch it.")
	}
	if err != nil {
		return api.DocumentText{}, err
	}
	for _, ap := range d.Appointments {
		if ap.ID != appointmentID {
			continue
		}
		pd, ok := d.Patients[ap.PatientID]
		if !ok || len(pd.Resources) == 0 {
			break
		}
		cat := a.catalogue()
		rec, _ := record.FromFHIR(pd.Resources)
		for _, c := range documents.Candidates(ap.PatientID, pd.Resources, cat, ap.Start, screening.Evaluate(rec, cat, ap.Start)) {
			if c.DocID != docID {
				continue
			}
			p, _ := a.current()
			r := a.documentReader(p, st, nil) // no fetcher: the cache only
			text, ok := r.Text(ctx, c)
			if !ok {
				return api.DocumentText{}, errNoDocText
			}
			out := api.DocumentText{DocID: c.DocID, Title: c.Title, Org: c.Org, Date: c.Clinical, Text: text}
			if out.Date.IsZero() {
				out.Date = c.Indexed
			}
			if rd, ok := r.Cached(ctx, c); ok {
				out.Method, out.Pages = rd.Method, rd.Pages
			}
			// Who looked at which document: never the text.
			a.audit(ctx, "document.viewed", map[string]string{"date": date, "patientId": ap.PatientID, "docId": c.DocID})
			return out, nil
		}
		return api.DocumentText{}, errNoDocText
	}
	return api.DocumentText{}, api.NewError(api.KindNotFound, "that appointment is not in the saved day; update from Epic and try again")
}
