package app

import (
	"context"
	"time"

	"github.com/healthprep/desk/agent/api"
)

// Send files the prep notes of a day's visits in their charts (the
// appointments named, or the whole day when none are).
func (a *App) Send(date string, appointmentIDs []string) (api.SendResult, error) {
	return call(a, 10*time.Minute, func(ctx context.Context, s api.Service) (api.SendResult, error) {
		return s.Send(ctx, api.SendRequest{Date: date, AppointmentIDs: appointmentIDs})
	})
}

// SentNotes says which of a day's visits have a note in the chart.
func (a *App) SentNotes(date string) (api.SentNotes, error) {
	return call(a, 30*time.Second, func(ctx context.Context, s api.Service) (api.SentNotes, error) { return s.SentNotes(ctx, date) })
}
