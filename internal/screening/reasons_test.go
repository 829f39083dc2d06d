package screening

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/record"
)

// Reasons are written for the front desk: they name what is on record and
// why it does or does not count, with units, once, and without the
// catalogue's internals (which go to Details, for support).
func TestReasonsAreTrue(t *testing.T) {
	c := Default()
	named := func(it record.Item, display string) record.Item {
		it.Codes[0].Display = display
		return it
	}
	t.Run("two pneumococcal vaccines that do not complete the series", func(t *testing.T) {
		p := person("female", bornAged(67, v))
		r := result(t, c, chart(p, named(item("Immunization", cvx, "133", day("2015-03-01")), "PCV13"),
			named(item("Immunization", cvx, "33", day("2016-04-01")), "PPSV23")), v, "pneumococcal")
		check(t, r, Due)
		for _, want := range []string{"PPSV23 (vaccine record, 2016-04-01)", "PCV13 (vaccine record, 2015-03-01)", "do not complete the adult series"} {
			if !strings.Contains(r.Reason, want) {
				t.Fatalf("reason %q does not say %q", r.Reason, want)
			}
		}
	})
	t.Run("an HPV test before 30", func(t *testing.T) {
		p := person("female", bornAged(33, v))
		r := result(t, c, chart(p, named(item("Observation", loinc, "30167-1", v.AddDate(-4, 0, 0)), "HPV DNA")), v, "cervical_cancer")
		check(t, r, Due)
		if !strings.Contains(r.Reason, "HPV DNA (result, 2022-11-24)") || !strings.Contains(r.Reason, "counts only from age 30") {
			t.Fatalf("reason %q", r.Reason)
		}
	})
	t.Run("nothing at all", func(t *testing.T) {
		r := result(t, c, chart(person("female", bornAged(67, v))), v, "pneumococcal")
		if r.Reason != "nothing on record" {
			t.Fatalf("reason %q", r.Reason)
		}
	})
	t.Run("chlamydia asks the clinician once", func(t *testing.T) {
		r := result(t, c, chart(person("female", bornAged(20, v))), v, "chlamydia_gonorrhea")
		check(t, r, NeedsReview)
		if r.Reason != "nothing on record; due only if sexually active: ask the clinician" {
			t.Fatalf("reason %q", r.Reason)
		}
	})
	t.Run("values carry their units", func(t *testing.T) {
		p := person("male", bornAged(55, v))
		a1c := with(named(item("Observation", loinc, "4548-4", v.AddDate(0, -2, 0)), "Hemoglobin A1c"), func(it *record.Item) {
			it.Value = &record.Quantity{Value: 6.8, Unit: "%"}
		})
		r := result(t, c, chart(p, a1c, item("Condition", sct, "44054006", day("2019-01-01"))), v, "diabetes_a1c")
		if !strings.Contains(r.Reason, "Hemoglobin A1c 6.8 % (result, 2026-09-24)") {
			t.Fatalf("reason %q", r.Reason)
		}
	})
	t.Run("a missing birth date is one fact", func(t *testing.T) {
		for _, r := range Evaluate(chart(person("female", record.Patient{}.BirthDate)), c, v) {
			if r.Status == NeedsReview && (r.Missing != "birth date" || r.Reason != "needs the patient's birth date (not recorded in Epic)") {
				t.Fatalf("%s: missing %q, reason %q", r.ID, r.Missing, r.Reason)
			}
		}
	})
}

// No reason or check note on any sheet of the simulated practice speaks
// the catalogue's language: ids, ISO durations, value sets, resource type
// names.
func TestReasonsHaveNoInternals(t *testing.T) {
	srv, err := epicsim.Start(context.Background(), epicsim.Options{Now: func() time.Time { return visit }})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := Default()
	jargon := regexp.MustCompile(`\bP\d+[YMWD]\b|value set|_|\b(Observation|DiagnosticReport|Procedure|Immunization|DocumentReference|Condition|ServiceRequest)\b|\(confirm|confirm .*confirm`)
	seen := 0
	for _, p := range srv.Practice().Patients {
		rec, _ := record.FromFHIR(srv.Chart(p.ID))
		for _, r := range Evaluate(rec, c, visit) {
			for _, text := range []string{r.Reason, r.ReviewNote, r.Modality} {
				seen++
				if m := jargon.FindString(text); m != "" {
					t.Fatalf("%s: %q speaks our internals (%q)", r.ID, text, m)
				}
			}
		}
	}
	if seen < 1000 {
		t.Fatalf("only %d texts checked", seen)
	}
}
