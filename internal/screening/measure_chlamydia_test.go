package screening

import (
	"strings"
	"testing"

	"github.com/healthprep/desk/internal/record"
)

// CMS153's pregnancy-test exclusion (measures.md): a pregnancy test
// ordered in the year and followed 0-6 days later by an X-ray or an
// isotretinoin order, with no other sign of sexual activity, excludes.
func TestMeasureChlamydiaPregnancyTestOnly(t *testing.T) {
	c := Default()
	vd := day("2026-11-24")
	woman := person("female", day("2006-05-05"))
	order := func(typ, group, on string) record.Item {
		sys, code := measureGroupCode(t, c, "CMS153", group)
		return with(item(typ, sys, code, day(on)), func(it *record.Item) { it.Intent = "order" })
	}
	test := order("ServiceRequest", "Pregnancy Test", "2026-03-01")
	xray := func(on string) record.Item { return order("ServiceRequest", "XRay Study", on) }
	isotretinoin := order("MedicationRequest", "Isotretinoin", "2026-03-04")
	contraceptive := order("MedicationRequest", "Contraceptive Medications", "2026-02-01")
	open := with(xray("2026-03-03"), func(it *record.Item) { it.Status = "active" })
	rec := func(items ...record.Item) record.Record { return chart(woman, items...) }
	cases := []struct {
		name   string
		rec    record.Record
		want   MeasureStatus
		reason string
	}{
		{"X-ray ordered the same day", rec(test, xray("2026-03-01")), MeasureExcluded, "pregnancy test"},
		{"X-ray ordered 6 days later", rec(test, xray("2026-03-07")), MeasureExcluded, ""},
		{"X-ray ordered 7 days later", rec(test, xray("2026-03-08")), MeasureNotMet, "published only in part"},
		{"X-ray ordered the day before", rec(test, xray("2026-02-28")), MeasureNotMet, ""},
		{"an X-ray order still open", rec(test, open), MeasureExcluded, ""},
		{"isotretinoin 3 days later", rec(test, isotretinoin), MeasureExcluded, "isotretinoin"},
		{"another sign of sexual activity", rec(test, xray("2026-03-01"), contraceptive), MeasureNotMet, ""},
		{"a pregnancy test alone counts her", rec(test), MeasureNotMet, ""},
		{"no sign at all", rec(), MeasureOutside, "sexual activity"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := measureLine(t, c, tc.rec, vd, "CMS153")
			if l.Status != tc.want || !strings.Contains(strings.ToLower(l.Reason), strings.ToLower(tc.reason)) {
				t.Fatalf("CMS153: %s (%s), want %s with %q", l.Status, l.Reason, tc.want, tc.reason)
			}
		})
	}
}
