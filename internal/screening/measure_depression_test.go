package screening

import (
	"strings"
	"testing"

	"github.com/healthprep/desk/internal/record"
)

// CMS2 as measures.md gives it: the latest screening in the 14 days up to
// the visit, negative, or positive with a follow-up plan at the visit;
// bipolar disorder on the problem list before the visit day excludes.
func TestMeasureDepression(t *testing.T) {
	c := Default()
	vd := day("2026-11-24")
	adult := person("female", day("1980-05-05"))
	tool := func(loincCode, answer, on string) record.Item {
		code := map[string]string{"negative": "428171000124102", "positive": "428181000124104"}[answer]
		return with(item("Observation", loinc, loincCode, day(on)), func(it *record.Item) {
			it.ValueCodes = []record.Coding{{System: sct, Code: code}}
		})
	}
	screen := func(answer, on string) record.Item { return tool("73832-8", answer, on) }     // the adult tool
	teenScreen := func(answer, on string) record.Item { return tool("73831-0", answer, on) } // the adolescent tool
	refSys, refCode := measureGroupCode(t, c, "CMS2", "Referral for Adult Depression")
	referral := func(on, status string) record.Item {
		return with(item("ServiceRequest", refSys, refCode, day(on)), func(it *record.Item) { it.Status, it.Intent = status, "order" })
	}
	fuSys, fuCode := measureGroupCode(t, c, "CMS2", "Follow Up for Adult Depression")
	// SNOMED 306291008 is in the adolescent referral value set only.
	teenReferral := with(item("ServiceRequest", sct, "306291008", vd), func(it *record.Item) { it.Status, it.Intent = "active", "order" })
	// SNOMED 306204008 is in the adult referral value set only.
	adultOnlyReferral := with(item("ServiceRequest", sct, "306204008", vd), func(it *record.Item) { it.Status, it.Intent = "active", "order" })
	medSys, medCode := measureGroupCode(t, c, "CMS2", "Adult Depression Medications")
	med := func(authored, from, to string) record.Item {
		return with(item("MedicationRequest", medSys, medCode, day(authored)), func(it *record.Item) {
			it.Intent = "order"
			if from != "" || to != "" {
				it.Period = record.Period{Start: day(from), End: day(to)}
			}
		})
	}
	bpSys, bpCode := measureGroupCode(t, c, "CMS2", "Bipolar Disorder")
	bipolar := func(on, category string) record.Item {
		return with(item("Condition", bpSys, bpCode, day(on)), func(it *record.Item) {
			it.Category = []record.Coding{{System: "http://terminology.hl7.org/CodeSystem/condition-category", Code: category}}
		})
	}
	rec := func(items ...record.Item) record.Record { return chart(adult, items...) }

	cases := []struct {
		name   string
		rec    record.Record
		want   MeasureStatus
		reason string
	}{
		{"negative 14 days before the visit", rec(screen("negative", "2026-11-10")), MeasureMet, "negative"},
		{"negative 15 days before the visit", rec(screen("negative", "2026-11-09")), MeasureNotMet, "in the 14 days up to the visit"},
		{"positive without a follow-up", rec(screen("positive", "2026-11-20")), MeasureNotMet, "follow-up plan"},
		{"positive with a referral placed at the visit", rec(screen("positive", "2026-11-20"), referral("2026-11-24", "active")), MeasureMet, "order placed"},
		{"positive with a completed referral at the visit", rec(screen("positive", "2026-11-20"), referral("2026-11-24", "completed")), MeasureMet, ""},
		{"positive with a referral the day before the visit", rec(screen("positive", "2026-11-20"), referral("2026-11-23", "active")), MeasureNotMet, ""},
		{"positive with a follow-up procedure at the visit", rec(screen("positive", "2026-11-20"), item("Procedure", fuSys, fuCode, vd)), MeasureMet, ""},
		{"the latest screening decides: positive after negative", rec(screen("negative", "2026-11-12"), screen("positive", "2026-11-20")), MeasureNotMet, ""},
		{"the latest screening decides: negative after positive", rec(screen("positive", "2026-11-12"), screen("negative", "2026-11-20")), MeasureMet, ""},
		{"a screening without a result", rec(with(screen("negative", "2026-11-20"), func(it *record.Item) { it.ValueCodes, it.HasValue = nil, false })), MeasureNotMet, ""},
		{"bipolar on the problem list the day before", rec(screen("negative", "2026-11-20"), bipolar("2026-11-23", "problem-list-item")), MeasureExcluded, "bipolar"},
		{"bipolar on the problem list from the visit day", rec(screen("negative", "2026-11-20"), bipolar("2026-11-24", "problem-list-item")), MeasureMet, ""},
		{"bipolar as an encounter diagnosis only", rec(screen("negative", "2026-11-20"), bipolar("2020-01-01", "encounter-diagnosis")), MeasureMet, ""},
		// The follow-up: at the visit or up to 2 days after, within the year.
		{"positive with a referral 2 days after the visit", rec(screen("positive", "2026-11-20"), referral("2026-11-26", "active")), MeasureMet, ""},
		{"positive with a referral 3 days after the visit", rec(screen("positive", "2026-11-20"), referral("2026-11-27", "active")), MeasureNotMet, ""},
		// A medication's request period must overlap the visit and extend past it.
		{"positive with a 30-day course from the visit", rec(screen("positive", "2026-11-20"), med("2026-11-24", "2026-11-24", "2026-12-24")), MeasureMet, ""},
		{"positive with a course ending on the visit day", rec(screen("positive", "2026-11-20"), med("2026-11-24", "2026-10-25", "2026-11-24")), MeasureNotMet, ""},
		{"positive with a course starting the day after", rec(screen("positive", "2026-11-20"), med("2026-11-24", "2026-11-25", "2026-12-25")), MeasureNotMet, ""},
		{"positive with an order that has no request period", rec(screen("positive", "2026-11-20"), med("2026-11-24", "", "")), MeasureNotMet, ""},
		// The tool by age on Jan 1: adolescent at 12-16, either at 17, adult from 18.
		{"12 on Jan 1, adolescent tool", chart(person("male", day("2014-01-01")), teenScreen("negative", "2026-11-20")), MeasureMet, ""},
		{"12 on Jan 1, adult tool", chart(person("male", day("2014-01-01")), screen("negative", "2026-11-20")), MeasureNotMet, ""},
		{"16 on Jan 1, adult tool", chart(person("male", day("2009-01-02")), screen("negative", "2026-11-20")), MeasureNotMet, ""},
		{"17 on Jan 1, adult tool", chart(person("male", day("2009-01-01")), screen("negative", "2026-11-20")), MeasureMet, ""},
		{"17 on Jan 1, adolescent tool", chart(person("male", day("2008-01-02")), teenScreen("negative", "2026-11-20")), MeasureMet, ""},
		{"18 on Jan 1, adolescent tool", chart(person("male", day("2008-01-01")), teenScreen("negative", "2026-11-20")), MeasureNotMet, ""},
		{"adult: an adolescent tool's newer positive does not decide", rec(screen("negative", "2026-11-12"), teenScreen("positive", "2026-11-20")), MeasureMet, ""},
		{"adult: an adolescent referral is not the adult follow-up", rec(screen("positive", "2026-11-20"), teenReferral), MeasureNotMet, ""},
		{"adolescent: the adolescent referral", chart(person("female", day("2012-03-01")), teenScreen("positive", "2026-11-20"), teenReferral), MeasureMet, ""},
		// At 17 either tool counts, and the follow-up must be the tool's own.
		{"17, adolescent tool positive, adolescent referral", chart(person("male", day("2009-01-01")), teenScreen("positive", "2026-11-20"), teenReferral), MeasureMet, ""},
		{"17, adolescent tool positive, adult referral", chart(person("male", day("2009-01-01")), teenScreen("positive", "2026-11-20"), adultOnlyReferral), MeasureNotMet, "follow-up plan"},
		{"17, adult tool positive, adult referral", chart(person("male", day("2009-01-01")), screen("positive", "2026-11-20"), adultOnlyReferral), MeasureMet, ""},
		{"17, adult tool positive, adolescent referral", chart(person("male", day("2009-01-01")), screen("positive", "2026-11-20"), teenReferral), MeasureNotMet, "follow-up plan"},
		{"17, the newer adult tool decides the follow-up", chart(person("male", day("2009-01-01")), teenScreen("positive", "2026-11-12"), screen("positive", "2026-11-20"), teenReferral), MeasureNotMet, "follow-up plan"},
		{"11 on Jan 1", chart(person("male", day("2014-01-02")), screen("negative", "2026-11-20")), MeasureOutside, "12 and over"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := measureLine(t, c, tc.rec, vd, "CMS2")
			if l.Status != tc.want || !strings.Contains(l.Reason, tc.reason) {
				t.Fatalf("CMS2: %s (%s), want %s with %q", l.Status, l.Reason, tc.want, tc.reason)
			}
		})
	}
}

// A rule's category reads only that list of conditions.
func TestRuleCategory(t *testing.T) {
	it := item("Condition", icd10, "F31.9", day("2026-01-01"))
	if hasCategory(&it, "problem-list-item") {
		t.Fatal("a condition without a category is on no list")
	}
	it.Category = []record.Coding{{Code: "encounter-diagnosis"}}
	if !hasCategory(&it, "encounter-diagnosis") || hasCategory(&it, "problem-list-item") {
		t.Fatal("category not read")
	}
}
