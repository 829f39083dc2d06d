package epicsim

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	epicMRNSystem     = "urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14"
	epicSexForCliUse  = "http://open.epic.com/FHIR/StructureDefinition/extension/sex-for-clinical-use"
	epicCSNSystem     = "urn:oid:1.2.840.114350.1.13.0.1.7.3.698084.8"
	categoryObsSystem = "http://terminology.hl7.org/CodeSystem/observation-category"
)

func cc(c coding, alt *coding, text string) map[string]any {
	codings := []any{map[string]any{"system": c.system, "code": c.code, "display": c.display}}
	if alt != nil {
		codings = append(codings, map[string]any{"system": alt.system, "code": alt.code, "display": alt.display})
	}
	if text == "" {
		text = c.display
	}
	return map[string]any{"coding": codings, "text": text}
}

func ref(typ, id, display string) map[string]any {
	m := map[string]any{"reference": typ + "/" + id}
	if display != "" {
		m["display"] = display
	}
	return m
}

func fhirTime(t time.Time) string { return t.Format(time.RFC3339) }

func (s *Server) patientJSON(p *Patient) map[string]any {
	m := map[string]any{
		"resourceType": "Patient",
		"id":           p.ID,
		"meta":         map[string]any{"versionId": strconv.Itoa(max(p.Version, 1)), "lastUpdated": fhirTime(p.updated(s.practice))},
		"active":       true,
		"identifier": []any{
			map[string]any{"use": "usual", "type": map[string]any{"text": "EPI"}, "system": epicMRNSystem, "value": p.MRN},
		},
		"name": []any{map[string]any{"use": "official", "text": p.Name(), "family": p.Family, "given": []string{p.Given}}},
	}
	if p.Gender != "" {
		m["gender"] = p.Gender
	}
	if !p.BirthDate.IsZero() {
		m["birthDate"] = p.BirthDate.Format(time.DateOnly)
	}
	if !p.Deceased.IsZero() {
		m["deceasedDateTime"] = p.Deceased.Format(time.DateOnly)
	}
	if p.ClinicalSex != "" {
		m["extension"] = []any{map[string]any{
			"url":                  epicSexForCliUse,
			"valueCodeableConcept": map[string]any{"coding": []any{map[string]any{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.10.698084.130.657370.19999000", "code": p.ClinicalSex, "display": p.ClinicalSex}}},
		}}
	}
	return m
}

func (s *Server) practitionerJSON(id string) map[string]any {
	name := ""
	if id == demoPractitioner {
		name = "Front Desk"
	}
	for _, pr := range s.practice.Providers {
		if pr.ID == id {
			name = pr.Name
		}
	}
	if name == "" {
		return nil
	}
	return map[string]any{"resourceType": "Practitioner", "id": id, "active": true, "name": []any{map[string]any{"text": name}}}
}

func (s *Server) providerName(id string) string {
	for _, pr := range s.practice.Providers {
		if pr.ID == id {
			return pr.Name
		}
	}
	return ""
}

func (s *Server) appointmentJSON(a Appointment) map[string]any {
	p := s.practice.PatientByID(a.PatientID)
	return map[string]any{
		"resourceType":    "Appointment",
		"id":              a.ID,
		"identifier":      []any{map[string]any{"system": epicCSNSystem, "value": a.CSN}},
		"status":          a.Status,
		"serviceCategory": []any{map[string]any{"coding": []any{map[string]any{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.10.698084.30", "code": "appointment"}}}},
		"serviceType":     []any{map[string]any{"text": a.VisitType}},
		"start":           fhirTime(a.Start),
		"end":             fhirTime(a.Start.Add(time.Duration(a.Minutes) * time.Minute)),
		"minutesDuration": a.Minutes,
		"participant": []any{
			map[string]any{"actor": ref("Patient", a.PatientID, p.Name()), "status": "accepted"},
			map[string]any{"actor": ref("Practitioner", a.ProviderID, s.providerName(a.ProviderID)), "status": "accepted"},
			map[string]any{"actor": ref("Location", s.practice.Location.ID, s.practice.Location.Name), "status": "accepted"},
		},
	}
}

func (s *Server) resourceJSON(r *Resource) map[string]any {
	m := map[string]any{
		"resourceType": r.Type,
		"id":           r.ID,
		"meta":         map[string]any{"versionId": strconv.Itoa(max(r.Version, 1)), "lastUpdated": fhirTime(r.Updated)},
	}
	subject := ref("Patient", r.PatientID, "")
	date := ""
	if !r.Date.IsZero() {
		date = fhirTime(r.Date)
	}
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	switch r.Type {
	case "Observation":
		m["status"] = r.Status
		m["category"] = []any{map[string]any{"coding": []any{map[string]any{"system": categoryObsSystem, "code": r.Category}}}}
		m["code"] = cc(r.Code, r.Alt, r.Title)
		m["subject"] = subject
		set("effectiveDateTime", date)
		set("issued", date)
		if r.Value != nil {
			m["valueQuantity"] = map[string]any{"value": *r.Value, "unit": r.Unit, "system": "http://unitsofmeasure.org", "code": r.Unit}
		} else if r.ValueCode != nil {
			m["valueCodeableConcept"] = cc(*r.ValueCode, nil, "")
		} else if r.Code.code == "72166-2" {
			m["valueCodeableConcept"] = cc(coding{sysSCT, "8517006", "Ex-smoker"}, nil, "")
		}
		var comps []any
		for _, c := range r.Components {
			comps = append(comps, map[string]any{"code": cc(c.code, nil, ""),
				"valueQuantity": map[string]any{"value": c.value, "unit": c.unit, "system": "http://unitsofmeasure.org", "code": c.unit}})
		}
		if comps != nil {
			m["component"] = comps
		}
		if r.Reason != nil && r.Status == "cancelled" {
			m["extension"] = []any{map[string]any{"url": "http://hl7.org/fhir/us/qicore/StructureDefinition/qicore-notDoneReason", "valueCodeableConcept": cc(*r.Reason, nil, "")}}
		}
	case "Condition":
		clinical := r.Status
		m["clinicalStatus"] = map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": clinical}}}
		ver := r.Verification
		if ver == "" {
			ver = "confirmed"
		}
		m["verificationStatus"] = map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": ver}}}
		m["category"] = []any{map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": conditionCategory(r)}}}}
		m["code"] = cc(r.Code, r.Alt, r.Title)
		m["subject"] = subject
		set("onsetDateTime", date)
		set("recordedDate", date)
		if r.BodySite != nil {
			m["bodySite"] = []any{cc(*r.BodySite, nil, "")}
		}
	case "Procedure":
		m["status"] = r.Status
		m["code"] = cc(r.Code, r.Alt, r.Title)
		m["subject"] = subject
		set("performedDateTime", date)
		if r.BodySite != nil {
			m["bodySite"] = []any{cc(*r.BodySite, nil, "")}
		}
	case "ServiceRequest":
		m["status"], m["intent"] = r.Status, r.Intent
		m["code"] = cc(r.Code, nil, r.Title)
		m["subject"] = subject
		set("authoredOn", date)
		if r.Reason != nil {
			m["reasonCode"] = []any{cc(*r.Reason, nil, "")}
		}
		if r.DoNotPerform {
			m["doNotPerform"] = true
		}
	case "MedicationRequest":
		m["status"], m["intent"] = r.Status, r.Intent
		m["medicationCodeableConcept"] = cc(r.Code, nil, r.Title)
		m["subject"] = subject
		set("authoredOn", date)
		if r.Reason != nil {
			m["reasonCode"] = []any{cc(*r.Reason, nil, "")}
		}
		if r.DoNotPerform {
			m["doNotPerform"] = true
		}
	case "Task":
		m["status"], m["intent"] = r.Status, r.Intent
		m["code"] = cc(r.Code, nil, r.Title)
		typ, id, _ := strings.Cut(r.Focus, "/")
		m["focus"] = ref(typ, id, "")
		m["for"] = subject
		set("authoredOn", date)
		set("lastModified", fhirTime(r.Updated))
	case "Immunization":
		m["status"] = r.Status
		m["vaccineCode"] = cc(r.Code, r.Alt, r.Title)
		m["patient"] = subject
		set("occurrenceDateTime", date)
		m["primarySource"] = true
	case "DiagnosticReport":
		m["status"] = r.Status
		m["category"] = []any{map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": strings.ToUpper(map[string]string{"imaging": "rad", "laboratory": "lab", "pathology": "sp"}[r.Category])}}, "text": r.Category}}
		m["code"] = cc(r.Code, r.Alt, r.Title)
		m["subject"] = subject
		set("effectiveDateTime", date)
		set("issued", date)
		m["conclusion"] = "See full report."
		s.reportContent(m, r) // an outside report's presentedForm: filed.go
	case "DocumentReference":
		m["status"] = r.Status
		m["docStatus"] = "final"
		m["type"] = cc(r.Code, nil, r.Title)
		m["category"] = []any{map[string]any{"coding": []any{map[string]any{"system": "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category", "code": r.Category}}}}
		m["subject"] = subject
		set("date", date)
		m["description"] = r.Title
		if r.Author != "" {
			m["author"] = []any{map[string]any{"display": r.Author}}
		}
		s.documentContent(m, r) // content and custodian: binary.go
	case "Encounter":
		m["status"] = r.Status
		m["class"] = map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": r.Class}
		m["type"] = []any{cc(r.Code, nil, r.Title)}
		m["subject"] = subject
		if date != "" {
			m["period"] = map[string]any{"start": date}
		}
	}
	return m
}

// providerAppointments imitates Epic's GetProviderAppointments web service.
// Request: {"UserID", "Providers":[{"ID","IDType"}], "StartDate":"MM/dd/yyyy", "EndDate":"MM/dd/yyyy"}.
// Response: {"Appointments":[{"Date":"MM/dd/yyyy","Time":"hh:mm AM","DurationInMinutes",
// "VisitTypeName","AppointmentStatus","ContactIDs":[{"ID","Type":"CSN"}],
// "Patient":{"Name","IDs":[{"ID","Type":"FHIR"|"MRN"}]},"Providers":[{"ProviderID","ProviderName","Time"}]}]}.
func (s *Server) providerAppointments(w http.ResponseWriter, r *http.Request, g grant) (int, any) {
	var req struct {
		UserID    string
		Providers []struct{ ID, IDType string }
		StartDate string
		EndDate   string
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err := json.Unmarshal(body, &req); err != nil {
		return http.StatusBadRequest, map[string]any{"Message": "The request body is not valid JSON."}
	}
	start, err1 := time.ParseInLocation("01/02/2006", req.StartDate, s.practice.Today.Location())
	end, err2 := time.ParseInLocation("01/02/2006", req.EndDate, s.practice.Today.Location())
	if err1 != nil || err2 != nil || end.Before(start) || len(req.Providers) == 0 {
		return http.StatusBadRequest, map[string]any{"Message": "Providers, StartDate and EndDate (MM/dd/yyyy) are required."}
	}
	wanted := map[string]string{}
	for _, p := range req.Providers {
		for _, pr := range s.practice.Providers {
			if p.ID == pr.EpicID || p.ID == pr.ID {
				wanted[pr.ID] = pr.Name
			}
		}
	}
	if len(wanted) == 0 {
		return http.StatusBadRequest, map[string]any{"Message": "No provider with those IDs was found."}
	}
	var out []any
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		for _, a := range s.practice.Appointments[d.Format(time.DateOnly)] {
			name, ok := wanted[a.ProviderID]
			if !ok {
				continue
			}
			p := s.practice.PatientByID(a.PatientID)
			out = append(out, map[string]any{
				"Date":              a.Start.Format("01/02/2006"),
				"Time":              a.Start.Format("03:04 PM"),
				"DurationInMinutes": a.Minutes,
				"VisitTypeName":     a.VisitType,
				"AppointmentStatus": map[string]string{"booked": "Scheduled", "arrived": "Arrived", "fulfilled": "Completed", "cancelled": "Canceled", "noshow": "No Show"}[a.Status],
				"ContactIDs":        []any{map[string]any{"ID": a.CSN, "Type": "CSN"}},
				"Patient": map[string]any{"Name": strings.ToUpper(p.Family) + "," + strings.ToUpper(p.Given), "IDs": []any{
					map[string]any{"ID": p.ID, "Type": "FHIR"}, map[string]any{"ID": p.MRN, "Type": "MRN"},
				}},
				"Providers":  []any{map[string]any{"ProviderID": a.ProviderID, "ProviderName": name, "Time": a.Start.Format("03:04 PM")}},
				"Department": map[string]any{"Name": s.practice.Location.Name},
			})
		}
	}
	return http.StatusOK, map[string]any{"Appointments": out}
}
