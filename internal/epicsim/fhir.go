package epicsim

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	defaultPageSize = 50
	maxPageSize     = 200 // _count is a ceiling: asking for more still gets this many
	fhirJSON        = "application/fhir+json"
)

// searchable lists the resource types served, and whether a search must name a patient.
var searchable = map[string]bool{
	"Patient": false, "Practitioner": false, "Location": false, "Appointment": true,
	"Condition": true, "Observation": true, "Procedure": true, "Immunization": true,
	"DiagnosticReport": true, "DocumentReference": true, "Encounter": true,
	"MedicationRequest": true, "ServiceRequest": true, "DeviceRequest": true, "Task": true,
}

type apiHandler func(w http.ResponseWriter, r *http.Request, g grant) (status int, body any)

// api wraps a FHIR or web-service handler with Epic's bearer check, scope
// check (403 for APIs the client was not granted) and the injected faults.
func (s *Server) api(h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		typ := r.PathValue("type")
		key := typ
		if key == "" {
			key = "ProviderAppointments"
		}
		s.count(key)
		g, ok := s.bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="The access token provided is expired, revoked, malformed, or invalid for other reasons."`)
			s.unauthorizedAPI(w)
			return
		}
		if typ != "" && !s.granted(g, typ) {
			w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", error_description="The access token provided is valid, but is not authorized for this service"`)
			w.WriteHeader(http.StatusForbidden)
			return
		}
		f := s.currentFaults()
		switch {
		case s.chance(f.Rate429):
			secs := int((f.RetryAfter + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(max(secs, 0)))
			w.WriteHeader(http.StatusTooManyRequests)
			return
		case s.chance(f.Rate5xx):
			if s.chance(0.5) {
				w.WriteHeader(http.StatusServiceUnavailable)
			} else {
				writeFHIR(w, http.StatusInternalServerError, outcome("error", "exception", "", "An unexpected error occurred."))
			}
			return
		}
		// The server's clock, which incremental clients take their
		// _lastUpdated marks from.
		w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
		s.data.RLock()
		status, body := h(w, r, g)
		s.data.RUnlock()
		if status == http.StatusNotModified {
			w.WriteHeader(status)
			return
		}
		b, _ := json.Marshal(body)
		if s.chance(f.TruncateRate) {
			b = b[:len(b)/2] // a body cut off mid-JSON
		}
		w.Header().Set("Content-Type", fhirJSON+"; charset=utf-8")
		w.WriteHeader(status)
		w.Write(b)
	})
}

// granted reports whether the token's client may use the resource type.
func (s *Server) granted(g grant, typ string) bool {
	s.mu.Lock()
	c, ok := s.clients[g.clientID]
	s.mu.Unlock()
	if !ok || len(c.Scopes) == 0 {
		return true // a device client inherits its app's grants; no list = all
	}
	for _, sc := range c.Scopes {
		if strings.HasSuffix(sc, "/"+typ+".read") || strings.HasSuffix(sc, "/"+typ+".rs") || strings.HasSuffix(sc, "/*.read") {
			return true
		}
	}
	return false
}

func writeFHIR(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", fhirJSON+"; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// outcome builds an OperationOutcome with Epic's detail coding.
func outcome(severity, code, epicCode, text string) map[string]any {
	issue := map[string]any{"severity": severity, "code": code, "diagnostics": text}
	if epicCode != "" {
		issue["details"] = map[string]any{
			"coding": []any{map[string]any{"system": sysEpicOO, "code": epicCode, "display": text}},
			"text":   text,
		}
	}
	return map[string]any{"resourceType": "OperationOutcome", "issue": []any{issue}}
}

func (s *Server) metadata(w http.ResponseWriter, r *http.Request) {
	s.count("metadata")
	accept := r.Header.Get("Accept")
	if !strings.Contains(accept, "json") {
		// Like Epic, XML unless JSON is asked for.
		w.Header().Set("Content-Type", "application/fhir+xml")
		fmt.Fprintf(w, `<CapabilityStatement xmlns="http://hl7.org/fhir"><status value="active"/><fhirVersion value="4.0.1"/></CapabilityStatement>`)
		return
	}
	var res []any
	for _, t := range slices.Sorted(func(yield func(string) bool) {
		for k := range searchable {
			if !yield(k) {
				return
			}
		}
	}) {
		res = append(res, map[string]any{"type": t, "interaction": []any{map[string]any{"code": "read"}, map[string]any{"code": "search-type"}}})
	}
	o := s.Issuer()
	writeFHIR(w, http.StatusOK, map[string]any{
		"resourceType": "CapabilityStatement", "status": "active", "kind": "instance", "fhirVersion": "4.0.1",
		"format": []string{"json", "xml"}, "software": map[string]any{"name": "Epic (simulated)"},
		"rest": []any{map[string]any{
			"mode": "server",
			"security": map[string]any{"extension": []any{map[string]any{
				"url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
				"extension": []any{
					map[string]any{"url": "authorize", "valueUri": o + "/authorize"},
					map[string]any{"url": "token", "valueUri": o + "/token"},
				},
			}}},
			"resource": res,
		}},
	})
}

func (s *Server) read(w http.ResponseWriter, r *http.Request, g grant) (int, any) {
	typ, id := r.PathValue("type"), r.PathValue("id")
	var body map[string]any
	var updated time.Time
	switch typ {
	case "Patient":
		if p := s.practice.PatientByID(id); p != nil {
			body, updated = s.patientJSON(p), p.updated(s.practice)
		}
	case "Practitioner":
		body = s.practitionerJSON(id)
	case "Location":
		if id == s.practice.Location.ID {
			body = map[string]any{"resourceType": "Location", "id": id, "name": s.practice.Location.Name, "status": "active"}
		}
	case "Appointment":
		for _, day := range s.practice.Appointments {
			for _, a := range day {
				if a.ID == id {
					body = s.appointmentJSON(a)
				}
			}
		}
	default:
		if res := s.practice.res[typ+"/"+id]; res != nil {
			body, updated = s.resourceJSON(res), res.Updated
		}
	}
	if body == nil {
		return http.StatusNotFound, outcome("error", "not-found", "4102", "The read resource request contained an invalid ID.")
	}
	if !updated.IsZero() {
		// The weak ETag FHIR prescribes: the version id.
		etag := `W/"` + versionOf(body) + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			return http.StatusNotModified, nil
		}
	}
	return http.StatusOK, body
}

// pageState is the opaque token behind a next link.
type pageState struct {
	Query string `json:"q"`
	Page  int    `json:"p"`
}

func (s *Server) search(w http.ResponseWriter, r *http.Request, g grant) (int, any) {
	typ := r.PathValue("type")
	needPatient, ok := searchable[typ]
	if !ok {
		return http.StatusNotFound, outcome("error", "not-supported", "", "Resource type not supported: "+typ)
	}
	q := r.URL.Query()
	page := 0
	if tok := q.Get("sessionID"); tok != "" {
		st, err := decodePage(tok)
		if err != nil {
			return http.StatusBadRequest, outcome("error", "invalid", "4111", "The sessionID is not valid.")
		}
		q, _ = url.ParseQuery(st.Query)
		page = st.Page
	}
	patient := q.Get("patient")
	if patient == "" {
		patient = strings.TrimPrefix(q.Get("subject"), "Patient/")
	}
	if typ == "Appointment" && patient == "" {
		if !s.opts.AllowProviderAppointmentSearch || (q.Get("practitioner") == "" && q.Get("actor") == "" && q.Get("location") == "") {
			return http.StatusBadRequest, outcome("error", "business-rule", "59159", "This resource requires a patient or _id parameter for searching.")
		}
	} else if needPatient && patient == "" && q.Get("_id") == "" {
		return http.StatusBadRequest, outcome("error", "business-rule", "59159", "This resource requires a patient or _id parameter for searching.")
	}
	if typ == "Observation" && q.Get("category") == "" && q.Get("code") == "" && q.Get("_id") == "" {
		return http.StatusBadRequest, outcome("error", "required", "4111", "A required parameter is missing: category or code.")
	}
	matches, err := s.find(typ, patient, q)
	if err != nil {
		return http.StatusBadRequest, outcome("error", "invalid", "4111", err.Error())
	}
	size := defaultPageSize
	if c, err := strconv.Atoi(q.Get("_count")); err == nil && c > 0 {
		size = min(c, maxPageSize)
	}
	total := len(matches)
	start := min(page*size, total)
	end := min(start+size, total)
	bundle := map[string]any{
		"resourceType": "Bundle",
		"type":         "searchset",
		"total":        total,
		"link":         []any{map[string]any{"relation": "self", "url": s.FHIRBase() + "/" + typ + "?" + s.selfQuery(q)}},
	}
	if end < total {
		next := page + 1
		if s.currentFaults().LoopNext && page >= 1 {
			next = 0 // the second page links back to the first
		}
		bundle["link"] = append(bundle["link"].([]any), map[string]any{
			"relation": "next",
			"url":      s.FHIRBase() + "/" + typ + "?sessionID=" + encodePage(pageState{Query: q.Encode(), Page: next}),
		})
	}
	var entries []any
	for _, m := range matches[start:end] {
		entries = append(entries, map[string]any{
			"fullUrl":  s.FHIRBase() + "/" + typ + "/" + m["id"].(string),
			"resource": m,
			"search":   map[string]any{"mode": "match"},
		})
	}
	if total == 0 {
		// Epic answers an empty search with a warning inside a 200 bundle.
		entries = append(entries, map[string]any{
			"resource": outcome("warning", "processing", "4101", "Resource request returns no results."),
			"search":   map[string]any{"mode": "outcome"},
		})
	}
	bundle["entry"] = entries
	return http.StatusOK, bundle
}

func encodePage(p pageState) string {
	b, _ := json.Marshal(p)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodePage(s string) (pageState, error) {
	var p pageState
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return p, err
	}
	return p, json.NewDecoder(bytes.NewReader(b)).Decode(&p)
}

// dateFilter holds FHIR date prefixes (ge, gt, le, lt, eq) from one or more
// date parameters.
type dateFilter struct{ ge, le time.Time }

func parseDates(values []string) (dateFilter, error) {
	var f dateFilter
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			prefix, val := "eq", part
			if len(part) > 2 && strings.ContainsAny(part[:1], "gl") {
				prefix, val = part[:2], part[2:]
			}
			t, err := parseFHIRDate(val)
			if err != nil {
				return f, fmt.Errorf("the date %q is not valid", part)
			}
			switch prefix {
			case "ge", "gt":
				f.ge = t
			case "le", "lt":
				f.le = t
			case "eq":
				f.ge, f.le = t, t.AddDate(0, 0, 1)
			default:
				return f, fmt.Errorf("the date prefix %q is not supported", prefix)
			}
		}
	}
	return f, nil
}

func parseFHIRDate(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", time.DateOnly, "2006-01", "2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad date")
}

func (f dateFilter) match(t time.Time) bool {
	if f.ge.IsZero() && f.le.IsZero() {
		return true
	}
	if t.IsZero() {
		return false // a dateless resource matches no date filter
	}
	return (f.ge.IsZero() || !t.Before(f.ge)) && (f.le.IsZero() || t.Before(f.le.Add(24*time.Hour)))
}

// tokenMatch reports whether any coding matches a token list ("sys|code,code").
func tokenMatch(list string, codings ...coding) bool {
	for _, tok := range strings.Split(list, ",") {
		sys, code, hasSys := strings.Cut(tok, "|")
		if !hasSys {
			code, sys = sys, ""
		}
		for _, c := range codings {
			if c.code == code && (sys == "" || sys == c.system) {
				return true
			}
		}
	}
	return false
}

func (s *Server) find(typ, patient string, q url.Values) ([]map[string]any, error) {
	dates, err := parseDates(q["date"])
	if err != nil {
		return nil, err
	}
	updated, err := parseDates(q["_lastUpdated"])
	if err != nil {
		return nil, err
	}
	if s.currentFaults().IgnoreLastUpdated {
		updated = dateFilter{}
	}
	var out []map[string]any
	switch typ {
	case "Patient":
		for _, p := range s.practice.Patients {
			if s.patientMatches(p, q) && updated.match(p.updated(s.practice)) {
				out = append(out, s.patientJSON(p))
			}
		}
		return out, nil
	case "Practitioner":
		for _, pr := range s.practice.Providers {
			if id := q.Get("_id"); id == "" || id == pr.ID {
				out = append(out, s.practitionerJSON(pr.ID))
			}
		}
		return out, nil
	case "Location":
		return []map[string]any{{"resourceType": "Location", "id": s.practice.Location.ID, "name": s.practice.Location.Name, "status": "active"}}, nil
	case "Appointment":
		for _, day := range s.practice.Appointments {
			for _, a := range day {
				if (patient == "" || a.PatientID == patient) && dates.match(a.Start) &&
					(q.Get("status") == "" || slices.Contains(strings.Split(q.Get("status"), ","), a.Status)) &&
					(q.Get("identifier") == "" || strings.HasSuffix(q.Get("identifier"), a.CSN)) &&
					(q.Get("practitioner") == "" || strings.TrimPrefix(q.Get("practitioner"), "Practitioner/") == a.ProviderID) &&
					(q.Get("actor") == "" || strings.HasSuffix(q.Get("actor"), a.ProviderID)) {
					out = append(out, s.appointmentJSON(a))
				}
			}
		}
		slices.SortFunc(out, func(a, b map[string]any) int { return strings.Compare(a["start"].(string), b["start"].(string)) })
		return out, nil
	}
	p := s.practice.PatientByID(patient)
	if p == nil && q.Get("_id") == "" {
		return nil, nil
	}
	var res []*Resource
	if p != nil {
		res = p.Resources
	} else if r := s.practice.res[typ+"/"+q.Get("_id")]; r != nil {
		res = []*Resource{r}
	}
	for _, r := range res {
		if r.Type != typ || !dates.match(r.Date) || !updated.match(r.Updated) {
			continue
		}
		if c := q.Get("category"); c != "" && !tokenMatch(c, coding{code: r.Category}) && typ != "Condition" {
			continue
		}
		if typ == "Condition" && !tokenMatch(cmp.Or(q.Get("category"), problemList), coding{code: conditionCategory(r)}) {
			continue // Epic's Condition search is reported to be its problem list unless asked for more
		}
		if c := q.Get("code"); c != "" && !tokenMatch(c, append([]coding{r.Code}, altOf(r)...)...) {
			continue
		}
		if id := q.Get("_id"); id != "" && r.ID != id {
			continue
		}
		if f := q.Get("focus"); f != "" && !slices.Contains(strings.Split(f, ","), r.Focus) {
			continue // a Task's focus, "Type/id"
		}
		out = append(out, s.resourceJSON(r))
	}
	if typ == "DocumentReference" {
		out = append(out, s.notesFor(patient, q)...) // notes written through the API
	}
	return out, nil
}

// problemList is the Condition category a search without one returns.
const problemList = "problem-list-item"

// conditionCategory is a Condition's category: its own, else the problem
// list (encounter diagnoses say so: Resource.Category "encounter-diagnosis").
func conditionCategory(r *Resource) string { return cmp.Or(r.Category, problemList) }

func altOf(r *Resource) []coding {
	if r.Alt == nil {
		return nil
	}
	return []coding{*r.Alt}
}

func (s *Server) patientMatches(p *Patient, q url.Values) bool {
	if ids := q.Get("_id"); ids != "" && !slices.Contains(strings.Split(ids, ","), p.ID) {
		return false // a comma list is an OR, as FHIR search defines it
	}
	if ident := q.Get("identifier"); ident != "" {
		_, v, ok := strings.Cut(ident, "|")
		if !ok {
			v = ident
		}
		if v != p.MRN {
			return false
		}
	}
	if fam := q.Get("family"); fam != "" && !strings.EqualFold(fam, p.Family) {
		return false
	}
	if giv := q.Get("given"); giv != "" && !strings.EqualFold(giv, p.Given) {
		return false
	}
	if bd := q.Get("birthdate"); bd != "" && (p.BirthDate.IsZero() || p.BirthDate.Format(time.DateOnly) != bd) {
		return false
	}
	return q.Get("_id") != "" || q.Get("identifier") != "" || q.Get("family") != "" || q.Get("given") != "" || q.Get("birthdate") != ""
}
