package documents

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/oauth2"

	"github.com/healthprep/desk/internal/doctext"
	"github.com/healthprep/desk/internal/screening"
)

// Cache keeps extracted text in the encrypted cache. Get returns ok false
// for a miss.
type Cache interface {
	Get(ctx context.Context, key string) (b []byte, ok bool, err error)
	Put(ctx context.Context, key string, b []byte) error
}

// Fetcher gets an attachment's bytes, at most max.
type Fetcher interface {
	Fetch(ctx context.Context, c Candidate, max int) ([]byte, error)
}

// HTTPFetcher reads attachments from the FHIR server: a Binary read that
// asks for the attachment's own content type and accepts a FHIR Binary
// with base64 data too.
type HTTPFetcher struct {
	Base   string // the FHIR base URL, for relative attachment URLs
	HTTP   *http.Client
	Tokens oauth2.TokenSource
}

// errFetch is a fetch that failed for now (network, throttling): not
// cached, tried again on the next reading.
type errFetch struct{ status int }

func (e errFetch) Error() string {
	if e.status == 0 {
		return "the document could not be fetched"
	}
	return fmt.Sprintf("the document could not be fetched (HTTP %d)", e.status)
}

func (f *HTTPFetcher) Fetch(ctx context.Context, c Candidate, max int) ([]byte, error) {
	if len(c.Inline) > 0 {
		if len(c.Inline) > max {
			return nil, &doctext.Unreadable{Reason: doctext.ErrTooLarge}
		}
		return c.Inline, nil
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return nil, &doctext.Unreadable{Reason: doctext.ErrUnsupported, Detail: "attachment address"}
	}
	base, err := url.Parse(strings.TrimSuffix(f.Base, "/") + "/")
	if err != nil {
		return nil, err
	}
	u = base.ResolveReference(u)
	if u.Host != base.Host || u.Scheme != base.Scheme {
		// Never send the practice's token anywhere but its FHIR server.
		return nil, &doctext.Unreadable{Reason: doctext.ErrUnsupported, Detail: "attachment outside the FHIR server"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", c.ContentType+", application/fhir+json;q=0.5")
	if f.Tokens != nil {
		tok, err := f.Tokens.Token()
		if err != nil {
			return nil, errFetch{}
		}
		tok.SetAuthHeader(req)
	}
	hc := f.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errFetch{}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errFetch{status: resp.StatusCode}
	}
	if resp.ContentLength > int64(max) {
		return nil, &doctext.Unreadable{Reason: doctext.ErrTooLarge, Detail: fmt.Sprintf("%d MB", resp.ContentLength>>20)}
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct == "application/fhir+json" || ct == "application/json" {
		var bin struct {
			ResourceType string `json:"resourceType"`
			Data         []byte `json:"data"`
		}
		// base64 is 4/3 the size: allow for it before decoding.
		b, err := doctext.ReadLimited(resp.Body, max/3*4+4096)
		if err != nil {
			return nil, err
		}
		if json.Unmarshal(b, &bin) != nil || bin.ResourceType != "Binary" {
			return nil, &doctext.Unreadable{Reason: doctext.ErrCorrupt, Detail: "not a FHIR Binary"}
		}
		return bin.Data, nil
	}
	b, err := doctext.ReadLimited(resp.Body, max)
	if err != nil && ctx.Err() == nil {
		var u *doctext.Unreadable
		if !errors.As(err, &u) {
			return nil, errFetch{}
		}
	}
	return b, err
}

// Read is one document's outcome: its text's findings, or why it could
// not be read.
type Read struct {
	Candidate
	Method     string
	Pages      int
	Unreadable string // "could not be read: ..." (no content)
	Findings   []screening.TextFinding
	Cached     bool // read before: no fetch, no OCR
}

// cached is what the cache keeps per content hash: the text, or why it
// could not be read (a hostile file is not tried again).
type cached struct {
	Text       string `json:"text,omitempty"`
	Method     string `json:"method,omitempty"`
	Pages      int    `json:"pages,omitempty"`
	Unreadable string `json:"unreadable,omitempty"`
}

// Reader reads candidates in the background with a bounded number of
// workers (each OCR uses one core).
type Reader struct {
	Extractor *doctext.Extractor
	Fetch     Fetcher
	Cache     Cache
	Catalogue *screening.Catalogue
	Workers   int // default 1
	Log       *slog.Logger
}

func hashKey(prefix string, b []byte) string {
	h := sha256.Sum256(b)
	return prefix + hex.EncodeToString(h[:])
}

// where maps a document's address to its content hash, so a document read
// once is not even fetched again; keyed by a hash, not the FHIR id.
func where(c Candidate) string {
	if len(c.Inline) > 0 {
		return ""
	}
	return hashKey("doc-at-", []byte(c.URL))
}

// Read reads every candidate, calling progress after each (done of total;
// rd nil for a document that failed for now) from one goroutine at a time,
// so a caller can show evidence as it arrives. Results are in candidate
// order. A document that fails for now (network) is left out and tried
// next time.
func (r *Reader) Read(ctx context.Context, cands []Candidate, progress func(rd *Read, done, total int)) []Read {
	workers := max(r.Workers, 1)
	out := make([]Read, len(cands))
	ok := make([]bool, len(cands))
	jobs := make(chan int)
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				rd, err := r.one(ctx, cands[i])
				mu.Lock()
				if err == nil {
					out[i], ok[i] = rd, true
				} else if ctx.Err() == nil {
					r.log().Warn("document not read; trying again next time", "reason", err.Error())
				}
				done++
				if progress != nil {
					var p *Read
					if ok[i] {
						p = &out[i]
					}
					progress(p, done, len(cands))
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for i := range cands {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	var res []Read
	for i := range out {
		if ok[i] {
			res = append(res, out[i])
		}
	}
	return res
}

func (r *Reader) log() *slog.Logger {
	if r.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Log
}

// Cached returns what was read of a candidate before, without fetching.
func (r *Reader) Cached(ctx context.Context, c Candidate) (Read, bool) {
	at := where(c)
	if at == "" {
		return Read{}, false
	}
	key, ok, err := r.Cache.Get(ctx, at)
	if err != nil || !ok {
		return Read{}, false
	}
	b, ok, err := r.Cache.Get(ctx, string(key))
	if err != nil || !ok {
		return Read{}, false
	}
	return r.result(c, b, true)
}

func (r *Reader) result(c Candidate, b []byte, fromCache bool) (Read, bool) {
	var v cached
	if json.Unmarshal(b, &v) != nil {
		return Read{}, false
	}
	rd := Read{Candidate: c, Method: v.Method, Pages: v.Pages, Unreadable: v.Unreadable, Cached: fromCache}
	rd.Inline = nil
	if v.Unreadable == "" {
		rd.Findings = r.Catalogue.FindInText(c.Doc(v.Text))
	}
	return rd, true
}

// Text returns a document's extracted text from the cache (for the app's
// "open the document's text"), ok false when it was never read.
func (r *Reader) Text(ctx context.Context, c Candidate) (string, bool) {
	at := where(c)
	if at == "" {
		return "", false
	}
	key, ok, err := r.Cache.Get(ctx, at)
	if err != nil || !ok {
		return "", false
	}
	b, ok, err := r.Cache.Get(ctx, string(key))
	var v cached
	if err != nil || !ok || json.Unmarshal(b, &v) != nil || v.Unreadable != "" {
		return "", false
	}
	return v.Text, true
}

func (r *Reader) one(ctx context.Context, c Candidate) (Read, error) {
	if rd, ok := r.Cached(ctx, c); ok {
		return rd, nil
	}
	x := r.Extractor
	var data []byte
	var err error
	if c.Size > int64(x.Limits.MaxBytes) && len(c.Inline) == 0 {
		// The attachment states it is over the cap: not worth the download.
		err = &doctext.Unreadable{Reason: doctext.ErrTooLarge, Detail: fmt.Sprintf("%d MB", c.Size>>20)}
	} else {
		data, err = r.Fetch.Fetch(ctx, c, x.Limits.MaxBytes)
	}
	var v cached
	var u *doctext.Unreadable
	switch {
	case errors.As(err, &u):
		v.Unreadable = u.Error()
		data = []byte("unreadable:" + c.URL) // cache the verdict by address
	case err != nil:
		return Read{}, err
	default:
		key := hashKey("doc-text-", data)
		if b, ok, err := r.Cache.Get(ctx, key); err == nil && ok {
			// The same content under another address: read once ever.
			if err := r.Cache.Put(ctx, where(c), []byte(key)); err != nil {
				return Read{}, err
			}
			rd, _ := r.result(c, b, true)
			return rd, nil
		}
		res, err := x.Extract(ctx, data, c.ContentType)
		switch {
		case errors.As(err, &u):
			v.Unreadable = u.Error()
		case err != nil:
			return Read{}, err
		default:
			v.Text, v.Method, v.Pages = res.Text, res.Method, res.Pages
		}
	}
	b, _ := json.Marshal(v)
	key := hashKey("doc-text-", data)
	if err := r.Cache.Put(ctx, key, b); err != nil {
		return Read{}, err
	}
	if at := where(c); at != "" {
		if err := r.Cache.Put(ctx, at, []byte(key)); err != nil {
			return Read{}, err
		}
	}
	rd, _ := r.result(c, b, false)
	return rd, nil
}
