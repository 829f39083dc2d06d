// Package documents reads the content of a patient's documents for
// evidence: it picks the attachments a screening could use (by date window
// and by what the catalogue reads from text), fetches them through Binary
// reads, extracts their text (internal/doctext) once per content hash into
// the encrypted cache, and matches the catalogue's phrases.
package documents

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/screening"
)

// Candidate is one attachment worth reading.
type Candidate struct {
	PatientID   string
	DocID       string // the DocumentReference or DiagnosticReport id
	Type        string // DocumentReference or DiagnosticReport
	Title, Org  string
	Clinical    time.Time // context.period end / effective date
	Indexed     time.Time // DocumentReference.date / DiagnosticReport.issued
	URL         string
	ContentType string
	Size        int64
	Inline      []byte // attachment.data, when sent inline
}

// Doc is the candidate as the matcher sees it.
func (c Candidate) Doc(text string) screening.TextDoc {
	return screening.TextDoc{ID: c.DocID, Type: c.Type, Title: c.Title, Org: c.Org, Text: text, Clinical: c.Clinical, Indexed: c.Indexed}
}

type attachment struct {
	ContentType string `json:"contentType"`
	URL         string `json:"url"`
	Data        []byte `json:"data"`
	Size        int64  `json:"size"`
	Title       string `json:"title"`
}

type reference struct {
	Display string `json:"display"`
}

type docResource struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Identifier   []struct {
		System string `json:"system"`
	} `json:"identifier"`
	Status      string `json:"status"`
	Date        string `json:"date"`
	Issued      string `json:"issued"`
	Effective   string `json:"effectiveDateTime"`
	Description string `json:"description"`
	Type        *struct {
		Text string `json:"text"`
	} `json:"type"`
	Code *struct {
		Text string `json:"text"`
	} `json:"code"`
	Author    []reference `json:"author"`
	Custodian *reference  `json:"custodian"`
	Performer []reference `json:"performer"`
	Context   *struct {
		Period *struct {
			Start string `json:"start"`
			End   string `json:"end"`
		} `json:"period"`
	} `json:"context"`
	Content []struct {
		Attachment attachment `json:"attachment"`
	} `json:"content"`
	PresentedForm []attachment `json:"presentedForm"`
}

func parseTime(s string) time.Time {
	for _, f := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(f, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// readable is the content types doctext reads.
func readable(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	switch ct {
	case "application/pdf", "image/png", "image/jpeg", "image/tiff", "text/plain", "text/html", "text/rtf", "application/rtf", "application/xhtml+xml":
		return true
	}
	return false
}

// ownNote: one of the prep notes this app filed in the chart, never evidence.
func (r docResource) ownNote() bool {
	for _, id := range r.Identifier {
		if record.OwnPrepNote(id.System) {
			return true
		}
	}
	return false
}

// TextSince is the earliest day a document could still decide one of the
// results' open screenings from its text; open is false when none could,
// and then no document of the patient is worth reading.
func TextSince(cat *screening.Catalogue, visit time.Time, results []screening.Result) (since time.Time, open bool) {
	for _, r := range results {
		if r.Status != screening.Due && r.Status != screening.DueSoon && r.Status != screening.NeedsReview {
			continue
		}
		if s, ok := cat.TextWindow(r.ID, visit); ok && (!open || s.Before(since)) {
			since, open = s, true
		}
	}
	return since, open
}

// Candidates lists the attachments of a patient's documents and reports
// that could still decide an open screening: only while a screening whose
// modalities are read from text is not met, only documents dated within
// the longest of those windows, only content types that can be read.
func Candidates(patientID string, resources []json.RawMessage, cat *screening.Catalogue, visit time.Time, results []screening.Result) []Candidate {
	since, open := TextSince(cat, visit, results)
	if !open {
		return nil
	}
	return Within(Attachments(patientID, resources), since, visit)
}

// Within keeps the candidates dated from the day of since to the day after
// the visit, and the undated ones.
func Within(cands []Candidate, since, visit time.Time) []Candidate {
	since = time.Date(since.Year(), since.Month(), since.Day(), 0, 0, 0, 0, time.UTC) // whole days
	var out []Candidate
	for _, c := range cands {
		when := c.Clinical
		if when.IsZero() {
			when = c.Indexed
		}
		if !when.IsZero() && (when.Before(since) || when.After(visit.AddDate(0, 0, 1))) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// AttachmentsName names what Attachments lists of a day where it is kept
// beside the day (store.Derived): change it whenever Attachments changes
// what it lists, so a kept list from older code is not read.
const AttachmentsName = "attachments-1"

// Attachments lists every document and report of a patient's resources
// with an attachment that can be read, whatever its date: one per
// document, the first readable one (Epic sends the same note as RTF and
// HTML, say). Entered-in-error documents and this app's own prep notes
// are left out.
func Attachments(patientID string, resources []json.RawMessage) []Candidate {
	var out []Candidate
	for _, raw := range resources {
		// Only a resource that names a document type anywhere can be one:
		// the rest of a chart (most of it) is not parsed at all.
		if !bytes.Contains(raw, []byte("DocumentReference")) && !bytes.Contains(raw, []byte("DiagnosticReport")) {
			continue
		}
		var head struct {
			ResourceType string `json:"resourceType"`
		}
		if json.Unmarshal(raw, &head) != nil || head.ResourceType != "DocumentReference" && head.ResourceType != "DiagnosticReport" {
			continue
		}
		var r docResource
		if json.Unmarshal(raw, &r) != nil || r.Status == "entered-in-error" || r.ownNote() {
			continue
		}
		c := Candidate{PatientID: patientID, DocID: r.ID, Type: r.ResourceType}
		atts := r.PresentedForm
		if r.ResourceType == "DocumentReference" {
			c.Indexed = parseTime(r.Date)
			if r.Context != nil && r.Context.Period != nil {
				c.Clinical = parseTime(r.Context.Period.End)
				if c.Clinical.IsZero() {
					c.Clinical = parseTime(r.Context.Period.Start)
				}
			}
			c.Title = r.Description
			if c.Title == "" && r.Type != nil {
				c.Title = r.Type.Text
			}
			if r.Custodian != nil {
				c.Org = r.Custodian.Display
			} else if len(r.Author) > 0 {
				c.Org = r.Author[0].Display
			}
			atts = nil
			for _, ct := range r.Content {
				atts = append(atts, ct.Attachment)
			}
		} else {
			c.Clinical, c.Indexed = parseTime(r.Effective), parseTime(r.Issued)
			if r.Code != nil {
				c.Title = r.Code.Text
			}
			if len(r.Performer) > 0 {
				c.Org = r.Performer[0].Display
			}
		}
		for _, a := range atts {
			if readable(a.ContentType) && (a.URL != "" || len(a.Data) > 0) {
				c.URL, c.ContentType, c.Size, c.Inline = a.URL, a.ContentType, a.Size, a.Data
				if c.Title == "" {
					c.Title = a.Title
				}
				out = append(out, c)
				break
			}
		}
	}
	return out
}
