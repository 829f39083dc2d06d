package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/healthprep/desk/agent"
	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/agent/report"
)

func newServeCmd(g *globals) *cobra.Command {
	var clock string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the agent: local API on a Unix socket, morning syncs, the encrypted cache",
		Long: `Runs the HealthPrep agent for this user until stopped. The desktop app starts it
when it is not running; the files in build/ register it as a login item.
With no practice set up it serves the demo practice (the embedded simulated Epic).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			collectLateAtStart(os.Getenv)
			opts := agent.Options{Log: agent.Logger(g.verbose)}
			if clock != "" {
				start, err := time.Parse(time.RFC3339, clock)
				if err != nil {
					return fmt.Errorf("--clock must be an RFC 3339 time like 2026-11-24T06:29:55-05:00")
				}
				opts.Now = shiftedClock(start)
			}
			return agent.Serve(cmd.Context(), opts)
		},
	}
	// --clock starts the agent's clock at a given time (it then runs at real
	// speed), so tests and support can see the morning sync fire.
	cmd.Flags().StringVar(&clock, "clock", "", "start the agent's clock at this RFC 3339 time (testing)")
	cmd.Flags().MarkHidden("clock")
	return cmd
}

// shiftedClock is a clock that reads start now and then runs at real speed.
func shiftedClock(start time.Time) func() time.Time {
	offset := time.Until(start)
	return func() time.Time { return time.Now().Add(offset) }
}

func newStatusCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the practice, sign-in, last sync, cached days and keychain",
		Args:  cobra.NoArgs,
		RunE: g.run(func(cmd *cobra.Command, svc api.Service) error {
			st, err := svc.Status(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			return writeStatus(cmd.OutOrStdout(), st)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func writeStatus(w io.Writer, st api.Status) error {
	fmt.Fprintf(w, "mode:        %s\n", st.Mode)
	if st.Practice != nil {
		fmt.Fprintf(w, "practice:    %s\nFHIR base:   %s\nclient ID:   %s\n", st.Practice.Name, st.Practice.FHIRBase, st.Practice.ClientID)
	}
	if st.SignedIn != nil {
		until := ""
		if st.SignedIn.Expires != nil {
			until = ", until " + st.SignedIn.Expires.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(w, "signed in:   %s (%s%s)\n", st.SignedIn.User, st.SignedIn.AccessMode, until)
		if st.SignedIn.AccessNote != "" {
			fmt.Fprintf(w, "access:      %s\n", st.SignedIn.AccessNote)
		}
	} else if st.NeedsSignIn {
		fmt.Fprintln(w, "signed in:   no - sign in to Epic")
	}
	net := "online"
	if !st.Online {
		net = "offline: " + st.OfflineReason
	}
	fmt.Fprintf(w, "Epic:        %s\n", net)
	if st.LastSync != nil {
		fmt.Fprintf(w, "last sync:   %s for %s%s\n", st.LastSync.At.Local().Format("2006-01-02 15:04"), st.LastSync.Date, map[bool]string{true: " (incomplete)", false: ""}[st.LastSync.Partial])
		if st.LastSync.Error != "" {
			fmt.Fprintf(w, "last error:  %s\n", st.LastSync.Error)
		}
	}
	if st.NextSync != nil {
		fmt.Fprintf(w, "next sync:   %s\n", st.NextSync.Local().Format("2006-01-02 15:04"))
	}
	fmt.Fprintf(w, "cached days: %s\n", strings.Join(st.Days, ", "))
	if st.Keychain != "" {
		fmt.Fprintf(w, "keychain:    %s\n", st.Keychain)
	}
	if st.CatalogueInfo != nil {
		fmt.Fprintf(w, "catalogue:   %s (%d screenings)\n", st.CatalogueInfo.Version, st.CatalogueInfo.Count)
	}
	return nil
}

func newSyncCmd(g *globals) *cobra.Command {
	var (
		date string
		full bool
	)
	cmd := &cobra.Command{
		Use:     "sync",
		Short:   "Fetch a day's schedule and charts from Epic into the cache",
		Args:    cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error { return checkDateFlag(date) },
		RunE: g.run(func(cmd *cobra.Command, svc api.Service) error {
			events, _ := svc.SyncEvents(cmd.Context())
			finished := make(chan struct{})
			go func() {
				defer close(finished)
				for ev := range events {
					progress(cmd.ErrOrStderr(), ev)
					if ev.Phase == api.PhaseDone || ev.Phase == api.PhaseFailed {
						return
					}
				}
			}()
			sum, err := svc.Sync(cmd.Context(), api.SyncRequest{Date: date, Full: full})
			select {
			case <-finished:
			case <-time.After(time.Second):
			}
			fmt.Fprintln(cmd.ErrOrStderr())
			if api.IsKind(err, api.KindBadRequest) {
				return usageError{err} // a day out of reach: nothing was fetched
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d appointments, %d patients (%d only what changed, %d kept from an earlier sync, %d could not be fetched), %d requests in %s\n",
				sum.Date, sum.Appointments, sum.Patients, sum.Incremental, sum.Stale-sum.Unfetched, sum.Unfetched, sum.Requests, sum.Duration.Round(time.Millisecond))
			for _, w := range sum.Warnings {
				fmt.Fprintln(cmd.OutOrStdout(), "warning:", w)
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&date, "date", "", "day to sync, YYYY-MM-DD (default: today in the practice's time zone)")
	cmd.Flags().BoolVar(&full, "full", false, "fetch every chart whole, not only what changed since the last sync")
	return cmd
}

// progress draws a one-line progress bar.
func progress(w io.Writer, ev api.SyncEvent) {
	const width = 30
	switch ev.Phase {
	case "schedule":
		fmt.Fprintf(w, "\rgetting the schedule...")
	case "patients", "saving", "done":
		n := 0
		if ev.PatientsTotal > 0 {
			n = width * ev.PatientsDone / ev.PatientsTotal
		}
		fmt.Fprintf(w, "\r[%s%s] %d/%d patients, %d requests, %d problems   ", strings.Repeat("#", n), strings.Repeat(".", width-n), ev.PatientsDone, ev.PatientsTotal, ev.Requests, ev.Errors)
	}
}

func newPrepCmd(g *globals) *cobra.Command {
	var date, format, patient string
	cmd := &cobra.Command{
		Use:   "prep",
		Short: "Print the day's prep list or one patient's sheet from the cache (no network)",
		Args:  cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			collectLate(os.Getenv) // one day, then exit: see gc.go
			return checkFormat(format, patient != "")
		},
		RunE: g.runCacheOnly(func(cmd *cobra.Command, svc api.Service) error {
			date, err := orToday(cmd.Context(), svc, date)
			if err != nil {
				return err
			}
			day, err := svc.Day(cmd.Context(), date)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if patient == "" {
				switch format {
				case "json":
					return json.NewEncoder(out).Encode(day)
				case "csv":
					return report.WriteDayCSV(out, day)
				case "html":
					html, err := svc.PrintHTML(cmd.Context(), date, "")
					if err == nil {
						_, err = io.WriteString(out, html)
					}
					return err
				default:
					return report.WriteDayText(out, day)
				}
			}
			for _, r := range day.Rows {
				if r.PatientID != patient && r.MRN != patient && r.AppointmentID != patient {
					continue
				}
				s, err := svc.Sheet(cmd.Context(), date, r.AppointmentID)
				if err != nil {
					return err
				}
				switch format {
				case "json":
					return json.NewEncoder(out).Encode(s)
				case "html":
					html, err := svc.PrintHTML(cmd.Context(), date, r.AppointmentID)
					if err == nil {
						_, err = io.WriteString(out, html)
					}
					return err
				default:
					return report.WriteSheetText(out, s)
				}
			}
			return fmt.Errorf("no appointment on %s for patient %q (use the FHIR id, MRN or appointment id)", date, patient)
		}),
	}
	cmd.Flags().StringVar(&date, "date", "", "day, YYYY-MM-DD (default today)")
	cmd.Flags().StringVar(&format, "format", "text", "text, json, csv (day list only) or html (print view)")
	cmd.Flags().StringVar(&patient, "patient", "", "one patient's sheet: FHIR id, MRN or appointment id")
	return cmd
}

func newResetCmd(g *globals) *cobra.Command {
	var confirm string
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Wipe this computer's practice: its saved days, sign-in and keychain items",
		Long: `Removes the practice's encrypted cache, its keychain items (device key, refresh
token, cache key) and its configuration from this computer, then returns to the
demo. Epic itself is not changed. Needs --confirm RESET.`,
		Args: cobra.NoArgs,
		RunE: g.run(func(cmd *cobra.Command, svc api.Service) error {
			if err := svc.Reset(cmd.Context(), confirm); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "The practice was removed from this computer.")
			return nil
		}),
	}
	cmd.Flags().StringVar(&confirm, "confirm", "", "type RESET to confirm")
	return cmd
}

func newScheduleCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "The day's schedule when it comes from a file exported from Epic",
	}
	var date string
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Import a schedule exported from Epic (CSV or tab-separated) for a day",
		Long: `Checks the file (time, provider, patient MRN or name and date of birth, visit
type) and keeps it in the encrypted cache for that day's syncs; rows that cannot
be read are listed by line. For practices whose schedule source is "file".`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			svc, done, err := g.service(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			if date, err = orToday(cmd.Context(), svc, date); err != nil {
				return err
			}
			out, err := svc.ImportSchedule(cmd.Context(), api.ScheduleImport{Date: date, CSV: string(b)})
			for _, p := range out.Problems {
				fmt.Fprintf(cmd.ErrOrStderr(), "line %d: %s\n", p.Line, p.Problem)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d appointments read for %s (%d rows could not be read). Next: healthprep-agent sync --date %s\n", out.Rows, out.Date, len(out.Problems), out.Date)
			return nil
		},
	}
	imp.Flags().StringVar(&date, "date", "", "the day the file is for, if it has no date column (default today)")
	cmd.AddCommand(imp)
	return cmd
}

// orToday is date, or the practice's today when it is empty.
func orToday(ctx context.Context, svc api.Service, date string) (string, error) {
	if date != "" {
		return date, nil
	}
	st, err := svc.Status(ctx)
	return st.Today, err
}

// checkFormat refuses a --format prep cannot write, before anything runs.
func checkFormat(format string, sheet bool) error {
	formats := []string{"text", "json", "csv", "html"}
	if sheet {
		formats = []string{"text", "json", "html"}
	}
	if !slices.Contains(formats, format) {
		what := "the day list"
		if sheet {
			what = "one patient's sheet"
		}
		return usageError{fmt.Errorf("--format %q is not a format for %s: use %s", format, what, strings.Join(formats, ", "))}
	}
	return nil
}

// checkDateFlag refuses a --date that is not a day, before anything runs.
func checkDateFlag(date string) error {
	if _, err := time.Parse(time.DateOnly, date); date != "" && err != nil {
		return usageError{fmt.Errorf("--date %q is not a date like 2026-11-24", date)}
	}
	return nil
}
