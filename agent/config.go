package agent

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/agent/localapi"
	"github.com/healthprep/desk/internal/smart"
	"github.com/healthprep/desk/internal/tenant"
)

// Practice is the practice's non-secret configuration, saved as practice.json
// in the data directory. Secrets never go here: they live in the keychain.
type Practice struct {
	Name         string   `json:"name"`
	FHIRBase     string   `json:"fhirBase"`
	ClientID     string   `json:"clientId"`
	RedirectPort int      `json:"redirectPort"`
	Scopes       []string `json:"scopes,omitempty"`
	Issuer       string   `json:"issuer,omitempty"` // discovered at setup; sign-in insists on it
	// Discovery is what the FHIR server's SMART configuration said, reused
	// until it is a day old (nothing in it is secret).
	Discovery *smart.Config `json:"discovery,omitempty"`
	// SignedIn is who last signed in (a staff member, not a patient).
	SignedIn *SignedInUser `json:"signedIn,omitempty"`
	TimeZone string        `json:"timeZone,omitempty"`
	// Schedule says where the day's appointments come from.
	Schedule ScheduleSource `json:"schedule"`
	// SyncAt is the clinic-morning sync time, HH:MM local.
	SyncAt string `json:"syncAt,omitempty"`
	// ClinicEnd is when the repeat syncs stop, HH:MM local.
	ClinicEnd        string   `json:"clinicEnd,omitempty"`
	SyncEveryMinutes int      `json:"syncEveryMinutes,omitempty"`
	ClinicDays       []string `json:"clinicDays,omitempty"`
	RetentionDays    int      `json:"retentionDays,omitempty"`
	LargeText        bool     `json:"largeText,omitempty"`
	// Concurrency is how many requests to Epic a sync keeps in flight
	// (0: the default, 6). Some organisations ask apps to stay lower.
	Concurrency int `json:"concurrency,omitempty"`
	// ReadingWorkers is how many documents are read (OCR) at once after a
	// sync; 0: one, so reading takes one core.
	ReadingWorkers int `json:"readingWorkers,omitempty"`
	// Lookbacks are the prep sheet's recent-history windows, in months.
	Lookbacks Lookbacks `json:"lookbacks,omitzero"`
	// Send is sending prep notes to the chart: off unless turned on.
	Send api.SendSettings `json:"send,omitzero"`
	// DisabledExclusions are the catalogue's exclusion concepts (hospice,
	// palliative_care, ...) the practice has switched off: patients they
	// would leave out are shown due again.
	DisabledExclusions []string `json:"disabledExclusions,omitempty"`
	// Profile names the tenant profile (internal/tenant): what kind of
	// server this is and where it runs. Empty: Epic.
	Profile      string    `json:"profile,omitempty"`
	ConfiguredAt time.Time `json:"configuredAt"`

	// prof is Profile resolved (Open, StartDemo); nil: by name among the
	// built-in profiles.
	prof *tenant.Profile
}

// tenant is the practice's tenant profile: what the agent does differently
// for it is read from there, never from which practice this is.
func (p Practice) tenant() tenant.Profile {
	if p.prof != nil {
		return *p.prof
	}
	t, ok := tenant.Lookup(p.Profile)
	if !ok {
		return tenant.Epic // Open refuses an unknown name; this is a Practice made in code
	}
	return t
}

// ScheduleSource selects and configures one schedule source.
type ScheduleSource struct {
	Kind        string   `json:"kind"` // "provider-service", "fhir-appointments" or "file"
	ProviderIDs []string `json:"providerIds,omitempty"`
	LocationIDs []string `json:"locationIds,omitempty"`
	File        string   `json:"file,omitempty"`
}

// SignedInUser is who signed in to Epic, for the header and status.
type SignedInUser struct {
	Name     string    `json:"name"`
	FHIRUser string    `json:"fhirUser,omitempty"`
	At       time.Time `json:"at"`
	// WriteNotes: the sign-in was granted a scope that creates notes
	// (or the server did not say what it granted).
	WriteNotes bool `json:"writeNotes,omitempty"`
}

// Lookbacks are months of recent history per prep sheet section.
type Lookbacks struct {
	Labs     int `json:"labs,omitempty"`
	Imaging  int `json:"imaging,omitempty"`
	Consults int `json:"consults,omitempty"`
	Hospital int `json:"hospital,omitempty"`
}

// ID names the practice in the keychain: stable for a FHIR base and client ID.
func (p Practice) ID() string {
	sum := sha256.Sum256([]byte(p.FHIRBase + "\x00" + p.ClientID))
	return hex.EncodeToString(sum[:6])
}

// Location returns the practice's time zone, falling back to the machine's.
func (p Practice) Location() *time.Location {
	if p.TimeZone != "" {
		if loc, err := time.LoadLocation(p.TimeZone); err == nil {
			return loc
		}
	}
	return time.Local
}

const practiceFile = "practice.json"

// ErrNotConfigured means no practice has been set up in this data directory.
var ErrNotConfigured = errors.New("no practice is set up yet: run `healthprep-agent setup --fhir-base URL --client-id ID`")

// DataDir returns the data directory (see localapi.DataDir).
func DataDir() (string, error) { return localapi.DataDir() }

// LoadPractice reads the practice configuration, or ErrNotConfigured.
func LoadPractice(dir string) (Practice, error) {
	b, err := os.ReadFile(filepath.Join(dir, practiceFile))
	if errors.Is(err, fs.ErrNotExist) {
		return Practice{}, ErrNotConfigured
	}
	if err != nil {
		return Practice{}, fmt.Errorf("reading the practice configuration: %w", err)
	}
	var p Practice
	if err := json.Unmarshal(b, &p); err != nil {
		return Practice{}, fmt.Errorf("the practice configuration %s is damaged (%v): run setup again with --reset", filepath.Join(dir, practiceFile), err)
	}
	return p, nil
}

// SavePractice writes the configuration atomically, mode 0600.
func SavePractice(dir string, p Practice) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, practiceFile), append(b, '\n')); err != nil {
		return fmt.Errorf("saving the practice configuration: %w", err)
	}
	return nil
}

// updatePractice changes the current practice and saves it, if it is
// still the practice with this id: one reset or replaced meanwhile (a
// sign-in finishing after a reset) is left alone, not written back. It
// reports whether the practice was current.
func (a *Agent) updatePractice(id string, change func(*Practice)) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.practice == nil || a.practice.tenant().Transient || a.practice.ID() != id {
		return false, nil
	}
	cur := *a.practice
	change(&cur)
	a.practice = &cur
	return true, SavePractice(a.opts.Dir, cur)
}

// writeFileAtomic replaces path with b (temp file, fsync, rename), mode
// 0600, so a crash leaves the old file or the new one, never half of one.
func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// withDefaults fills the settings a practice need not choose.
func (p Practice) withDefaults() Practice {
	if p.RedirectPort == 0 {
		p.RedirectPort = p.tenant().RedirectPort
	}
	if p.SyncAt == "" {
		p.SyncAt = "06:30"
	}
	if p.ClinicEnd == "" {
		p.ClinicEnd = "18:00"
	}
	if p.SyncEveryMinutes == 0 {
		p.SyncEveryMinutes = 30
	}
	if len(p.ClinicDays) == 0 {
		p.ClinicDays = []string{"Mon", "Tue", "Wed", "Thu", "Fri"}
	}
	if p.RetentionDays == 0 {
		p.RetentionDays = 14
	}
	for _, m := range []*int{&p.Lookbacks.Labs, &p.Lookbacks.Imaging, &p.Lookbacks.Consults, &p.Lookbacks.Hospital} {
		if *m == 0 {
			*m = 12
		}
	}
	p.Concurrency = min(max(p.Concurrency, 0), 32) // 0: the FHIR client's default
	if p.Schedule.Kind == "" {
		p.Schedule.Kind = "provider-service"
	}
	return p
}

var stderr = os.Stderr
