// Package tenant holds what differs between the servers the agent talks to
// as data, in one Profile: Epic's manners (paths, batch sizes, scopes, the
// sign-in port, its sandbox), and where a tenant runs and what it keeps
// (the demo's simulated tenant in this process, with its own cache and
// keychain items). The agent reads a practice's profile; no package asks
// "is this Epic" or "is this the demo". The facts and their sources are in
// shared/reference/epic-facts.md.
package tenant

import "strings"

// Profile is one kind of tenant. The zero value of a field means "none"
// (no web services, no sandbox, no fixed user) unless its comment says
// otherwise.
type Profile struct {
	// Name is how practice.json names the profile ("" is Epic).
	Name string

	// FHIRPathCut is where a FHIR base is cut to find the server root
	// that the vendor's web services hang off: Epic's FHIR base is
	// {server}/api/FHIR/R4. Empty: the base itself is the root.
	FHIRPathCut string
	// ProviderSchedulePath is the provider-schedule web service, under the
	// server root; empty when the server has none.
	ProviderSchedulePath string
	// ObservationCategories are searched together in one Observation
	// search per patient (Epic needs patient plus category or code, and
	// ORs a comma list).
	ObservationCategories []string
	// PatientBatch is how many ids go in one Patient?_id= search.
	PatientBatch int
	// Scopes are the resource scopes a sign-in asks for when the practice
	// lists none ("openid fhirUser" are always added).
	Scopes []string
	// RedirectPort is the loopback sign-in port when the practice names
	// none: the redirect must match the registered one exactly.
	RedirectPort int
	// SandboxHost is the vendor's public sandbox, which takes only
	// non-production client IDs.
	SandboxHost string
	// MRNSystem is the identifier system of the MRN, used to look a
	// schedule file's rows up. Epic's is an OID under each organisation's
	// own root, so it is not known in advance: empty matches any system.
	MRNSystem string

	// InProcess: the tenant is the simulated one in this process. Its
	// FHIR base, HTTP transport and tokens come from it; there is no
	// discovery and no sign-in.
	InProcess bool
	// SignedInAs is who is shown signed in when no one signs in (an
	// in-process tenant); that user may send notes.
	SignedInAs string
	// KeychainID names the keychain items; empty: the practice's own id
	// (from its FHIR base and client ID).
	KeychainID string
	// CacheDir is the cache's directory in the data directory.
	CacheDir string
	// Transient: the practice's configuration, settings and catalogue
	// live in memory only, so trying it never changes what a practice
	// saved, and setting a practice up replaces it without a reset.
	Transient bool
	// ThrowawayKey: with no keychain, the cache is encrypted with a new
	// random key and starts empty (only for synthetic data).
	ThrowawayKey bool
	// Mode is what the agent's status calls a practice on this profile
	// ("practice" or "demo").
	Mode string
}

// epicScopes are the read scopes the prep needs (SMART v1 user scopes:
// a provider-facing app on Epic uses user/..., never system/...).
var epicScopes = []string{
	"user/Patient.read", "user/Condition.read", "user/Observation.read", "user/Procedure.read",
	"user/Immunization.read", "user/DiagnosticReport.read", "user/DocumentReference.read",
	"user/Encounter.read", "user/Appointment.read", "user/Practitioner.read",
	"user/MedicationRequest.read", "user/ServiceRequest.read", "user/DeviceRequest.read",
	// A pharmacy's refusal of an order (CMS138); Epic drops it silently
	// where Task is not on the client, and the sync then goes without.
	"user/Task.read",
}

// Epic is a practice's Epic tenant, the default profile.
var Epic = Profile{
	Name:                 "",
	FHIRPathCut:          "/api/FHIR/",
	ProviderSchedulePath: "/api/epic/2013/Scheduling/Provider/GetProviderAppointments/Scheduling/Provider/Appointments",
	// Where the catalogue's evidence lives.
	ObservationCategories: []string{"laboratory", "vital-signs", "social-history", "survey", "imaging", "exam"},
	PatientBatch:          50,
	Scopes:                epicScopes,
	RedirectPort:          53682,
	SandboxHost:           "fhir.epic.com",
	CacheDir:              "cache",
	Mode:                  "practice",
}

// Demo is the embedded demo: the simulated Epic tenant in this process,
// with minted tokens, a fixed front-desk user, and its own cache and
// keychain items, so trying it never touches a practice's.
var Demo = func() Profile {
	p := Epic
	p.Name = "demo"
	p.InProcess = true
	p.SignedInAs = "Front Desk (demo)"
	p.KeychainID = "demo"
	p.CacheDir = "demo-cache"
	p.Transient = true
	p.ThrowawayKey = true
	p.Mode = "demo"
	return p
}()

// builtIn are the profiles practice.json can name.
var builtIn = []Profile{Epic, Demo}

// Lookup returns the profile called name among the built-in ones and
// extra (those first), or false.
func Lookup(name string, extra ...Profile) (Profile, bool) {
	for _, p := range append(extra, builtIn...) {
		if p.Name == name {
			return p, true
		}
	}
	return Profile{}, false
}

// ServerRoot is the server root a FHIR base hangs off, where the vendor's
// web services are: the base cut at FHIRPathCut, else the base itself.
func (p Profile) ServerRoot(fhirBase string) string {
	if p.FHIRPathCut != "" {
		if i := strings.Index(fhirBase, p.FHIRPathCut); i >= 0 {
			return fhirBase[:i]
		}
	}
	return strings.TrimSuffix(fhirBase, "/")
}

// Categories is ObservationCategories as one search parameter value.
func (p Profile) Categories() string { return strings.Join(p.ObservationCategories, ",") }
