package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/smart"
)

// Preset is a practice's setup handed to a front-desk computer (by its
// installer or first run) so nobody types: everything but the sign-in.
// It holds nothing secret.
type Preset struct {
	Format       string              `json:"format"` // PresetFormat
	Name         string              `json:"name"`
	FHIRBase     string              `json:"fhirBase"`
	ClientID     string              `json:"clientId"`
	RedirectPort int                 `json:"redirectPort,omitempty"`
	Schedule     *api.ScheduleSource `json:"schedule,omitempty"`
}

// PresetFormat names the preset file format and its version.
const PresetFormat = "healthprep-practice-preset/1"

// NewPreset checks a preset like a pasted setup (same cleaning, same
// messages) and returns it cleaned, or the problems.
func NewPreset(name, fhirBase, clientID string, redirectPort int, sched *api.ScheduleSource) (Preset, []api.Problem) {
	base, id, probs := smart.Clean(fhirBase, clientID)
	var out []api.Problem
	for _, p := range probs {
		out = append(out, api.Problem{Field: p.Field, Message: p.Message})
	}
	if strings.TrimSpace(name) == "" {
		out = append(out, api.Problem{Field: "name", Message: "Give the practice's name, as the front desk knows it."})
	}
	return Preset{Format: PresetFormat, Name: strings.TrimSpace(name), FHIRBase: base, ClientID: id, RedirectPort: redirectPort, Schedule: sched}, out
}

// ReadPreset reads a preset file.
func ReadPreset(path string) (Preset, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Preset{}, fmt.Errorf("reading the practice preset: %w", err)
	}
	var p Preset
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Preset{}, fmt.Errorf("the practice preset %s is not readable (%v); make it again with `healthprep-agent preset`", path, err)
	}
	if p.Format != PresetFormat {
		return Preset{}, errors.New("the file " + path + " is not a HealthPrep practice preset (format " + PresetFormat + ")")
	}
	return p, nil
}

// SetupRequest is the preset as a setup, validated by Setup like a paste.
func (p Preset) SetupRequest() api.SetupRequest {
	return api.SetupRequest{FHIRBase: p.FHIRBase, ClientID: p.ClientID, Name: p.Name, RedirectPort: p.RedirectPort, Schedule: p.Schedule}
}
