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

func wireLines(ls []prep.Line) []api.Line {
	if ls == nil {
		return nil
	}
	out := make([]api.Line, len(ls))
	for i, l := range ls {
		out[i] = api.Line(l)
	}
	return out
}

func wireResults(rs []screening.Result) []api.Result {
	if rs == nil {
		return nil
	}
	out := make([]api.Result, len(rs))
	for i, r := range rs {
		ev := wireEvidence(r.Evidence)
		out[i] = api.Result{
			ID: r.ID, Title: r.Title, Status: api.ScreeningStatus(r.Status), LastDone: r.LastDone, Modality: r.Modality,
			NextDue: r.NextDue, Reason: r.Reason, Evidence: ev, Rule: r.Rule, Variant: r.Variant,
			Review: r.Review, ReviewNote: r.ReviewNote, Attention: r.Attention, Missing: r.Missing,
			Details: r.Details, Measure: r.Measure,
		}
	}
	return out
}

func wireEvidence(es []screening.Evidence) []api.Evidence {
	if es == nil {
		return nil
	}
	out := make([]api.Evidence, len(es))
	for i, e := range es {
		out[i] = api.Evidence{Type: e.Type, ID: e.ID, System: e.System, Code: e.Code, Display: e.Display, Date: e.Date}
		if e.Text != nil {
			t := api.TextEvidence(*e.Text)
			out[i].Text = &t
		}
	}
	return out
}

func wireMeasures(ms []screening.MeasureLine) []api.MeasureLine {
	out := make([]api.MeasureLine, len(ms))
	for i, m := range ms {
		out[i] = api.MeasureLine{ID: m.ID, Title: m.Title, Screening: m.Screening, Year: m.Year,
			Status: api.MeasureStatus(m.Status), Reason: m.Reason, Differs: m.Differs,
			Evidence: wireEvidence(m.Evidence), Details: m.Details}
	}
	return out
}

func wireScreenings(ss []screening.ScreeningSummary) []api.CatalogueScreening {
	out := make([]api.CatalogueScreening, len(ss))
	for i, s := range ss {
		ms := make([]api.CatalogueModality, len(s.Modalities))
		for j, m := range s.Modalities {
			ms[j] = api.CatalogueModality(m)
		}
		var vs []api.CatalogueVariant
		if s.Variants != nil {
			vs = make([]api.CatalogueVariant, len(s.Variants))
			for j, v := range s.Variants {
				vs[j] = api.CatalogueVariant(v)
			}
		}
		out[i] = api.CatalogueScreening{
			ID: s.ID, Title: s.Title, Enabled: s.Enabled, Sexes: s.Sexes, MinAge: s.MinAge, MaxAge: s.MaxAge,
			DueSoon: s.DueSoon, Modalities: ms, Review: s.Review, ReviewGroups: s.ReviewGroups,
			ManualReview: s.ManualReview, Triggers: s.Triggers, Exclusions: s.Exclusions, Variants: vs, Line: s.Line,
		}
	}
	return out
}

func wireProblems(ps []screening.Problem) []api.CatalogueProblem {
	out := make([]api.CatalogueProblem, len(ps))
	for i, p := range ps {
		out[i] = api.CatalogueProblem(p)
	}
	return out
}

func unwireEdits(es []api.CatalogueEdit) []screening.Edit {
	out := make([]screening.Edit, len(es))
	for i, e := range es {
		out[i] = screening.Edit(e)
	}
	return out
}

func wireExclusions(xs []screening.ExclusionConcept) []api.ExclusionConcept {
	out := make([]api.ExclusionConcept, len(xs))
	for i, x := range xs {
		out[i] = api.ExclusionConcept(x)
	}
	return out
}
