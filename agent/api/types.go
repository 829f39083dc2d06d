// Package api defines the agent's local API: the JSON types, an HTTP handler
// that serves a Service, and a Client that implements Service over the
// agent's Unix socket. The desktop app binds to a Service, whichever side
// of the socket it is on. It holds the wire types only, never the engine's:
// the agent converts to them at its edge (agent/wire.go), and the app's
// TypeScript types are generated from them (`make api-types`).
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
	Sync(ctx context.Context, req SyncRequest) (SyncSummary, error)
	// SyncEvents streams progress until ctx ends.
	SyncEvents(ctx context.Context) (<-chan SyncEvent, error)
	// CancelSync stops a running sync; the saved prep stays as it was.
	CancelSync(ctx context.Context) error
	CheckSetup(ctx context.Context, req SetupRequest) (SetupCheck, error)
	Setup(ctx context.Context, req SetupRequest) (SetupCheck, error)
	// TestSchedule fetches a day's schedule from the source given (or the
	// saved one) and says how many appointments it found; SaveSchedule
	// keeps the source. Both report problems by field, saving nothing then.
	TestSchedule(ctx context.Context, req ScheduleTest) (ScheduleCheck, error)
	SaveSchedule(ctx context.Context, src ScheduleSource) (ScheduleCheck, error)
	// StartSignIn opens the system browser at Epic's sign-in page and
	// returns at once; SignInStatus reports how it went, waiting up to
	// wait for it to finish; CancelSignIn gives up on it.
	StartSignIn(ctx context.Context, req SignInRequest) (SignInState, error)
	SignInStatus(ctx context.Context, wait time.Duration) (SignInState, error)
	CancelSignIn(ctx context.Context) error
	StartDemo(ctx context.Context) error
	Settings(ctx context.Context) (Settings, error)
	SaveSettings(ctx context.Context, s Settings) error
	// Catalogue returns the screening catalogue in use; EditCatalogue,
	// ImportCatalogue and ResetCatalogue change the practice's copy. A
	// change that does not validate is refused with its problems (and
	// nothing saved): the last good catalogue stays in use.
	Catalogue(ctx context.Context) (CatalogueView, error)
	EditCatalogue(ctx context.Context, edits []CatalogueEdit) (CatalogueChange, error)
	ImportCatalogue(ctx context.Context, yaml string) (CatalogueChange, error)
	ResetCatalogue(ctx context.Context) (CatalogueView, error)
	// ImportSchedule keeps a schedule file exported from Epic for the
	// practices whose schedule source is "file".
	ImportSchedule(ctx context.Context, req ScheduleImport) (ScheduleImported, error)
	Reset(ctx context.Context, confirm string) error
	Audit(ctx context.Context, since time.Time) ([]AuditEntry, error)
	// Send files visits' prep notes in their charts (opt-in, see
	// SendSettings); SentNotes says which of a day's visits have one.
	Send(ctx context.Context, req SendRequest) (SendResult, error)
	SentNotes(ctx context.Context, date string) (SentNotes, error)
	// DocumentText is the extracted text of a document a visit's sheet
	// cites, from the encrypted cache only (no network).
	DocumentText(ctx context.Context, date, appointmentID, docID string) (DocumentText, error)
}

// Mode is what the agent serves: nothing yet, the demo, or a practice.
type Mode string

const (
	ModeUnconfigured Mode = "unconfigured"
	ModeDemo         Mode = "demo"
	ModePractice     Mode = "practice"
)

// Status is the agent's state at a glance.
type Status struct {
	Mode          Mode           `json:"mode"`
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
	// Preset is a practice preset this computer was given but could not
	// apply yet (the setup wizard opens filled in with it).
	Preset *PresetInfo `json:"preset,omitempty"`
	// Notice is something the front desk should know, in plain words
	// (e.g. the saved prep could not be read and is being fetched again).
	Notice string `json:"notice,omitempty"`
}

// PresetInfo is a practice preset found at start and why it was not
// applied: problems with its values, or Epic could not be reached.
type PresetInfo struct {
	Path     string    `json:"path"`
	Name     string    `json:"name"`
	FHIRBase string    `json:"fhirBase"`
	ClientID string    `json:"clientId"`
	Problems []Problem `json:"problems"`
	Error    string    `json:"error,omitempty"`
}

type PracticeInfo struct {
	Name     string `json:"name"`
	FHIRBase string `json:"fhirBase"`
	ClientID string `json:"clientId"`
}

type SignedIn struct {
	User string `json:"user"`
	// Expires is when a session-only sign-in ends (accessMode
	// "interactive"); lasting access renews itself and has none.
	Expires    *time.Time `json:"expires,omitempty"`
	AccessMode string     `json:"accessMode"` // device, refresh, interactive, demo
	// AccessNote says in plain words what the access mode means for the
	// morning update (for the setup wizard and status).
	AccessNote string `json:"accessNote,omitempty"`
}

type LastSync struct {
	Date    string    `json:"date"`
	At      time.Time `json:"at"`
	Partial bool      `json:"partial"`
	Error   string    `json:"error,omitempty"`
}

// RequestStats describe the last sync's requests to Epic.
type RequestStats struct {
	Total   int            `json:"total"`
	ByType  map[string]int `json:"byType,omitempty"`
	Errors  int            `json:"errors"`
	Retries int            `json:"retries"`
	Seconds float64        `json:"seconds"` // summed request time
}

type DiscoveryInfo struct {
	Authorize string `json:"authorize"`
	Token     string `json:"token"`
	Issuer    string `json:"issuer"`
	Register  string `json:"register,omitempty"`
	PKCES256  bool   `json:"pkceS256"`
}

type ScheduleInfo struct {
	Kind        string   `json:"kind"`
	ProviderIDs []string `json:"providerIds,omitempty"`
}

type CatalogueInfo struct {
	Version string `json:"version"`
	Count   int    `json:"count"`
}

// SyncPhase is where a sync stands.
type SyncPhase string

const (
	PhaseSchedule SyncPhase = "schedule"
	PhasePatients SyncPhase = "patients"
	PhaseSaving   SyncPhase = "saving"
	PhaseDone     SyncPhase = "done"
	PhaseFailed   SyncPhase = "failed"
	// Documents read after an update (agent/reading.go): reading, then read.
	PhaseReading SyncPhase = "reading"
	PhaseRead    SyncPhase = "read"
)

// SyncEvent reports sync progress.
type SyncEvent struct {
	Phase         SyncPhase `json:"phase"`
	Date          string    `json:"date,omitempty"`
	Appointments  int       `json:"appointments"`
	PatientsDone  int       `json:"patientsDone"`
	PatientsTotal int       `json:"patientsTotal"`
	Requests      int       `json:"requests"`
	Errors        int       `json:"errors"`
	Message       string    `json:"message,omitempty"`
	PatientID     string    `json:"patientId,omitempty"` // the patient whose chart just landed
}

// SyncSummary describes a finished sync (daysync.Summary, as sent; the app
// must not link the sync and its cache to read it).
type SyncSummary struct {
	Date         string        `json:"date"`
	Appointments int           `json:"appointments"`
	Patients     int           `json:"patients"`
	Stale        int           `json:"stale"`       // Epic could not give them this time
	Unfetched    int           `json:"unfetched"`   // of those, the ones with nothing from an earlier sync either
	Incremental  int           `json:"incremental"` // refreshed with only what changed
	Fresh        int           `json:"fresh"`       // chart fresh enough to keep; only the Patient read
	Skipped      int           `json:"skipped"`     // entries Epic sent that were not readable
	Requests     int           `json:"requests"`
	Partial      bool          `json:"partial"`
	Duration     time.Duration `json:"duration"`
	Warnings     []string      `json:"warnings,omitempty"`
}

// SetupRequest is what the manager pasted. Reset allows replacing a
// different practice (wiping its cache and keychain items first).
type SetupRequest struct {
	FHIRBase     string `json:"fhirBase"`
	ClientID     string `json:"clientId"`
	Name         string `json:"name,omitempty"`
	RedirectPort int    `json:"redirectPort,omitempty"`
	Discover     bool   `json:"discover,omitempty"`
	Reset        bool   `json:"reset,omitempty"`
	// ClientSecret is only for an app Epic registered as confidential; it
	// goes straight to the keychain.
	ClientSecret string          `json:"clientSecret,omitempty"`
	Schedule     *ScheduleSource `json:"schedule,omitempty"`
}

// ScheduleSource says where the day's appointments come from: Epic's
// provider-schedule web service ("provider-service", with provider IDs),
// FHIR Appointment search by practitioner ("fhir-appointments", where the
// tenant allows it) or a schedule file the front desk imports ("file").
type ScheduleSource struct {
	Kind        string   `json:"kind"`
	ProviderIDs []string `json:"providerIds,omitempty"`
}

// SignInRequest starts a browser sign-in. NoBrowser leaves opening the
// page to the caller (it gets the URL back).
type SignInRequest struct {
	NoBrowser bool `json:"noBrowser,omitempty"`
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

// SignInState is where a browser sign-in stands. State: idle (none
// started since the agent began), waiting (the browser is open at Epic),
// done, or failed (Error says why, in words for the manager).
type SignInState struct {
	State      SignInStep `json:"state"`
	URL        string     `json:"url,omitempty"` // Epic's sign-in page, to open by hand if no browser came up
	User       string     `json:"user,omitempty"`
	AccessMode string     `json:"accessMode,omitempty"` // device, refresh, interactive, demo
	AccessNote string     `json:"accessNote,omitempty"` // what the mode means for the morning update
	Error      string     `json:"error,omitempty"`
	StartedAt  *time.Time `json:"startedAt,omitempty"`
}

// SignInStep is where a browser sign-in stands.
type SignInStep string

const (
	SignInIdle    SignInStep = "idle"
	SignInWaiting SignInStep = "waiting"
	SignInDone    SignInStep = "done"
	SignInFailed  SignInStep = "failed"
)

// Settings are the practice's choices a manager can change in the app.
type Settings struct {
	SyncAt           string   `json:"syncAt"`    // morning sync, HH:MM local
	ClinicEnd        string   `json:"clinicEnd"` // repeat syncs stop, HH:MM local
	SyncEveryMinutes int      `json:"syncEveryMinutes"`
	ClinicDays       []string `json:"clinicDays"` // Mon..Sun
	RetentionDays    int      `json:"retentionDays"`
	LargeText        bool     `json:"largeText"`
	// Lookbacks are the prep sheet's recent-history windows in months.
	Lookbacks Lookbacks `json:"lookbacks"`
	// Send is sending prep notes to Epic; nil on save leaves it as it is.
	Send *SendSettings `json:"send,omitempty"`
	// DisabledExclusions are the exclusion concepts the practice has
	// switched off (ids from Exclusions); absent on save keeps them.
	DisabledExclusions []string `json:"disabledExclusions"`
	// Exclusions are the catalogue's exclusion concepts, for Settings'
	// checkboxes (read only: ignored on save).
	Exclusions []ExclusionConcept `json:"exclusions,omitempty"`
}

// ExclusionConcept is one exclusion concept: its id and what the sheet
// says ("in hospice care"); On is the catalogue's own switch.
type ExclusionConcept struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	On    bool   `json:"on"`
}

// Lookbacks are months of history each prep sheet section shows.
type Lookbacks struct {
	Labs     int `json:"labs"`
	Imaging  int `json:"imaging"`
	Consults int `json:"consults"`
	Hospital int `json:"hospital"`
}

type AuditEntry struct {
	At     time.Time         `json:"at"`
	Event  string            `json:"event"`
	Fields map[string]string `json:"fields,omitempty"`
}

// CatalogueView is the catalogue for the settings editor.
type CatalogueView struct {
	Version string `json:"version"`
	// Custom is true when the practice's own copy is in use, not the default.
	Custom     bool                 `json:"custom"`
	YAML       string               `json:"yaml"` // for export
	Screenings []CatalogueScreening `json:"screenings"`
}

// CatalogueChange is the outcome of an edit or import: either Problems
// (nothing was saved) or the new catalogue.
type CatalogueChange struct {
	Problems  []CatalogueProblem `json:"problems"`
	Catalogue *CatalogueView     `json:"catalogue,omitempty"`
}

// SyncRequest asks for a day (empty: today). Full fetches every chart
// whole instead of only what changed since the last sync.
type SyncRequest struct {
	Date string `json:"date"`
	Full bool   `json:"full,omitempty"`
}

// ScheduleImport is a schedule file exported from Epic (CSV or
// tab-separated) and the day it is for, when it has no date column.
type ScheduleImport struct {
	Date string `json:"date"`
	CSV  string `json:"csv"`
}

// ScheduleImported says what was read from an imported schedule file.
type ScheduleImported struct {
	Date     string       `json:"date"`
	Rows     int          `json:"rows"`
	First    string       `json:"first,omitempty"` // dates the file covers, if it has a date column
	Last     string       `json:"last,omitempty"`
	Problems []RowProblem `json:"problems"`
}

// RowProblem is a schedule-file row that could not be read; it names the
// line, never the patient.
type RowProblem struct {
	Line    int    `json:"line"`
	Problem string `json:"problem"`
}

// ScheduleTest asks the schedule source the manager chose for a day's
// appointments (empty: today), saving nothing.
type ScheduleTest struct {
	Source ScheduleSource `json:"source"`
	Date   string         `json:"date,omitempty"`
}

// ScheduleCheck is a schedule source as cleaned (provider IDs split, trimmed
// and de-duplicated) with its problems by field ("kind", "providerIds"); a
// test adds what the source gave for the day.
type ScheduleCheck struct {
	Source   ScheduleSource `json:"source"`
	Problems []Problem      `json:"problems"`
	// Tested is set when the schedule was fetched: Appointments is then
	// the day's count (0 is an answer), ByProvider the count per provider
	// ID asked for (an ID with none may be mistyped).
	Tested       bool            `json:"tested"`
	Date         string          `json:"date,omitempty"`
	Appointments int             `json:"appointments"`
	ByProvider   []ProviderCount `json:"byProvider,omitempty"`
	// NextDate is the next clinic day with appointments, when Date has none.
	NextDate         string `json:"nextDate,omitempty"`
	NextAppointments int    `json:"nextAppointments,omitempty"`
	// Note says what a test could not do (no schedule file imported yet).
	Note string `json:"note,omitempty"`
}

// ProviderCount is one provider's appointments on the tested day.
type ProviderCount struct {
	ID           string `json:"id"`
	Name         string `json:"name,omitempty"`
	Appointments int    `json:"appointments"`
	// Unknown: Epic refused the search for this ID (not a provider it knows).
	Unknown bool `json:"unknown,omitempty"`
}
