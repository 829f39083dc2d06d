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

// Quantity is a numeric value with its unit (Observation.valueQuantity).
type Quantity struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"`
}

// Patient is the demographic part of a record. A zero BirthDate or an empty
// Sex means the source did not say; consumers must not guess.
type Patient struct {
	ID        string    `json:"id"`
	MRN       string    `json:"mrn,omitempty"`
	Name      string    `json:"name,omitempty"`
	BirthDate time.Time `json:"birthDate,omitzero"`
	// Sex is the FHIR administrative gender code, or Epic's sex-for-clinical-use
	// when present: female, male, other, unknown, or "" when absent.
	Sex string `json:"sex,omitempty"`
}

// Item is one clinical resource reduced to what prep and the engine read.
// Type is the FHIR resource type (Observation, Procedure, Immunization,
// DiagnosticReport, DocumentReference, Condition, Encounter).
type Item struct {
	Type   string `json:"type"`
	ID     string `json:"id"`
	Status string `json:"status,omitempty"` // resource status; Condition: clinicalStatus code
	// Verification is Condition.verificationStatus (e.g. entered-in-error, refuted).
	Verification string    `json:"verification,omitempty"`
	Date         time.Time `json:"date,omitzero"` // effective/performed/occurrence/onset; zero when absent
	Codes        []Coding  `json:"codes,omitempty"`
	Category     []Coding  `json:"category,omitempty"`
	Title        string    `json:"title,omitempty"` // code text, document description/title
	ValueCodes   []Coding  `json:"valueCodes,omitempty"`
	Value        *Quantity `json:"value,omitempty"`
	BodySite     []Coding  `json:"bodySite,omitempty"`
	// Subpotent is Immunization.isSubpotent: a dose that does not count.
	Subpotent bool   `json:"subpotent,omitempty"`
	Class     string `json:"class,omitempty"` // Encounter.class code (AMB, IMP, EMER, ...)
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
