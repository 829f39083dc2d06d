package documents

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/healthprep/desk/internal/doctext"
	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/epicsim/docgen"
	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/screening"
	"github.com/healthprep/desk/internal/store"
)

var today = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

type fixture struct {
	sim    *epicsim.Server
	tok    string
	store  *store.Store
	reader *Reader
}

func setup(t *testing.T) fixture {
	t.Helper()
	for _, p := range []string{"tesseract", "pdftotext", "pdftoppm"} {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("HEALTHPREP_REQUIRE_OCR") != "" {
				t.Fatalf("%s is not installed (make deps)", p)
			}
			t.Skipf("%s is not installed", p)
		}
	}
	sim, err := epicsim.Start(context.Background(), epicsim.Options{Now: func() time.Time { return today }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	key := make([]byte, 32)
	rand.Read(key)
	st, err := store.Open(context.Background(), t.TempDir(), key, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tok := sim.MintAccessToken(epicsim.DemoClientID, time.Hour)
	r := &Reader{
		Extractor: doctext.New(),
		Fetch:     &HTTPFetcher{Base: sim.FHIRBase(), Tokens: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok, TokenType: "Bearer"})},
		Cache:     StoreCache{st},
		Catalogue: screening.Default(),
		Workers:   2,
	}
	return fixture{sim, tok, st, r}
}

// documentsOf searches a patient's DocumentReferences as the sync does.
func (f fixture) documentsOf(t *testing.T, patient string) []json.RawMessage {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.sim.FHIRBase()+"/DocumentReference?patient="+url.QueryEscape(patient)+"&_count=200", nil)
	req.Header.Set("Authorization", "Bearer "+f.tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatal(err)
	}
	var out []json.RawMessage
	for _, e := range b.Entry {
		out = append(out, e.Resource)
	}
	return out
}

func allDue(cat *screening.Catalogue) []screening.Result {
	var rs []screening.Result
	for _, s := range cat.Enabled() {
		rs = append(rs, screening.Result{ID: s.ID, Status: screening.Due})
	}
	return rs
}

// Outside records of the simulated practice are fetched over HTTP, read
// (OCR included), matched against their known truth, cached in the
// encrypted store by content hash, and never fetched or read again.
func TestReadOutsideRecordsOnce(t *testing.T) {
	f := setup(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	cat := f.reader.Catalogue
	var cands []Candidate
	truth := map[string]docgen.Doc{}
	for _, p := range f.sim.Practice().Patients {
		has := false
		for _, r := range p.Resources {
			if d, ok := f.sim.OutsideRecord(r.ID); ok && r.Type == "DocumentReference" && (!d.Format.Scanned() || len(truth) < 6) {
				has, truth[r.ID] = true, d
			}
		}
		if !has {
			continue
		}
		for _, c := range Candidates(p.ID, f.documentsOf(t, p.ID), cat, today, allDue(cat)) {
			if _, ok := truth[c.DocID]; ok {
				cands = append(cands, c)
			}
		}
		if len(cands) >= 14 {
			break
		}
	}
	if len(cands) < 10 {
		t.Fatalf("%d candidates", len(cands))
	}
	var calls []int
	reads := f.reader.Read(context.Background(), cands, func(_ *Read, done, total int) { calls = append(calls, done) })
	if len(reads) != len(cands) || len(calls) != len(cands) || calls[len(calls)-1] != len(cands) {
		t.Fatalf("%d reads, progress %v, of %d", len(reads), calls, len(cands))
	}
	evidence := 0
	for _, rd := range reads {
		d := truth[rd.DocID]
		if rd.Unreadable != "" {
			t.Errorf("%s (%s): %s", rd.DocID, d.Format, rd.Unreadable)
			continue
		}
		var got *screening.TextFinding
		for i, fd := range rd.Findings {
			if fd.Dismissed == "" {
				got = &rd.Findings[i]
			}
		}
		switch {
		case d.Truth.Kind == docgen.Evidence:
			evidence++
			if got == nil || got.Screening != d.Truth.Screening || !got.Date.Equal(d.Truth.Performed) {
				t.Errorf("%s (%s): finding %+v, truth %+v", rd.DocID, d.Format, got, d.Truth)
			}
		case got != nil:
			t.Errorf("%s (%s, %s): false evidence %+v", rd.DocID, d.Format, d.Truth.Kind, got)
		}
	}
	if evidence == 0 {
		t.Fatal("no evidencing document among the candidates")
	}
	before := f.sim.Requests()["Binary"]
	again := f.reader.Read(context.Background(), cands, nil)
	for _, rd := range again {
		if !rd.Cached {
			t.Errorf("%s read again", rd.DocID)
		}
	}
	if n := f.sim.Requests()["Binary"]; n != before || len(again) != len(cands) {
		t.Errorf("second reading: %d Binary requests, %d reads", n-before, len(again))
	}
	if txt, ok := f.reader.Text(context.Background(), cands[0]); !ok || txt == "" {
		t.Error("no cached text for the app")
	}
	var files []string
	filepath.WalkDir(tmp, func(p string, _ os.DirEntry, _ error) error {
		if p != tmp {
			files = append(files, p)
		}
		return nil
	})
	if len(files) > 0 {
		t.Errorf("files in TMPDIR: %v", files)
	}
}

// Every hostile file ends as "could not be read", cached so it is not
// tried again, and the documents after it are still read.
func TestHostileAttachmentsCostOneDocument(t *testing.T) {
	f := setup(t)
	lim := doctext.DefaultLimits
	lim.CPU = 2 * time.Second // the PDF bomb's cap: processor time, so a loaded machine waits, never decides
	f.reader.Extractor = &doctext.Extractor{Limits: lim, OCR: doctext.DefaultOCR(lim), PDF: doctext.DefaultPDF(lim)}
	var cands []Candidate
	for _, id := range epicsim.HostileDocumentIDs() {
		h := docgen.Hostile(strings.TrimPrefix(id, "hostile-"))
		cands = append(cands, Candidate{DocID: id, URL: "Binary/" + id, ContentType: h.ContentType(), Title: "Outside records"})
	}
	good := Candidate{DocID: "inline", Title: "Outside colonoscopy report", Inline: []byte("Colonoscopy performed on 01/02/2025. The cecum was reached."), ContentType: "text/plain", Indexed: today}
	cands = append(cands, good)
	reads := f.reader.Read(context.Background(), cands, nil)
	if len(reads) != len(cands) {
		t.Fatalf("%d reads of %d", len(reads), len(cands))
	}
	for _, rd := range reads[:len(reads)-1] {
		if !strings.HasPrefix(rd.Unreadable, "could not be read: ") {
			t.Errorf("%s: %q", rd.DocID, rd.Unreadable)
		}
	}
	if last := reads[len(reads)-1]; last.Unreadable != "" || len(last.Findings) == 0 {
		t.Errorf("the good document: %+v", last)
	}
	before := f.sim.Requests()["Binary"]
	for _, rd := range f.reader.Read(context.Background(), cands[:len(cands)-1], nil) {
		if !rd.Cached || rd.Unreadable == "" {
			t.Errorf("%s: %+v", rd.DocID, rd)
		}
	}
	if n := f.sim.Requests()["Binary"] - before; n != 0 {
		t.Errorf("hostile files fetched again: %d", n)
	}
}

// An attachment that states a size over the cap is not fetched at all:
// it could not be read, and costs no download.
func TestStatedSizeOverTheCapIsNotFetched(t *testing.T) {
	f := setup(t)
	c := Candidate{DocID: "huge", URL: "Binary/hostile-200mb", ContentType: "application/pdf", Size: docgen.HugeSize, Title: "Outside records"}
	before := f.sim.Requests()["Binary"]
	reads := f.reader.Read(context.Background(), []Candidate{c}, nil)
	if len(reads) != 1 || !strings.HasPrefix(reads[0].Unreadable, "could not be read: ") || !strings.Contains(reads[0].Unreadable, "200 MB") {
		t.Fatalf("reads %+v", reads)
	}
	if n := f.sim.Requests()["Binary"] - before; n != 0 {
		t.Errorf("fetched %d times", n)
	}
}

// Only documents a screening could still use are fetched: none when every
// text-read screening is met, none older than the longest window.
func TestCandidatesByWindow(t *testing.T) {
	cat := screening.Default()
	doc := func(id, date string) json.RawMessage {
		return json.RawMessage(`{"resourceType":"DocumentReference","id":"` + id + `","status":"current","date":"` + date + `","description":"Outside record",
			"content":[{"attachment":{"contentType":"application/pdf","url":"Binary/` + id + `"}},{"attachment":{"contentType":"text/html","url":"Binary/` + id + `-html"}}]}`)
	}
	res := []json.RawMessage{doc("new", "2025-01-01T00:00:00Z"), doc("old", "2015-01-01T00:00:00Z"), doc("edge", "2016-11-24"),
		json.RawMessage(`{"resourceType":"DocumentReference","id":"video","date":"2025-01-01","content":[{"attachment":{"contentType":"video/mp4","url":"Binary/v"}}]}`)}
	colon := []screening.Result{{ID: "colorectal_cancer", Status: screening.Due}, {ID: "breast_cancer", Status: screening.Complete}}
	got := Candidates("p", res, cat, today, colon)
	ids := []string{}
	for _, c := range got {
		ids = append(ids, c.DocID+":"+c.ContentType)
	}
	// Colonoscopy's ten years back from 2026-11-24 reach 2016-11-24.
	if strings.Join(ids, ",") != "new:application/pdf,edge:application/pdf" {
		t.Errorf("candidates %v", ids)
	}
	mammo := []screening.Result{{ID: "breast_cancer", Status: screening.Due}}
	if got := Candidates("p", res, cat, today, mammo); len(got) != 1 || got[0].DocID != "new" {
		t.Errorf("two-year window: %+v", got)
	}
	met := []screening.Result{{ID: "colorectal_cancer", Status: screening.Complete}, {ID: "tobacco_use", Status: screening.Due}}
	if got := Candidates("p", res, cat, today, met); len(got) != 0 {
		t.Errorf("nothing open: %+v", got)
	}
}

// The prep notes this app files in the chart come back in later syncs; they
// are our own words ("Colonoscopy: complete"), never evidence to read.
func TestOwnPrepNotesAreNotRead(t *testing.T) {
	note := json.RawMessage(`{"resourceType":"DocumentReference","id":"ours","status":"current","date":"2026-11-20",
		"identifier":[{"system":"` + record.PrepNoteSystem + `","value":"2026-11-20/a1"}],"description":"Preventive screening prep (HealthPrep Desk)",
		"content":[{"attachment":{"contentType":"text/plain","url":"Binary/ours"}}]}`)
	other := json.RawMessage(`{"resourceType":"DocumentReference","id":"theirs","status":"current","date":"2026-11-20",
		"identifier":[{"system":"urn:oid:1.2.840.114350","value":"9"}],"description":"Outside record",
		"content":[{"attachment":{"contentType":"text/plain","url":"Binary/theirs"}}]}`)
	due := []screening.Result{{ID: "colorectal_cancer", Status: screening.Due}}
	got := Candidates("p", []json.RawMessage{note, other}, screening.Default(), today, due)
	if len(got) != 1 || got[0].DocID != "theirs" {
		t.Fatalf("candidates %+v", got)
	}
	rec, errs := record.FromFHIR([]json.RawMessage{note, other})
	if len(errs) != 0 || len(rec.Items) != 1 || rec.Items[0].ID != "theirs" {
		t.Fatalf("record items %+v, %v", rec.Items, errs)
	}
}
