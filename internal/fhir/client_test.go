package fhir

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/healthprep/desk/internal/epicsim"
)

var today = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

type staticTokens struct {
	tok         string
	invalidated atomic.Int32
	fresh       string // returned after Invalidate
}

func (s *staticTokens) Token() (*oauth2.Token, error) {
	if s.invalidated.Load() > 0 && s.fresh != "" {
		return &oauth2.Token{AccessToken: s.fresh, TokenType: "Bearer"}, nil
	}
	return &oauth2.Token{AccessToken: s.tok, TokenType: "Bearer"}, nil
}
func (s *staticTokens) Invalidate() { s.invalidated.Add(1) }

func setup(t *testing.T, opts epicsim.Options) (*epicsim.Server, *Client) {
	t.Helper()
	opts.Now = func() time.Time { return today }
	srv, err := epicsim.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c := &Client{Base: srv.FHIRBase(), Tokens: &staticTokens{tok: srv.MintAccessToken(epicsim.DemoClientID, time.Hour)}, MaxTries: 3, MaxElapsed: 10 * time.Second}
	return srv, c
}

// chartSize counts a patient's Observations in the given categories.
func chartSize(p *epicsim.Patient, cats ...string) int {
	n := 0
	for _, r := range p.Resources {
		if r.Type == "Observation" && strings.Contains(strings.Join(cats, ","), r.Category) {
			n++
		}
	}
	return n
}

func biggest(pr *epicsim.Practice) *epicsim.Patient {
	var best *epicsim.Patient
	for _, p := range pr.Patients {
		if best == nil || chartSize(p, "laboratory", "vital-signs") > chartSize(best, "laboratory", "vital-signs") {
			best = p
		}
	}
	return best
}

func TestSearchFollowsEveryPage(t *testing.T) {
	srv, c := setup(t, epicsim.Options{})
	p := biggest(srv.Practice())
	res, err := c.Search(context.Background(), "Observation", url.Values{"patient": {p.ID}, "category": {"laboratory,vital-signs"}, "_count": {"1000"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := chartSize(p, "laboratory", "vital-signs"); len(res.Resources) != want || res.Pages < 2 {
		t.Fatalf("got %d resources in %d pages, want %d over several pages", len(res.Resources), res.Pages, want)
	}
	ids := map[string]bool{}
	for _, r := range res.Resources {
		var head struct{ ID string }
		json.Unmarshal(r, &head)
		if ids[head.ID] {
			t.Fatalf("duplicate %s", head.ID)
		}
		ids[head.ID] = true
	}
}

func TestEmptySearchStripsTheWarning(t *testing.T) {
	srv, c := setup(t, epicsim.Options{})
	res, err := c.Search(context.Background(), "Observation", url.Values{"patient": {srv.Practice().Patients[0].ID}, "code": {"http://loinc.org|0000-0"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Resources) != 0 || len(res.Issues) != 1 || res.Issues[0].Code != "4101" {
		t.Fatalf("resources=%d issues=%+v", len(res.Resources), res.Issues)
	}
}

func TestLoopingNextEndsWithAnError(t *testing.T) {
	srv, c := setup(t, epicsim.Options{Faults: epicsim.Faults{LoopNext: true}})
	p := biggest(srv.Practice())
	done := make(chan error, 1)
	go func() {
		_, err := c.Search(context.Background(), "Observation", url.Values{"patient": {p.ID}, "category": {"laboratory,vital-signs"}, "_count": {"50"}})
		done <- err
	}()
	select {
	case err := <-done:
		if KindOf(err) != KindPaging || !strings.Contains(err.Error(), "Observation") {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a looping next link hung the search")
	}
}

func TestErrorKinds(t *testing.T) {
	srv, c := setup(t, epicsim.Options{Clients: []epicsim.Client{epicsim.DemoClient(), {ID: "narrow", RedirectURIs: []string{"http://127.0.0.1:1/cb"}, Scopes: []string{"user/Patient.read"}}}})
	pid := srv.Practice().Patients[0].ID
	ctx := context.Background()
	obs := url.Values{"patient": {pid}, "category": {"laboratory"}}

	t.Run("400 carries Epic's words", func(t *testing.T) {
		_, err := c.Search(ctx, "Observation", url.Values{"patient": {pid}})
		if KindOf(err) != KindBadRequest || !strings.Contains(err.Error(), "category or code") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("403 scope names the resource", func(t *testing.T) {
		nc := &Client{Base: srv.FHIRBase(), Tokens: &staticTokens{tok: srv.MintAccessToken("narrow", time.Hour)}}
		_, err := nc.Search(ctx, "Condition", url.Values{"patient": {pid}})
		if KindOf(err) != KindScope || !strings.Contains(err.Error(), "Condition") || !strings.Contains(err.Error(), "Epic analyst") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("401 gets one silent re-token", func(t *testing.T) {
		ts := &staticTokens{tok: "expired", fresh: srv.MintAccessToken(epicsim.DemoClientID, time.Hour)}
		rc := &Client{Base: srv.FHIRBase(), Tokens: ts, MaxTries: 3}
		if _, err := rc.Search(ctx, "Observation", obs); err != nil {
			t.Fatalf("with a fresh token after the 401: %v", err)
		}
		if ts.invalidated.Load() != 1 {
			t.Fatalf("invalidated %d times", ts.invalidated.Load())
		}
		bad := &Client{Base: srv.FHIRBase(), Tokens: &staticTokens{tok: "expired"}, MaxTries: 3}
		if _, err := bad.Search(ctx, "Observation", obs); KindOf(err) != KindSignIn {
			t.Fatalf("%v", err)
		}
	})
	t.Run("429 waited out per Retry-After until the budget, then given up", func(t *testing.T) {
		srv.SetFaults(epicsim.Faults{Rate429: 1, RetryAfter: time.Second})
		defer srv.SetFaults(epicsim.Faults{})
		rc := &Client{Base: srv.FHIRBase(), Tokens: c.Tokens, MaxTries: 2, Budget: 3500 * time.Millisecond}
		t0 := time.Now()
		_, err := rc.Search(ctx, "Observation", obs)
		if KindOf(err) != KindRateLimited {
			t.Fatalf("%v", err)
		}
		// More tries than MaxTries: throttling does not use them up.
		if st := rc.Stats(); st.Requests < 3 || st.Retries < 2 {
			t.Fatalf("stats: %+v", st)
		}
		if d := time.Since(t0); d < 2*time.Second {
			t.Fatalf("gave up after %v: Retry-After 1s was not honoured between tries", d)
		}
	})
	t.Run("some 429s and 5xx are absorbed", func(t *testing.T) {
		srv.SetFaults(epicsim.Faults{Rate429: 0.2, Rate5xx: 0.2, RetryAfter: 0})
		defer srv.SetFaults(epicsim.Faults{})
		rc := &Client{Base: srv.FHIRBase(), Tokens: c.Tokens, MaxTries: 8, RetryWait: time.Millisecond, MaxWait: 10 * time.Millisecond}
		for i := 0; i < 10; i++ {
			if _, err := rc.Search(ctx, "Observation", obs); err != nil {
				t.Fatalf("search %d: %v", i, err)
			}
		}
		if rc.Stats().Errors == 0 {
			t.Fatal("no faults were met: the test proves nothing")
		}
	})
	t.Run("5xx", func(t *testing.T) {
		srv.SetFaults(epicsim.Faults{Rate5xx: 1})
		defer srv.SetFaults(epicsim.Faults{})
		if _, err := c.Search(ctx, "Observation", obs); KindOf(err) != KindServer {
			t.Fatalf("%v", err)
		}
	})
	t.Run("truncated body", func(t *testing.T) {
		srv.SetFaults(epicsim.Faults{TruncateRate: 1})
		defer srv.SetFaults(epicsim.Faults{})
		if _, err := c.Search(ctx, "Observation", obs); KindOf(err) != KindMalformed {
			t.Fatalf("%v", err)
		}
	})
	t.Run("too large", func(t *testing.T) {
		sc := &Client{Base: srv.FHIRBase(), Tokens: c.Tokens, MaxBody: 512}
		if _, err := sc.Search(ctx, "Observation", obs); KindOf(err) != KindTooLarge {
			t.Fatalf("%v", err)
		}
	})
	t.Run("server down", func(t *testing.T) {
		srv.SetFaults(epicsim.Faults{Down: true})
		defer srv.SetFaults(epicsim.Faults{})
		_, err := c.Search(ctx, "Observation", obs)
		if KindOf(err) != KindUnreachable || !strings.Contains(err.Error(), "cannot be reached") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("messages carry no token or patient id", func(t *testing.T) {
		srv.SetFaults(epicsim.Faults{Rate5xx: 1})
		defer srv.SetFaults(epicsim.Faults{})
		_, err := c.Search(ctx, "Observation", obs)
		tok, _ := c.Tokens.Token()
		if strings.Contains(err.Error(), pid) || strings.Contains(err.Error(), tok.AccessToken) {
			t.Fatalf("error leaks: %v", err)
		}
	})
}

func TestConditionalReadAndStats(t *testing.T) {
	srv, c := setup(t, epicsim.Options{})
	ctx := context.Background()
	p := srv.Practice().Patients[1]
	raw, etag, changed, err := c.ReadIfChanged(ctx, "Patient", p.ID, "")
	if err != nil || !changed || etag != `W/"1"` || !strings.Contains(string(raw), p.ID) {
		t.Fatalf("first read: %v %v %q", err, changed, etag)
	}
	raw, etag2, changed, err := c.ReadIfChanged(ctx, "Patient", p.ID, etag)
	if err != nil || changed || raw != nil || etag2 != etag {
		t.Fatalf("unchanged read: %v changed=%v body=%d", err, changed, len(raw))
	}
	srv.UpdatePatient(p.ID, nil)
	if _, etag3, changed, err := c.ReadIfChanged(ctx, "Patient", p.ID, etag); err != nil || !changed || etag3 != `W/"2"` {
		t.Fatalf("changed read: %v %v %q", err, changed, etag3)
	}
	res, err := c.Search(ctx, "Condition", url.Values{"patient": {p.ID}})
	if err != nil || !strings.Contains(res.Self, "patient="+p.ID) || !res.ServerTime.Equal(today) {
		t.Fatalf("self %q server time %v: %v", res.Self, res.ServerTime, err)
	}
	srv.SetFaults(epicsim.Faults{Rate5xx: 1})
	rc := &Client{Base: srv.FHIRBase(), Tokens: c.Tokens, MaxTries: 3, RetryWait: time.Millisecond}
	rc.Search(ctx, "Condition", url.Values{"patient": {p.ID}})
	srv.SetFaults(epicsim.Faults{})
	st, cs := rc.Stats(), c.Stats()
	if st.Requests != 3 || st.Retries != 2 || st.Errors != 3 || st.ByType["Condition"] != 3 || st.Time <= 0 {
		t.Fatalf("stats after 3 failed tries: %+v", st)
	}
	if cs.NotModified != 1 || cs.Requests != 4 || cs.Errors != 0 || cs.Bytes <= 0 {
		t.Fatalf("stats: %+v", cs)
	}
}

func TestRequestSlotsAreShared(t *testing.T) {
	srv, c := setup(t, epicsim.Options{Faults: epicsim.Faults{Latency: 100 * time.Millisecond}})
	c.MaxInFlight = 2
	ids := srv.Practice().Patients[:6]
	t0 := time.Now()
	done := make(chan error)
	for _, p := range ids {
		go func() { _, err := c.Read(context.Background(), "Patient", p.ID); done <- err }()
	}
	for range ids {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	// Six reads through two slots take three rounds of the latency.
	if d := time.Since(t0); d < 300*time.Millisecond {
		t.Fatalf("6 reads with 2 slots took %v: more than 2 were in flight", d)
	}
}

// At 30 % 429s a run of requests as long as a clinic day's finishes with
// the production MaxTries: throttling is waited out, not counted.
func TestThrottlingIsWaitedOut(t *testing.T) {
	srv, c := setup(t, epicsim.Options{Faults: epicsim.Faults{Rate429: 0.3}})
	rc := &Client{Base: srv.FHIRBase(), Tokens: c.Tokens, RetryWait: time.Millisecond, MaxWait: 5 * time.Millisecond}
	ctx := context.Background()
	pats := srv.Practice().Patients
	for i := 0; i < 300; i++ {
		if _, err := rc.Read(ctx, "Patient", pats[i%len(pats)].ID); err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
	}
	if st := rc.Stats(); st.Retries < 50 {
		t.Fatalf("only %d retries at 30 %% 429s: the fault was not met", st.Retries)
	}
}

// A cancelled caller takes no request slot and sends nothing.
func TestCancelledTakesNoSlot(t *testing.T) {
	srv, c := setup(t, epicsim.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	id := srv.Practice().Patients[0].ID
	for i := 0; i < 100; i++ {
		if _, err := c.Read(ctx, "Patient", id); err == nil {
			t.Fatal("a cancelled read succeeded")
		}
	}
	if st := c.Stats(); st.Requests != 0 {
		t.Fatalf("a cancelled caller took %d request slots", st.Requests)
	}
	if n := srv.Requests()["Patient"]; n != 0 {
		t.Fatalf("the server saw %d reads", n)
	}
}
