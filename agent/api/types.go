// Package api defines the agent's local API: the JSON types, an HTTP handler
// that serves a Service, and a Client that implements Service over the
// agent's Unix socket. The desktop app binds to a Service, whichever side
// of the socket it is on. frontend/src/api/types.ts mirrors these types.
package api

import (
	"context"
	"time"
)

// Service is what the agent offers the app and the CLI.
type Service interface {
	Status(ctx context.Context) (Status, error)
	Day(ctx context.Context, date string) (DayList, error)
	Sheet(ctx context.Context, date, appointmentID string) (Sheet, error)
	// PrintHTML returns a self-contained print document for one appointment,
	// or for the whole day when appointmentID is empty.
	PrintHTML(ctx context.Context, date, appointmentID string) (string, error)
	Sync(ctx context.Context, date string) (SyncSummary, error)
	// SyncEvents streams progress until ctx ends.
	SyncEvents(ctx context.Context) (<-chan SyncEvent, error)
	CheckSetup(ctx context.Context, req SetupRequest) (SetupCheck, error)
	Setup(ctx context.Context, req SetupRequest) (SetupCheck, error)
	SignIn(ctx context.Context) (SignInResult, error)
	StartDemo(ctx context.Context) error
	Settings(ctx context.Context) (Settings, error)
	SaveSettings(ctx context.Context, s Settings) error
	Reset(ctx context.Context, confirm string) error
	Audit(ctx context.Context, since time.Time) ([]AuditEntry, error)
}

// Status is the agent's state at a glance.
type Status struct {
	Mode          string         `json:"mode"` // unconfigured, demo, practice
	Practice      *PracticeInfo  `json:"practice,omitempty"`
	SignedIn      *SignedIn      `json:"signedIn,omitempty"`
	NeedsSignIn   bool           `json:"needsSignIn"`
	Online        bool           `json:"online"`
	OfflineSince  *time.Time     `json:"offlineSince,omitempty"`
	OfflineReason string         `json:"offlineReason,omitempty"`
	LastSync      *LastSync      `json:"lastSync,omitempty"`
	Syncing       bool           `json:"syncing"`
	Days          []string       `json:"days"`
	Today         string         `json:"today"`
	Keychain      string         `json:"keychain,omitempty"`
	Requests      *RequestStats  `json:"requests,omitempty"`
	Version       string         `json:"version"`
	Discovery     *DiscoveryInfo `json:"discovery,omitempty"`
	Schedule      *ScheduleInfo  `json:"schedule,omitempty"`
	NextSync      *time.Time     `json:"nextSync,omitempty"`
	CatalogueInfo *CatalogueInfo `json:"catalogue,omitempty"`
}

type PracticeInfo struct {
	Name     string `json:"name"`
	FHIRBase string `json:"fhirBase"`
	ClientID string `json:"clientId"`
}

type SignedIn struct {
	User       string     `json:"user"`
	Expires    *time.Time `json:"expires,omitempty"`
	AccessMode string     `json:"accessMode"` // device, refresh, interactive
}

type LastSync struct {
	Date    string    `json:"date"`
	At      time.Time `json:"at"`
	Partial bool      `json:"partial"`
	Error   string    `json:"error,omitempty"`
}

type RequestStats struct {
	Total  int            `json:"total"`
	ByType map[string]int `json:"byType,omitempty"`
	Errors int            `json:"errors"`
}

type DiscoveryInfo struct {
	Authorize string `json:"authorize"`
	Token     string `json:"token"`
	Issuer    string `json:"issuer"`
	Register  string `json:"register,omitempty"`
	PKCES256  bool   `json:"pkceS256"`
}

type ScheduleInfo struct {
	Kind string `json:"kind"`
}

type CatalogueInfo struct {
	Version string `json:"version"`
	Count   int    `json:"count"`
}

// Counts tallies a patient's screenings by status.
type Counts struct {
	Due         int `json:"due"`
	DueSoon     int `json:"dueSoon"`
	NeedsReview int `json:"needsReview"`
	Complete    int `json:"complete"`
	Excluded    int `json:"excluded"`
}

type DayRow struct {
	AppointmentID string    `json:"appointmentId"`
	Time          time.Time `json:"time"`
	Provider      string    `json:"provider"`
	VisitType     string    `json:"visitType"`
	Status        string    `json:"status"`
	Inactive      bool      `json:"inactive"`
	PatientID     string    `json:"patientId"`
	PatientName   string    `json:"patientName"`
	MRN           string    `json:"mrn,omitempty"`
	Age           *int      `json:"age,omitempty"`
	Sex           string    `json:"sex,omitempty"`
	Counts        Counts    `json:"counts"`
	Stale         bool      `json:"stale,omitempty"`
}

type DayList struct {
	Date             string     `json:"date"`
	AsOf             *time.Time `json:"asOf,omitempty"`
	Partial          bool       `json:"partial"`
	CatalogueVersion string     `json:"catalogueVersion"`
	Rows             []DayRow   `json:"rows"`
}

type Evidence struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
	Date    string `json:"date,omitempty"`
}

type Result struct {
	ID       string     `json:"id"`
	Title    string     `json:"title"`
	Status   string     `json:"status"`
	LastDone string     `json:"lastDone,omitempty"`
	Modality string     `json:"modality,omitempty"`
	NextDue  string     `json:"nextDue,omitempty"`
	Reason   string     `json:"reason"`
	Evidence []Evidence `json:"evidence,omitempty"`
	Review   bool       `json:"review,omitempty"`
}

type Line struct {
	Title  string `json:"title"`
	Date   string `json:"date,omitempty"`
	Detail string `json:"detail,omitempty"`
}

type SheetPatient struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	MRN       string `json:"mrn,omitempty"`
	Age       *int   `json:"age,omitempty"`
	Sex       string `json:"sex,omitempty"`
	BirthDate string `json:"birthDate,omitempty"`
}

type Sheet struct {
	Date          string       `json:"date"`
	AppointmentID string       `json:"appointmentId"`
	Patient       SheetPatient `json:"patient"`
	Time          time.Time    `json:"time"`
	Provider      string       `json:"provider"`
	VisitType     string       `json:"visitType"`
	Results       []Result     `json:"results"`
	Conditions    []Line       `json:"conditions"`
	Labs          []Line       `json:"labs"`
	Imaging       []Line       `json:"imaging"`
	Consults      []Line       `json:"consults"`
	Hospital      []Line       `json:"hospital"`
	Immunizations []Line       `json:"immunizations"`
}

// SyncEvent reports sync progress. Phase: schedule, patients, saving, done, failed.
type SyncEvent struct {
	Phase         string `json:"phase"`
	Date          string `json:"date,omitempty"`
	Appointments  int    `json:"appointments"`
	PatientsDone  int    `json:"patientsDone"`
	PatientsTotal int    `json:"patientsTotal"`
	Requests      int    `json:"requests"`
	Errors        int    `json:"errors"`
	Message       string `json:"message,omitempty"`
}

type SyncSummary struct {
	Date         string        `json:"date"`
	Appointments int           `json:"appointments"`
	Patients     int           `json:"patients"`
	Failed       int           `json:"failed"`
	Requests     int           `json:"requests"`
	Partial      bool          `json:"partial"`
	Duration     time.Duration `json:"duration"`
	Warnings     []string      `json:"warnings,omitempty"`
}

type SetupRequest struct {
	FHIRBase     string `json:"fhirBase"`
	ClientID     string `json:"clientId"`
	Name         string `json:"name,omitempty"`
	RedirectPort int    `json:"redirectPort,omitempty"`
	Discover     bool   `json:"discover,omitempty"`
	Reset        bool   `json:"reset,omitempty"`
}

type Problem struct {
	Field   string `json:"field"` // fhirBase or clientId
	Message string `json:"message"`
}

type SetupCheck struct {
	FHIRBase  string         `json:"fhirBase"`
	ClientID  string         `json:"clientId"`
	Problems  []Problem      `json:"problems"`
	Discovery *DiscoveryInfo `json:"discovery,omitempty"`
}

type SignInResult struct {
	User       string `json:"user"`
	AccessMode string `json:"accessMode"`
}

type Settings struct {
	SyncAt           string   `json:"syncAt"`
	SyncEveryMinutes int      `json:"syncEveryMinutes"`
	ClinicDays       []string `json:"clinicDays"`
	RetentionDays    int      `json:"retentionDays"`
	LargeText        bool     `json:"largeText"`
}

type AuditEntry struct {
	At     time.Time         `json:"at"`
	Event  string            `json:"event"`
	Fields map[string]string `json:"fields,omitempty"`
}
