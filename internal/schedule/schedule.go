// Package schedule gets a day's appointments. Epic's FHIR Appointment search
// is patient-scoped, so the day comes from a pluggable source: Epic's
// provider-schedule web service, FHIR Appointment search by practitioner
// where the tenant allows it, or a schedule file exported from Epic. Every
// source ends as the same record.Appointment values.
package schedule

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/tenant"
)

// Source produces the appointments of one local calendar day.
type Source interface {
	Appointments(ctx context.Context, day time.Time) ([]record.Appointment, error)
}

// ProviderService reads Epic's GetProviderAppointments web service for the
// practice's provider IDs.
type ProviderService struct {
	FHIR        *fhir.Client
	ServerBase  string // Epic server root, e.g. https://epic.example.org/interconnect-fhir-oauth
	ProviderIDs []string
	UserID      string
	// Path is the web service under ServerBase: the tenant profile's;
	// default Epic's (tenant.Epic).
	Path string
}

type epicAppointment struct {
	Date              string
	Time              string
	DurationInMinutes int
	VisitTypeName     string
	AppointmentStatus string
	ContactIDs        []struct{ ID, Type string }
	Patient           struct {
		Name string
		IDs  []struct{ ID, Type string }
	}
	Providers []struct {
		ProviderID   string
		ProviderName string
	}
	Department struct{ Name string }
}

// Appointments implements Source.
func (s ProviderService) Appointments(ctx context.Context, day time.Time) ([]record.Appointment, error) {
	if len(s.ProviderIDs) == 0 {
		return nil, fmt.Errorf("no provider IDs are set for the schedule: add the practice's Epic provider IDs in setup")
	}
	d := day.Format("01/02/2006")
	req := map[string]any{"UserID": s.UserID, "StartDate": d, "EndDate": d}
	var provs []map[string]string
	for _, id := range s.ProviderIDs {
		provs = append(provs, map[string]string{"ID": id, "IDType": "External"})
	}
	req["Providers"] = provs
	var resp struct{ Appointments []epicAppointment }
	if err := s.FHIR.PostJSON(ctx, strings.TrimRight(s.ServerBase, "/")+cmp.Or(s.Path, tenant.Epic.ProviderSchedulePath), "provider schedule", req, &resp); err != nil {
		return nil, err
	}
	var out []record.Appointment
	for i, a := range resp.Appointments {
		start, err := time.ParseInLocation("01/02/2006 03:04 PM", a.Date+" "+a.Time, day.Location())
		if err != nil {
			return nil, fmt.Errorf("the provider schedule's appointment %d has an unreadable date or time", i+1)
		}
		ap := record.Appointment{
			Start:       start,
			Minutes:     a.DurationInMinutes,
			VisitType:   a.VisitTypeName,
			Status:      epicStatus(a.AppointmentStatus),
			PatientName: displayName(a.Patient.Name),
			Location:    a.Department.Name,
		}
		for _, c := range a.ContactIDs {
			if strings.EqualFold(c.Type, "CSN") {
				ap.CSN = c.ID
			}
		}
		for _, id := range a.Patient.IDs {
			if strings.EqualFold(id.Type, "FHIR") {
				ap.PatientID = id.ID
			}
		}
		if len(a.Providers) > 0 {
			ap.ProviderID, ap.Provider = a.Providers[0].ProviderID, a.Providers[0].ProviderName
		}
		if ap.PatientID == "" {
			return nil, fmt.Errorf("the provider schedule's appointment %d has no FHIR patient ID", i+1)
		}
		ap.ID = "csn-" + ap.CSN
		if ap.CSN == "" {
			ap.ID = fmt.Sprintf("%s-%s-%s", ap.PatientID, start.Format("1504"), ap.ProviderID)
		}
		out = append(out, ap)
	}
	sortAppointments(out)
	return out, nil
}

func epicStatus(s string) string {
	switch strings.ToLower(strings.ReplaceAll(s, " ", "")) {
	case "scheduled", "booked":
		return "booked"
	case "arrived", "checkedin":
		return "arrived"
	case "completed":
		return "fulfilled"
	case "canceled", "cancelled":
		return "cancelled"
	case "noshow":
		return "noshow"
	}
	return strings.ToLower(s)
}

// displayName turns Epic's "FAMILY,GIVEN" into "Given Family".
func displayName(epic string) string {
	fam, giv, ok := strings.Cut(epic, ",")
	if !ok {
		return titleCase(epic)
	}
	return strings.TrimSpace(titleCase(giv) + " " + titleCase(fam))
}

func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

func sortAppointments(a []record.Appointment) {
	sort.SliceStable(a, func(i, j int) bool {
		if !a[i].Start.Equal(a[j].Start) {
			return a[i].Start.Before(a[j].Start)
		}
		return a[i].Provider < a[j].Provider
	})
}

// FHIRAppointments searches FHIR Appointment by practitioner and date, which
// only some Epic tenants allow.
type FHIRAppointments struct {
	FHIR            *fhir.Client
	PractitionerIDs []string
}

// Appointments implements Source.
func (s FHIRAppointments) Appointments(ctx context.Context, day time.Time) ([]record.Appointment, error) {
	var out []record.Appointment
	for _, pid := range s.PractitionerIDs {
		res, err := s.FHIR.Search(ctx, "Appointment", url.Values{
			"practitioner": {pid},
			"date":         {"ge" + day.Format(time.DateOnly), "le" + day.Format(time.DateOnly)},
			"_count":       {"200"},
		})
		if fhir.KindOf(err) == fhir.KindBadRequest {
			return nil, fmt.Errorf("this Epic organization does not allow appointment search by provider (%v); use the provider schedule service or a schedule file instead", err)
		}
		if err != nil {
			return nil, err
		}
		for _, raw := range res.Resources {
			a, err := fromFHIR(raw, day.Location())
			if err != nil {
				continue
			}
			if a.Start.Format(time.DateOnly) == day.Format(time.DateOnly) {
				out = append(out, a)
			}
		}
	}
	sortAppointments(out)
	return out, nil
}

func fromFHIR(raw json.RawMessage, loc *time.Location) (record.Appointment, error) {
	var a struct {
		ID          string
		Status      string
		Start       string
		Minutes     int `json:"minutesDuration"`
		ServiceType []struct{ Text string }
		Identifier  []struct{ Value string }
		Participant []struct {
			Actor struct{ Reference, Display string }
		}
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return record.Appointment{}, err
	}
	start, err := time.Parse(time.RFC3339, a.Start)
	if err != nil {
		return record.Appointment{}, err
	}
	out := record.Appointment{ID: a.ID, Status: a.Status, Start: start.In(loc), Minutes: a.Minutes}
	if len(a.ServiceType) > 0 {
		out.VisitType = a.ServiceType[0].Text
	}
	if len(a.Identifier) > 0 {
		out.CSN = a.Identifier[0].Value
	}
	for _, p := range a.Participant {
		typ, id, _ := strings.Cut(p.Actor.Reference, "/")
		switch typ {
		case "Patient":
			out.PatientID, out.PatientName = id, p.Actor.Display
		case "Practitioner":
			out.ProviderID, out.Provider = id, p.Actor.Display
		case "Location":
			out.Location = p.Actor.Display
		}
	}
	if out.PatientID == "" {
		return out, fmt.Errorf("appointment without a patient")
	}
	return out, nil
}
