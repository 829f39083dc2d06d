package epicsim

import (
	"fmt"
	"net/url"
	"slices"
	"time"
)

// Changes to the practice after it was generated, as a chart changes in
// Epic between two syncs: a result arrives, a resource is corrected, a
// duplicate chart is registered. Each bumps meta.versionId and sets
// meta.lastUpdated to the server's now, so ETags and _lastUpdated searches
// see it. Handlers read the practice under s.data's read lock.

// updated is the patient's meta.lastUpdated.
func (p *Patient) updated(pr *Practice) time.Time {
	if !p.Updated.IsZero() {
		return p.Updated
	}
	return pr.Today.AddDate(0, -1, 0)
}

// versionOf returns a rendered resource's meta.versionId ("1" without one).
func versionOf(body map[string]any) string {
	if m, ok := body["meta"].(map[string]any); ok {
		if v, ok := m["versionId"].(string); ok && v != "" {
			return v
		}
	}
	return "1"
}

// selfQuery is the query a bundle's self link shows: the search as
// understood, without parameters the server ignored.
func (s *Server) selfQuery(q url.Values) string {
	if s.currentFaults().IgnoreLastUpdated && q.Has("_lastUpdated") {
		q = cloneValues(q)
		q.Del("_lastUpdated")
	}
	return q.Encode()
}

func cloneValues(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	return out
}

// UpdateResource changes one clinical resource ("Observation/eObs-...")
// through change (which may be nil: a touch), then bumps its version and
// lastUpdated. It reports whether the resource exists.
func (s *Server) UpdateResource(ref string, change func(*Resource)) bool {
	s.data.Lock()
	defer s.data.Unlock()
	r := s.practice.res[ref]
	if r == nil {
		return false
	}
	if change != nil {
		change(r)
	}
	r.Version = max(r.Version, 1) + 1
	r.Updated = s.now()
	return true
}

// UpdatePatient changes a patient's demographics through change, then
// bumps the Patient's version and lastUpdated.
func (s *Server) UpdatePatient(id string, change func(*Patient)) bool {
	s.data.Lock()
	defer s.data.Unlock()
	p := s.practice.byID[id]
	if p == nil {
		return false
	}
	if change != nil {
		change(p)
	}
	p.Version = max(p.Version, 1) + 1
	p.Updated = s.now()
	return true
}

// AddResource adds a new clinical resource to a patient's chart (a lab
// result arriving, say) with lastUpdated now, and returns its id. r.Type
// is required; the id, patient, status and version are filled in.
func (s *Server) AddResource(patientID string, r Resource) (string, error) {
	s.data.Lock()
	defer s.data.Unlock()
	return s.addResource(patientID, r)
}

// addResource is AddResource with s.data held.
func (s *Server) addResource(patientID string, r Resource) (string, error) {
	p := s.practice.byID[patientID]
	if p == nil {
		return "", fmt.Errorf("epicsim: no patient %s", patientID)
	}
	if _, ok := searchable[r.Type]; !ok || r.Type == "Patient" || len(r.Type) < 3 {
		return "", fmt.Errorf("epicsim: cannot add a %q", r.Type)
	}
	s.changes++
	if r.ID == "" {
		r.ID = fmt.Sprintf("e%s-new%05d", r.Type[:3], s.changes)
	}
	if r.Status == "" {
		r.Status = map[string]string{"Observation": "final", "DiagnosticReport": "final", "Procedure": "completed",
			"Immunization": "completed", "Condition": "active", "DocumentReference": "current", "Encounter": "finished"}[r.Type]
	}
	r.PatientID, r.Version, r.Updated = p.ID, 1, s.now()
	nr := &r
	p.Resources = append([]*Resource{nr}, p.Resources...) // newest first, as generated
	s.practice.res[r.Type+"/"+r.ID] = nr
	return r.ID, nil
}

// DeleteResource removes a clinical resource, as Epic does with some
// entered-in-error data. It reports whether the resource existed.
func (s *Server) DeleteResource(ref string) bool {
	s.data.Lock()
	defer s.data.Unlock()
	r := s.practice.res[ref]
	if r == nil {
		return false
	}
	delete(s.practice.res, ref)
	if p := s.practice.byID[r.PatientID]; p != nil {
		p.Resources = slices.DeleteFunc(p.Resources, func(x *Resource) bool { return x == r })
	}
	return true
}

// DuplicatePatient registers a second chart with the same name and birth
// date as patient id (a registration error Epic sites know well), with a
// new id and MRN and an empty chart, and returns the new id.
func (s *Server) DuplicatePatient(id string) (string, error) {
	s.data.Lock()
	defer s.data.Unlock()
	p := s.practice.byID[id]
	if p == nil {
		return "", fmt.Errorf("epicsim: no patient %s", id)
	}
	s.changes++
	dup := &Patient{
		ID: fmt.Sprintf("eDUP%020d", s.changes), MRN: fmt.Sprintf("29%05d", s.changes),
		Given: p.Given, Family: p.Family, BirthDate: p.BirthDate, Gender: p.Gender,
		Outcomes: map[string]Outcome{}, Updated: s.now(), Version: 1,
	}
	s.practice.Patients = append(s.practice.Patients, dup)
	s.practice.byID[dup.ID], s.practice.byMRN[dup.MRN] = dup, dup
	return dup.ID, nil
}
