package screening

// What the engine reads of a record before any rule: an age, whether an
// item counts as care given, and dates as day numbers.

import (
	"math"
	"time"

	"github.com/healthprep/desk/internal/record"
)

// Age returns completed years on day, or -1 when birth is unknown. A
// birthday on the visit day counts; someone born on Feb 29 turns a year
// older on Mar 1 in common years (as CQL's AgeInYearsAt does).
func Age(birth, day time.Time) int {
	if birth.IsZero() {
		return -1
	}
	by, bm, bd := birth.Date()
	y, m, d := day.Date()
	age := y - by
	if m < bm || m == bm && d < bd {
		age--
	}
	return age
}

// counts reports whether an item is a finished, valid record of care.
func counts(it *record.Item) bool {
	if it.DoNotPerform {
		return false // an order not to do it (QI-Core's "not requested") is no care
	}
	switch it.Type {
	case "Observation", "DiagnosticReport":
		return it.Status == "final" || it.Status == "amended" || it.Status == "corrected" || it.Status == "appended"
	case "Procedure":
		return it.Status == "completed"
	case "ServiceRequest":
		// An order counts only once it is done: an open order is not a test.
		return it.Status == "completed"
	case "MedicationRequest", "DeviceRequest":
		// An order, not a plan or proposal (the measures' order intents).
		return (it.Status == "active" || it.Status == "completed") && orderIntent(it.Intent)
	case "Immunization":
		return it.Status == "completed" && !it.Subpotent
	case "DocumentReference":
		return it.Status == "current" || it.Status == ""
	case "Condition":
		return it.Verification != "entered-in-error" && it.Verification != "refuted"
	case "Encounter":
		return it.Status == "finished"
	}
	return false
}

// activeCondition is a condition that still applies (triggers, modifiers).
func activeCondition(it *record.Item) bool {
	if it.Type != "Condition" {
		return true
	}
	switch it.Status {
	case "", "active", "recurrence", "relapse":
		return true
	}
	return false
}

// Dates are day numbers (days since 1970-01-01) inside the engine: care
// counts from the calendar date it was given, whatever hour it was charted.
const noDate = math.MinInt32

func dayNum(t time.Time) int32 {
	// The calendar day in t's own zone: its seconds since the epoch
	// shifted by the zone's offset, floored to days. The same day as
	// t.Date() gives, without splitting it into year, month and day and
	// joining them back (a fifth of collecting a record's dates).
	_, off := t.Zone()
	s := t.Unix() + int64(off)
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return int32(d)
}

func dayTime(n int32) time.Time { return time.Unix(int64(n)*86400, 0).UTC() }

func (p Period) addDays(n int32) int32 { return p.shiftDays(n, 1) }
func (p Period) subDays(n int32) int32 { return p.shiftDays(n, -1) }
