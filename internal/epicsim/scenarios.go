package epicsim

import "time"

// The demo practice is built so that every screening in the project's
// catalogue facts (../shared/reference/screenings.yaml) meets patients who
// are complete, due soon, due and excluded. This table holds, per
// screening, one qualifying code of each kind, taken from those facts. It is
// compiled in: the demo must not depend on files beside the binary.

const (
	sysLOINC  = "http://loinc.org"
	sysCPT    = "http://www.ama-assn.org/go/cpt"
	sysSCT    = "http://snomed.info/sct"
	sysCVX    = "http://hl7.org/fhir/sid/cvx"
	sysICD10  = "http://hl7.org/fhir/sid/icd-10-cm"
	sysRxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
	sysEpicOO = "urn:oid:1.2.840.114350.1.13.0.1.7.2.657369"
)

// Outcome is the state a patient is built to be in for one screening.
type Outcome string

const (
	Complete Outcome = "complete"
	DueSoon  Outcome = "due_soon"
	Due      Outcome = "due"
	Excluded Outcome = "excluded"
)

// Outcomes lists the built states in order.
var Outcomes = []Outcome{Complete, DueSoon, Due, Excluded}

type coding struct{ system, code, display string }

// evidence is one resource that counts for (or against) a screening.
type evidence struct {
	kind     string // Observation, Procedure, Immunization, DiagnosticReport, Condition
	category string // Observation / DiagnosticReport category code
	coding   coding
	alt      *coding // a second coding on the same resource (Conditions carry ICD-10-CM and SNOMED)
	value    *float64
	unit     string
	// valueCode is a coded result (a Pap smear's "Negative"): the measures
	// count a lab result only with a value.
	valueCode *coding
}

// interval is a screening's repeat interval in calendar units.
type interval struct{ years, months int }

// Scenario describes one screening for the generator.
type Scenario struct {
	ID     string
	sexes  []string
	minAge int
	maxAge int // 0 = no upper bound
	every  interval
	once   bool // a lifetime test: "due soon" does not apply
	season bool // influenza-style seasonal dose
	doses  int  // vaccine series length (0 = single dose)
	soon   int  // due-soon window in days
	ev     evidence
	also   []evidence // all_of: these must be present too (eGFR + uACR)
	excl   *evidence
	needs  *evidence // a trigger the patient must have (diabetes, tobacco, BMI >= 25)
	// alt is the same evidence as another resource type (a Pap smear as a
	// Procedure with its SNOMED CT code); exclAlt the exclusion coded in
	// SNOMED CT only. Some patients get them instead, in the same state.
	alt     *evidence
	exclAlt *evidence
	// window is the quality measure's window the catalogue gives the
	// modality (measure_window): evidence dated d counts through the end
	// of the year d + window falls in (CMS125 mammogram: 1 year 3 months;
	// CMS131 eye exam: 1 year).
	window interval
}

// due is when evidence dated last is next due: its interval, or the end of
// the measure's window when that is later.
func (s Scenario) due(last time.Time) time.Time {
	d := last.AddDate(s.every.years, s.every.months, 0)
	if s.window != (interval{}) {
		y := last.AddDate(s.window.years, s.window.months, 0).Year()
		if end := time.Date(y+1, 1, 1, 0, 0, 0, 0, last.Location()); end.After(d) {
			d = end
		}
	}
	return d
}

// state is the outcome evidence dated last gives on day.
func (s Scenario) state(last, day time.Time) Outcome {
	due := s.due(last)
	switch {
	case !due.After(day):
		return Due
	case !due.After(day.AddDate(0, 0, s.soon)):
		return DueSoon
	}
	return Complete
}

func f(v float64) *float64 { return &v }

var (
	diabetes = &evidence{kind: "Condition", coding: coding{sysICD10, "E11.9", "Type 2 diabetes mellitus without complications"},
		alt: &coding{sysSCT, "44054006", "Diabetes mellitus type 2"}}
	diabetesSNOMED  = &evidence{kind: "Condition", coding: coding{sysSCT, "44054006", "Diabetes mellitus type 2"}}
	smoker          = &evidence{kind: "Condition", coding: coding{sysSCT, "77176002", "Smoker"}}
	smokingStatus   = coding{sysLOINC, "72166-2", "Tobacco smoking status"}
	neverSmoked     = coding{sysSCT, "266919005", "Never smoked tobacco"}
	dailySmoker     = coding{sysSCT, "449868002", "Smokes tobacco daily"}
	exSmoker        = coding{sysSCT, "8517006", "Ex-smoker"}
	negative        = coding{sysSCT, "260385009", "Negative"}
	urineAlbumin    = evidence{kind: "Observation", category: "laboratory", coding: coding{sysLOINC, "14957-5", "Microalbumin [Mass/volume] in Urine"}, value: f(18), unit: "mg/L"}
	urineCreatinine = evidence{kind: "Observation", category: "laboratory", coding: coding{sysLOINC, "2161-8", "Creatinine [Mass/volume] in Urine"}, value: f(95), unit: "mg/dL"}
	bmi30           = &evidence{kind: "Observation", category: "vital-signs", coding: coding{sysLOINC, "39156-5", "Body mass index (BMI) [Ratio]"}, value: f(30.4), unit: "kg/m2"}
)

// Scenarios is the screening table the practice is generated from.
var Scenarios = []Scenario{
	{ID: "colorectal_cancer", sexes: both, minAge: 45, maxAge: 75, every: interval{years: 10}, soon: 60,
		ev:   evidence{kind: "Procedure", coding: coding{sysCPT, "45378", "Colonoscopy, flexible; diagnostic"}},
		excl: &evidence{kind: "Condition", coding: coding{sysICD10, "C18.9", "Malignant neoplasm of colon, unspecified"}, alt: &coding{sysSCT, "363406005", "Malignant neoplasm of colon"}}},
	{ID: "breast_cancer", sexes: female, minAge: 40, maxAge: 74, every: interval{years: 2}, soon: 60, window: interval{years: 1, months: 3},
		ev:   evidence{kind: "DiagnosticReport", category: "imaging", coding: coding{sysLOINC, "24606-6", "MG Breast Screening"}},
		excl: &evidence{kind: "Procedure", coding: coding{sysSCT, "27865001", "Bilateral mastectomy"}}},
	{ID: "cervical_cancer", sexes: female, minAge: 21, maxAge: 65, every: interval{years: 3}, soon: 60,
		ev:   evidence{kind: "Observation", category: "laboratory", coding: coding{sysLOINC, "10524-7", "Microscopic observation [Identifier] in Cervical or vaginal smear or scraping by Cyto stain"}, valueCode: &negative},
		alt:  &evidence{kind: "Procedure", coding: coding{sysSCT, "90226004", "Cytopathology procedure, preparation of smear, genital source"}},
		excl: &evidence{kind: "Procedure", coding: coding{sysSCT, "116140006", "Total hysterectomy"}}},
	{ID: "lung_cancer", sexes: both, minAge: 50, maxAge: 80, every: interval{years: 1}, soon: 30, needs: smoker,
		ev:   evidence{kind: "Procedure", coding: coding{sysCPT, "71271", "CT thorax, low dose for lung cancer screening"}},
		excl: &evidence{kind: "Condition", coding: coding{sysICD10, "C34.90", "Malignant neoplasm of unspecified part of unspecified bronchus or lung"}}},
	{ID: "aaa", sexes: male, minAge: 65, maxAge: 75, once: true, soon: 60,
		ev:   evidence{kind: "Procedure", coding: coding{sysCPT, "76706", "Ultrasound, abdominal aorta, screening study for AAA"}},
		excl: &evidence{kind: "Condition", coding: coding{sysICD10, "I71.00", "Dissection of unspecified site of aorta"}}},
	{ID: "osteoporosis", sexes: female, minAge: 65, every: interval{years: 2}, soon: 60,
		ev:   evidence{kind: "Procedure", coding: coding{sysCPT, "77080", "DXA bone density study, axial skeleton"}},
		excl: &evidence{kind: "Condition", coding: coding{sysICD10, "M81.0", "Age-related osteoporosis without current pathological fracture"}}},
	{ID: "prediabetes_t2d", sexes: both, minAge: 35, maxAge: 70, every: interval{years: 3}, soon: 60, needs: bmi30,
		ev:   evidence{kind: "Observation", category: "laboratory", coding: coding{sysLOINC, "10450-5", "Glucose [Mass/volume] in Serum or Plasma --10 hours fasting"}, value: f(96), unit: "mg/dL"},
		excl: diabetes},
	{ID: "blood_pressure", sexes: both, minAge: 40, every: interval{years: 1}, soon: 30,
		ev: evidence{kind: "Observation", category: "vital-signs", coding: coding{sysLOINC, "85354-9", "Blood pressure panel with all children optional"}}},
	{ID: "lipid_cv_risk", sexes: both, minAge: 40, maxAge: 75, every: interval{years: 5}, soon: 60,
		ev: evidence{kind: "Observation", category: "laboratory", coding: coding{sysLOINC, "13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation"}, value: f(118), unit: "mg/dL"}},
	{ID: "depression", sexes: both, minAge: 18, every: interval{years: 1}, soon: 30,
		ev:      evidence{kind: "Observation", category: "survey", coding: coding{sysLOINC, "44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"}, value: f(3), unit: "{score}"},
		excl:    &evidence{kind: "Condition", coding: coding{sysICD10, "F31.9", "Bipolar disorder, unspecified"}},
		exclAlt: &evidence{kind: "Condition", coding: coding{sysSCT, "13746004", "Bipolar disorder"}}},
	{ID: "tobacco_use", sexes: both, minAge: 18, every: interval{years: 1}, soon: 30,
		ev: evidence{kind: "Observation", category: "social-history", coding: smokingStatus}},
	{ID: "unhealthy_alcohol_use", sexes: both, minAge: 18, every: interval{years: 1}, soon: 30,
		ev: evidence{kind: "Observation", category: "survey", coding: coding{sysLOINC, "72109-2", "Alcohol Use Disorder Identification Test - Consumption [AUDIT-C]"}, value: f(2), unit: "{score}"}},
	{ID: "hiv", sexes: both, minAge: 18, maxAge: 65, once: true,
		ev:      evidence{kind: "Observation", category: "laboratory", coding: coding{sysLOINC, "75622-1", "HIV 1 and 2 tests - Meaningful Use set"}, valueCode: &negative},
		alt:     &evidence{kind: "Procedure", coding: coding{sysSCT, "171121004", "Human immunodeficiency virus screening"}},
		excl:    &evidence{kind: "Condition", coding: coding{sysICD10, "B20", "Human immunodeficiency virus [HIV] disease"}},
		exclAlt: &evidence{kind: "Condition", coding: coding{sysSCT, "86406008", "Human immunodeficiency virus infection"}}},
	{ID: "hcv", sexes: both, minAge: 18, maxAge: 79, once: true,
		ev:      evidence{kind: "Observation", category: "laboratory", coding: coding{sysLOINC, "13955-0", "Hepatitis C virus Ab [Presence] in Serum or Plasma by Immunoassay"}},
		excl:    &evidence{kind: "Condition", coding: coding{sysICD10, "B18.2", "Chronic viral hepatitis C"}},
		exclAlt: &evidence{kind: "Condition", coding: coding{sysSCT, "128302006", "Chronic hepatitis C"}}},
	{ID: "chlamydia_gonorrhea", sexes: female, minAge: 18, maxAge: 24, every: interval{years: 1}, soon: 30,
		ev:  evidence{kind: "Observation", category: "laboratory", coding: coding{sysLOINC, "21613-5", "Chlamydia trachomatis DNA [Presence] in Specimen by NAA with probe detection"}, valueCode: &negative},
		alt: &evidence{kind: "Procedure", coding: coding{sysSCT, "310861008", "Chlamydia antigen test"}}},
	{ID: "falls_risk", sexes: both, minAge: 65, every: interval{years: 1}, soon: 30,
		ev: evidence{kind: "Observation", category: "survey", coding: coding{sysLOINC, "73830-2", "Fall risk assessment"}}},
	{ID: "bmi", sexes: both, minAge: 18, every: interval{years: 1}, soon: 30,
		ev: evidence{kind: "Observation", category: "vital-signs", coding: coding{sysLOINC, "39156-5", "Body mass index (BMI) [Ratio]"}, value: f(27.5), unit: "kg/m2"}}, // >= 25, so it never hides the prediabetes trigger
	{ID: "prostate_psa", sexes: male, minAge: 55, maxAge: 69, every: interval{years: 2}, soon: 60,
		ev: evidence{kind: "Observation", category: "laboratory", coding: coding{sysLOINC, "2857-1", "Prostate specific Ag [Mass/volume] in Serum or Plasma"}, value: f(1.2), unit: "ng/mL"}},
	{ID: "influenza", sexes: both, minAge: 18, season: true,
		ev: evidence{kind: "Immunization", coding: coding{sysCVX, "150", "Influenza, injectable, quadrivalent, preservative free"}}},
	{ID: "td_tdap", sexes: both, minAge: 19, every: interval{years: 10}, soon: 90,
		ev: evidence{kind: "Immunization", coding: coding{sysCVX, "115", "Tdap"}}},
	{ID: "zoster", sexes: both, minAge: 50, doses: 2,
		ev: evidence{kind: "Immunization", coding: coding{sysCVX, "187", "Zoster vaccine recombinant"}}},
	{ID: "pneumococcal", sexes: both, minAge: 50, once: true,
		ev: evidence{kind: "Immunization", coding: coding{sysCVX, "216", "Pneumococcal conjugate PCV20"}}},
	{ID: "hepatitis_b_vaccine", sexes: both, minAge: 19, maxAge: 59, doses: 3,
		ev: evidence{kind: "Immunization", coding: coding{sysCVX, "43", "Hepatitis B vaccine, adult dosage"}}},
	{ID: "rsv", sexes: both, minAge: 75, once: true,
		ev: evidence{kind: "Immunization", coding: coding{sysCVX, "303", "RSV, bivalent, protein subunit RSVpreF, diluent reconstituted, 0.5 mL, PF"}}},
	{ID: "covid19", sexes: both, minAge: 18, season: true,
		ev: evidence{kind: "Immunization", coding: coding{sysCVX, "309", "SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 50 mcg/0.5mL dose"}}},
	{ID: "diabetes_a1c", sexes: both, minAge: 18, maxAge: 75, every: interval{months: 6}, soon: 30, needs: diabetes,
		ev: evidence{kind: "Observation", category: "laboratory", coding: coding{sysLOINC, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"}, value: f(6.8), unit: "%"}},
	{ID: "diabetes_eye", sexes: both, minAge: 18, maxAge: 75, every: interval{years: 1}, soon: 60, needs: diabetes, window: interval{years: 1},
		ev:   evidence{kind: "Procedure", coding: coding{sysSCT, "252779009", "Single bright light fundus photography"}},
		excl: &evidence{kind: "Condition", coding: coding{sysSCT, "15665641000119103", "Anophthalmos of bilateral eyes"}}},
	{ID: "diabetes_kidney", sexes: both, minAge: 18, maxAge: 85, every: interval{years: 1}, soon: 60, needs: diabetes,
		ev:   evidence{kind: "Observation", category: "laboratory", coding: coding{sysLOINC, "98979-8", "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI 2021)"}, value: f(78), unit: "mL/min/{1.73_m2}"},
		also: []evidence{{kind: "Observation", category: "laboratory", coding: coding{sysLOINC, "9318-7", "Albumin/Creatinine [Mass Ratio] in Urine"}, value: f(12), unit: "mg/g"}},
		excl: &evidence{kind: "Condition", coding: coding{sysICD10, "N18.6", "End stage renal disease"}}},
	{ID: "diabetes_foot", sexes: both, minAge: 18, every: interval{years: 1}, soon: 60, needs: diabetes,
		ev: evidence{kind: "Procedure", coding: coding{sysCPT, "2028F", "Foot examination performed"}}},
}

var (
	both   = []string{"female", "male"}
	female = []string{"female"}
	male   = []string{"male"}
)

// excludable reports whether the scenario has an exclusion to build.
func (s Scenario) excludable() bool { return s.excl != nil }
