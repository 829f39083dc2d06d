package epicsim

import (
	"time"
)

// Practice is the generated clinic: patients with charts, providers and a
// schedule of clinic days around "today". It is deterministic for a seed and
// a date, and read-only once built.
type Practice struct {
	Name         string
	Today        time.Time // local midnight of the practice's today
	Location     Location
	Providers    []Provider
	Patients     []*Patient
	Appointments map[string][]Appointment // by date, YYYY-MM-DD

	byID  map[string]*Patient
	byMRN map[string]*Patient
	res   map[string]*Resource // every clinical resource by type/id
}

// Location is the clinic.
type Location struct{ ID, Name string }

// Provider is a clinician with a schedule.
type Provider struct {
	ID     string // FHIR Practitioner id
	EpicID string // the provider ID the scheduling web service takes
	Name   string
}

// Patient is one generated patient and their chart.
type Patient struct {
	ID        string
	MRN       string
	Given     string
	Family    string
	BirthDate time.Time // zero: not recorded
	Gender    string    // "": not recorded
	// ClinicalSex is Epic's sex-for-clinical-use, when recorded.
	ClinicalSex string
	Resources   []*Resource
	// Outcomes says what each screening was built to be for this patient.
	Outcomes map[string]Outcome
	Diabetic bool
	Smoker   bool
	// FormerSmoker: a smoker who quit within the last 15 years (an
	// "ex-smoker" problem dated when they quit): still eligible for lung
	// cancer screening.
	FormerSmoker bool
	// StaleSmoker: not a smoker, but with a "smoker" problem from 20+ years
	// ago that newer "never smoker" statuses overrule: lung cancer
	// screening must not apply.
	StaleSmoker bool
	// Hospice and Palliative: in hospice care, or receiving palliative
	// care, this year: the screenings whose measures exclude them must be
	// excluded whatever state they were built in.
	Hospice, Palliative bool
	// NursingHome: 66 or older, and the newest housing status says
	// "lives in nursing home".
	NursingHome bool
	// Frail: 66 or older, frail this year (muscle weakness, M62.81) with
	// Alzheimer's disease diagnosed since January 1 of last year, or
	// (DementiaMed) a dementia medication prescribed since then.
	Frail, DementiaMed bool
	// LeftRightMastectomy: a woman whose breast screening is excluded by a
	// left and a right mastectomy (the right one coded "unspecified side"
	// with a body site) instead of a bilateral one.
	LeftRightMastectomy bool
	// Pregnant: pregnant this year; the BMI screening leaves her out (CMS69).
	Pregnant bool
	// BMIFollowUp: the BMI (25 or more) has a follow-up order the same
	// day; without one a done BMI is flagged for attention.
	BMIFollowUp bool
	// Cessation: a current smoker counselled to quit this year (CMS138
	// population 2 met). PregnancyTestOnly: a woman 16-24 whose only sign
	// of sexual activity is a pregnancy test ordered before a chest X-ray
	// (CMS153 excluded).
	Cessation, PregnancyTestOnly bool
	// The measures' exceptions (measures.md): BPNotDone, a visit this year
	// whose blood pressure was not taken for a reason (CMS22);
	// BMINotDone, a visit whose BMI was declined or a follow-up not
	// ordered for a medical reason (CMS69); Deceased, the day the patient
	// died (CMS349), zero when alive.
	BPNotDone, BMINotDone bool
	Deceased              time.Time
	// RejectedCessation: a current smoker whose only cessation help is a
	// varenicline order the pharmacy rejected (a Task, code fulfill,
	// status rejected): CMS138 population 2 not met.
	RejectedCessation bool
	// KidneyPair: the kidney evaluation is a urine albumin and a urine
	// creatinine two days apart, not a uACR (CMS951).
	KidneyPair bool
	// Updated and Version are meta.lastUpdated and meta.versionId; zero
	// means the generated defaults (a month before today, version 1).
	Updated time.Time
	Version int
}

// Name returns "Given Family".
func (p *Patient) Name() string { return p.Given + " " + p.Family }

// Age returns completed years on day, or -1 when the birth date is unknown.
func (p *Patient) Age(day time.Time) int {
	if p.BirthDate.IsZero() {
		return -1
	}
	b := p.BirthDate
	age := day.Year() - b.Year()
	if day.Month() < b.Month() || (day.Month() == b.Month() && day.Day() < b.Day()) {
		age--
	}
	return age
}

// Resource is one clinical resource in compact form, rendered to FHIR JSON
// on request.
type Resource struct {
	Type         string
	ID           string
	PatientID    string
	Status       string
	Verification string    // Condition.verificationStatus
	Date         time.Time // zero: no date sent
	Category     string
	Code         coding
	Alt          *coding
	Value        *float64
	Unit         string
	ValueCode    *coding // Observation.valueCodeableConcept
	// Components: a blood pressure's systolic and diastolic (mm[Hg]).
	Components []component
	// Reason: a request's reasonCode; on a cancelled Observation, QI-Core's
	// notDoneReason.
	Reason *coding
	// DoNotPerform: a ServiceRequest or MedicationRequest recording that
	// it was NOT ordered (QI-Core's "not requested", with its Reason).
	DoNotPerform bool
	// Focus is a Task's focus, "Type/id" (the order a pharmacy refused).
	Focus string

	Class    string  // Encounter.class
	BodySite *coding // Condition/Procedure bodySite (laterality)
	Intent   string  // ServiceRequest/MedicationRequest intent
	Title    string
	Author   string
	Updated  time.Time
	Version  int // meta.versionId; 0 reads as 1
}

// component is one Observation.component with a quantity value.
type component struct {
	code  coding
	value float64
	unit  string
}

// Appointment is one scheduled visit.
type Appointment struct {
	ID         string
	CSN        string
	PatientID  string
	ProviderID string
	Start      time.Time
	Minutes    int
	VisitType  string
	Status     string
}

// PatientByID returns the patient with that FHIR id.
func (pr *Practice) PatientByID(id string) *Patient { return pr.byID[id] }

// PatientByMRN returns the patient with that MRN.
func (pr *Practice) PatientByMRN(mrn string) *Patient { return pr.byMRN[mrn] }

// ResourceCount returns the number of clinical resources by type.
func (pr *Practice) ResourceCount() map[string]int {
	n := map[string]int{"Patient": len(pr.Patients)}
	for _, p := range pr.Patients {
		for _, r := range p.Resources {
			n[r.Type]++
		}
	}
	return n
}

// Distribution counts, per screening, the patients built in each state.
func (pr *Practice) Distribution() map[string]map[Outcome]int {
	d := map[string]map[Outcome]int{}
	for _, s := range Scenarios {
		d[s.ID] = map[Outcome]int{}
	}
	for _, p := range pr.Patients {
		for id, o := range p.Outcomes {
			d[id][o]++
		}
	}
	return d
}
