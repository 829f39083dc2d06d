package epicsim

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/healthprep/desk/internal/epicsim/docgen"
)

// Outside records: every document of the practice has content, served
// through Binary reads as Epic does. Consult notes carry scanned and
// electronic outside records with known truth (docgen.ForDocument), the
// rest short notes; Binary/hostile-<name> serves each hostile file. The
// bytes are built when asked for, the 200 MB file as it is sent.

const hostilePrefix = "hostile-"

// OutsideRecord is the outside record filed under a document, with its
// truth; ok false for a document that carries none.
func (s *Server) OutsideRecord(docID string) (docgen.Doc, bool) {
	s.data.RLock()
	defer s.data.RUnlock()
	if f, ok := s.filed[docID]; ok && f.report != nil {
		return *f.report, true
	}
	return s.outsideRecord(s.practice.res["DocumentReference/"+docID])
}

// outsideRecord is a consult note's outside record: about a screening the
// patient was built to be due for (a letter that completes it), or, for a
// patient due for none, an unrelated letter. s.data is held.
func (s *Server) outsideRecord(r *Resource) (docgen.Doc, bool) {
	if r == nil || r.Code.code != "11488-4" { // consult notes
		return docgen.Doc{}, false
	}
	p := s.practice.PatientByID(r.PatientID)
	open := func(screening string) bool { return p != nil && p.Outcomes[screening] == Due }
	return docgen.ForDocument(r.ID, r.Date, open), true
}

// documentContent sets a DocumentReference's content (its attachment's
// type as the record will be served, and where) and, for an outside
// record, its custodian: the organisation that wrote it. s.data is held.
func (s *Server) documentContent(m map[string]any, r *Resource) {
	if a, ok := s.hostileContent(r); ok {
		m["content"] = []any{map[string]any{"attachment": a}}
		return
	}
	ct := "text/plain"
	if d, ok := s.outsideRecord(r); ok {
		ct = d.Format.ContentType()
		m["custodian"] = map[string]any{"display": d.Org}
	}
	m["content"] = []any{map[string]any{"attachment": map[string]any{"contentType": ct, "url": "Binary/" + r.ID, "title": r.Title}}}
}

// binary answers GET Binary/{id}: the raw content in its own type when
// the Accept header allows it (Epic's behaviour), else a FHIR Binary with
// base64 data.
func (s *Server) binary(w http.ResponseWriter, r *http.Request) {
	s.count("Binary")
	g, ok := s.bearer(r)
	if !ok {
		s.unauthorizedAPI(w)
		return
	}
	if !s.granted(g, "Binary") {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	f := s.currentFaults()
	switch {
	case s.chance(f.Rate429):
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	case s.chance(f.Rate5xx):
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	id := r.PathValue("id")
	body, size, ct, ok := s.binaryContent(id)
	if !ok {
		writeFHIR(w, http.StatusNotFound, outcome("error", "not-found", "4102", "The read resource request contained an invalid ID."))
		return
	}
	accept := r.Header.Get("Accept")
	if strings.Contains(accept, "fhir+json") && !strings.Contains(accept, ct) {
		if size > 64<<20 {
			writeFHIR(w, http.StatusRequestEntityTooLarge, outcome("error", "too-costly", "", "The content is too large for a FHIR Binary."))
			return
		}
		b, _ := io.ReadAll(body)
		writeFHIR(w, http.StatusOK, map[string]any{"resourceType": "Binary", "id": id, "contentType": ct, "data": base64.StdEncoding.EncodeToString(b)})
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(http.StatusOK)
	io.Copy(w, body)
}

func (s *Server) binaryContent(id string) (body io.Reader, size int64, contentType string, ok bool) {
	if name, ok := strings.CutPrefix(id, hostilePrefix); ok {
		h := docgen.Hostile(name)
		r, n, err := h.Open()
		if err != nil {
			return nil, 0, "", false
		}
		return r, n, h.ContentType(), true
	}
	s.data.RLock()
	res := s.practice.res["DocumentReference/"+id]
	d, ok := s.outsideRecord(res)
	if f, filed := s.filed[id]; filed && f.report != nil {
		d, ok, res = *f.report, true, s.practice.res["DiagnosticReport/"+id]
	}
	s.data.RUnlock()
	if res == nil {
		return nil, 0, "", false
	}
	if ok {
		b, err := d.Bytes()
		if err != nil {
			return nil, 0, "", false
		}
		return bytes.NewReader(b), int64(len(b)), d.Format.ContentType(), true
	}
	note := res.Title + "\n\nSeen today. Plan discussed with the patient.\n"
	return strings.NewReader(note), int64(len(note)), "text/plain", true
}

// HostileDocumentIDs are the Binary ids of the hostile files.
func HostileDocumentIDs() []string {
	var out []string
	for _, h := range docgen.HostileFiles {
		out = append(out, hostilePrefix+string(h))
	}
	return out
}
