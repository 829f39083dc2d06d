package epicsim

import (
	"fmt"
	"time"

	"github.com/healthprep/desk/internal/epicsim/docgen"
)

// Documents filed on demand for one day's patients, so a test syncs a day
// whose charts carry them without the demo's every day paying to read
// them: outside imaging and pathology reports (DiagnosticReports whose
// presentedForm is a text or scanned PDF, with known truth), and the
// hostile files (DocumentReferences whose attachment is Binary/hostile-*).
// Both go to patients due for a screening that documents can evidence,
// dated within its window, so the agent reads them.

// filed is what a filed resource carries: a report or a hostile file.
type filed struct {
	report  *docgen.Doc
	hostile docgen.Hostile
}

// Filed is one document filed for a patient.
type Filed struct {
	PatientID     string
	AppointmentID string
	Ref           string // "DiagnosticReport/<id>" or "DocumentReference/<id>"
	Title         string
	Report        *docgen.Doc    // an outside report and its truth
	Hostile       docgen.Hostile // a hostile file
}

// textRead are the screenings the catalogue reads from documents' text
// (document_text in the default catalogue).
var textRead = []string{"breast_cancer", "colorectal_cancer", "cervical_cancer", "osteoporosis", "diabetes_eye"}

// duePatients are date's visits (not cancelled) whose patient is built
// due for a text-read screening, in schedule order. s.data is held.
func (s *Server) duePatients(date string) []Appointment {
	var out []Appointment
	seen := map[string]bool{}
	for _, ap := range s.practice.Appointments[date] {
		p := s.practice.byID[ap.PatientID]
		if ap.Status == "cancelled" || p == nil || seen[p.ID] {
			continue
		}
		for _, id := range textRead {
			if p.Outcomes[id] == Due {
				seen[p.ID] = true
				out = append(out, ap)
				break
			}
		}
	}
	return out
}

// FileOutsideReports files the outside reports about what they are due
// for (docgen.ReportsFor) for up to patients of date's visits, and
// returns them.
func (s *Server) FileOutsideReports(date string, patients int) ([]Filed, error) {
	s.data.Lock()
	defer s.data.Unlock()
	aps := s.duePatients(date)
	if len(aps) == 0 {
		return nil, fmt.Errorf("epicsim: no patient on %s is due for a screening documents can evidence", date)
	}
	var out []Filed
	for _, ap := range aps[:min(patients, len(aps))] {
		p := s.practice.byID[ap.PatientID]
		for _, d := range docgen.ReportsFor(ap.Start, func(id string) bool { return p.Outcomes[id] == Due }) {
			code, display := docgen.ReportCode(d.Category)
			id, err := s.addResource(p.ID, Resource{Type: "DiagnosticReport", Category: d.Category, Code: coding{sysLOINC, code, display},
				Title: d.Title, Date: d.Date.Add(10 * time.Hour)})
			if err != nil {
				return nil, err
			}
			d.ID = id
			s.file(id, filed{report: &d})
			out = append(out, Filed{PatientID: p.ID, AppointmentID: ap.ID, Ref: "DiagnosticReport/" + id, Title: d.Title, Report: &d})
		}
	}
	return out, nil
}

// FileHostileFiles files every hostile file as an outside record of date's
// patients due for a text-read screening, spread over up to patients of
// them, dated the week before the visit, and returns them.
func (s *Server) FileHostileFiles(date string, patients int) ([]Filed, error) {
	s.data.Lock()
	defer s.data.Unlock()
	aps := s.duePatients(date)
	if len(aps) == 0 {
		return nil, fmt.Errorf("epicsim: no patient on %s is due for a screening documents can evidence", date)
	}
	aps = aps[:min(patients, len(aps))]
	var out []Filed
	for i, h := range docgen.HostileFiles {
		ap := aps[i%len(aps)]
		title := fmt.Sprintf("Outside records %d", i+1) // tells them apart on a sheet
		id, err := s.addResource(ap.PatientID, Resource{Type: "DocumentReference", Category: "clinical-note",
			Code: coding{sysLOINC, "34133-9", "Summary of episode note"}, Title: title, Date: ap.Start.AddDate(0, 0, -7)})
		if err != nil {
			return nil, err
		}
		s.file(id, filed{hostile: h})
		out = append(out, Filed{PatientID: ap.PatientID, AppointmentID: ap.ID, Ref: "DocumentReference/" + id, Title: title, Hostile: h})
	}
	return out, nil
}

// file records a filed resource. s.data is held.
func (s *Server) file(id string, f filed) {
	if s.filed == nil {
		s.filed = map[string]filed{}
	}
	s.filed[id] = f
}

// reportContent gives a filed outside report its presentedForm (served
// by Binary/<id>) and performing organisation. s.data is held.
func (s *Server) reportContent(m map[string]any, r *Resource) {
	f, ok := s.filed[r.ID]
	if !ok || f.report == nil {
		return
	}
	d := f.report
	m["performer"] = []any{map[string]any{"display": d.Org}}
	m["presentedForm"] = []any{map[string]any{"contentType": d.Format.ContentType(), "url": "Binary/" + r.ID, "title": d.Title}}
}

// hostileContent is a filed hostile file's attachment. Its size is
// stated, as FHIR's Attachment.size allows, so a reader can refuse the
// 200 MB file without fetching it. s.data is held.
func (s *Server) hostileContent(r *Resource) (map[string]any, bool) {
	f, ok := s.filed[r.ID]
	if !ok || f.hostile == "" {
		return nil, false
	}
	a := map[string]any{"contentType": f.hostile.ContentType(), "url": "Binary/" + hostilePrefix + string(f.hostile), "title": r.Title}
	if f.hostile == docgen.HugeFile {
		a["size"] = docgen.HugeSize
	}
	return a, true
}
