package agent

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/agent/agenttest"
	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/tenant"
)

// signInInBrowser runs the agent's sign-in with Epic's page driven in
// Chromium, and returns how it ended.
func signInInBrowser(t *testing.T, a *Agent, chrome context.Context) api.SignInState {
	t.Helper()
	ctx := context.Background()
	st, err := a.StartSignIn(ctx, api.SignInRequest{NoBrowser: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := agenttest.SignInAt(chrome, st.URL); err != nil {
		t.Fatalf("browser: %v", err)
	}
	for st.State == api.SignInWaiting {
		if st, err = a.SignInStatus(ctx, 30*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if st.State != api.SignInDone {
		t.Fatalf("sign-in: %+v", st)
	}
	return st
}

// writeScopeGranted reports whether any token the tenant issued can write notes.
func writeScopeGranted(sim *epicsim.Server) bool {
	for _, scopes := range sim.TokenScopes() {
		for _, sc := range scopes {
			if strings.Contains(sc, "DocumentReference.write") || strings.HasSuffix(sc, "DocumentReference.c") {
				return true
			}
		}
	}
	return false
}

// currentNotes are a patient's notes written through the API, by status.
func notesByStatus(t *testing.T, sim *epicsim.Server, patient string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, raw := range sim.Notes(patient) {
		var d struct{ Status string }
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		out[d.Status]++
	}
	return out
}

// The whole of sending prep notes against the simulated tenant, over real
// HTTP with a real browser sign-in and the real cache: off by default (no
// write scope asked, no write made), turned on, signed in again (the
// write scope asked for only now), one visit, the day, again (replaced,
// never duplicated), each refusal (a clear message, nothing written, the
// prep unchanged), an outage mid-send (no duplicate after the check), and
// the day's cap.
func TestSendPrepNotesEndToEnd(t *testing.T) {
	chrome := agenttest.Chromium(t)
	ctx := context.Background()
	const clientID = "hp-send-app"
	sim, port := agenttest.Tenant(t, epicsim.Options{}, epicsim.Client{ID: clientID})
	dir := t.TempDir()
	t.Setenv("HEALTHPREP_KEYRING", "file")
	t.Setenv("HEALTHPREP_KEYRING_PASSWORD", "test")
	if err := SavePractice(dir, Practice{Name: "Sim Practice", FHIRBase: sim.FHIRBase(), ClientID: clientID, RedirectPort: port,
		Schedule: ScheduleSource{Kind: "provider-service", ProviderIDs: []string{"E1001", "E1002", "E1003"}}}); err != nil {
		t.Fatal(err)
	}
	// A write that times out gives up after 3 s rather than a minute.
	a, err := Open(ctx, Options{Dir: dir, HTTP: &http.Client{Timeout: 3 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })

	// Off by default: the sign-in asks for no write scope, and a send is
	// refused before any request.
	if s, _ := a.Settings(ctx); s.Send == nil || s.Send.Enabled || s.Send.DailyCap != 100 || s.Send.NoteType != "11506-3" {
		t.Fatalf("default send settings %+v", s.Send)
	}
	signInInBrowser(t, a, chrome)
	if writeScopeGranted(sim) {
		t.Fatalf("with sending off, the sign-in got a write scope: %v", sim.TokenScopes())
	}
	date := weekdayBefore(time.Now(), 1)
	if _, err := a.Sync(ctx, api.SyncRequest{Date: date}); err != nil {
		t.Fatal(err)
	}
	day, err := a.Day(ctx, date)
	if err != nil {
		t.Fatal(err)
	}
	var active []api.DayRow
	for _, r := range day.Rows {
		if !r.Inactive && !r.NotFetched {
			active = append(active, r)
		}
	}
	if len(active) < 5 {
		t.Fatalf("only %d visits on %s", len(active), date)
	}
	one := active[0]
	if _, err := a.Send(ctx, api.SendRequest{Date: date, AppointmentIDs: []string{one.AppointmentID}}); !api.IsKind(err, api.KindForbidden) || !strings.Contains(err.Error(), "off for this practice") {
		t.Fatalf("send with sending off: %v", err)
	}
	for k := range sim.Requests() {
		if strings.HasPrefix(k, "POST DocumentReference") {
			t.Fatal("a write reached Epic with sending off")
		}
	}

	// Turned on: the next sign-in asks for the write scope.
	s, _ := a.Settings(ctx)
	s.Send.Enabled = true
	if err := a.SaveSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	// The sign-in made with it off cannot write: said before any request.
	if sn, _ := a.SentNotes(ctx, date); !sn.Enabled || sn.CanWrite {
		t.Fatalf("on, before signing in again: %+v", sn)
	}
	if _, err := a.Send(ctx, api.SendRequest{Date: date}); !api.IsKind(err, api.KindNeedsSignIn) || !strings.Contains(err.Error(), "Sign in to Epic again") {
		t.Fatalf("send before signing in again: %v", err)
	}
	signInInBrowser(t, a, chrome)
	if sn, _ := a.SentNotes(ctx, date); !sn.CanWrite {
		t.Fatalf("signed in with sending on: %+v", sn)
	}
	if !writeScopeGranted(sim) {
		t.Fatalf("with sending on, the sign-in asked for no write scope: %v", sim.TokenScopes())
	}

	// One visit.
	res, err := a.Send(ctx, api.SendRequest{Date: date, AppointmentIDs: []string{one.AppointmentID}})
	if err != nil || len(res.Sent) != 1 || len(res.Failed) != 0 || res.Sent[0].NoteID == "" || res.Sent[0].By == "" || res.SentToday != 1 {
		t.Fatalf("send one: %+v %v", res, err)
	}
	if got := notesByStatus(t, sim, one.PatientID); got["current"] != 1 || len(got) != 1 {
		t.Fatalf("after one send the chart holds %v", got)
	}
	var doc struct {
		Type    struct{ Coding []struct{ Code string } }
		Content []struct {
			Attachment struct{ ContentType, Data string }
		}
		Author []struct{ Reference string }
	}
	json.Unmarshal(sim.Notes(one.PatientID)[0], &doc)
	if doc.Type.Coding[0].Code != "11506-3" || doc.Content[0].Attachment.ContentType != "text/plain; charset=utf-8" || len(doc.Author) != 1 {
		t.Fatalf("the note as filed: %+v", doc)
	}
	sent, err := a.SentNotes(ctx, date)
	if err != nil || sent.Notes[one.AppointmentID].NoteID != res.Sent[0].NoteID || !sent.Enabled {
		t.Fatalf("sent notes %+v %v", sent, err)
	}

	// The day: every visit that will happen gets one note; the one sent
	// already is replaced, not doubled.
	res, err = a.Send(ctx, api.SendRequest{Date: date})
	if err != nil || len(res.Failed) != 0 || len(res.Sent) < len(active) {
		t.Fatalf("send the day: %d sent, failed %+v, %v", len(res.Sent), res.Failed, err)
	}
	for _, r := range active {
		want := map[string]int{"current": 1}
		if r.AppointmentID == one.AppointmentID {
			want["superseded"] = 1
		}
		if got := notesByStatus(t, sim, r.PatientID); got["current"] != want["current"] || got["superseded"] != want["superseded"] {
			t.Fatalf("after the day, %s's chart holds %v, want %v", r.AppointmentID, got, want)
		}
	}
	// Again for one visit: replaced.
	res, err = a.Send(ctx, api.SendRequest{Date: date, AppointmentIDs: []string{active[1].AppointmentID}})
	if err != nil || len(res.Sent) != 1 || res.Sent[0].Replaced == "" {
		t.Fatalf("send again: %+v %v", res, err)
	}
	if got := notesByStatus(t, sim, active[1].PatientID); got["current"] != 1 || got["superseded"] != 1 {
		t.Fatalf("sent again, the chart holds %v", got)
	}

	// Each refusal: a clear message, nothing new in the chart, the prep as it was.
	before, _ := json.Marshal(day)
	target := active[2]
	for _, tc := range []struct {
		fault epicsim.WriteFault
		words string
	}{
		{epicsim.WriteScope, "Sign in again"},
		{epicsim.WriteInvalid, "Epic refused the note as it was sent (Epic said: The note could not be filed"},
		{epicsim.WriteConflict, "try again in a minute"},
		{epicsim.WriteServerError, "server error) and it is not in the chart"},
		{epicsim.WriteTimeout, "the note is not in the chart"},
	} {
		count := sim.NoteCount()
		sim.SetWriteFault(tc.fault, 0) // every write
		res, err := a.Send(ctx, api.SendRequest{Date: date, AppointmentIDs: []string{target.AppointmentID}})
		sim.SetWriteFault(epicsim.WriteOK, 0)
		if err != nil || len(res.Sent) != 0 || len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Message, tc.words) {
			t.Errorf("%s: %+v %v, want a refusal saying %q", tc.fault, res, err, tc.words)
		}
		if sim.NoteCount() != count {
			t.Errorf("%s: a note was written", tc.fault)
		}
		after, _ := a.Day(ctx, date)
		if b, _ := json.Marshal(after); string(b) != string(before) {
			t.Errorf("%s: the prep changed", tc.fault)
		}
		if n := (func() api.SentNote { s, _ := a.SentNotes(ctx, date); return s.Notes[target.AppointmentID] })(); n.NoteID == "" || n.Unconfirmed {
			t.Errorf("%s: the earlier note's record was lost: %+v", tc.fault, n)
		}
	}

	// An outage mid-send: the note is stored but the answer is lost, and
	// a timeout once: each is checked with a search before any retry, so
	// the chart ends with one current note.
	for _, fault := range []epicsim.WriteFault{epicsim.WriteDropped, epicsim.WriteTimeout} {
		count := sim.NoteCount()
		sim.SetWriteFault(fault, 1)
		res, err = a.Send(ctx, api.SendRequest{Date: date, AppointmentIDs: []string{target.AppointmentID}})
		if err != nil || len(res.Sent) != 1 {
			t.Fatalf("%s once: %+v %v", fault, res, err)
		}
		if fault == epicsim.WriteDropped && !res.Sent[0].Recovered {
			t.Fatalf("the dropped answer's note was not found by the check: %+v", res.Sent[0])
		}
		if got := notesByStatus(t, sim, target.PatientID); got["current"] != 1 || sim.NoteCount() != count+1 {
			t.Fatalf("%s once: the chart holds %v, %d new notes", fault, got, sim.NoteCount()-count)
		}
	}

	// The cap: one more note today, then a clear refusal for the rest.
	s, _ = a.Settings(ctx)
	today, _ := a.Send(ctx, api.SendRequest{Date: date, AppointmentIDs: []string{active[3].AppointmentID}})
	s.Send.DailyCap = today.SentToday + 1
	if err := a.SaveSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	count := sim.NoteCount()
	res, err = a.Send(ctx, api.SendRequest{Date: date})
	if err != nil || len(res.Sent) != 1 || len(res.Failed) != len(active)-1 || sim.NoteCount() != count+1 {
		t.Fatalf("at the cap: %d sent, %d failed, %d written; %v", len(res.Sent), len(res.Failed), sim.NoteCount()-count, err)
	}
	if !strings.Contains(res.Failed[0].Message, "limit") || res.SentToday != res.DailyCap {
		t.Fatalf("cap refusal: %+v", res.Failed[0])
	}

	// The audit has who, the patient's id and the note's id; never the text.
	audit, err := a.Audit(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var sentEntries int
	for _, e := range audit {
		if e.Event == "note.sent" {
			sentEntries++
			if e.Fields["patientId"] == "" || e.Fields["noteId"] == "" || e.Fields["user"] == "" {
				t.Fatalf("audit entry %+v", e)
			}
		}
		b, _ := json.Marshal(e)
		if strings.Contains(string(b), "Evidence:") || strings.Contains(string(b), "screening catalogue") {
			t.Fatalf("the note's text is in the audit: %s", b)
		}
	}
	if sentEntries < len(active)+4 {
		t.Fatalf("%d note.sent audit entries", sentEntries)
	}
	if !slices.ContainsFunc(audit, func(e api.AuditEntry) bool { return e.Event == "send.enabled" }) {
		t.Fatal("turning sending on was not audited")
	}
}

// The demo sends to its own simulated chart, as "Front Desk (demo)", once
// sending is turned on; never while it is off.
func TestDemoSendsToItsSimulatedChart(t *testing.T) {
	ctx := context.Background()
	a := openDemo(t)
	date := weekdayBefore(time.Now(), 1)
	if _, err := a.Sync(ctx, api.SyncRequest{Date: date}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Send(ctx, api.SendRequest{Date: date}); !api.IsKind(err, api.KindForbidden) || a.demo.NoteCount() != 0 {
		t.Fatalf("demo with sending off: %v, %d notes", err, a.demo.NoteCount())
	}
	s, _ := a.Settings(ctx)
	s.Send.Enabled = true
	if err := a.SaveSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	day, _ := a.Day(ctx, date)
	res, err := a.Send(ctx, api.SendRequest{Date: date, AppointmentIDs: []string{day.Rows[0].AppointmentID}})
	if err != nil || len(res.Sent) != 1 || res.Sent[0].By != tenant.Demo.SignedInAs || a.demo.NoteCount() != 1 {
		t.Fatalf("demo send: %+v %v", res, err)
	}
}

// A date that cannot be read gets the one message every endpoint gives.
func TestSentNotesBadDateSaysWhichAndHow(t *testing.T) {
	a := openDemo(t)
	_, err := a.SentNotes(context.Background(), "24/11/2026")
	if !api.IsKind(err, api.KindBadRequest) || !strings.Contains(err.Error(), `"24/11/2026" is not a date`) {
		t.Fatalf("a bad date: %v", err)
	}
}
