package main

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/healthprep/desk/agent/api"
)

func newSendCmd(g *globals) *cobra.Command {
	var date, patient string
	var yes bool
	cmd := &cobra.Command{
		Use:   "send",
		Short: "Send the prep note of one visit, or of the whole day, to the patients' charts in Epic",
		Long: `Files each visit's prep note (the screenings with status, evidence and dates,
and the catalogue version) in the patient's chart as a progress note. The
practice must have "Send prep notes to Epic" on (Settings), and the sign-in
must have been made with it on. Sending again for a visit replaces its note.
It asks before sending unless --yes is given.`,
		Args:    cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error { return checkDateFlag(date) },
		RunE: g.run(func(cmd *cobra.Command, svc api.Service) error {
			ctx := cmd.Context()
			date, err := orToday(ctx, svc, date)
			if err != nil {
				return err
			}
			day, err := svc.Day(ctx, date)
			if err != nil {
				return err
			}
			rows := map[string]api.DayRow{}
			var ids []string
			providers := map[string]bool{}
			for _, r := range day.Rows {
				rows[r.AppointmentID] = r
				if patient == "" && !r.Inactive || patient != "" && (r.PatientID == patient || r.MRN == patient || r.AppointmentID == patient) {
					ids = append(ids, r.AppointmentID)
					providers[r.Provider] = true
				}
			}
			if len(ids) == 0 {
				if patient != "" {
					return fmt.Errorf("no appointment on %s for patient %q (use the FHIR id, MRN or appointment id)", date, patient)
				}
				return fmt.Errorf("there is no visit to send on %s", date)
			}
			what := fmt.Sprintf("the prep notes of %d visits on %s", len(ids), date)
			if len(ids) == 1 {
				r := rows[ids[0]]
				what = fmt.Sprintf("the prep note of %s (%s %s with %s)", r.PatientName, date, r.Time.Format("15:04"), r.Provider)
			} else if len(providers) == 1 {
				for p := range providers {
					what += " with " + p
				}
			}
			if !yes {
				fmt.Fprintf(cmd.ErrOrStderr(), "Send %s to Epic? This writes into the medical record. [y/N] ", what)
				line, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
					return errors.New("nothing was sent")
				}
			}
			req := api.SendRequest{Date: date}
			if patient != "" {
				req.AppointmentIDs = ids
			}
			res, err := svc.Send(ctx, req)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, s := range res.Sent {
				r := rows[s.AppointmentID]
				note := "note " + s.NoteID
				if s.Replaced != "" {
					note += ", replacing " + s.Replaced
				}
				if s.Recovered {
					note += ", found in the chart after Epic's answer was lost"
				}
				fmt.Fprintf(out, "sent     %s %s: %s\n", r.Time.Format("15:04"), r.PatientName, note)
			}
			for _, f := range res.Failed {
				r := rows[f.AppointmentID]
				fmt.Fprintf(out, "not sent %s %s: %s\n", r.Time.Format("15:04"), r.PatientName, f.Message)
			}
			fmt.Fprintf(out, "%d of %d sent; %d notes sent today (limit %d)\n", len(res.Sent), len(res.Sent)+len(res.Failed), res.SentToday, res.DailyCap)
			if len(res.Failed) > 0 {
				return fmt.Errorf("%d notes were not sent", len(res.Failed))
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&date, "date", "", "day, YYYY-MM-DD (default today)")
	cmd.Flags().StringVar(&patient, "patient", "", "one patient's visit: FHIR id, MRN or appointment id (default: every visit of the day)")
	cmd.Flags().BoolVar(&yes, "yes", false, "send without asking")
	return cmd
}
