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
	res := s.practice.res["DocumentReference/"+docID]
	s.data.RUnlock()
	if res == nil || res.Code.code != "11488-4" { // consult notes
		return docgen.Doc{}, false
	}
	return docgen.ForDocument(res.ID, res.Date), true
}

// documentContent is a DocumentReference's content element: its
// attachment's type as the record will be served, and where.
func documentContent(r *Resource) []any {
	ct := "text/plain"
	if r.Code.code == "11488-4" {
		ct = docgen.ForDocument(r.ID, r.Date).Format.ContentType()
	}
	return []any{map[string]any{"attachment": map[string]any{"contentType": ct, "url": "Binary/" + r.ID, "title": r.Title}}}
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
	s.data.RUnlock()
	if res == nil {
		return nil, 0, "", false
	}
	if d, ok := s.OutsideRecord(id); ok {
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
