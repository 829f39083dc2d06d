package docgen

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash/fnv"
	"image"
	"strings"
	"time"
)

// Format is how an outside record arrives.
type Format string

const (
	Text     Format = "text"     // text/plain
	HTMLNote Format = "html"     // text/html
	RTFNote  Format = "rtf"      // text/rtf
	PDFText  Format = "pdf-text" // application/pdf with a text layer
	PDFScan  Format = "pdf-scan" // application/pdf, image only
	PNGScan  Format = "png"      // image/png
	TIFFScan Format = "tiff"     // image/tiff, two pages
	JPEGScan Format = "jpeg"     // image/jpeg
)

// ContentType is the MIME type Epic would state for the format.
func (f Format) ContentType() string {
	return map[Format]string{Text: "text/plain", HTMLNote: "text/html", RTFNote: "text/rtf", PDFText: "application/pdf",
		PDFScan: "application/pdf", PNGScan: "image/png", TIFFScan: "image/tiff", JPEGScan: "image/jpeg"}[f]
}

// Scanned reports whether reading it needs OCR.
func (f Format) Scanned() bool { return f == PDFScan || f == PNGScan || f == TIFFScan || f == JPEGScan }

// Kind is what a document truly says about its modality.
type Kind string

const (
	Evidence  Kind = "evidence"  // the test was done: it evidences the screening
	Negated   Kind = "negated"   // declined, refused, not done
	Postponed Kind = "postponed" // scheduled, recommended, due
	Unrelated Kind = "unrelated" // no mention of a screening test
)

// Truth is what a reader should find in a document.
type Truth struct {
	Screening, Modality string
	Kind                Kind
	// Performed is the day the test was done (evidence only): the date in
	// the text, else the document's clinical date.
	Performed time.Time
}

// Doc is one outside record with its known truth.
type Doc struct {
	ID      string
	Title   string
	Org     string // author organisation
	Date    time.Time
	Format  Format
	Variant Variant
	// Category is a DiagnosticReport's ("imaging", "pathology"): the
	// record is a report's presentedForm; empty for a letter.
	Category string
	Lines    []string
	Truth    Truth
}

type template struct {
	kind  Kind
	lines []string // {date}: the performed (or planned) date; a line without {date} gets "Date of service"
}

type modalityText struct {
	screening, modality, title, org string
	templates                       []template
}

var modalities = []modalityText{
	{"breast_cancer", "mammography", "Outside mammography report", "Valley Imaging Center", []template{
		{Evidence, []string{"Bilateral screening mammogram was performed on {date}.", "Impression: BI-RADS Category 1, negative."}},
		{Evidence, []string{"EXAM: Digital screening mammography with tomosynthesis, {date}.", "No suspicious mass or calcification. Return to annual screening."}},
		{Evidence, []string{"BI-RADS 2: benign findings on the screening mammogram.", "Comparison is made with prior studies."}},
		{Negated, []string{"The patient declined a screening mammogram at this visit.", "Risks and benefits were discussed."}},
		{Postponed, []string{"Screening mammogram scheduled for {date}.", "Reminder letter sent to the patient."}},
		{Postponed, []string{"Patient is due for a screening mammogram.", "Order placed today."}},
	}},
	{"colorectal_cancer", "colonoscopy", "Outside colonoscopy report", "Riverside Endoscopy", []template{
		{Evidence, []string{"Procedure: screening colonoscopy on {date}.", "The cecum was reached and the preparation was good."}},
		{Evidence, []string{"Colonoscopy was performed on {date}; two small polyps were removed.", "Pathology: tubular adenoma."}},
		{Evidence, []string{"The colonoscope was advanced and the cecum was reached.", "Withdrawal time was 9 minutes. No polyps were seen."}},
		{Negated, []string{"The patient refused colonoscopy after discussion.", "Stool testing was offered instead."}},
		{Postponed, []string{"Recommend colonoscopy at age 50.", "No history of colon cancer in the family."}},
		{Postponed, []string{"Colonoscopy scheduled for {date} with Dr. Patel.", "Bowel preparation instructions were given."}},
	}},
	{"cervical_cancer", "cytology", "Outside gynecology letter", "Lakeside Women's Health", []template{
		{Evidence, []string{"A Pap smear was collected on {date}.", "Result: negative for intraepithelial lesion or malignancy."}},
		{Evidence, []string{"Cervical cytology (Pap test) {date}: NILM.", "HPV co-testing was not performed."}},
		{Negated, []string{"Pap smear not done today because of menses.", "The patient will return."}},
		{Postponed, []string{"She is due for a Pap test.", "Follow up in clinic."}},
	}},
	{"osteoporosis", "dxa", "Outside bone density report", "Summit Radiology", []template{
		{Evidence, []string{"DXA bone density scan performed {date}.", "Femoral neck T-score -1.4, osteopenia."}},
		{Evidence, []string{"Dual-energy x-ray absorptiometry of the hip and spine, {date}.", "Lumbar spine T-score -0.8."}},
		{Negated, []string{"The patient declined bone density testing.", "Calcium and vitamin D were advised."}},
		{Postponed, []string{"Recommend a DEXA scan in two years.", "Continue weight-bearing exercise."}},
	}},
	{"diabetes_eye", "retinal_exam", "Outside eye exam letter", "Clearview Eye Associates", []template{
		{Evidence, []string{"Dilated retinal exam on {date}: no diabetic retinopathy in either eye.", "Return in 12 months."}},
		{Evidence, []string{"Diabetic eye exam completed {date}.", "Fundus photography was normal."}},
		{Negated, []string{"Retinal exam was not done; the patient refused dilation.", "Visual acuity 20/25 both eyes."}},
		{Postponed, []string{"Retinal exam scheduled for {date} at our office.", "Please bring your glasses."}},
	}},
}

var unrelated = [][]string{
	{"Thank you for referring this patient for knee pain.", "X-ray of the right knee shows mild degenerative change.", "No history of colon cancer. Mother had breast cancer at 62."},
	{"Follow-up visit for hypertension.", "Blood pressure 132/84. Continue lisinopril 10 mg daily."},
}

var dateFormats = []string{"01/02/2006", "January 2, 2006", "2006-01-02", "2 Jan 2006", "1/2/06", "Jan. 2, 2006"}

var formats = []Format{PDFText, PDFScan, HTMLNote, PNGScan, RTFNote, TIFFScan, Text, JPEGScan}
var variants = []Variant{Clean, Skewed, Noisy, LowRes}

// build makes one document from a template: the letter is dated docDate,
// the test done a few days before it, a planned one weeks after.
func build(m modalityText, t template, k int, docDate time.Time) Doc {
	performed := docDate.AddDate(0, 0, -(3 + k%5))
	when := performed
	if t.kind == Postponed {
		when = docDate.AddDate(0, 0, 10+k%40)
	}
	dated := false
	var lines []string
	for _, l := range t.lines {
		if strings.Contains(l, "{date}") {
			dated = true
			l = strings.ReplaceAll(l, "{date}", when.Format(dateFormats[k%len(dateFormats)]))
		}
		lines = append(lines, l)
	}
	tr := Truth{Screening: m.screening, Modality: m.modality, Kind: t.kind}
	if t.kind == Evidence {
		tr.Performed = docDate
		if dated {
			tr.Performed = performed
		}
	}
	head := []string{m.org, "1200 Harbor Road, Springfield", "Patient: Test Patient    DOB: 04/17/1961", ""}
	return Doc{Title: m.title, Org: m.org, Date: docDate, Lines: append(head, lines...), Truth: tr}
}

func buildUnrelated(i int, docDate time.Time) Doc {
	head := []string{"Northside Orthopedics", "Patient: Test Patient    DOB: 04/17/1961", ""}
	u := unrelated[i%len(unrelated)]
	return Doc{Title: "Outside consult letter", Org: "Northside Orthopedics", Date: docDate, Lines: append(head, u...), Truth: Truth{Kind: Unrelated}}
}

func midnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Corpus is the simulator's outside records, as of day: every template of
// every modality twice, in rotating formats and scan variants, and two
// unrelated letters, each with its truth. Same day, same corpus.
func Corpus(day time.Time) []Doc {
	day = midnight(day)
	var docs []Doc
	n := 0
	add := func(d Doc) {
		d.ID = fmt.Sprintf("outside-%03d", n)
		d.Format = formats[n%len(formats)]
		if d.Format.Scanned() {
			d.Variant = variants[(n/len(formats))%len(variants)]
		}
		n++
		docs = append(docs, d)
	}
	for round := 0; round < 2; round++ {
		for mi, m := range modalities {
			for ti, t := range m.templates {
				k := round*97 + mi*13 + ti
				docDate := day.AddDate(0, -(2 + k%20), -(k % 27))
				if t.kind != Evidence {
					docDate = day.AddDate(0, -(1 + k%10), 0)
				}
				add(build(m, t, k, docDate))
			}
		}
	}
	for i := range unrelated {
		add(buildUnrelated(i, day.AddDate(0, -3-i, 0)))
	}
	return docs
}

// ForDocument is the outside record filed under a document of the
// simulated practice, chosen by its id among the templates of the
// screenings open says the patient is due for (an unrelated letter when
// none, or for one in four), dated by the document's date, in a format and
// scan variant chosen by its id.
func ForDocument(id string, date time.Time, open func(screening string) bool) Doc {
	h := fnv.New64a()
	h.Write([]byte(id))
	k := int(h.Sum64() % (1 << 30))
	type pick struct {
		m modalityText
		t template
	}
	// Half the letters about a due screening evidence it; the rest
	// decline, postpone or only mention it.
	var evidence, other []pick
	for _, m := range modalities {
		if open != nil && open(m.screening) {
			for _, t := range m.templates {
				if t.kind == Evidence {
					evidence = append(evidence, pick{m, t})
				} else {
					other = append(other, pick{m, t})
				}
			}
		}
	}
	picks := evidence
	if (k/4)%2 == 1 {
		picks = other
	}
	var d Doc
	if n := len(picks); n == 0 || k%4 == 0 {
		d = buildUnrelated(k/4, midnight(date))
	} else {
		p := picks[(k/8)%n]
		d = build(p.m, p.t, k/7, midnight(date))
	}
	d.ID = id
	d.Format = formats[(k/11)%len(formats)]
	if d.Format.Scanned() {
		d.Variant = variants[(k/101)%len(variants)]
	}
	return d
}

// Bytes renders a document in its format; a TIFF scan has a cover page.
// Renders are kept (see rendered): a scan takes seconds to draw under the
// race detector, and every test tenant serves the same documents.
func (d Doc) Bytes() ([]byte, error) {
	key := d.renderKey()
	if b, ok := rendered.get(key); ok {
		return b, nil
	}
	b, err := d.render()
	if err != nil {
		return nil, err
	}
	rendered.put(key, b)
	return bytes.Clone(b), nil
}

// renderKey is everything a render depends on.
func (d Doc) renderKey() [sha256.Size]byte {
	return sha256.Sum256([]byte(strings.Join(append([]string{d.ID, string(d.Format), string(d.Variant)}, d.Lines...), "\x00")))
}

func (d Doc) render() ([]byte, error) {
	seed := uint64(len(d.ID)) * 7919
	for _, c := range d.ID {
		seed = seed*31 + uint64(c)
	}
	page := func(lines []string) (*image.Gray, error) { return Page(lines, d.Variant, seed) }
	switch d.Format {
	case Text:
		return []byte(strings.Join(d.Lines, "\n") + "\n"), nil
	case HTMLNote:
		return HTML(d.Title, d.Lines), nil
	case RTFNote:
		return RTF(d.Lines), nil
	case PDFText:
		return TextPDF([][]string{d.Lines}, "")
	case PDFScan, PNGScan, JPEGScan:
		img, err := page(d.Lines)
		if err != nil {
			return nil, err
		}
		switch d.Format {
		case PNGScan:
			return PNG(img)
		case JPEGScan:
			return JPEG(img)
		}
		return ImagePDF([]*image.Gray{img})
	case TIFFScan:
		cover, err := page([]string{"FAX COVER SHEET", "To: Primary care office", "Pages: 2 including this cover"})
		if err != nil {
			return nil, err
		}
		img, err := page(d.Lines)
		if err != nil {
			return nil, err
		}
		return TIFF([]*image.Gray{cover, img}), nil
	}
	return nil, fmt.Errorf("docgen: unknown format %q", d.Format)
}
