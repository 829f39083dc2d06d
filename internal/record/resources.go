// Each resource type's decoded shape and the Item it makes.

package record

import (
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
)

type patient struct {
	ID         string `json:"id"`
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
	// deceased[x]: the measures read it (CMS349's exception).
	DeceasedBoolean  *bool  `json:"deceasedBoolean"`
	DeceasedDateTime string `json:"deceasedDateTime"`
}

// Sex-for-clinical-use extensions (Epic's, and HL7's).
var sexExtensions = []string{
	"http://open.epic.com/FHIR/StructureDefinition/extension/sex-for-clinical-use",
	"http://hl7.org/fhir/StructureDefinition/patient-sexParameterForClinicalUse",
}

// sexCode normalises a sex code: female, male, or the code in lower case.
func sexCode(code string) string {
	switch c := strings.ToLower(code); c {
	case "female", "f", "female-typical", sctFemale:
		return "female"
	case "male", "m", "male-typical", sctMale:
		return "male"
	default:
		return c
	}
}

func readPatient(_ string, raw []byte, rec *Record) error {
	var r patient
	if err := jsonv2.Unmarshal(raw, &r, lenient...); err != nil {
		return err
	}
	p := Patient{ID: r.ID, Gender: strings.ToLower(r.Gender)}
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
	for i := range r.Extension {
		e := &r.Extension[i]
		switch {
		case e.URL == usCoreSexURL:
			p.USCoreSex = sexCode(e.code())
		case e.URL == sexExtensions[0] || e.URL == sexExtensions[1]:
			p.ClinicalSex = sexCode(e.code())
		}
	}
	// Sex for clinical use, when it says female or male, decides what
	// applies; then the recorded (US Core) sex; anything else (specified,
	// unknown) leaves the gender as is.
	p.Sex = p.Gender
	for _, s := range []string{p.ClinicalSex, p.USCoreSex} {
		if s == "female" || s == "male" {
			p.Sex = s
			break
		}
	}
	if d := parseDate(r.DeceasedDateTime); !d.IsZero() {
		p.Deceased, p.DeceasedDate = true, d
	} else if r.DeceasedBoolean != nil {
		p.Deceased = *r.DeceasedBoolean
	}
	rec.Patient = p
	return nil
}

// ---- clinical resources, one shape per type (FHIR R4 4.0.1) ----

// common holds what every read type has.
type common struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Status       string `json:"status"`
}

func (c *common) typ() string { return c.ResourceType }

func (c *common) base(typ string) Item {
	return Item{Type: typ, ID: c.ID, Status: strings.ToLower(c.Status)}
}

func coded(it *Item, c *codeable) {
	it.Codes = c.codings()
	it.Title = c.title()
}

type observation struct {
	common
	Category          codeables    `json:"category"` // 0..*
	Code              *codeableOne `json:"code"`
	EffectiveDateTime string       `json:"effectiveDateTime"`
	EffectivePeriod   *period      `json:"effectivePeriod"`
	EffectiveInstant  string       `json:"effectiveInstant"`
	Issued            string       `json:"issued"`
	BodySite          *codeableOne `json:"bodySite"` // 0..1
	Component         []component  `json:"component"`
	Extension         []extension  `json:"extension"`
	value
}

// notDoneReasonURL is QI-Core's reason an Observation was not done
// (ObservationCancelled): CMS22's and CMS69's exceptions read it.
const notDoneReasonURL = "http://hl7.org/fhir/us/qicore/StructureDefinition/qicore-notDoneReason"

type component struct {
	Code *codeableOne `json:"code"`
	value
}

func (r *observation) item() Item {
	it := r.base("Observation")
	coded(&it, r.Code.cc())
	it.Category = r.Category.categories()
	it.Issued = parseDate(r.Issued)
	dt := r.EffectiveDateTime
	if dt == "" {
		dt = r.EffectiveInstant
	}
	effective(dt, r.EffectivePeriod, it.Issued, DateFromIssued, &it)
	it.Value, it.ValueCodes, it.ValueText, it.HasValue, it.DataAbsent = r.value.read()
	for i := range r.Component {
		c := Component{Codes: r.Component[i].Code.cc().codings()}
		c.Value, c.ValueCodes, _, c.HasValue, c.DataAbsent = r.Component[i].value.read()
		it.HasValue = it.HasValue || c.HasValue
		it.Components = append(it.Components, c)
	}
	if r.BodySite != nil {
		bodySites(codeables{r.BodySite.codeable}, &it)
	}
	for i := range r.Extension {
		if x := &r.Extension[i]; x.URL == notDoneReasonURL {
			if x.ValueCodeableConcept != nil {
				it.Reasons = append(it.Reasons, x.ValueCodeableConcept.codings()...)
			} else if x.ValueCoding != nil {
				it.Reasons = append(it.Reasons, Coding{System: x.ValueCoding.System, Code: x.ValueCoding.Code, Display: x.ValueCoding.Display})
			}
		}
	}
	return it
}

type condition struct {
	common
	ClinicalStatus     *codeableOne `json:"clinicalStatus"`
	VerificationStatus *codeableOne `json:"verificationStatus"`
	Category           codeables    `json:"category"` // 0..*
	Code               *codeableOne `json:"code"`
	BodySite           codeables    `json:"bodySite"` // 0..*
	OnsetDateTime      string       `json:"onsetDateTime"`
	OnsetPeriod        *period      `json:"onsetPeriod"`
	AbatementDateTime  string       `json:"abatementDateTime"`
	AbatementPeriod    *period      `json:"abatementPeriod"`
	RecordedDate       string       `json:"recordedDate"`
}

func (r *condition) item() Item {
	it := r.base("Condition")
	it.Status = strings.ToLower(r.ClinicalStatus.cc().first())
	it.Verification = strings.ToLower(r.VerificationStatus.cc().first())
	coded(&it, r.Code.cc())
	it.Category = r.Category.categories()
	it.Recorded = parseDate(r.RecordedDate)
	it.Period = r.OnsetPeriod.read()
	switch onset := parseDate(r.OnsetDateTime); {
	case !onset.IsZero():
		it.Date = onset
	case !it.Period.Start.IsZero():
		it.Date = it.Period.Start
	case !it.Recorded.IsZero():
		it.Date, it.DateFrom = it.Recorded, DateFromRecorded
	}
	it.Abatement = parseDate(r.AbatementDateTime)
	if ap := r.AbatementPeriod.read(); it.Abatement.IsZero() {
		it.Abatement = ap.End
		if it.Abatement.IsZero() {
			it.Abatement = ap.Start
		}
	}
	bodySites(r.BodySite, &it)
	return it
}

type procedure struct {
	common
	Category          *codeableOne `json:"category"` // 0..1
	Code              *codeableOne `json:"code"`
	PerformedDateTime string       `json:"performedDateTime"`
	PerformedPeriod   *period      `json:"performedPeriod"`
	BodySite          codeables    `json:"bodySite"` // 0..*
	ReasonCode        codeables    `json:"reasonCode"`
}

func (r *procedure) item() Item {
	it := r.base("Procedure")
	coded(&it, r.Code.cc())
	it.Category = r.Category.cc().codings()
	effective(r.PerformedDateTime, r.PerformedPeriod, time.Time{}, "", &it)
	bodySites(r.BodySite, &it)
	it.Reasons = r.ReasonCode.codings()
	return it
}

type immunization struct {
	common
	VaccineCode        *codeableOne `json:"vaccineCode"`
	OccurrenceDateTime string       `json:"occurrenceDateTime"`
	IsSubpotent        bool         `json:"isSubpotent"`
}

func (r *immunization) item() Item {
	it := r.base("Immunization")
	coded(&it, r.VaccineCode.cc())
	it.Date = parseDate(r.OccurrenceDateTime)
	it.Subpotent = r.IsSubpotent
	return it
}

type diagnosticReport struct {
	common
	Category          codeables    `json:"category"` // 0..*
	Code              *codeableOne `json:"code"`
	EffectiveDateTime string       `json:"effectiveDateTime"`
	EffectivePeriod   *period      `json:"effectivePeriod"`
	Issued            string       `json:"issued"`
}

func (r *diagnosticReport) item() Item {
	it := r.base("DiagnosticReport")
	coded(&it, r.Code.cc())
	it.Category = r.Category.categories()
	it.Issued = parseDate(r.Issued)
	effective(r.EffectiveDateTime, r.EffectivePeriod, it.Issued, DateFromIssued, &it)
	return it
}

// PrepNoteSystem is the identifier system of the prep notes this app files
// in the chart (agent/send). They are our own output, not evidence: a
// note's "colonoscopy: complete" must never decide a screening, so records
// and the document reader leave them out.
const PrepNoteSystem = "urn:healthprep:prep-note:visit"

// OwnPrepNote says whether a DocumentReference with these identifier
// systems is one of our prep notes.
func OwnPrepNote(systems ...string) bool {
	for _, s := range systems {
		if s == PrepNoteSystem {
			return true
		}
	}
	return false
}

type documentReference struct {
	common
	Type        *codeableOne `json:"type"`     // 0..1
	Category    codeables    `json:"category"` // 0..*
	Date        string       `json:"date"`
	Description string       `json:"description"`
	Identifier  []struct {
		System string `json:"system"`
	} `json:"identifier"`
}

func (r *documentReference) skip() bool {
	for _, id := range r.Identifier {
		if OwnPrepNote(id.System) {
			return true
		}
	}
	return false
}

func (r *documentReference) item() Item {
	it := r.base("DocumentReference")
	coded(&it, r.Type.cc())
	it.Category = r.Category.categories()
	it.Date = parseDate(r.Date)
	if r.Description != "" {
		it.Title = r.Description
	}
	return it
}

type encounter struct {
	common
	Class *struct {
		Code string `json:"code"`
	} `json:"class"` // a Coding
	Type            codeables `json:"type"` // 0..*
	Period          *period   `json:"period"`
	Hospitalization *struct {
		DischargeDisposition *codeableOne `json:"dischargeDisposition"`
	} `json:"hospitalization"`
}

func (r *encounter) item() Item {
	it := r.base("Encounter")
	it.Codes = r.Type.codings()
	if len(r.Type) > 0 {
		it.Title = r.Type[0].title()
	}
	it.Period = r.Period.read()
	it.Date = it.Period.Start
	if r.Class != nil {
		it.Class = r.Class.Code
	}
	if r.Hospitalization != nil {
		it.Discharge = r.Hospitalization.DischargeDisposition.cc().codings()
	}
	return it
}

// request holds what the three request types share.
type request struct {
	common
	Intent       string    `json:"intent"`
	DoNotPerform bool      `json:"doNotPerform"`
	AuthoredOn   string    `json:"authoredOn"`
	ReasonCode   codeables `json:"reasonCode"`
}

func (r *request) base(typ string) Item {
	it := r.common.base(typ)
	it.Intent = strings.ToLower(r.Intent)
	it.DoNotPerform = r.DoNotPerform
	it.Date = parseDate(r.AuthoredOn)
	it.Reasons = r.ReasonCode.codings()
	return it
}

type medicationRequest struct {
	request
	Category                  codeables    `json:"category"` // 0..*
	MedicationCodeableConcept *codeableOne `json:"medicationCodeableConcept"`
	MedicationReference       *reference   `json:"medicationReference"`
	DosageInstruction         []struct {
		Timing *struct {
			Repeat *struct {
				BoundsPeriod *period `json:"boundsPeriod"`
			} `json:"repeat"`
		} `json:"timing"`
	} `json:"dosageInstruction"`
	DispenseRequest *struct {
		ValidityPeriod *period `json:"validityPeriod"`
	} `json:"dispenseRequest"`
}

func (r *medicationRequest) item() Item {
	it := r.base("MedicationRequest")
	coded(&it, r.MedicationCodeableConcept.cc())
	if it.Title == "" && r.MedicationReference != nil {
		it.Title = r.MedicationReference.Display
	}
	it.Category = r.Category.categories()
	for _, d := range r.DosageInstruction {
		if d.Timing != nil && d.Timing.Repeat != nil && d.Timing.Repeat.BoundsPeriod != nil {
			it.Period = d.Timing.Repeat.BoundsPeriod.read()
			break
		}
	}
	if it.Period.IsZero() && r.DispenseRequest != nil {
		it.Period = r.DispenseRequest.ValidityPeriod.read()
	}
	return it
}

// occurrence reads a request's occurrenceDateTime or occurrencePeriod.
func occurrence(dt string, p *period) Period {
	if t := parseDate(dt); !t.IsZero() {
		return Period{Start: t, End: t}
	}
	return p.read()
}

type serviceRequest struct {
	request
	Category           codeables    `json:"category"` // 0..*
	Code               *codeableOne `json:"code"`
	OccurrenceDateTime string       `json:"occurrenceDateTime"`
	OccurrencePeriod   *period      `json:"occurrencePeriod"`
	BodySite           codeables    `json:"bodySite"` // 0..*
}

func (r *serviceRequest) item() Item {
	it := r.base("ServiceRequest")
	coded(&it, r.Code.cc())
	it.Category = r.Category.categories()
	it.Period = occurrence(r.OccurrenceDateTime, r.OccurrencePeriod)
	bodySites(r.BodySite, &it)
	return it
}

type deviceRequest struct {
	request
	CodeCodeableConcept *codeableOne `json:"codeCodeableConcept"`
	CodeReference       *reference   `json:"codeReference"`
	OccurrenceDateTime  string       `json:"occurrenceDateTime"`
	OccurrencePeriod    *period      `json:"occurrencePeriod"`
}

func (r *deviceRequest) item() Item {
	it := r.base("DeviceRequest")
	coded(&it, r.CodeCodeableConcept.cc())
	if it.Title == "" && r.CodeReference != nil {
		it.Title = r.CodeReference.Display
	}
	it.Period = occurrence(r.OccurrenceDateTime, r.OccurrencePeriod)
	return it
}
