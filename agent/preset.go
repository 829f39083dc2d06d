package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

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

// fill completes a setup of this preset's practice (the same FHIR base and
// client ID once cleaned) with what the request leaves out: the sign-in
// port and the schedule source, which the setup wizard does not ask for.
func (p Preset) fill(req api.SetupRequest) api.SetupRequest {
	base, id, _ := smart.Clean(req.FHIRBase, req.ClientID)
	if base != p.FHIRBase || id != p.ClientID {
		return req
	}
	if req.RedirectPort == 0 {
		req.RedirectPort = p.RedirectPort
	}
	if req.Schedule == nil {
		req.Schedule = p.Schedule
	}
	return req
}

// presetPaths are where an installer leaves a practice preset, first
// found wins: $HEALTHPREP_PRESET, practice-preset.json beside the agent
// program, then the system-wide file.
func presetPaths() []string {
	var out []string
	if p := os.Getenv("HEALTHPREP_PRESET"); p != "" {
		out = append(out, p)
	}
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		out = append(out, filepath.Join(filepath.Dir(exe), "practice-preset.json"))
	}
	switch runtime.GOOS {
	case "windows":
		if pd := os.Getenv("ProgramData"); pd != "" {
			out = append(out, filepath.Join(pd, "HealthPrep", "practice.json"))
		}
	case "darwin":
		out = append(out, "/Library/Application Support/HealthPrep/practice.json")
	default:
		out = append(out, "/etc/healthprep/practice.json")
	}
	return out
}

// presetApplied records (by content hash) the preset last applied here. It
// survives a reset, so a reset returns to the demo rather than to the same
// preset; a changed preset applies again.
const presetAppliedFile = "preset-applied"

// applyPreset sets an unconfigured install up from the first preset found,
// the way a pasted setup is (same checks, discovery included). When the
// preset has problems or Epic cannot be reached nothing is saved: status
// carries the preset for the setup wizard, and the next start tries again.
// It reports whether the practice is now set up.
func (a *Agent) applyPreset(ctx context.Context) bool {
	var path string
	var raw []byte
	for _, p := range presetPaths() {
		b, err := os.ReadFile(p)
		if err == nil {
			path, raw = p, b
			break
		}
	}
	if path == "" {
		return false
	}
	sum := sha256.Sum256(raw)
	hash := hex.EncodeToString(sum[:])
	if b, err := os.ReadFile(filepath.Join(a.opts.Dir, presetAppliedFile)); err == nil && strings.TrimSpace(string(b)) == hash {
		return false // applied before, then reset: stay reset
	}
	pr, err := ReadPreset(path)
	if err != nil {
		a.preset = &api.PresetInfo{Path: path, Problems: []api.Problem{}, Error: err.Error()}
		a.log.Warn("the practice preset cannot be used", "path", path, "err", err)
		return false
	}
	info := &api.PresetInfo{Path: path, Name: pr.Name, FHIRBase: pr.FHIRBase, ClientID: pr.ClientID, Problems: []api.Problem{}}
	a.preset, a.presetValues = info, &pr
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// Setup switches from "nothing" to the practice; there is no demo yet.
	out, err := a.Setup(dctx, pr.SetupRequest())
	if err != nil || len(out.Problems) > 0 {
		info.Problems = out.Problems
		if err != nil {
			info.Error = api.AsError(err).Message
		}
		a.log.Warn("the practice preset was not applied; the setup wizard shows it", "path", path, "problems", len(out.Problems), "err", info.Error)
		return false
	}
	a.preset, a.presetValues = nil, nil
	if err := writeFileAtomic(filepath.Join(a.opts.Dir, presetAppliedFile), []byte(hash+"\n")); err != nil {
		a.log.Warn("recording the applied preset", "err", err)
	}
	a.log.Info("practice set up from its preset", "path", path)
	return true
}
