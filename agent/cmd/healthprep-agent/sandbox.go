package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/healthprep/desk/internal/epicsim"
)

func newSandboxCmd(g *globals) *cobra.Command {
	var (
		opts    epicsim.Options
		faults  epicsim.Faults
		profile string
	)
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the simulated Epic tenant (demo practice) on loopback",
		Long: `Starts a simulated Epic tenant with a generated practice ("Demo Family Medicine")
and prints its FHIR base URL as the first line of standard output, then serves
until interrupted. Sign in as user "` + epicsim.DemoUser + `", password "` + epicsim.DemoPassword + `",
with client ID "` + epicsim.DemoClientID + `".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch profile {
			case "epic":
			case "generic":
				opts.Profile = epicsim.ProfileGeneric
			default:
				return usageError{fmt.Errorf("--profile %q is not known: use epic or generic", profile)}
			}
			opts.Faults = faults
			opts.Logger = g.logger()
			srv, err := epicsim.Start(cmd.Context(), opts)
			if err != nil {
				return fmt.Errorf("starting the simulated Epic tenant: %w", err)
			}
			defer srv.Close()
			fmt.Fprintln(cmd.OutOrStdout(), srv.FHIRBase())
			fmt.Fprintf(cmd.ErrOrStderr(), "Simulated Epic tenant running. Client ID %q, user %q, password %q. Ctrl+C stops it.\n",
				epicsim.DemoClientID, epicsim.DemoUser, epicsim.DemoPassword)
			<-cmd.Context().Done()
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Addr, "addr", "127.0.0.1:0", "listen address (loopback only)")
	f.Int64Var(&opts.Seed, "seed", 1, "seed of the generated practice")
	f.StringVar(&profile, "profile", "epic", "the server imitated: epic, or generic (a SMART server with no device registration: refresh tokens only for offline_access)")
	f.BoolVar(&opts.AllowProviderAppointmentSearch, "allow-provider-appointment-search", false,
		"let FHIR Appointment search by practitioner/location and date (not every Epic tenant allows it)")
	f.DurationVar(&faults.Latency, "latency", 0, "added latency per request, e.g. 150ms")
	f.Float64Var(&faults.Rate429, "rate-429", 0, "fraction of FHIR requests answered 429 Too Many Requests")
	f.DurationVar(&faults.RetryAfter, "retry-after", time.Second, "Retry-After sent with 429")
	f.Float64Var(&faults.Rate5xx, "rate-5xx", 0, "fraction of FHIR requests answered 500/503")
	f.Float64Var(&faults.TruncateRate, "truncate-rate", 0, "fraction of FHIR responses cut off mid-body")
	f.BoolVar(&faults.LoopNext, "loop-next", false, "make paged searches' next links loop back")
	return cmd
}
