// Package record holds the plain clinical-record types that flow from the
// sync (raw FHIR) through prep and the screening engine. It does no I/O, so
// the engine and prep can be pure functions over these values.
package record

import "time"

// Coding is one code in one code system, as FHIR carries it.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// Quantity is a numeric value with its unit (Observation.valueQuantity, or
// valueInteger with no unit).
type Quantity struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"`
	// Code is the unit's code (UCUM when System says so), e.g. "%" or "mg/dL".
	Code string `json:"code,omitempty"`
	// Comparator is how to read Value: "<", "<=", ">=", ">" (a lab's ">14"),
	// or "" for the value itself.
	Comparator string `json:"comparator,omitempty"`
}

// Period is a FHIR Period; either end may be zero (absent, or open).
type Period struct {
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
}

// IsZero reports whether neither end is known.
func (p Period) IsZero() bool { return p.Start.IsZero() && p.End.IsZero() }

// Component is one Observation.component: a part with its own code and value
// (a blood pressure's systolic 8480-6 and diastolic 8462-4).
type Component struct {
	Codes      []Coding  `json:"codes,omitempty"`
	Value      *Quantity `json:"value,omitempty"`
	ValueCodes []Coding  `json:"valueCodes,omitempty"`
	// HasValue is true when the component carries any value[x].
	HasValue bool `json:"hasValue,omitempty"`
	// DataAbsent is the component's dataAbsentReason code.
	DataAbsent string `json:"dataAbsent,omitempty"`
}

// Laterality values (Item.Laterality), from SNOMED CT 7771000 (left),
// 24028007 (right) and 51440002 (right and left).
const (
	Left  = "left"
	Right = "right"
	Both  = "both"
)

// DateFrom values: the FHIR element an Item's Date was read from, when it
// is not the type's own date element. A date from "issued" or
// "recordedDate" is when it was recorded, not when it happened; a rule
// that needs the event's date says so when it uses one.
const (
	DateFromIssued      = "issued"       // Observation/DiagnosticReport: no effective[x]
	DateFromRecorded    = "recordedDate" // Condition: no onset[x]
	DateFromPeriodStart = "period.start" // a Period with no end (ongoing): its start
)

// Patient is the demographic part of a record. A zero BirthDate or an empty
// Sex means the source did not say; consumers must not guess.
type Patient struct {
	ID        string    `json:"id"`
	MRN       string    `json:"mrn,omitempty"`
	Name      string    `json:"name,omitempty"`
	BirthDate time.Time `json:"birthDate,omitzero"`
	// Sex is what applies to guideline screening: sex for clinical use
	// (Epic's or HL7's extension) when it says female or male, else the
	// US Core sex extension when it says female or male, else the FHIR
	// administrative gender: female, male, other, unknown, or "" when absent.
	Sex string `json:"sex,omitempty"`
	// Gender is Patient.gender as sent (lower case), "" when absent.
	Gender string `json:"gender,omitempty"`
	// USCoreSex is the us-core-sex extension (the sex the eCQMs use):
	// "female" (SNOMED 248152002, F), "male" (248153007, M), another code as
	// sent (lower case), or "" when the extension is absent.
	USCoreSex string `json:"usCoreSex,omitempty"`
	// ClinicalSex is the sex-for-clinical-use extension (Epic's or HL7's)
	// normalised like USCoreSex, "" when absent.
	ClinicalSex string `json:"clinicalSex,omitempty"`
	// Deceased is true when Patient.deceased[x] says the patient died
	// (deceasedBoolean true or a deceasedDateTime); DeceasedDate is that
	// date, zero when only the boolean was sent.
	Deceased     bool      `json:"deceased,omitempty"`
	DeceasedDate time.Time `json:"deceasedDate,omitzero"`
}

// Item is one clinical resource reduced to what prep and the engine read.
// Type is the FHIR resource type (Observation, Procedure, Immunization,
// DiagnosticReport, DocumentReference, Condition, Encounter,
// MedicationRequest, ServiceRequest, DeviceRequest, Task).
type Item struct {
	Type   string `json:"type"`
	ID     string `json:"id"`
	Status string `json:"status,omitempty"` // resource status; Condition: clinicalStatus code
	// Verification is Condition.verificationStatus (e.g. entered-in-error, refuted).
	Verification string `json:"verification,omitempty"`
	// Date is the date the quality measures use, zero when absent:
	// Observation and DiagnosticReport effectiveDateTime or effectivePeriod
	// END (issued only as a fallback, see DateFrom); Procedure
	// performedDateTime or performedPeriod END; Immunization
	// occurrenceDateTime; Condition onsetDateTime or onsetPeriod start
	// (recordedDate as a fallback); DocumentReference date; Encounter
	// period start; MedicationRequest, ServiceRequest, DeviceRequest and
	// Task authoredOn (a Task's lastModified as a fallback).
	Date time.Time `json:"date,omitzero"`
	// DateFrom is "" when Date came from the type's own date element, else
	// the fallback it came from (DateFromIssued, DateFromRecorded,
	// DateFromPeriodStart, DateFromLastModified).
	DateFrom string `json:"dateFrom,omitempty"`
	// Period is the period behind Date when the resource has one:
	// Observation/DiagnosticReport effectivePeriod, Procedure
	// performedPeriod, Encounter period, Condition onsetPeriod,
	// ServiceRequest/DeviceRequest occurrencePeriod (or occurrenceDateTime
	// as both ends), MedicationRequest's request period (dosage
	// boundsPeriod, else dispenseRequest.validityPeriod).
	Period Period `json:"period,omitzero"`
	// Abatement is when a Condition ended: abatementDateTime, or the end of
	// abatementPeriod (its start when it has no end); zero when absent.
	Abatement time.Time `json:"abatement,omitzero"`
	// Recorded is Condition.recordedDate; zero when absent.
	Recorded time.Time `json:"recorded,omitzero"`
	// Issued is Observation/DiagnosticReport.issued; zero when absent.
	Issued time.Time `json:"issued,omitzero"`
	// Codes: code (Observation, Condition, Procedure, DiagnosticReport,
	// ServiceRequest, Task), vaccineCode, every Encounter.type, DocumentReference
	// type, medicationCodeableConcept, DeviceRequest codeCodeableConcept.
	Codes    []Coding `json:"codes,omitempty"`
	Category []Coding `json:"category,omitempty"`
	Title    string   `json:"title,omitempty"` // code text, document description/title
	// Observation value[x]: Value for valueQuantity (valueInteger as a
	// unitless Quantity), ValueCodes for valueCodeableConcept, ValueText
	// for valueString. HasValue is true when any value[x] is present
	// (Boolean, Range, Ratio, ... included) on the Observation or on one of
	// its components, so "performed with nothing reported" is HasValue
	// false.
	ValueCodes []Coding    `json:"valueCodes,omitempty"`
	Value      *Quantity   `json:"value,omitempty"`
	ValueText  string      `json:"valueText,omitempty"`
	HasValue   bool        `json:"hasValue,omitempty"`
	DataAbsent string      `json:"dataAbsent,omitempty"` // Observation.dataAbsentReason code
	Components []Component `json:"components,omitempty"`
	// BodySite holds every coding of bodySite (one on Observation, a list
	// on Condition and Procedure); Laterality is Left, Right or Both when
	// a coding, a SNOMED CT qualifier (272741003 = ...) or a bodySite
	// extension says so, "" otherwise.
	BodySite   []Coding `json:"bodySite,omitempty"`
	Laterality string   `json:"laterality,omitempty"`
	// Subpotent is Immunization.isSubpotent: a dose that does not count.
	Subpotent bool   `json:"subpotent,omitempty"`
	Class     string `json:"class,omitempty"` // Encounter.class code (AMB, IMP, EMER, ...)
	// Discharge is Encounter.hospitalization.dischargeDisposition (hospice
	// discharges: SNOMED 428361000124107, 428371000124100).
	Discharge []Coding `json:"discharge,omitempty"`
	// Intent is the request's intent (order, original-order, plan, ...):
	// MedicationRequest, ServiceRequest, DeviceRequest.
	Intent string `json:"intent,omitempty"`
	// DoNotPerform marks a MedicationRequest or ServiceRequest that records
	// an order NOT to do it (QI-Core's "not requested", with a reason).
	DoNotPerform bool `json:"doNotPerform,omitempty"`
	// Reasons are the request's reasonCode codings (MedicationRequest,
	// ServiceRequest, DeviceRequest, Procedure); for an Observation, the
	// reason it was not done (QI-Core's notDoneReason extension on a
	// cancelled Observation: "patient declined", "medical reason").
	Reasons []Coding `json:"reasons,omitempty"`
	// Focus is a Task's focus as "Type/id" (base URL and version dropped):
	// the order a pharmacy's refusal is about.
	Focus string `json:"focus,omitempty"`
}

// Record is one patient's cached chart.
type Record struct {
	Patient Patient `json:"patient"`
	Items   []Item  `json:"items"`
}

// Appointment is one scheduled visit, whatever schedule source produced it.
type Appointment struct {
	ID          string    `json:"id"`
	Start       time.Time `json:"start"`
	Minutes     int       `json:"minutes,omitempty"`
	ProviderID  string    `json:"providerId,omitempty"`
	Provider    string    `json:"provider,omitempty"`
	Location    string    `json:"location,omitempty"`
	VisitType   string    `json:"visitType,omitempty"`
	Status      string    `json:"status"` // FHIR Appointment.status
	PatientID   string    `json:"patientId"`
	PatientName string    `json:"patientName,omitempty"`
	CSN         string    `json:"csn,omitempty"` // Epic visit contact serial number
}

// Inactive reports whether the appointment will not happen (kept, but marked).
func (a Appointment) Inactive() bool {
	switch a.Status {
	case "cancelled", "noshow", "entered-in-error":
		return true
	}
	return false
}
