package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/healthprep/desk/internal/epicsim"
)

// sandboxConfig is what the sandbox's flags set: the tenant, its faults and
// its id_token and registration departures, so anyone can reproduce by hand
// what the tests switch on.
type sandboxConfig struct {
	opts   epicsim.Options
	faults epicsim.Faults
	knobs  epicsim.Knobs
	// profile is the server imitated: epic or generic.
	profile string
	// writeFault is how prep-note writes are answered (epicsim.WriteFault),
	// for writeTimes writes (0: every one).
	writeFault string
	writeTimes int
}

func (c *sandboxConfig) bind(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&c.opts.Addr, "addr", "127.0.0.1:0", "listen address (loopback only)")
	f.Int64Var(&c.opts.Seed, "seed", 1, "seed of the generated practice")
	f.StringVar(&c.profile, "profile", "epic", "the server imitated: epic, or generic (a SMART server with no device registration: refresh tokens only for offline_access)")
	f.BoolVar(&c.opts.AllowProviderAppointmentSearch, "allow-provider-appointment-search", false,
		"let FHIR Appointment search by practitioner/location and date (not every Epic tenant allows it)")
	// The practice's size, for load tests (epicsim.Scale).
	f.IntVar(&c.opts.Scale.Patients, "patients", 0, "patients in the panel (default 320; more are copies of generated ones)")
	f.IntVar(&c.opts.Scale.Providers, "providers", 0, "providers with a schedule, E1001, E1002, ... (default 3)")
	f.IntVar(&c.opts.Scale.AppointmentsPerDay, "appointments-per-day", 0, "appointments each clinic day (default about 55)")
	f.IntVar(&c.opts.Scale.History, "history", 0, "each chart's observations, encounters and documents this many times over, a week apart (default 1)")
	// Faults of the FHIR API and the scheduling web service.
	f.DurationVar(&c.faults.Latency, "latency", 0, "added latency per request, e.g. 150ms")
	f.Float64Var(&c.faults.Rate429, "rate-429", 0, "fraction of FHIR requests answered 429 Too Many Requests, e.g. 0.3")
	f.DurationVar(&c.faults.RetryAfter, "retry-after", time.Second, "Retry-After sent with 429 (whole seconds)")
	f.Float64Var(&c.faults.Rate5xx, "rate-5xx", 0, "fraction of FHIR requests answered 500/503")
	f.Float64Var(&c.faults.TruncateRate, "truncate-rate", 0, "fraction of FHIR responses cut off mid-body")
	f.BoolVar(&c.faults.LoopNext, "loop-next", false, "make paged searches' next links loop back")
	f.BoolVar(&c.faults.Down, "outage", false, "start in an outage: the address is reserved but refuses connections")
	f.BoolVar(&c.faults.TokenDown, "token-down", false, "the token endpoint hangs up on every request (sign-in and renewals fail)")
	f.BoolVar(&c.faults.IgnoreLastUpdated, "ignore-last-updated", false, "searches ignore _lastUpdated, as servers without incremental search do")
	// id_token and registration departures.
	f.StringVar(&c.knobs.IDTokenIssuer, "id-token-issuer", "", "sign id_tokens with this issuer (iss) instead of the tenant's")
	f.StringVar(&c.knobs.IDTokenAudience, "id-token-audience", "", "sign id_tokens for this audience (aud) instead of the client")
	f.StringVar(&c.knobs.IDTokenNonce, "id-token-nonce", "", "put this nonce in id_tokens instead of the sign-in's")
	f.BoolVar(&c.knobs.IDTokenExpired, "id-token-expired", false, "issue id_tokens that expired 10 minutes ago")
	f.BoolVar(&c.knobs.IDTokenForeignKey, "id-token-foreign-key", false, "sign id_tokens with a key the JWKS does not hold")
	f.BoolVar(&c.knobs.NoRegistration, "no-registration", false, "offer no dynamic client registration")
	f.BoolVar(&c.knobs.RefuseRegistration, "refuse-registration", false, "refuse every dynamic client registration")
	f.BoolVar(&c.knobs.NoPKCES256, "no-pkce-s256", false, "offer only the plain PKCE method in discovery")
	f.BoolVar(&c.knobs.RotateRefresh, "rotate-refresh", false, "give a new refresh token with every refresh")
	// Refusals of prep notes sent to the chart.
	f.StringVar(&c.writeFault, "write-fault", "", "answer DocumentReference writes with a fault: 403 (scope), 422, 409, 5xx, timeout, or dropped (stored, answer lost)")
	f.IntVar(&c.writeTimes, "write-fault-times", 0, "how many writes meet --write-fault (0: every one)")
}

// checkWriteFault reads --write-fault.
func (c *sandboxConfig) checkWriteFault() (epicsim.WriteFault, error) {
	if c.writeFault == "" {
		return epicsim.WriteOK, nil
	}
	for _, f := range epicsim.WriteFaults {
		if string(f) == c.writeFault {
			return f, nil
		}
	}
	return "", usageError{fmt.Errorf("--write-fault %q is not known: use 403, 422, 409, 5xx, timeout or dropped", c.writeFault)}
}

func newSandboxCmd(g *globals) *cobra.Command {
	var c sandboxConfig
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the simulated Epic tenant (demo practice) on loopback",
		Long: `Starts a simulated Epic tenant with a generated practice ("Demo Family Medicine")
and prints its FHIR base URL as the first line of standard output, then serves
until interrupted. Sign in as user "` + epicsim.DemoUser + `", password "` + epicsim.DemoPassword + `",
with client ID "` + epicsim.DemoClientID + `".

Its flags switch on Epic's bad days (throttling, errors, cut-off answers, loops,
slowness, outages) and bad id_tokens, to reproduce by hand what the tests check.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := c.opts
			switch c.profile {
			case "epic":
			case "generic":
				opts.Profile = epicsim.ProfileGeneric
			default:
				return usageError{fmt.Errorf("--profile %q is not known: use epic or generic", c.profile)}
			}
			opts.Faults = c.faults
			wf, err := c.checkWriteFault()
			if err != nil {
				return err
			}
			opts.Logger = g.logger()
			srv, err := epicsim.Start(cmd.Context(), opts)
			if err != nil {
				return fmt.Errorf("starting the simulated Epic tenant: %w", err)
			}
			defer srv.Close()
			if err := srv.SetKnobs(c.knobs); err != nil {
				return fmt.Errorf("starting the simulated Epic tenant: %w", err)
			}
			srv.SetWriteFault(wf, c.writeTimes)
			fmt.Fprintln(cmd.OutOrStdout(), srv.FHIRBase())
			var ids []string
			for _, p := range srv.Practice().Providers {
				ids = append(ids, p.EpicID)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Simulated Epic tenant running. Client ID %q, user %q, password %q, provider IDs %s. Ctrl+C stops it.\n",
				epicsim.DemoClientID, epicsim.DemoUser, epicsim.DemoPassword, strings.Join(ids, ","))
			<-cmd.Context().Done()
			return nil
		},
	}
	c.bind(cmd)
	return cmd
}
