package screening

import (
	"testing"
	"time"

	"github.com/healthprep/desk/internal/record"
)

// CMS125 excludes a woman with a left and a right mastectomy, either side
// coded as "unilateral mastectomy, unspecified side" (Z90.10, SNOMED
// 248802009) with a bodySite saying which, any time up to the visit.
func TestMastectomyLaterality(t *testing.T) {
	c := Default()
	p := person("female", bornAged(58, v))
	side := func(code, system, laterality string, on time.Time) record.Item {
		return with(item("Condition", system, code, on), func(it *record.Item) {
			it.Laterality = laterality
			if laterality != "" {
				it.BodySite = []record.Coding{{System: sct, Code: map[string]string{record.Left: "7771000", record.Right: "24028007", record.Both: "51440002"}[laterality]}}
			}
		})
	}
	leftCoded := item("Condition", icd10, "Z90.12", day("2015-06-01")) // status post left mastectomy
	cases := []struct {
		name  string
		items []record.Item
		want  Status
	}{
		{"left coded, right by body site", []record.Item{leftCoded, side("Z90.10", icd10, record.Right, day("2019-02-01"))}, Excluded},
		{"both sides by body site (SNOMED)", []record.Item{side("248802009", sct, record.Left, day("2012-01-01")), side("248802009", sct, record.Right, day("2019-02-01"))}, Excluded},
		{"left coded, unspecified with no body site", []record.Item{leftCoded, side("Z90.10", icd10, "", day("2019-02-01"))}, Due},
		{"left coded, unspecified said to be both", []record.Item{leftCoded, side("Z90.10", icd10, record.Both, day("2019-02-01"))}, Due},
		{"left by body site only", []record.Item{side("Z90.10", icd10, record.Left, day("2019-02-01"))}, Due},
		{"right side recorded on the visit day", []record.Item{leftCoded, side("Z90.10", icd10, record.Right, v)}, Excluded},
		{"right side dated the day after the visit", []record.Item{leftCoded, side("Z90.10", icd10, record.Right, v.AddDate(0, 0, 1))}, Due},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := result(t, c, chart(p, tc.items...), v, "breast_cancer")
			check(t, r, tc.want)
			if tc.want == Excluded && (r.Rule != "left_and_right_mastectomy" || len(r.Evidence) != 2) {
				t.Fatalf("rule %q, evidence %+v", r.Rule, r.Evidence)
			}
		})
	}
}
