package record

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	// The v2 prototype of encoding/json (encoding/json/v2 behind
	// GOEXPERIMENT=jsonv2 in Go 1.25+): one pass instead of validate-then-
	// decode, half the time and a third of the allocations per resource, and
	// field names matched exactly, as FHIR spells them.
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// FromFHIR reduces a patient's raw FHIR R4 resources to a Record. It decodes
// only the fields it reads, with local structs rather than a full FHIR model:
// a status code a model does not know (Epic sends some) must not make a
// whole resource unreadable. A resource that cannot be read is skipped and
// reported; nothing here panics on odd input. Duplicate member names and
// invalid UTF-8 are tolerated (the last name wins; bad bytes become U+FFFD),
// as the v1 decoder did.
func FromFHIR(resources []json.RawMessage) (Record, []error) {
	var rec Record
	var errs []error
	for i, raw := range resources {
		var r resource
		if err := jsonv2.Unmarshal(raw, &r, lenient...); err != nil {
			errs = append(errs, fmt.Errorf("resource %d is not readable FHIR JSON: %w", i, err))
			continue
		}
		switch r.ResourceType {
		case "Patient":
			rec.Patient = r.patient()
		case "Observation", "Condition", "Procedure", "Immunization", "DiagnosticReport", "DocumentReference", "Encounter":
			rec.Items = append(rec.Items, r.item())
		case "":
			errs = append(errs, fmt.Errorf("resource %d has no resourceType", i))
		}
	}
	return rec, errs
}

type codeable struct {
	Coding []struct {
		System  string `json:"system"`
		Code    string `json:"code"`
		Display string `json:"display"`
	} `json:"coding"`
	Text string `json:"text"`
}

func (c *codeable) codings() []Coding {
	if c == nil {
		return nil
	}
	out := make([]Coding, 0, len(c.Coding))
	for _, x := range c.Coding {
		out = append(out, Coding{System: x.System, Code: x.Code, Display: x.Display})
	}
	return out
}

func (c *codeable) first() string {
	if c == nil || len(c.Coding) == 0 {
		return ""
	}
	return c.Coding[0].Code
}

func (c *codeable) title() string {
	if c == nil {
		return ""
	}
	if c.Text != "" {
		return c.Text
	}
	for _, x := range c.Coding {
		if x.Display != "" {
			return x.Display
		}
	}
	return ""
}

type resource struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Status       string `json:"status"`
	// Patient
	Identifier []struct {
		System string    `json:"system"`
		Value  string    `json:"value"`
		Type   *codeable `json:"type"`
	} `json:"identifier"`
	Name []struct {
		Use    string   `json:"use"`
		Text   string   `json:"text"`
		Family string   `json:"family"`
		Given  []string `json:"given"`
	} `json:"name"`
	Gender    string      `json:"gender"`
	BirthDate string      `json:"birthDate"`
	Extension []extension `json:"extension"`
	// Clinical
	Code               *codeable      `json:"code"`
	VaccineCode        *codeable      `json:"vaccineCode"`
	Type               jsontext.Value `json:"type"` // DocumentReference: object; Encounter: array
	Category           jsontext.Value `json:"category"`
	ClinicalStatus     *codeable      `json:"clinicalStatus"`
	VerificationStatus *codeable      `json:"verificationStatus"`
	BodySite           []codeable     `json:"bodySite"`
	ValueQuantity      *struct {
		Value *float64 `json:"value"`
		Unit  string   `json:"unit"`
	} `json:"valueQuantity"`
	ValueCodeableConcept *codeable `json:"valueCodeableConcept"`
	Description          string    `json:"description"`
	IsSubpotent          bool      `json:"isSubpotent"`
	Class                *struct {
		Code string `json:"code"`
	} `json:"class"`
	// Dates, in order of preference per type
	EffectiveDateTime  string  `json:"effectiveDateTime"`
	EffectivePeriod    *period `json:"effectivePeriod"`
	Issued             string  `json:"issued"`
	PerformedDateTime  string  `json:"performedDateTime"`
	PerformedPeriod    *period `json:"performedPeriod"`
	OccurrenceDateTime string  `json:"occurrenceDateTime"`
	OnsetDateTime      string  `json:"onsetDateTime"`
	RecordedDate       string  `json:"recordedDate"`
	Date               string  `json:"date"`
	Period             *period `json:"period"`
}

type extension struct {
	URL                  string      `json:"url"`
	ValueCodeableConcept *codeable   `json:"valueCodeableConcept"`
	ValueCode            string      `json:"valueCode"`
	Extension            []extension `json:"extension"` // complex extensions: HL7's has a "value" part
}

// code returns the extension's code, looking into a complex extension's
// "value" part (HL7's patient-sexParameterForClinicalUse).
func (e *extension) code() string {
	if e.ValueCodeableConcept != nil {
		return e.ValueCodeableConcept.first()
	}
	if e.ValueCode != "" {
		return e.ValueCode
	}
	for i := range e.Extension {
		if e.Extension[i].URL == "value" {
			return e.Extension[i].code()
		}
	}
	return ""
}

// Sex-for-clinical-use extensions (Epic's, and HL7's).
var sexExtensions = []string{
	"http://open.epic.com/FHIR/StructureDefinition/extension/sex-for-clinical-use",
	"http://hl7.org/fhir/StructureDefinition/patient-sexParameterForClinicalUse",
}

func (r *resource) patient() Patient {
	p := Patient{ID: r.ID, Sex: strings.ToLower(r.Gender)}
	for _, id := range r.Identifier {
		if (id.Type != nil && (id.Type.Text == "MRN" || id.Type.Text == "EPI" || id.Type.first() == "MR")) || strings.Contains(strings.ToLower(id.System), "mrn") {
			p.MRN = id.Value
			break
		}
	}
	if p.MRN == "" && len(r.Identifier) > 0 {
		p.MRN = r.Identifier[0].Value
	}
	for _, n := range r.Name {
		if n.Use == "official" || p.Name == "" {
			p.Name = n.Text
			if p.Name == "" {
				p.Name = strings.TrimSpace(strings.Join(n.Given, " ") + " " + n.Family)
			}
		}
	}
	if t, err := time.Parse(time.DateOnly, r.BirthDate); err == nil {
		p.BirthDate = t
	}
	// Sex for clinical use, when it says female or male, decides what
	// applies; anything else (specified, unknown) leaves the gender as is.
	for _, e := range r.Extension {
		for _, u := range sexExtensions {
			if e.URL != u {
				continue
			}
			switch strings.ToLower(e.code()) {
			case "female", "f", "female-typical":
				p.Sex = "female"
			case "male", "m", "male-typical":
				p.Sex = "male"
			}
		}
	}
	return p
}

func parseDate(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", time.DateOnly, "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

func firstDate(vals ...string) time.Time {
	for _, v := range vals {
		if t := parseDate(v); !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

type period struct {
	Start string `json:"start"`
}

func start(p *period) string {
	if p == nil {
		return ""
	}
	return p.Start
}

// codeables reads a field that is a CodeableConcept or a list of them.
func codeables(raw jsontext.Value) []codeable {
	if len(raw) == 0 {
		return nil
	}
	var list []codeable
	if jsonv2.Unmarshal(raw, &list, lenient...) == nil {
		return list
	}
	var one codeable
	if jsonv2.Unmarshal(raw, &one, lenient...) == nil {
		return []codeable{one}
	}
	return nil
}

var lenient = []jsonv2.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

func (r *resource) item() Item {
	it := Item{Type: r.ResourceType, ID: r.ID, Status: strings.ToLower(r.Status)}
	code := r.Code
	if r.ResourceType == "Immunization" {
		code = r.VaccineCode
	}
	types := codeables(r.Type)
	if code == nil && len(types) > 0 {
		code = &types[0]
	}
	it.Codes = code.codings()
	it.Title = code.title()
	for _, c := range codeables(r.Category) {
		it.Category = append(it.Category, c.codings()...)
		if len(c.Coding) == 0 && c.Text != "" {
			it.Category = append(it.Category, Coding{Code: c.Text})
		}
	}
	switch r.ResourceType {
	case "Observation":
		it.Date = firstDate(r.EffectiveDateTime, start(r.EffectivePeriod), r.Issued)
		if r.ValueQuantity != nil && r.ValueQuantity.Value != nil {
			it.Value = &Quantity{Value: *r.ValueQuantity.Value, Unit: r.ValueQuantity.Unit}
		}
		it.ValueCodes = r.ValueCodeableConcept.codings()
	case "Condition":
		it.Status = strings.ToLower(r.ClinicalStatus.first())
		it.Verification = strings.ToLower(r.VerificationStatus.first())
		it.Date = firstDate(r.OnsetDateTime, r.RecordedDate)
		for _, b := range r.BodySite {
			it.BodySite = append(it.BodySite, b.codings()...)
		}
	case "Procedure":
		it.Date = firstDate(r.PerformedDateTime, start(r.PerformedPeriod))
	case "Immunization":
		it.Date = firstDate(r.OccurrenceDateTime)
		it.Subpotent = r.IsSubpotent
	case "DiagnosticReport":
		it.Date = firstDate(r.EffectiveDateTime, start(r.EffectivePeriod), r.Issued)
	case "DocumentReference":
		it.Date = firstDate(r.Date)
		if r.Description != "" {
			it.Title = r.Description
		}
	case "Encounter":
		it.Date = firstDate(start(r.Period))
		if r.Class != nil {
			it.Class = r.Class.Code
		}
	}
	return it
}
