package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/healthprep/desk/agent"
	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/tenant"
)

// usageError exits 2: the input was wrong, nothing was done.
type usageError struct{ error }

func (usageError) ExitCode() int { return 2 }

func newSetupCmd(g *globals) *cobra.Command {
	var (
		req          api.SetupRequest
		secretStdin  bool
		scheduleKind string
		providers    []string
		presetFile   string
	)
	cmd := &cobra.Command{
		Use:   "setup --fhir-base URL --client-id ID",
		Short: "Set up this computer for the practice's Epic (checks the server, saves nothing secret)",
		Long: `Cleans what was pasted, asks the FHIR server what it offers (SMART discovery)
and saves the practice's configuration in the data directory. Nothing secret is
saved there; a client secret (only for apps Epic registered as confidential) is
read from standard input with --client-secret-stdin and kept in the keychain.
A computer holds one practice: setting up a different one needs --reset, which
first removes the old practice's saved days and keychain items.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sched, err := scheduleFlags(scheduleKind, providers)
			if err != nil {
				return err
			}
			if presetFile != "" {
				if req.FHIRBase != "" || req.ClientID != "" {
					return usageError{errors.New("give either --preset or --fhir-base and --client-id, not both")}
				}
				p, err := agent.ReadPreset(presetFile)
				if err != nil {
					return usageError{err}
				}
				reset := req.Reset
				req = p.SetupRequest()
				req.Reset = reset
			} else if req.FHIRBase == "" || req.ClientID == "" {
				return usageError{errors.New("setup needs --fhir-base and --client-id (or --preset FILE)")}
			}
			if secretStdin {
				line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if err != nil && !errors.Is(err, io.EOF) {
					return err
				}
				if req.ClientSecret = strings.TrimSpace(line); req.ClientSecret == "" {
					return usageError{errors.New("--client-secret-stdin: standard input was empty")}
				}
			}
			if sched != nil {
				req.Schedule = sched // the flags win over a preset's schedule
			}
			svc, done, err := g.service(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			out, err := svc.Setup(cmd.Context(), req)
			w := cmd.OutOrStdout()
			if d := out.Discovery; d != nil {
				fmt.Fprintf(w, "Epic answered at %s\n  sign-in page:  %s\n  token:         %s\n  issuer:        %s\n", out.FHIRBase, d.Authorize, d.Token, d.Issuer)
				fmt.Fprintf(w, "  secure sign-in (PKCE S256): %s\n", yesNo(d.PKCES256))
				if d.Register != "" {
					fmt.Fprintf(w, "  device registration: offered (unattended morning syncs after one sign-in)\n")
				} else {
					fmt.Fprintf(w, "  device registration: not offered\n")
				}
			}
			if len(out.Problems) > 0 {
				var b strings.Builder
				b.WriteString("nothing was saved:")
				for _, p := range out.Problems {
					fmt.Fprintf(&b, "\n  %s: %s", fieldName(p.Field), p.Message)
				}
				return usageError{errors.New(b.String())}
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "Saved. Next: healthprep-agent signin\n")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.FHIRBase, "fhir-base", "", "the practice's Epic FHIR R4 base URL (paste it as given)")
	f.StringVar(&req.ClientID, "client-id", "", "the Epic client ID of HealthPrep Desk at this practice")
	f.StringVar(&req.Name, "name", "", "the practice's name, shown in the app")
	f.IntVar(&req.RedirectPort, "redirect-port", 0, fmt.Sprintf("the loopback port registered for the sign-in redirect (default %d)", tenant.Epic.RedirectPort))
	f.BoolVar(&req.Reset, "reset", false, "replace a different practice set up on this computer (wipes its cache and keychain items)")
	f.BoolVar(&secretStdin, "client-secret-stdin", false, "read a client secret from standard input (confidential apps only)")
	f.StringVar(&scheduleKind, "schedule", "", "where the day's appointments come from: provider-service, fhir-appointments or file")
	f.StringSliceVar(&providers, "provider-ids", nil, "the practice's Epic provider IDs, comma-separated (for the schedule)")
	f.StringVar(&presetFile, "preset", "", "set up from a practice preset file made by `healthprep-agent preset`")
	return cmd
}

func newPresetCmd() *cobra.Command {
	var (
		name, base, id, scheduleKind string
		port                         int
		providers                    []string
	)
	cmd := &cobra.Command{
		Use:   "preset --practice-name N --fhir-base URL --client-id ID > practice.json",
		Short: "Write a practice preset for front-desk computers (no secrets in it)",
		Long: `Writes the practice's setup as JSON on standard output, checked like a pasted
setup. Hand it to the installer, or run 'healthprep-agent setup --preset FILE',
so a front-desk computer needs no typing, only the browser sign-in. It holds
nothing secret: no tokens, keys or client secret.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sched, err := scheduleFlags(scheduleKind, providers)
			if err != nil {
				return err
			}
			p, probs := agent.NewPreset(name, base, id, port, sched)
			if len(probs) > 0 {
				var b strings.Builder
				b.WriteString("no preset was written:")
				for _, pr := range probs {
					fmt.Fprintf(&b, "\n  %s: %s", fieldName(pr.Field), pr.Message)
				}
				return usageError{errors.New(b.String())}
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(p)
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "practice-name", "", "the practice's name, shown in the app")
	f.StringVar(&base, "fhir-base", "", "the practice's Epic FHIR R4 base URL")
	f.StringVar(&id, "client-id", "", "the Epic client ID of HealthPrep Desk at this practice")
	f.IntVar(&port, "redirect-port", 0, fmt.Sprintf("the loopback port registered for the sign-in redirect (default %d)", tenant.Epic.RedirectPort))
	f.StringVar(&scheduleKind, "schedule", "", "where the day's appointments come from: provider-service, fhir-appointments or file")
	f.StringSliceVar(&providers, "provider-ids", nil, "the practice's Epic provider IDs, comma-separated")
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "NO - ask your Epic analyst to enable it"
}

func fieldName(f string) string {
	switch f {
	case "fhirBase":
		return "FHIR base URL"
	case "clientId":
		return "client ID"
	case "redirectPort":
		return "redirect port"
	case "name":
		return "practice name"
	}
	return f
}

func newSignInCmd(g *globals) *cobra.Command {
	var noBrowser bool
	cmd := &cobra.Command{
		Use:   "signin",
		Short: "Sign in to Epic in the browser; afterwards morning syncs need no one",
		Long: `Opens the system browser at Epic's sign-in page and waits (up to 5 minutes) for
the sign-in to come back to this computer. With --no-browser the page's address
is printed as the first line of standard output instead. After a sign-in the
agent registers a key for this computer with Epic (where Epic offers it), so
later syncs need no browser.`,
		Args: cobra.NoArgs,
		RunE: g.run(func(cmd *cobra.Command, svc api.Service) error {
			st, err := svc.StartSignIn(cmd.Context(), api.SignInRequest{NoBrowser: noBrowser})
			if err != nil {
				return err
			}
			if noBrowser {
				fmt.Fprintln(cmd.OutOrStdout(), st.URL)
				fmt.Fprintln(cmd.ErrOrStderr(), "Open the address above in a browser and sign in; waiting...")
			} else if st.State == api.SignInWaiting {
				fmt.Fprintf(cmd.ErrOrStderr(), "Your browser is opening Epic's sign-in page. If it does not, open:\n%s\nWaiting...\n", st.URL)
			}
			for st.State == api.SignInWaiting {
				if st, err = svc.SignInStatus(cmd.Context(), 30*time.Second); err != nil {
					if cmd.Context().Err() != nil {
						svc.CancelSignIn(cmd.Context())
					}
					return err
				}
			}
			if st.State != api.SignInDone {
				return errors.New(st.Error)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Signed in as %s (access: %s)\n", st.User, accessWords(st.AccessMode))
			if st.AccessNote != "" { // what lasts after this command, and what it means for the morning update
				fmt.Fprintln(cmd.OutOrStdout(), st.AccessNote)
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&noBrowser, "no-browser", false, "print the sign-in address instead of opening a browser")
	return cmd
}

func accessWords(mode string) string {
	switch mode {
	case "device":
		return "device - morning syncs need no sign-in"
	case "refresh":
		return "refresh token - morning syncs need no sign-in until Epic expires it"
	case "interactive":
		return "this session only - sign in again when it expires"
	}
	return mode
}

// scheduleFlags is the schedule source the --schedule and --provider-ids
// flags give, nil when neither is set; provider IDs alone mean Epic's
// provider-schedule service. An unknown kind exits 2 before Epic is asked.
func scheduleFlags(kind string, providers []string) (*api.ScheduleSource, error) {
	if kind == "" && len(providers) == 0 {
		return nil, nil
	}
	switch kind {
	case "":
		kind = "provider-service"
	case "provider-service", "fhir-appointments", "file":
	default:
		return nil, usageError{fmt.Errorf("--schedule %q is not a schedule source: use provider-service, fhir-appointments or file", kind)}
	}
	return &api.ScheduleSource{Kind: kind, ProviderIDs: providers}, nil
}
