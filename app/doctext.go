package app

import (
	"context"
	"time"

	"github.com/healthprep/desk/agent/api"
)

// DocumentText is the extracted text of a document a visit's sheet cites,
// from the agent's encrypted cache.
func (a *App) DocumentText(date, appointmentID, docID string) (api.DocumentText, error) {
	return call(a, 30*time.Second, func(ctx context.Context, s api.Service) (api.DocumentText, error) {
		return s.DocumentText(ctx, date, appointmentID, docID)
	})
}
