// Package fhir is a FHIR R4 REST client for Epic: searches that follow every
// next link (with a page cap and loop detection), OperationOutcome entries
// stripped and reported, bounded retries with backoff and jitter that honour
// Retry-After, a timeout and a size cap on every request, and typed errors.
// Resources stay raw JSON: unknown fields are kept, and decoding is left to
// the code that needs a field.
//
// Why not a FHIR R4 model library: github.com/samply/golang-fhir-models
// (v0.3.2, the well-kept Go one) was read against what Epic sends. Its
// code types reject any code outside the R4 value set ("unknown
// ObservationStatus code"), so one R5-style or local code (Encounter
// status "completed", a new search mode) fails the whole resource, and in
// a Bundle the whole page, which here would fail a patient. Its code
// fields are non-pointer enums whose zero value is the first code, so a
// missing Observation.status re-encodes as "registered" and a missing
// Bundle.type as "document": a round trip invents data. Its structs have
// no catch-all, so Epic's extensions outside the model and unknown fields
// are dropped on re-encoding. Bundle decoding is the one place it could
// serve, and there it adds those failure modes to a five-field struct.
// internal/record decodes the few fields it reads the same tolerant way.
package fhir

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"golang.org/x/oauth2"
)

// Invalidator is implemented by token sources that can drop a cached token,
// so a 401 gets one silent retry with a fresh one.
type Invalidator interface{ Invalidate() }

// Client talks to one FHIR server. It is safe for concurrent use.
type Client struct {
	Base       string
	HTTP       *http.Client
	Tokens     oauth2.TokenSource
	Log        *slog.Logger
	Timeout    time.Duration // per request; default 30 s
	MaxTries   uint          // per request, including the first; default 4
	MaxElapsed time.Duration // retry budget per request for failures other than 429; default 90 s
	// Budget bounds the time the client waits out throttling (429s), from
	// its first request: the agent makes one client per sync, so it is the
	// sync's budget. Default 10 minutes.
	Budget   time.Duration
	MaxPages int   // per search; default 100
	MaxBody  int64 // bytes per response; default 32 MiB
	// MaxInFlight bounds the requests on the wire at once, across every
	// caller of this client; default 6. A request waiting out a backoff
	// holds no slot, so the pipe stays full while others retry.
	MaxInFlight int
	RetryWait   time.Duration // first backoff wait; default 300 ms
	MaxWait     time.Duration // longest backoff wait; default 10 s
	// Writes names the resource types Create and Update may write; the
	// zero value refuses every write (see WritePermission).
	Writes WritePermission

	mu      sync.Mutex
	stats   Stats
	started time.Time // first request, for Budget
	slots   slots
}

// Stats counts requests, for status and benchmarks. Requests counts every
// HTTP exchange (retries included); Errors those that failed; Retries the
// waits before another try; Time the summed duration of the exchanges (not
// wall time: they overlap).
type Stats struct {
	Requests    int            `json:"requests"`
	Retries     int            `json:"retries"`
	Errors      int            `json:"errors"`
	NotModified int            `json:"notModified"` // 304 answers to conditional reads
	Bytes       int64          `json:"bytes"`       // response bodies read
	ByType      map[string]int `json:"byType"`
	Time        time.Duration  `json:"time"`
}

// Issue is an OperationOutcome issue Epic put in a result bundle.
type Issue struct {
	Severity string `json:"severity"`
	Code     string `json:"code"` // Epic's detail code, e.g. 4101 (no results), 59204 (suppressed)
	Text     string `json:"text"`
}

// Result is everything a search returned across its pages.
type Result struct {
	Resources []json.RawMessage
	Issues    []Issue
	Pages     int
	Skipped   int // entries that were not readable resources
	// Self is the first page's self link: the search as the server
	// understood it (servers drop parameters they ignored).
	Self string
	// ServerTime is the server's clock (Date header) when the first page
	// was answered; zero when it sent none.
	ServerTime time.Time
}

// Stats returns a copy of the counters.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.ByType = make(map[string]int, len(c.stats.ByType))
	for k, v := range c.stats.ByType {
		s.ByType[k] = v
	}
	return s
}

func (c *Client) note(kind string, d time.Duration, failed, notModified bool, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stats.ByType == nil {
		c.stats.ByType = map[string]int{}
	}
	c.stats.Requests++
	c.stats.ByType[kind]++
	c.stats.Time += d
	c.stats.Bytes += int64(bytes)
	if failed {
		c.stats.Errors++
	}
	if notModified {
		c.stats.NotModified++
	}
}

func (c *Client) noteRetry() {
	c.mu.Lock()
	c.stats.Retries++
	c.mu.Unlock()
}

// slot takes one of the MaxInFlight request slots (see slots). A
// cancelled caller takes none.
func (c *Client) slot(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		queued(ctx)
		return nil, err
	}
	return c.slots.take(ctx, orDefault(c.MaxInFlight, 6))
}

func (c *Client) log() *slog.Logger {
	if c.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Log
}

func orDefault[T comparable](v, d T) T {
	var zero T
	if v == zero {
		return d
	}
	return v
}

// Search runs a search and follows every next link exactly as returned.
func (c *Client) Search(ctx context.Context, resourceType string, params url.Values) (Result, error) {
	var all []json.RawMessage
	res, err := c.SearchPages(ctx, resourceType, params, func(page []json.RawMessage) error {
		all = append(all, page...)
		return nil
	})
	res.Resources = all
	return res, err
}

// SearchPages is Search that hands each page's resources to page as it
// arrives instead of gathering them, so a caller can write a large
// result away a page at a time; Result.Resources stays empty. An error
// from page ends the search with it.
func (c *Client) SearchPages(ctx context.Context, resourceType string, params url.Values, page func([]json.RawMessage) error) (Result, error) {
	var res Result
	// A page's next page goes out on the slot the page came back on: the
	// pages of a search are one chain, and a slot handed to another
	// request while the next page is being asked for would cost the chain
	// a round trip.
	held := &heldSlot{}
	defer held.drop()
	ctx = context.WithValue(ctx, heldKey{}, held)
	next := strings.TrimRight(c.Base, "/") + "/" + resourceType + "?" + params.Encode()
	seen := map[string]bool{}
	for next != "" {
		if seen[next] {
			return res, &Error{Kind: KindPaging, Resource: resourceType}
		}
		seen[next] = true
		if res.Pages >= orDefault(c.MaxPages, 100) {
			return res, &Error{Kind: KindPaging, Resource: resourceType, Detail: fmt.Sprintf("more than %d pages", res.Pages)}
		}
		var b bundle
		rep, err := c.do(ctx, http.MethodGet, next, resourceType, nil, "", &b)
		if err != nil {
			return res, err
		}
		if res.Pages == 0 {
			res.ServerTime = rep.serverTime()
		}
		res.Pages++
		next = ""
		for _, l := range b.Link {
			switch {
			case l.Relation == "next":
				next = l.URL
			case l.Relation == "self" && res.Pages == 1:
				res.Self = l.URL
			}
		}
		if next == "" {
			held.drop()
		}
		var got []json.RawMessage
		for _, e := range b.Entry {
			var head struct {
				ResourceType string `json:"resourceType"`
				Issue        []struct {
					Severity    string `json:"severity"`
					Diagnostics string `json:"diagnostics"`
					Details     struct {
						Coding []struct{ Code string } `json:"coding"`
						Text   string                  `json:"text"`
					} `json:"details"`
				} `json:"issue"`
			}
			if len(e.Resource) == 0 || json.Unmarshal(e.Resource, &head) != nil || head.ResourceType == "" {
				res.Skipped++
				continue
			}
			if head.ResourceType == "OperationOutcome" || e.Search.Mode == "outcome" {
				for _, is := range head.Issue {
					iss := Issue{Severity: is.Severity, Text: orDefault(is.Details.Text, is.Diagnostics)}
					if len(is.Details.Coding) > 0 {
						iss.Code = is.Details.Coding[0].Code
					}
					res.Issues = append(res.Issues, iss)
				}
				continue
			}
			got = append(got, e.Resource)
		}
		if err := page(got); err != nil {
			return res, err
		}
	}
	return res, nil
}

type bundle struct {
	ResourceType string `json:"resourceType"`
	Link         []struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	} `json:"link"`
	Entry []struct {
		Resource json.RawMessage `json:"resource"`
		Search   struct {
			Mode string `json:"mode"`
		} `json:"search"`
	} `json:"entry"`
}

// Read fetches one resource by id.
func (c *Client) Read(ctx context.Context, resourceType, id string) (json.RawMessage, error) {
	raw, _, _, err := c.ReadIfChanged(ctx, resourceType, id, "")
	return raw, err
}

// ReadIfChanged fetches one resource unless it still has the version etag
// names (If-None-Match). It returns the resource and its new ETag, or
// changed=false and no body when the server answered 304 Not Modified.
// Without an etag it is a plain read.
func (c *Client) ReadIfChanged(ctx context.Context, resourceType, id, etag string) (raw json.RawMessage, newETag string, changed bool, err error) {
	rep, err := c.do(ctx, http.MethodGet, strings.TrimRight(c.Base, "/")+"/"+resourceType+"/"+url.PathEscape(id), resourceType, nil, etag, &raw)
	if err != nil {
		return nil, "", false, err
	}
	if rep.status == http.StatusNotModified {
		return nil, etag, false, nil
	}
	return raw, rep.header.Get("ETag"), true, nil
}

// reply is what a request's caller may want besides the body.
type reply struct {
	status int
	header http.Header
}

func (r reply) serverTime() time.Time {
	if r.header == nil {
		return time.Time{}
	}
	t, err := http.ParseTime(r.header.Get("Date"))
	if err != nil {
		return time.Time{}
	}
	return t
}

// PostJSON posts a JSON body to an absolute URL on the same server (Epic's
// web services) and decodes the JSON answer, with the same auth, retries
// and error kinds as FHIR requests.
func (c *Client) PostJSON(ctx context.Context, rawURL, name string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, http.MethodPost, rawURL, name, b, "", out)
	return err
}

// do performs one logical request with retries. A 401 gets one silent
// re-token and one more try; after that it is final (sign in again).
//
// Throttling (429) is not a failure of the request: Epic says when to come
// back, so a 429 is waited out (its Retry-After) without counting
// against MaxTries, for as long as the client's Budget lasts. At 30 % 429s
// a request meets four in a row about once in a hundred, which under a
// fixed number of tries stopped every sync of a real day. Other retryable
// failures (5xx, resets, truncated bodies) keep MaxTries and MaxElapsed.
func (c *Client) do(ctx context.Context, method, rawURL, kind string, body []byte, etag string, out any) (reply, error) {
	eb := backoff.NewExponentialBackOff()
	eb.InitialInterval = orDefault(c.RetryWait, 300*time.Millisecond)
	eb.MaxInterval = orDefault(c.MaxWait, 10*time.Second)
	start := time.Now()
	deadline := c.budgetDeadline(start)
	reauthed := false
	var failures uint
	for {
		rep, err := c.once(ctx, method, rawURL, kind, body, etag, out)
		if err == nil {
			return rep, nil
		}
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		var wait time.Duration
		var ra *backoff.RetryAfterError
		switch {
		case KindOf(err) == KindSignIn:
			// One silent re-token: the cached access token may have expired early.
			inv, ok := c.Tokens.(Invalidator)
			if !ok || reauthed {
				return rep, err
			}
			inv.Invalidate()
			reauthed = true
		case tokenFailure(err) && KindOf(err) == KindRateLimited:
			// The token server's throttling is remembered by the token
			// source until it may be asked again; asking it in a loop
			// here would only repeat its answer.
			return rep, err
		case errors.As(err, &ra) || KindOf(err) == KindRateLimited:
			// Epic says when to come back: wait that long (at least
			// RetryWait, so "Retry-After: 0" is no hot loop). Without a
			// Retry-After, back off as for any failure.
			if ra != nil {
				wait = max(ra.Duration, orDefault(c.RetryWait, 300*time.Millisecond))
			} else {
				wait = eb.NextBackOff()
			}
			if time.Now().Add(wait).After(deadline) {
				return rep, &Error{Kind: KindRateLimited, Status: http.StatusTooManyRequests, Resource: kind}
			}
		case retryable(err):
			failures++
			wait = eb.NextBackOff()
			if failures >= orDefault(c.MaxTries, 4) || time.Since(start)+wait > orDefault(c.MaxElapsed, 90*time.Second) {
				return rep, err
			}
		default:
			return rep, err
		}
		c.noteRetry()
		c.log().Debug("fhir retry", "resource", kind, "kind", KindOf(err), "wait", wait)
		if h, ok := ctx.Value(heldKey{}).(*heldSlot); ok {
			h.drop() // a wait holds no slot
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return rep, ctx.Err()
			}
		}
	}
}

// budgetDeadline is when this client stops waiting out throttling: Budget
// after its first request. A client serves one sync, so that is the sync's
// budget, shared by all its requests.
func (c *Client) budgetDeadline(now time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started.IsZero() {
		c.started = now
	}
	return c.started.Add(orDefault(c.Budget, 10*time.Minute))
}

// tokenFailure reports whether err came from getting the access token.
func tokenFailure(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Token
}

func retryable(err error) bool {
	switch KindOf(err) {
	case KindServer, KindUnreachable, KindMalformed:
		return true
	}
	return false
}

// once performs a single HTTP exchange and maps the outcome to an error kind.
func (c *Client) once(ctx context.Context, method, rawURL, kind string, body []byte, etag string, out any) (rep reply, err error) {
	held, _ := ctx.Value(heldKey{}).(*heldSlot)
	release := held.take()
	if release == nil {
		if release, err = c.slot(ctx); err != nil {
			return rep, err
		}
	}
	if held != nil {
		defer func() { held.release = release }() // the search releases it
	} else {
		defer release()
	}
	start := time.Now()
	var b []byte
	defer func() { c.note(kind, time.Since(start), err != nil, rep.status == http.StatusNotModified, len(b)) }()
	ctx, cancel := context.WithTimeout(ctx, orDefault(c.Timeout, 30*time.Second))
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return rep, &Error{Kind: KindBadRequest, Resource: kind, Err: err}
	}
	req.Header.Set("Accept", "application/fhir+json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := c.authorizedDo(ctx, req, kind)
	if err != nil {
		return rep, err
	}
	defer resp.Body.Close()
	rep = reply{status: resp.StatusCode, header: resp.Header}
	limit := orDefault(c.MaxBody, 32<<20)
	rb := bodies.Get().(*bytes.Buffer)
	defer putBody(rb)
	rb.Reset()
	_, err = rb.ReadFrom(io.LimitReader(resp.Body, limit+1))
	b = rb.Bytes() // decoded below into values of their own; never kept
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) {
			return rep, &Error{Kind: KindMalformed, Status: resp.StatusCode, Resource: kind, Err: err}
		}
		return rep, &Error{Kind: KindUnreachable, Resource: kind, Err: err}
	}
	if int64(len(b)) > limit {
		return rep, &Error{Kind: KindTooLarge, Status: resp.StatusCode, Resource: kind}
	}
	switch s := resp.StatusCode; {
	case s == http.StatusNotModified && etag != "":
		return rep, nil
	case s == http.StatusUnauthorized:
		return rep, &Error{Kind: KindSignIn, Status: s, Resource: kind}
	case s == http.StatusForbidden:
		if strings.Contains(resp.Header.Get("WWW-Authenticate"), "insufficient_scope") || len(bytes.TrimSpace(b)) == 0 {
			return rep, &Error{Kind: KindScope, Status: s, Resource: kind}
		}
		return rep, &Error{Kind: KindForbidden, Status: s, Resource: kind, Detail: outcomeText(b)}
	case s == http.StatusNotFound:
		return rep, &Error{Kind: KindNotFound, Status: s, Resource: kind}
	case s == http.StatusTooManyRequests:
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs >= 0 {
			return rep, backoff.RetryAfter(min(secs, 60))
		}
		return rep, &Error{Kind: KindRateLimited, Status: s, Resource: kind}
	case s >= 500:
		return rep, &Error{Kind: KindServer, Status: s, Resource: kind}
	case s >= 400:
		return rep, &Error{Kind: KindBadRequest, Status: s, Resource: kind, Detail: outcomeText(b)}
	}
	if out == nil {
		return rep, nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return rep, &Error{Kind: KindMalformed, Status: resp.StatusCode, Resource: kind, Err: err}
	}
	return rep, nil
}

// bodies are response buffers, reused: a sync reads hundreds of pages of
// a few hundred KB, and reading each into a fresh, doubling buffer was
// most of its garbage (and so of its peak memory).
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putBody(b *bytes.Buffer) {
	if b.Cap() <= 4<<20 { // an unusually large page is not kept
		bodies.Put(b)
	}
}

// tokenError classifies a token source's failure. A source that could not
// reach its server or was asked to slow down says so (Outage, Throttled):
// that is an outage or throttling, not a sign-in problem. Anything else
// means no access token can be had: sign in again.
func tokenError(ctx context.Context, kind string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var outage interface{ Outage() bool }
	var throttled interface{ Throttled() bool }
	switch {
	case errors.As(err, &outage) && outage.Outage():
		return &Error{Kind: KindUnreachable, Resource: kind, Token: true, Err: err}
	case errors.As(err, &throttled) && throttled.Throttled():
		return &Error{Kind: KindRateLimited, Resource: kind, Token: true, Err: err}
	}
	return &Error{Kind: KindSignIn, Resource: kind, Token: true, Err: err}
}

// outcomeText pulls the human text out of an OperationOutcome body.
func outcomeText(b []byte) string {
	var oo struct {
		Issue []struct {
			Diagnostics string `json:"diagnostics"`
			Details     struct {
				Text string `json:"text"`
			} `json:"details"`
		} `json:"issue"`
	}
	if json.Unmarshal(b, &oo) != nil || len(oo.Issue) == 0 {
		return ""
	}
	return orDefault(oo.Issue[0].Details.Text, oo.Issue[0].Diagnostics)
}

// authorizedDo sends req with the current access token (when the client has
// a token source) on the client's HTTP client: the one exchange searches,
// reads and writes share. Its errors are typed for kind.
func (c *Client) authorizedDo(ctx context.Context, req *http.Request, kind string) (*http.Response, error) {
	if c.Tokens != nil {
		if err := ctx.Err(); err != nil {
			return nil, err // a cancelled sync asks for no token
		}
		tok, err := c.Tokens.Token()
		if err != nil {
			return nil, tokenError(ctx, kind, err)
		}
		tok.SetAuthHeader(req)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &Error{Kind: KindUnreachable, Resource: kind, Err: err}
	}
	return resp, nil
}
