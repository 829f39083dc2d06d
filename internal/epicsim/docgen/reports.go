package docgen

import (
	"fmt"
	"strings"
	"time"
)

// Outside imaging and pathology reports, as Epic files them: a
// DiagnosticReport whose presentedForm is the report itself, a PDF with a
// text layer or a scanned one. Their codes are generic report codes, never
// a screening's, and their titles hold none of the catalogue's title
// keywords, so only the text can say what was done: the reader's
// presentedForm path decides them.

// Report categories (DiagnosticReport.category), with the generic LOINC
// code each report is filed under.
const (
	ImagingReport   = "imaging"   // LOINC 18748-4 Diagnostic imaging study
	PathologyReport = "pathology" // LOINC 11526-1 Pathology study
)

// ReportCode is the generic LOINC code and display of a report category.
func ReportCode(category string) (code, display string) {
	if category == PathologyReport {
		return "11526-1", "Pathology study"
	}
	return "18748-4", "Diagnostic imaging study"
}

type reportText struct {
	screening, modality string
	category            string
	title, org          string
	kind                Kind
	format              Format
	// lines: {date} is the exam's (or collection's) date; a report
	// without one is dated by its effective date.
	lines []string
}

var reports = []reportText{
	{"breast_cancer", "mammography", ImagingReport, "MG Screening Bilateral w Tomo", "Valley Imaging Center", Evidence, PDFText, []string{
		"EXAM: MG SCREENING BILATERAL WITH TOMOSYNTHESIS", "Date of exam: {date}",
		"FINDINGS: The breasts are heterogeneously dense. No suspicious mass, calcification or distortion.",
		"IMPRESSION: BI-RADS Category 1, negative."}},
	{"breast_cancer", "mammography", ImagingReport, "Outside Breast Imaging Report", "Valley Imaging Center", Evidence, PDFScan, []string{
		"Screening mammogram, bilateral, performed {date}.", "Scattered fibroglandular densities.",
		"Impression: BI-RADS 2, benign finding."}},
	{"colorectal_cancer", "colonoscopy", PathologyReport, "Surgical Pathology Report", "Riverside Pathology Group", Evidence, PDFText, []string{
		"SURGICAL PATHOLOGY REPORT", "Date of procedure: {date}",
		"Clinical history: screening colonoscopy with polypectomy.",
		"Final diagnosis: colon, ascending, polyp: tubular adenoma."}},
	{"cervical_cancer", "cytology", PathologyReport, "Gyn Cytology Report", "Lakeside Pathology", Evidence, PDFScan, []string{
		"GYN CYTOLOGY REPORT", "ThinPrep Pap test collected {date}.",
		"Interpretation: negative for intraepithelial lesion or malignancy."}},
	{"osteoporosis", "dxa", ImagingReport, "Outside Radiology Report", "Summit Radiology", Evidence, PDFScan, []string{
		"EXAM: DXA bone density, hip and lumbar spine.", "Date of exam: {date}",
		"Left femoral neck T-score -1.2. Lumbar spine T-score -0.6."}},
	{"diabetes_eye", "retinal_exam", ImagingReport, "Retinal Imaging Report", "Clearview Eye Associates", Evidence, PDFText, []string{
		"Fundus photography of both eyes was performed on {date}.", "No diabetic retinopathy was seen."}},
	// Reports that must decide nothing: a chest film that recommends a
	// mammogram, and a skin biopsy.
	{"breast_cancer", "mammography", ImagingReport, "XR Chest 2 Views", "Valley Imaging Center", Postponed, PDFScan, []string{
		"EXAM: XR CHEST 2 VIEWS", "Date of exam: {date}", "The lungs are clear. No acute process.",
		"Incidental note: recommend a screening mammogram if not done within the past year."}},
	{"", "", PathologyReport, "Surgical Pathology Report", "Riverside Pathology Group", Unrelated, PDFText, []string{
		"SURGICAL PATHOLOGY REPORT", "Date of procedure: {date}",
		"Final diagnosis: skin, left forearm, shave biopsy: seborrheic keratosis."}},
}

// Reports are the simulator's outside reports as of day, each with its
// truth: the exam a few weeks to months before day, its date in the text
// in a rotating format. Same day, same reports.
func Reports(day time.Time) []Doc {
	day = midnight(day)
	var out []Doc
	for i, rt := range reports {
		out = append(out, buildReport(rt, i, day.AddDate(0, -(1+i%5), -(3*i)%17)))
	}
	return out
}

// ReportsFor are the outside reports about the screenings open says are
// due (and the ones that decide nothing), dated before visit: what the
// simulator files for a patient.
func ReportsFor(visit time.Time, open func(screening string) bool) []Doc {
	var out []Doc
	for _, d := range Reports(visit) {
		if d.Truth.Screening == "" || open(d.Truth.Screening) {
			out = append(out, d)
		}
	}
	return out
}

func buildReport(rt reportText, i int, exam time.Time) Doc {
	var lines []string
	for _, l := range rt.lines {
		lines = append(lines, expand(l, exam.Format(dateFormats[i%len(dateFormats)])))
	}
	tr := Truth{Screening: rt.screening, Modality: rt.modality, Kind: rt.kind}
	if rt.kind == Evidence {
		tr.Performed = exam
	}
	if rt.kind == Unrelated {
		tr = Truth{Kind: Unrelated}
	}
	head := []string{rt.org, "1200 Harbor Road, Springfield", "Patient: Test Patient    DOB: 04/17/1961", ""}
	d := Doc{ID: fmt.Sprintf("report-%03d", i), Title: rt.title, Org: rt.org, Date: exam, Format: rt.format,
		Category: rt.category, Lines: append(head, lines...), Truth: tr}
	if rt.format.Scanned() {
		d.Variant = variants[i%len(variants)]
	}
	return d
}

func expand(line, date string) string { return strings.ReplaceAll(line, "{date}", date) }
