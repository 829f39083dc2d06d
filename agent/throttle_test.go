package agent

import (
	"context"
	"testing"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/epicsim"
)

// Issue 13 item 12: at 30 % 429s (with Retry-After) a sync of a whole
// clinic day finishes, complete. With 429s counted against a request's
// four tries, about one request in a hundred met four in a row and
// stopped the day, so nearly every sync of a real day failed.
func TestSyncFinishesAtThirtyPercentThrottling(t *testing.T) {
	ctx := context.Background()
	a := openDemo(t)
	if err := a.demo.SetFaults(epicsim.Faults{Rate429: 0.3, RetryAfter: 0}); err != nil {
		t.Fatal(err)
	}
	date := weekdayBefore(time.Now(), 1)
	sum, err := a.Sync(ctx, api.SyncRequest{Date: date})
	if err != nil {
		t.Fatalf("sync at 30 %% 429s: %v", err)
	}
	if sum.Partial || sum.Stale > 0 || sum.Appointments == 0 {
		t.Fatalf("the sync was not complete: %+v", sum)
	}
	st, _ := a.Status(ctx)
	if st.Requests == nil || st.Requests.Retries < 20 {
		t.Fatalf("too few retries to have met the throttling: %+v", st.Requests)
	}
}
