package screening

import (
	"strings"
	"testing"

	"github.com/healthprep/desk/internal/record"
)

// A BMI or blood pressure out of range with no documented follow-up is
// done but needs attention (CMS69, CMS22), with its value, units and date.
func TestOutOfRangeFlags(t *testing.T) {
	c := Default()
	p := person("male", day("1970-05-05"))
	on := "2026-10-01"
	bmi := func(v float64) record.Item { return obs(loinc, "39156-5", day(on), v, "kg/m2") }
	bmiFU := func(typ, status, when string) record.Item {
		sys, code := firstCode(c.Find("bmi").Modalities[0].Flag.FollowUp[0])
		return with(item(typ, sys, code, day(when)), func(it *record.Item) { it.Status, it.Intent = status, "order" })
	}
	bp := func(sys, dia float64) record.Item {
		return with(item("Observation", loinc, "85354-9", day(on)), func(it *record.Item) {
			it.Components = []record.Component{
				{Codes: []record.Coding{{System: loinc, Code: "8480-6"}}, Value: &record.Quantity{Value: sys, Unit: "mm[Hg]", Code: "mm[Hg]"}, HasValue: true},
				{Codes: []record.Coding{{System: loinc, Code: "8462-4"}}, Value: &record.Quantity{Value: dia, Unit: "mm[Hg]", Code: "mm[Hg]"}, HasValue: true},
			}
		})
	}
	referral := func(when string) record.Item {
		sys, code := firstCode(c.Find("blood_pressure").Modalities[0].Flags[0].FollowUp[0])
		return with(item("ServiceRequest", sys, code, day(when)), func(it *record.Item) { it.Status, it.Intent = "active", "order" })
	}
	cases := []struct {
		name, id string
		items    []record.Item
		want     string // "" for no flag
	}{
		{"BMI 24.9", "bmi", []record.Item{bmi(24.9)}, ""},
		{"BMI 25", "bmi", []record.Item{bmi(25)}, "BMI out of range: 25 kg/m2 on 2026-10-01, no follow-up on record"},
		{"BMI 18.5", "bmi", []record.Item{bmi(18.5)}, ""},
		{"BMI 18.4", "bmi", []record.Item{bmi(18.4)}, "BMI out of range: 18.4 kg/m2 on 2026-10-01"},
		{"BMI 31 with a follow-up ordered that day", "bmi", []record.Item{bmi(31), bmiFU("ServiceRequest", "active", on)}, ""},
		{"BMI 31 with a follow-up done on the visit day", "bmi", []record.Item{bmi(31), bmiFU("Procedure", "completed", "2026-11-24")}, ""},
		{"BMI 31, follow-up the day before the reading", "bmi", []record.Item{bmi(31), bmiFU("ServiceRequest", "active", "2026-09-30")}, "BMI out of range: 31 kg/m2"},
		{"BMI 31, follow-up only proposed", "bmi", []record.Item{bmi(31), with(bmiFU("ServiceRequest", "active", on), func(it *record.Item) { it.Intent = "proposal" })}, "BMI out of range"},
		{"BP 119/79", "blood_pressure", []record.Item{bp(119, 79)}, ""},
		{"BP 120/79", "blood_pressure", []record.Item{bp(120, 79)}, "blood pressure out of range (systolic): 120 mm[Hg] on 2026-10-01, no follow-up on record"},
		{"BP 119/80", "blood_pressure", []record.Item{bp(119, 80)}, "blood pressure out of range (diastolic): 80 mm[Hg]"},
		{"systolic 135 alone", "blood_pressure", []record.Item{obs(loinc, "8480-6", day(on), 135, "mm[Hg]")}, "(systolic): 135 mm[Hg]"},
		{"BP 142/91 with a referral that day", "blood_pressure", []record.Item{bp(142, 91), referral(on)}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := result(t, c, chart(p, tc.items...), v, tc.id)
			if r.Status != Complete || tc.want == "" && r.Attention != "" || tc.want != "" && !strings.Contains(r.Attention, tc.want) {
				t.Fatalf("%s attention %q, want complete with %q (%s)", r.Status, r.Attention, tc.want, r.Reason)
			}
		})
	}
}
