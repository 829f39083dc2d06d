package screening

import (
	"slices"
	"strings"
	"testing"

	"github.com/healthprep/desk/internal/record"
)

// measureGroupCode returns a code of the measure's group of that name,
// wherever in the measure it is (visits, given, numerator parts).
func measureGroupCode(t *testing.T, c *Catalogue, measure, group string) (string, string) {
	t.Helper()
	for _, m := range c.Measures {
		if m.ID != measure {
			continue
		}
		var sys, code string
		m.walkGroups(func(g *Group) {
			if g.Name == group && code == "" {
				sys, code = firstCode(g)
			}
		})
		if code != "" {
			return sys, code
		}
	}
	t.Fatalf("%s group %q not found", measure, group)
	return "", ""
}

func withStatus(it record.Item, status string) record.Item {
	it.Status = status
	return it
}

// CMS138's three populations, its visit rule (2 qualifying visits or 1
// preventive visit) and its most recent status, at their boundary days
// as measures.md gives them for 2026 (cessation window from 2025-07-01).
func TestMeasureTobacco(t *testing.T) {
	c := Default()
	vd := day("2026-11-24")
	adult := person("male", day("1970-05-05"))
	enc := func(group, on string) record.Item {
		sys, code := measureGroupCode(t, c, "CMS138", group)
		return with(item("Encounter", sys, code, day(on)), func(it *record.Item) { it.Status = "finished" })
	}
	office := func(on string) record.Item { return enc("Office Visit", on) }
	preventive := enc("Preventive Care Services Established Office Visit, 18 and Up", "2026-03-01")
	status := func(group, on string) record.Item {
		sys, code := measureGroupCode(t, c, "CMS138", group)
		return with(item("Observation", loinc, "72166-2", day(on)), func(it *record.Item) {
			it.ValueCodes = []record.Coding{{System: sys, Code: code}}
		})
	}
	user := func(on string) record.Item { return status("Tobacco User", on) }
	nonUser := func(on string) record.Item { return status("Tobacco Non User", on) }
	unknown := with(item("Observation", loinc, "72166-2", day("2026-06-01")), func(it *record.Item) {
		it.ValueCodes = []record.Coding{{System: sct, Code: "266927001"}} // tobacco smoking consumption unknown
	})
	counsel := func(on string) record.Item {
		sys, code := measureGroupCode(t, c, "CMS138-2", "Tobacco Use Cessation Counseling")
		return item("Procedure", sys, code, day(on))
	}
	z716 := item("Condition", icd10, "Z71.6", day("2026-03-01"))
	sys, code := measureGroupCode(t, c, "CMS138-2", "Tobacco Use Cessation Pharmacotherapy")
	drug := with(item("MedicationRequest", sys, code, day("2026-04-01")), func(it *record.Item) { it.Intent = "order" })
	proposal := with(drug, func(it *record.Item) { it.Intent = "proposal" })
	// A Task on an order: status, Task.code (FHIR task-code) and focus.
	task := func(status, code, order string) record.Item {
		return record.Item{Type: "Task", ID: "task-" + status + code, Status: status, Date: day("2026-04-02"),
			Codes: []record.Coding{{System: "http://hl7.org/fhir/CodeSystem/task-code", Code: code}}, Focus: "MedicationRequest/" + order}
	}
	// A course of the drug authored 2025-06-15, before the window opens.
	course := func(status, from, to string) record.Item {
		return with(drug, func(it *record.Item) {
			it.Status, it.Date = status, day("2025-06-15")
			it.Period = record.Period{Start: day(from), End: day(to)}
		})
	}
	twoVisits := []record.Item{office("2026-02-01"), office("2026-05-01")}
	rec := func(items ...record.Item) record.Record { return chart(adult, append(items, twoVisits...)...) }

	cases := []struct {
		name, measure string
		rec           record.Record
		want          MeasureStatus
		reason        string
	}{
		// The visit rule.
		{"two qualifying visits", "CMS138", rec(nonUser("2026-03-01")), MeasureMet, "non-user"},
		{"one visit on record: today's is the second", "CMS138", chart(adult, nonUser("2026-03-01"), office("2026-02-01")), MeasureMet, "one of its 2 qualifying visits: 1 on record"},
		{"one visit on record, on the visit day", "CMS138", chart(adult, nonUser("2026-03-01"), office("2026-11-24")), MeasureOutside, "2 qualifying visits or one preventive visit in 2026; 1 on record"},
		{"one preventive visit", "CMS138", chart(adult, nonUser("2026-03-01"), preventive), MeasureMet, ""},
		{"no visit on record", "CMS138", chart(adult, nonUser("2026-03-01")), MeasureOutside, "0 on record, 1 counting today's"},
		{"last year's visits do not count", "CMS138", chart(adult, nonUser("2026-03-01"), office("2025-12-30"), office("2025-12-31")), MeasureOutside, ""},
		{"12 on Jan 1", "CMS138", chart(person("male", day("2014-01-01")), nonUser("2026-03-01"), preventive), MeasureMet, ""},
		{"11 on Jan 1", "CMS138", chart(person("male", day("2014-01-02")), nonUser("2026-03-01"), preventive), MeasureOutside, "12 and over"},
		// Population 1: the most recent status of the year decides.
		{"status on Jan 1", "CMS138", rec(user("2026-01-01")), MeasureMet, ""},
		{"status on Dec 31 last year", "CMS138", rec(user("2025-12-31")), MeasureNotMet, "no tobacco use status"},
		{"newest answer neither user nor non-user", "CMS138", rec(nonUser("2026-02-01"), unknown), MeasureNotMet, "the latest answer does not count as"},
		{"hospice", "CMS138", rec(nonUser("2026-03-01"), with(item("Encounter", sct, "183919006", day("2026-02-01")), func(it *record.Item) { it.Status = "finished" })), MeasureExcluded, "hospice"},
		// Population 2: users only; a cessation intervention from 2025-07-01.
		{"pop 2: a non-user is outside", "CMS138-2", rec(nonUser("2026-03-01")), MeasureOutside, "tobacco user"},
		{"pop 2: a user who quit since is outside", "CMS138-2", rec(user("2026-02-01"), nonUser("2026-03-01")), MeasureOutside, ""},
		{"pop 2: counseling on Jul 1 last year", "CMS138-2", rec(user("2026-03-01"), counsel("2025-07-01")), MeasureMet, "cessation"},
		{"pop 2: counseling on Jun 30 last year", "CMS138-2", rec(user("2026-03-01"), counsel("2025-06-30")), MeasureNotMet, "since 2025-07-01"},
		{"pop 2: counseling diagnosis Z71.6", "CMS138-2", rec(user("2026-03-01"), z716), MeasureMet, ""},
		{"pop 2: a pharmacotherapy order", "CMS138-2", rec(user("2026-03-01"), drug), MeasureMet, ""},
		{"pop 2: a proposal is not an order", "CMS138-2", rec(user("2026-03-01"), proposal), MeasureNotMet, ""},
		// Statuses: the smoking status counts only final; a pharmacotherapy
		// order only active or completed, with an order intent.
		{"a newer amended user status does not count", "CMS138-2", rec(nonUser("2026-03-01"), withStatus(user("2026-06-01"), "amended")), MeasureOutside, ""},
		{"a newer corrected status does not decide", "CMS138", rec(nonUser("2026-03-01"), withStatus(unknown, "corrected")), MeasureMet, "non-user"},
		{"only an amended status", "CMS138", rec(withStatus(nonUser("2026-03-01"), "amended")), MeasureNotMet, "no tobacco use status"},
		{"only a preliminary status", "CMS138", rec(withStatus(nonUser("2026-03-01"), "preliminary")), MeasureNotMet, "no tobacco use status"},
		{"pop 2: a cancelled pharmacotherapy order", "CMS138-2", rec(user("2026-03-01"), withStatus(drug, "cancelled")), MeasureNotMet, ""},
		{"pop 2: an order entered in error", "CMS138-2", rec(user("2026-03-01"), withStatus(drug, "entered-in-error")), MeasureNotMet, ""},
		{"pop 2: a stopped order", "CMS138-2", rec(user("2026-03-01"), withStatus(drug, "stopped")), MeasureNotMet, ""},
		{"pop 2: a draft order", "CMS138-2", rec(user("2026-03-01"), withStatus(drug, "draft")), MeasureNotMet, ""},
		{"pop 2: a completed order", "CMS138-2", rec(user("2026-03-01"), withStatus(drug, "completed")), MeasureMet, ""},
		// Active pharmacotherapy: authored before the window, its whole
		// request period inside it (2025-07-01..2026-12-31).
		{"pop 2: active, period from Jul 1 last year", "CMS138-2", rec(user("2026-03-01"), course("active", "2025-07-01", "2026-12-31")), MeasureMet, "cessation"},
		{"pop 2: active, period from Jun 30 last year", "CMS138-2", rec(user("2026-03-01"), course("active", "2025-06-30", "2026-01-31")), MeasureNotMet, ""},
		{"pop 2: active, period past the year", "CMS138-2", rec(user("2026-03-01"), course("active", "2025-08-01", "2027-01-01")), MeasureNotMet, ""},
		{"pop 2: completed, period inside, authored before", "CMS138-2", rec(user("2026-03-01"), course("completed", "2025-08-01", "2025-12-31")), MeasureNotMet, ""},
		// A pharmacotherapy order the pharmacy rejected (a Task, code
		// fulfill, status rejected, focus the order) is no order.
		{"pop 2: an order the pharmacy rejected", "CMS138-2", rec(user("2026-03-01"), drug, task("rejected", "fulfill", drug.ID)), MeasureNotMet, "since 2025-07-01; the pharmacy rejected display of " + code + " (prescription, 2026-04-01)"},
		{"pop 2: a fulfil task still in progress", "CMS138-2", rec(user("2026-03-01"), drug, task("in-progress", "fulfill", drug.ID)), MeasureMet, "cessation"},
		{"pop 2: a fulfil task completed", "CMS138-2", rec(user("2026-03-01"), drug, task("completed", "fulfill", drug.ID)), MeasureMet, "cessation"},
		{"pop 2: a rejected task of another code", "CMS138-2", rec(user("2026-03-01"), drug, task("rejected", "approve", drug.ID)), MeasureMet, "cessation"},
		{"pop 2: a rejected task of another order", "CMS138-2", rec(user("2026-03-01"), drug, task("rejected", "fulfill", "mr-other")), MeasureMet, "cessation"},
		{"pop 2: a rejected task's code in another system", "CMS138-2", rec(user("2026-03-01"), drug, with(task("rejected", "fulfill", drug.ID), func(it *record.Item) { it.Codes[0].System = "urn:oid:1.2.3" })), MeasureMet, "cessation"},
		{"pop 2: one of two orders rejected", "CMS138-2", rec(user("2026-03-01"), drug, with(drug, func(it *record.Item) { it.ID = "mr-2" }), task("rejected", "fulfill", drug.ID)), MeasureMet, "cessation"},
		{"pop 2: a rejected order on the window's first day", "CMS138-2", rec(user("2026-03-01"), with(drug, func(it *record.Item) { it.Date = day("2025-07-01") }), task("rejected", "fulfill", drug.ID)), MeasureNotMet, ""},
		{"pop 2: a rejected order still active through the window", "CMS138-2", rec(user("2026-03-01"), course("active", "2025-07-01", "2026-12-31"), task("rejected", "fulfill", drug.ID)), MeasureMet, "cessation"},
		{"pop 3: a user whose only order was rejected", "CMS138-3", rec(user("2026-03-01"), drug, task("rejected", "fulfill", drug.ID)), MeasureNotMet, ""},
		{"pop 3: a user whose order was filled", "CMS138-3", rec(user("2026-03-01"), drug, task("completed", "fulfill", drug.ID)), MeasureMet, "cessation"},
		// Population 3: a non-user, or a user with an intervention.
		{"pop 3: non-user", "CMS138-3", rec(nonUser("2026-03-01")), MeasureMet, "non-user"},
		{"pop 3: user without an intervention", "CMS138-3", rec(user("2026-03-01")), MeasureNotMet, ""},
		{"pop 3: user with counseling", "CMS138-3", rec(user("2026-03-01"), counsel("2026-03-01")), MeasureMet, "cessation"},
		{"pop 3: a non-user's counseling does not make a user's", "CMS138-3", rec(unknown, counsel("2026-03-01")), MeasureNotMet, ""},
		{"pop 3: no status", "CMS138-3", rec(counsel("2026-03-01")), MeasureNotMet, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := measureLine(t, c, tc.rec, vd, tc.measure)
			if l.Status != tc.want || !strings.Contains(l.Reason, tc.reason) {
				t.Fatalf("%s: %s (%s), want %s with %q", tc.measure, l.Status, l.Reason, tc.want, tc.reason)
			}
		})
	}
}

// The sync reads Tasks only for patients with an order whose code a part
// with rejected_by_task counts: CMS138's cessation pharmacotherapy.
func TestRejectedOrders(t *testing.T) {
	code, codes := Default().RejectedOrders()
	if code != "fulfill" {
		t.Fatalf("task code %q, want fulfill", code)
	}
	rx := codes["http://www.nlm.nih.gov/research/umls/rxnorm"]
	if !slices.Contains(rx, "636676") || !slices.IsSorted(rx) || len(rx) != len(slices.Compact(slices.Clone(rx))) {
		t.Fatalf("RxNorm codes %v: want varenicline 636676 (value set 2.16.840.1.113883.3.526.3.1190), sorted, once each", rx)
	}
}
