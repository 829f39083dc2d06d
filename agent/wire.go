package agent

import (
	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/prep"
	"github.com/healthprep/desk/internal/screening"
)

// The agent's edge: prep's and the engine's types become the API's here,
// field by field, so the wire contract changes only when agent/api does.
// TestWireCarriesEveryField fails when a field is left behind.

func wireDay(d prep.Day) api.DayList {
	out := api.DayList{Date: d.Date, AsOf: d.AsOf, Partial: d.Partial, CatalogueVersion: d.CatalogueVersion,
		Rows: make([]api.DayRow, len(d.Rows))}
	for i, r := range d.Rows {
		out.Rows[i] = api.DayRow{
			AppointmentID: r.AppointmentID, Time: r.Time, Provider: r.Provider, VisitType: r.VisitType,
			Status: r.Status, Inactive: r.Inactive, PatientID: r.PatientID, PatientName: r.PatientName,
			MRN: r.MRN, Age: r.Age, Sex: r.Sex, Counts: api.Counts(r.Counts), Due: r.Due, Stale: r.Stale,
			NotFetched: r.NotFetched,
		}
	}
	return out
}

func wireSheet(s prep.Sheet) api.Sheet {
	return api.Sheet{
		Date: s.Date, AppointmentID: s.AppointmentID, Patient: api.SheetPatient(s.Patient), Time: s.Time,
		Provider: s.Provider, VisitType: s.VisitType, Status: s.Status, Stale: s.Stale, NotFetched: s.NotFetched,
		Notes: s.Notes, Results: wireResults(s.Results), Measures: wireMeasures(s.Measures),
		Conditions: wireLines(s.Conditions), Labs: wireLines(s.Labs), Imaging: wireLines(s.Imaging),
		Consults: wireLines(s.Consults), Hospital: wireLines(s.Hospital), Immunizations: wireLines(s.Immunizations),
		Unread: wireLines(s.Unread),
	}
}

// each converts every element of xs with f; nil stays nil (null on the
// wire, as the engine left it).
func each[T, U any](xs []T, f func(T) U) []U {
	if xs == nil {
		return nil
	}
	return all(xs, f)
}

// all converts every element of xs with f; nil becomes empty ([] on the
// wire, for lists the app always shows).
func all[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

func wireLines(ls []prep.Line) []api.Line {
	return each(ls, func(l prep.Line) api.Line { return api.Line(l) })
}

func wireResults(rs []screening.Result) []api.Result {
	return each(rs, func(r screening.Result) api.Result {
		return api.Result{
			ID: r.ID, Title: r.Title, Status: api.ScreeningStatus(r.Status), LastDone: r.LastDone, Modality: r.Modality,
			NextDue: r.NextDue, Reason: r.Reason, Evidence: wireEvidence(r.Evidence), Rule: r.Rule, Variant: r.Variant,
			Review: r.Review, ReviewNote: r.ReviewNote, Attention: r.Attention, Missing: r.Missing,
			Details: r.Details, Measure: r.Measure,
		}
	})
}

func wireEvidence(es []screening.Evidence) []api.Evidence {
	return each(es, func(e screening.Evidence) api.Evidence {
		out := api.Evidence{Type: e.Type, ID: e.ID, System: e.System, Code: e.Code, Display: e.Display, Date: e.Date}
		if e.Text != nil {
			t := api.TextEvidence(*e.Text)
			out.Text = &t
		}
		return out
	})
}

func wireMeasures(ms []screening.MeasureLine) []api.MeasureLine {
	return all(ms, func(m screening.MeasureLine) api.MeasureLine {
		return api.MeasureLine{ID: m.ID, Title: m.Title, Screening: m.Screening, Year: m.Year,
			Status: api.MeasureStatus(m.Status), Reason: m.Reason, Differs: m.Differs,
			Evidence: wireEvidence(m.Evidence), Details: m.Details}
	})
}

func wireScreenings(ss []screening.ScreeningSummary) []api.CatalogueScreening {
	modality := func(m screening.ModalitySummary) api.CatalogueModality { return api.CatalogueModality(m) }
	variant := func(v screening.VariantSummary) api.CatalogueVariant { return api.CatalogueVariant(v) }
	return all(ss, func(s screening.ScreeningSummary) api.CatalogueScreening {
		return api.CatalogueScreening{
			ID: s.ID, Title: s.Title, Enabled: s.Enabled, Sexes: s.Sexes, MinAge: s.MinAge, MaxAge: s.MaxAge,
			DueSoon: s.DueSoon, Modalities: all(s.Modalities, modality), Review: s.Review, ReviewGroups: s.ReviewGroups,
			ManualReview: s.ManualReview, Triggers: s.Triggers, Exclusions: s.Exclusions, Variants: each(s.Variants, variant), Line: s.Line,
		}
	})
}

func wireProblems(ps []screening.Problem) []api.CatalogueProblem {
	return all(ps, func(p screening.Problem) api.CatalogueProblem { return api.CatalogueProblem(p) })
}

func unwireEdits(es []api.CatalogueEdit) []screening.Edit {
	return all(es, func(e api.CatalogueEdit) screening.Edit { return screening.Edit(e) })
}

func wireExclusions(xs []screening.ExclusionConcept) []api.ExclusionConcept {
	return all(xs, func(x screening.ExclusionConcept) api.ExclusionConcept { return api.ExclusionConcept(x) })
}
