package agent

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/smart"
	"github.com/healthprep/desk/internal/tenant"
)

// CheckSetup cleans what the manager pasted and says what is wrong with
// it, as they type; with Discover it also asks the server what it offers.
// Nothing is saved.
func (a *Agent) CheckSetup(ctx context.Context, req api.SetupRequest) (api.SetupCheck, error) {
	out, _, err := a.checkSetup(ctx, req)
	return out, err
}

func (a *Agent) checkSetup(ctx context.Context, req api.SetupRequest) (api.SetupCheck, *smart.Config, error) {
	base, id, probs := smart.Clean(req.FHIRBase, req.ClientID)
	out := api.SetupCheck{FHIRBase: base, ClientID: id, Problems: []api.Problem{}}
	for _, p := range probs {
		out.Problems = append(out.Problems, api.Problem{Field: p.Field, Message: p.Message})
	}
	if req.RedirectPort != 0 && (req.RedirectPort < 1024 || req.RedirectPort > 65535) {
		out.Problems = append(out.Problems, api.Problem{Field: "redirectPort", Message: fmt.Sprintf("The sign-in port must be between 1024 and 65535, the one registered with the app at Epic (usually %d).", tenant.Epic.RedirectPort)})
	}
	if len(out.Problems) > 0 || !req.Discover {
		return out, nil, nil
	}
	cfg, err := smart.Discover(ctx, base, a.netOptions())
	if cfg != nil {
		out.Discovery = discoveryInfo(cfg)
	}
	if err != nil {
		return out, nil, smartError(err)
	}
	return out, cfg, nil
}

// Setup saves the practice after checking it with discovery. A problem
// with the pasted values comes back in SetupCheck.Problems and saves
// nothing. Setting up a different practice than the one configured needs
// Reset, which first wipes the old practice's cache and keychain items;
// the same practice again updates its settings and keeps its sign-in.
func (a *Agent) Setup(ctx context.Context, req api.SetupRequest) (api.SetupCheck, error) {
	req.Discover = true
	a.mu.Lock()
	pv := a.presetValues
	a.mu.Unlock()
	if pv != nil {
		req = pv.fill(req)
	}
	out, cfg, err := a.checkSetup(ctx, req)
	if err != nil || len(out.Problems) > 0 {
		return out, err
	}
	a.mu.Lock()
	var old *Practice
	if a.practice != nil && !a.practice.tenant().Transient {
		cp := *a.practice
		old = &cp
	}
	a.mu.Unlock()
	same := old != nil && old.FHIRBase == out.FHIRBase && old.ClientID == out.ClientID
	if old != nil && !same {
		if !req.Reset {
			return out, api.NewError(api.KindBusy, fmt.Sprintf("This computer is already set up for %s (%s). Setting up a different practice removes that practice's saved days and sign-in from this computer: reset it first (Settings, or setup --reset).", nameOr(old.Name, "another practice"), old.FHIRBase))
		}
		if err := a.wipePractice(ctx); err != nil {
			return out, fmt.Errorf("removing the previous practice: %w", err)
		}
		old = nil
	}
	p := Practice{ConfiguredAt: a.now().UTC()}
	if old != nil {
		p = *old
	}
	p.FHIRBase, p.ClientID, p.Issuer, p.Discovery = out.FHIRBase, out.ClientID, cfg.Issuer, cfg
	p.Name = nameOr(strings.TrimSpace(req.Name), nameOr(p.Name, hostOf(p.FHIRBase)))
	if req.RedirectPort != 0 {
		p.RedirectPort = req.RedirectPort
	}
	if req.Schedule != nil {
		p.Schedule = ScheduleSource{Kind: req.Schedule.Kind, ProviderIDs: req.Schedule.ProviderIDs}
	}
	p = p.withDefaults()
	if err := validSchedule(p.Schedule); err != nil {
		return out, api.NewError(api.KindBadRequest, err.Error())
	}
	if req.ClientSecret != "" {
		if err := a.accessFor(p).SetClientSecret(ctx, req.ClientSecret); err != nil {
			return out, fmt.Errorf("the client secret could not be kept in the keychain, so nothing was saved: %w", err)
		}
	}
	if err := SavePractice(a.opts.Dir, p); err != nil {
		return out, err
	}
	if old == nil { // leaving the demo (or nothing) for the new practice
		a.stopWork()
		if _, err := a.closePractice(); err != nil {
			a.log.Warn("closing the demo", "err", err)
		}
	}
	a.mu.Lock()
	a.practice, a.preset, a.presetValues = &p, nil, nil
	a.mu.Unlock()
	if old != nil {
		a.accessFor(p).Forget() // new discovery or secret: rebuild the token source
	}
	a.audit(ctx, "setup", map[string]string{"fhirBase": p.FHIRBase, "clientId": p.ClientID, "schedule": p.Schedule.Kind})
	a.log.Info("practice set up", "fhirBase", p.FHIRBase)
	return out, nil
}

func validSchedule(s ScheduleSource) error {
	switch s.Kind {
	case "provider-service", "fhir-appointments":
		return nil
	case "file":
		return nil
	}
	return fmt.Errorf("the schedule source %q is not known: use provider-service, fhir-appointments or file", s.Kind)
}

func nameOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

func hostOf(base string) string {
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return base
}

func discoveryInfo(c *smart.Config) *api.DiscoveryInfo {
	return &api.DiscoveryInfo{Authorize: c.AuthorizeURL, Token: c.TokenURL, Issuer: c.Issuer, Register: c.RegistrationURL, PKCES256: c.PKCES256}
}

// smartError gives a sign-in or discovery failure the API kind the app
// acts on; the words are smart's, written for the manager.
func smartError(err error) error {
	var se *smart.Error
	if !errors.As(err, &se) {
		return err
	}
	kind := api.KindBadRequest
	switch {
	case errors.Is(err, smart.ErrUnreachable):
		kind = api.KindOffline
	case errors.Is(err, smart.ErrSignInRequired):
		kind = api.KindNeedsSignIn
	case errors.Is(err, smart.ErrBusy), errors.Is(err, smart.ErrPortInUse):
		kind = api.KindBusy
	case errors.Is(err, smart.ErrWrongIssuer):
		kind = api.KindForbidden
	}
	return &api.Error{Kind: kind, Message: se.Message, Detail: se.Detail}
}

func (a *Agent) netOptions() smart.NetOptions { return smart.NetOptions{HTTP: a.opts.HTTP} }

// providerID is what an Epic provider ID looks like (external IDs such as
// E1001); anything else is a paste gone wrong.
var providerID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// cleanSchedule splits and trims the provider IDs as pasted (commas,
// spaces, semicolons or lines; quotes dropped), drops repeats, and says
// what is wrong with the source, by field.
func cleanSchedule(in api.ScheduleSource) api.ScheduleCheck {
	out := api.ScheduleCheck{Source: api.ScheduleSource{Kind: strings.TrimSpace(in.Kind)}, Problems: []api.Problem{}}
	seen := map[string]bool{}
	var bad []string
	for _, raw := range in.ProviderIDs {
		for _, id := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }) {
			id = strings.Trim(id, `"'“”‘’`)
			switch {
			case id == "" || seen[id]:
			case !providerID.MatchString(id):
				bad = append(bad, id)
			default:
				seen[id] = true
				out.Source.ProviderIDs = append(out.Source.ProviderIDs, id)
			}
		}
	}
	switch out.Source.Kind {
	case "provider-service", "fhir-appointments":
		if len(bad) > 0 {
			out.Problems = append(out.Problems, api.Problem{Field: "providerIds", Message: fmt.Sprintf("%s is not an Epic provider ID: they are letters and digits, like E1001, separated by commas.", quoteList(bad))})
		} else if len(out.Source.ProviderIDs) == 0 {
			out.Problems = append(out.Problems, api.Problem{Field: "providerIds", Message: "Add the Epic provider IDs of the practice's providers (your Epic analyst has them, e.g. E1001, E1002), or choose the schedule file instead."})
		}
	case "file":
		out.Source.ProviderIDs = nil // the file names its providers
	case "":
		out.Problems = append(out.Problems, api.Problem{Field: "kind", Message: "Choose where the day's schedule comes from."})
	default:
		out.Problems = append(out.Problems, api.Problem{Field: "kind", Message: fmt.Sprintf("The schedule source %q is not known: choose Epic's provider schedule, FHIR appointments or a schedule file.", out.Source.Kind)})
	}
	return out
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = "“" + x + "”"
	}
	return strings.Join(q, ", ")
}

// TestSchedule fetches a day's appointments (default today) from the
// schedule source given, or the saved one when its kind is empty, with the
// practice's sign-in; nothing is saved. A day with none looks ahead to the
// next clinic day that has some, so a manager setting up on a Sunday still
// sees the source work.
func (a *Agent) TestSchedule(ctx context.Context, req api.ScheduleTest) (api.ScheduleCheck, error) {
	p, err := a.current()
	if err != nil {
		return api.ScheduleCheck{}, err
	}
	p = p.withDefaults()
	if req.Source.Kind == "" {
		req.Source = api.ScheduleSource{Kind: p.Schedule.Kind, ProviderIDs: p.Schedule.ProviderIDs}
	}
	out := cleanSchedule(req.Source)
	if len(out.Problems) > 0 {
		return out, nil
	}
	loc := p.Location()
	date := req.Date
	if date == "" {
		date = a.today()
	}
	day, err := parseDay(date, loc)
	if err != nil {
		return out, err
	}
	ts, err := a.tokens(ctx, p)
	if err != nil {
		return out, err
	}
	base := a.fhirBase(p)
	fc := &fhir.Client{Base: base, HTTP: a.opts.HTTP, Tokens: ts, Log: a.log, MaxInFlight: p.Concurrency}
	p.Schedule = ScheduleSource{Kind: out.Source.Kind, ProviderIDs: out.Source.ProviderIDs}
	src, err := a.scheduleSource(ctx, p, fc, base)
	if api.IsKind(err, api.KindNotFound) && p.Schedule.Kind == "file" {
		out.Date = date
		out.Note = "No schedule file has been imported yet. After setup, export the day's schedule from Epic and import it on Today (“Import schedule file…”)."
		return out, nil
	}
	if err != nil {
		return out, err
	}
	var appts []record.Appointment
	if p.Schedule.Kind == "file" {
		if appts, err = src.Appointments(ctx, day); err != nil {
			return out, scheduleError(err)
		}
	} else if appts, out.ByProvider, err = a.byProvider(ctx, p, fc, base, day); err != nil {
		return out, err
	}
	out.Tested, out.Date, out.Appointments = true, date, len(appts)
	if len(appts) > 0 || p.Schedule.Kind == "file" {
		return out, nil
	}
	open := map[string]bool{}
	for _, d := range p.ClinicDays {
		open[d] = true
	}
	for i := 1; i <= 14; i++ {
		next := day.AddDate(0, 0, i)
		if !open[next.Weekday().String()[:3]] {
			continue
		}
		more, err := src.Appointments(ctx, next)
		if err != nil {
			break // today's answer stands; the look-ahead is a courtesy
		}
		if len(more) > 0 {
			out.NextDate, out.NextAppointments = next.Format(time.DateOnly), len(more)
			break
		}
	}
	return out, nil
}

// byProvider asks for the day one provider ID at a time, so each ID's
// count shows (an ID Epic does not know, or with no visits, stands out) and
// the day is every ID's appointments once.
func (a *Agent) byProvider(ctx context.Context, p Practice, fc *fhir.Client, base string, day time.Time) ([]record.Appointment, []api.ProviderCount, error) {
	ids := p.Schedule.ProviderIDs
	counts := make([]api.ProviderCount, len(ids))
	seen := map[string]bool{}
	var all []record.Appointment
	for i, id := range ids {
		counts[i].ID = id
		one := p
		one.Schedule.ProviderIDs = []string{id}
		src, err := a.scheduleSource(ctx, one, fc, base)
		if err != nil {
			return nil, nil, err
		}
		appts, err := src.Appointments(ctx, day)
		if k := fhir.KindOf(err); k == fhir.KindBadRequest || k == fhir.KindNotFound {
			counts[i].Unknown = true // Epic refuses a search for an ID it does not know
			continue
		}
		if err != nil {
			return nil, nil, scheduleError(err)
		}
		counts[i].Appointments = len(appts)
		for _, ap := range appts {
			if counts[i].Name == "" {
				counts[i].Name = ap.Provider
			}
			if !seen[ap.ID] {
				seen[ap.ID] = true
				all = append(all, ap)
			}
		}
	}
	if len(ids) > 0 && !slices.ContainsFunc(counts, func(c api.ProviderCount) bool { return !c.Unknown }) {
		return nil, counts, nil
	}
	return all, counts, nil
}

// scheduleError words a schedule fetch that failed for the manager; Epic's
// own answer stays in the detail for support.
func scheduleError(err error) error {
	var ae *api.Error
	if errors.As(err, &ae) {
		return err
	}
	switch fhir.KindOf(err) {
	case fhir.KindUnreachable, fhir.KindServer, fhir.KindRateLimited:
		return &api.Error{Kind: api.KindOffline, Message: "Epic could not be reached to read the schedule; check the network and try again", Detail: err.Error()}
	case fhir.KindSignIn:
		return &api.Error{Kind: api.KindNeedsSignIn, Message: "Epic did not accept this computer's sign-in; sign in again", Detail: err.Error()}
	case fhir.KindForbidden:
		return &api.Error{Kind: api.KindForbidden, Message: "Epic refused to give the schedule to this app: ask your Epic analyst to grant it the schedule web service (or choose another schedule source)", Detail: err.Error()}
	}
	return &api.Error{Kind: api.KindBadRequest, Message: "The schedule could not be read: " + err.Error(), Detail: err.Error()}
}

// SaveSchedule keeps where the practice's schedule comes from, once its
// fields are right; problems come back by field and nothing is saved.
func (a *Agent) SaveSchedule(ctx context.Context, in api.ScheduleSource) (api.ScheduleCheck, error) {
	p, err := a.current()
	if err != nil {
		return api.ScheduleCheck{}, err
	}
	out := cleanSchedule(in)
	if len(out.Problems) > 0 {
		return out, nil
	}
	if p.tenant().Transient {
		return out, api.NewError(api.KindBadRequest, "the demo practice's schedule cannot be changed: set up your practice first")
	}
	src := ScheduleSource{Kind: out.Source.Kind, ProviderIDs: out.Source.ProviderIDs}
	ok, err := a.updatePractice(p.ID(), func(cur *Practice) { cur.Schedule = src })
	if err != nil {
		return out, err
	}
	if !ok {
		return out, api.NewError(api.KindBusy, "the practice changed meanwhile (reset or set up again); nothing was saved")
	}
	a.audit(ctx, "schedule.changed", map[string]string{"schedule": src.Kind, "providers": itoa(len(src.ProviderIDs))})
	a.log.Info("schedule source changed", "schedule", src.Kind, "providers", len(src.ProviderIDs))
	return out, nil
}
