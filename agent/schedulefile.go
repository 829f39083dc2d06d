package agent

import (
	"bytes"
	"context"
	"errors"
	"io"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/schedule"
	"github.com/healthprep/desk/internal/store"
)

// The imported schedule file lives in the encrypted cache: it holds
// patients' names, MRNs and birth dates.
const (
	scheduleFileName = "schedule.csv"
	scheduleDateName = "schedule.date" // the day a file without a date column is for
)

// ImportSchedule checks a schedule file exported from Epic and keeps it
// for the syncs of the day it is for. Rows that cannot be read come back
// with their line numbers; a file with none readable is refused.
func (a *Agent) ImportSchedule(ctx context.Context, req api.ScheduleImport) (api.ScheduleImported, error) {
	p, err := a.current()
	if err != nil {
		return api.ScheduleImported{}, err
	}
	if _, err := parseDay(req.Date, time.UTC); err != nil {
		return api.ScheduleImported{}, err
	}
	rows, problems, err := schedule.ParseCSV(bytes.NewReader([]byte(req.CSV)), p.Location())
	if err != nil {
		return api.ScheduleImported{}, api.NewError(api.KindBadRequest, err.Error())
	}
	out := api.ScheduleImported{Date: req.Date, Rows: len(rows), Problems: []api.RowProblem{}}
	for _, pr := range problems {
		out.Problems = append(out.Problems, api.RowProblem{Line: pr.Line, Problem: pr.Problem})
	}
	if len(rows) == 0 {
		return out, api.NewError(api.KindBadRequest, "no appointment in the file could be read; export the day's schedule from Epic again")
	}
	if err := schedule.CheckPlausible(rows, req.Date); err != nil {
		return out, api.NewError(api.KindBadRequest, err.Error())
	}
	for _, r := range rows {
		if r.HasDate {
			d := r.Start.Format(time.DateOnly)
			if out.First == "" || d < out.First {
				out.First = d
			}
			out.Last = max(out.Last, d)
		}
	}
	st, err := a.openStore(ctx)
	if err != nil {
		return out, err
	}
	if err := st.PutFile(ctx, scheduleFileName, []byte(req.CSV)); err != nil {
		return out, err
	}
	if err := st.PutFile(ctx, scheduleDateName, []byte(req.Date)); err != nil {
		return out, err
	}
	a.audit(ctx, "schedule.imported", map[string]string{"date": req.Date, "rows": itoa(len(rows)), "problems": itoa(len(problems))})
	return out, nil
}

// scheduleFile is the file source over the imported file.
func (a *Agent) scheduleFile(ctx context.Context, fc *fhir.Client, mrnSystem string) (schedule.Source, error) {
	st, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	date, err := st.GetFile(ctx, scheduleDateName)
	if errors.Is(err, store.ErrNoFile) {
		return nil, api.NewError(api.KindNotFound, "No schedule file has been imported yet: export the day's schedule from Epic and import it (Today, “Import schedule file…”).")
	}
	if err != nil {
		return nil, err
	}
	return schedule.File{FHIR: fc, Date: string(date), MRNSystem: mrnSystem, Open: func(ctx context.Context) (io.ReadCloser, error) {
		b, err := st.GetFile(ctx, scheduleFileName)
		return io.NopCloser(bytes.NewReader(b)), err
	}}, nil
}
