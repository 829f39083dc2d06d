package epicsim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Notes written to the chart: DocumentReference creates (and updates,
// where the profile allows), validated as Epic's DocumentReference.Create
// (Clinical Notes) does, stored, and returned by later searches.

// MaxNoteBytes is the largest note content (decoded) the tenant accepts.
const MaxNoteBytes = 1 << 20

// WriteFault is a departure the tenant makes when a note is written.
type WriteFault string

const (
	WriteOK WriteFault = ""
	// WriteScope answers 403 insufficient_scope, as Epic does for an app
	// whose registration lacks DocumentReference.Create.
	WriteScope WriteFault = "403"
	// WriteInvalid answers 422 with Epic's business-rule outcome.
	WriteInvalid WriteFault = "422"
	// WriteConflict answers 409.
	WriteConflict WriteFault = "409"
	// WriteServerError answers 500.
	WriteServerError WriteFault = "5xx"
	// WriteTimeout holds the request, storing nothing, until the client
	// gives up.
	WriteTimeout WriteFault = "timeout"
	// WriteDropped stores the note, then hangs up without an answer: the
	// write reached the chart but the client cannot know.
	WriteDropped WriteFault = "dropped"
)

// WriteFaults lists the faults, for the sandbox's flag.
var WriteFaults = []WriteFault{WriteScope, WriteInvalid, WriteConflict, WriteServerError, WriteTimeout, WriteDropped}

// storedNote is a note written through the API.
type storedNote struct {
	id, patient string
	version     int
	doc         map[string]any
}

// noteStore holds the written notes and the write fault.
type noteStore struct {
	mu     sync.Mutex
	notes  []*storedNote // in order written
	next   int
	fault  WriteFault
	times  int // how many more writes meet the fault; <0: every one
	writes int // write requests that reached validation
}

// SetWriteFault makes the next times writes meet f (times <= 0: every
// write until changed). WriteOK clears it.
func (s *Server) SetWriteFault(f WriteFault, times int) {
	s.notes.mu.Lock()
	defer s.notes.mu.Unlock()
	s.notes.fault, s.notes.times = f, times
	if times <= 0 {
		s.notes.times = -1
	}
}

// takeFault returns the fault the current write meets.
func (s *Server) takeFault() WriteFault {
	s.notes.mu.Lock()
	defer s.notes.mu.Unlock()
	f := s.notes.fault
	if f == WriteOK || s.notes.times == 0 {
		return WriteOK
	}
	if s.notes.times > 0 {
		s.notes.times--
	}
	return f
}

// Notes returns every note written for a patient, superseded ones too,
// oldest first: tests check no write made two.
func (s *Server) Notes(patientID string) []json.RawMessage {
	s.notes.mu.Lock()
	defer s.notes.mu.Unlock()
	var out []json.RawMessage
	for _, n := range s.notes.notes {
		if n.patient == patientID {
			b, _ := json.Marshal(n.doc)
			out = append(out, b)
		}
	}
	return out
}

// NoteCount is how many notes were written in all (superseded included).
func (s *Server) NoteCount() int {
	s.notes.mu.Lock()
	defer s.notes.mu.Unlock()
	return len(s.notes.notes)
}

// writeAPI wraps a write handler: bearer, write scope, the write fault.
func (s *Server) writeAPI(h func(w http.ResponseWriter, r *http.Request, doc map[string]any) (int, any)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		typ := r.PathValue("type")
		s.count(r.Method + " " + typ)
		g, ok := s.bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			s.unauthorizedAPI(w)
			return
		}
		if typ != "DocumentReference" {
			writeFHIR(w, http.StatusMethodNotAllowed, outcome("error", "not-supported", "", "Writing "+typ+" is not supported."))
			return
		}
		fault := s.takeFault()
		if !s.mayWrite(g, typ, r.Method) || fault == WriteScope {
			w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", error_description="The access token provided is valid, but is not authorized for this service"`)
			w.WriteHeader(http.StatusForbidden)
			return
		}
		switch fault {
		case WriteInvalid:
			writeFHIR(w, http.StatusUnprocessableEntity, outcome("error", "business-rule", "59159", "The note could not be filed: the encounter is closed."))
			return
		case WriteConflict:
			writeFHIR(w, http.StatusConflict, outcome("error", "conflict", "", "The chart is being edited by another user."))
			return
		case WriteServerError:
			writeFHIR(w, http.StatusInternalServerError, outcome("error", "exception", "", "An unexpected error occurred."))
			return
		case WriteTimeout:
			<-r.Context().Done()
			return
		}
		var doc map[string]any
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4*MaxNoteBytes))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			writeFHIR(w, http.StatusBadRequest, outcome("error", "structure", "", "The request body is not a FHIR JSON resource."))
			return
		}
		status, body := h(w, r, doc)
		if fault == WriteDropped && status < 300 {
			hangUp(w)
			return
		}
		w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
		writeFHIR(w, status, body)
	})
}

// mayWrite reports whether the token may write typ: the app's
// registration (Client.Scopes, when it lists any) and the token's own
// scopes (when it has any: minted demo tokens have none) must both carry
// a write scope, SMART v1 (.write, .*) or v2 (.c to create, .u to update).
func (s *Server) mayWrite(g grant, typ, method string) bool {
	s.mu.Lock()
	c := s.clients[g.clientID]
	s.mu.Unlock()
	return (len(c.Scopes) == 0 || hasWriteScope(c.Scopes, typ, method)) &&
		(g.scopes == nil || hasWriteScope(g.scopes, typ, method))
}

func hasWriteScope(scopes []string, typ, method string) bool {
	want := "c"
	if method == http.MethodPut {
		want = "u"
	}
	for _, sc := range scopes {
		ctx, perm, ok := strings.Cut(sc, ".")
		if !ok || !(strings.HasSuffix(ctx, "/"+typ) || strings.HasSuffix(ctx, "/*")) {
			continue
		}
		if perm == "write" || perm == "*" || strings.Trim(perm, "cruds") == "" && strings.Contains(perm, want) {
			return true
		}
	}
	return false
}

func (s *Server) createNote(w http.ResponseWriter, r *http.Request, doc map[string]any) (int, any) {
	patient, bad := s.validNote(doc)
	if bad != "" {
		return http.StatusUnprocessableEntity, outcome("error", "business-rule", "59159", bad)
	}
	s.notes.mu.Lock()
	defer s.notes.mu.Unlock()
	// relatesTo replaces: the target must be a current note of this
	// patient; it becomes superseded.
	var targets []*storedNote
	for _, rel := range asSlice(doc["relatesTo"]) {
		rm, _ := rel.(map[string]any)
		code, _ := rm["code"].(string)
		ref, _ := asMap(rm["target"])["reference"].(string)
		t := s.noteLocked(strings.TrimPrefix(ref, "DocumentReference/"))
		if code != "replaces" || t == nil || t.patient != patient {
			return http.StatusUnprocessableEntity, outcome("error", "business-rule", "59159", "relatesTo must replace a note of the same patient.")
		}
		if t.doc["status"] != "current" {
			return http.StatusConflict, outcome("error", "conflict", "", "The note to replace was already replaced.")
		}
		targets = append(targets, t)
	}
	s.notes.writes++
	s.notes.next++
	n := &storedNote{id: fmt.Sprintf("eNote%05d", s.notes.next), patient: patient, version: 1, doc: doc}
	for _, t := range targets {
		t.doc["status"] = "superseded"
		t.version++
		stamp(t.doc, t.version, s.now())
	}
	doc["id"] = n.id
	if _, ok := doc["date"]; !ok {
		doc["date"] = s.now().UTC().Format(time.RFC3339)
	}
	stamp(doc, 1, s.now())
	s.notes.notes = append(s.notes.notes, n)
	w.Header().Set("Location", s.FHIRBase()+"/DocumentReference/"+n.id+"/_history/1")
	return http.StatusCreated, doc
}

// updateNote replaces a note the API wrote, on the Epic profile only (a
// generic server here offers create alone). If-Match must name its version.
func (s *Server) updateNote(w http.ResponseWriter, r *http.Request, doc map[string]any) (int, any) {
	if s.generic() {
		return http.StatusMethodNotAllowed, outcome("error", "not-supported", "", "DocumentReference update is not supported.")
	}
	id := r.PathValue("id")
	patient, bad := s.validNote(doc)
	if bad != "" {
		return http.StatusUnprocessableEntity, outcome("error", "business-rule", "59159", bad)
	}
	s.notes.mu.Lock()
	defer s.notes.mu.Unlock()
	n := s.noteLocked(id)
	if n == nil {
		return http.StatusNotFound, outcome("error", "not-found", "4102", "The resource to update was not found.")
	}
	if n.patient != patient {
		return http.StatusUnprocessableEntity, outcome("error", "business-rule", "59159", "A note cannot move to another patient.")
	}
	if m := r.Header.Get("If-Match"); m != "" && m != `W/"`+strconv.Itoa(n.version)+`"` {
		return http.StatusPreconditionFailed, outcome("error", "conflict", "", "The note was changed since it was read.")
	}
	s.notes.writes++
	n.version++
	doc["id"] = n.id
	stamp(doc, n.version, s.now())
	n.doc = doc
	w.Header().Set("Location", s.FHIRBase()+"/DocumentReference/"+n.id+"/_history/"+strconv.Itoa(n.version))
	return http.StatusOK, doc
}

func (s *Server) noteLocked(id string) *storedNote {
	for _, n := range s.notes.notes {
		if n.id == id {
			return n
		}
	}
	return nil
}

func stamp(doc map[string]any, version int, now time.Time) {
	doc["meta"] = map[string]any{"versionId": strconv.Itoa(version), "lastUpdated": now.UTC().Format(time.RFC3339)}
}

// validNote checks a note as Epic's Clinical Notes create does and
// returns its patient, or what is wrong.
func (s *Server) validNote(doc map[string]any) (patient, bad string) {
	if doc["resourceType"] != "DocumentReference" {
		return "", "The resource is not a DocumentReference."
	}
	if doc["status"] != "current" {
		return "", "status must be current."
	}
	if codings := asSlice(asMap(doc["type"])["coding"]); len(codings) == 0 || asMap(codings[0])["code"] == nil {
		return "", "type is required (a coded note type)."
	}
	ref, _ := asMap(doc["subject"])["reference"].(string)
	patient = strings.TrimPrefix(ref, "Patient/")
	s.data.RLock()
	known := patient != ref && s.practice.PatientByID(patient) != nil
	s.data.RUnlock()
	if !known {
		return "", "subject must reference a patient of this organization."
	}
	content := asSlice(doc["content"])
	if len(content) != 1 {
		return "", "content must hold exactly one attachment."
	}
	att := asMap(asMap(content[0])["attachment"])
	mt, _, err := mime.ParseMediaType(fmt.Sprint(att["contentType"]))
	if err != nil || (mt != "text/plain" && mt != "text/html") {
		return "", "The note's content type is not supported; use text/plain or text/html."
	}
	data, _ := att["data"].(string)
	raw, err := base64.StdEncoding.DecodeString(data)
	switch {
	case data == "" || err != nil:
		return "", "attachment.data must hold the note, base64 encoded."
	case len(raw) > MaxNoteBytes:
		return "", fmt.Sprintf("The note is larger than %d bytes.", MaxNoteBytes)
	}
	return patient, ""
}

// notesFor returns the current searches' matches among the written notes:
// patient, and status, type and _id when given.
func (s *Server) notesFor(patient string, q url.Values) []map[string]any {
	s.notes.mu.Lock()
	defer s.notes.mu.Unlock()
	var out []map[string]any
	for _, n := range s.notes.notes {
		if patient != "" && n.patient != patient || q.Get("_id") != "" && q.Get("_id") != n.id {
			continue
		}
		if st := q.Get("status"); st != "" && !slices.Contains(strings.Split(st, ","), fmt.Sprint(n.doc["status"])) {
			continue
		}
		if t := q.Get("type"); t != "" {
			c := asMap(asSlice(asMap(n.doc["type"])["coding"])[0])
			sys, _ := c["system"].(string)
			code, _ := c["code"].(string)
			if !tokenMatch(t, coding{system: sys, code: code}) {
				continue
			}
		}
		// A copy: the caller marshals it after the lock is let go.
		b, _ := json.Marshal(n.doc)
		var m map[string]any
		json.Unmarshal(b, &m)
		out = append(out, m)
	}
	return out
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// TokenScopes lists the scopes of every token the tenant issued, so a test
// can tell whether a sign-in asked for (and got) a write scope.
func (s *Server) TokenScopes() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][]string, 0, len(s.tokens))
	for _, t := range s.tokens {
		out = append(out, slices.Clone(t.scopes))
	}
	return out
}
