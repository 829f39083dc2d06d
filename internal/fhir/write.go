package fhir

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WritePermission lets a Client write resources of the types it names.
// The zero value permits nothing: a client made for a sync cannot write
// into the chart by mistake, whatever code calls it. Only the sending part
// of the agent builds one, and only while the practice has sending on.
type WritePermission struct{ types []string }

// AllowWrites permits creates and updates of the given resource types.
func AllowWrites(resourceTypes ...string) WritePermission {
	return WritePermission{types: slices.Clone(resourceTypes)}
}

func (p WritePermission) allows(resourceType string) bool {
	return resourceType != "" && slices.Contains(p.types, resourceType)
}

// Written is the server's answer to a create or update.
type Written struct {
	ID        string          // the resource's server id
	VersionID string          // meta.versionId or the ETag's version, when sent
	Resource  json.RawMessage // the resource as stored, when the server returned it
}

// Create POSTs a new resource. It is tried once: a write is not
// idempotent, so a failure that may have reached the server (see
// MayHaveWritten) is the caller's to check, with a search, before trying
// again. A 401 (stale token) and a 429 (not processed) are retried.
func (c *Client) Create(ctx context.Context, resourceType string, body []byte) (Written, error) {
	return c.write(ctx, http.MethodPost, resourceType, "", body, "")
}

// Update PUTs a resource at its id; ifMatch, when set, is the version the
// update expects (a conflict answers 409 or 412).
func (c *Client) Update(ctx context.Context, resourceType, id string, body []byte, ifMatch string) (Written, error) {
	if id == "" {
		return Written{}, &Error{Kind: KindBadRequest, Resource: resourceType, Detail: "no id to update"}
	}
	return c.write(ctx, http.MethodPut, resourceType, id, body, ifMatch)
}

// MayHaveWritten reports whether a failed write may nonetheless have
// been stored: the request may have reached the server (a 5xx, a timeout,
// a connection dropped after sending, an unreadable answer). A refusal
// (4xx), a write never permitted and a token that could not be had mean
// nothing was stored.
func MayHaveWritten(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Token {
		return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
	}
	switch e.Kind {
	case KindServer, KindMalformed:
		return true
	case KindUnreachable:
		var op *net.OpError
		return !(errors.As(e.Err, &op) && op.Op == "dial") // a refused dial sent nothing
	}
	return false
}

func (c *Client) write(ctx context.Context, method, resourceType, id string, body []byte, ifMatch string) (Written, error) {
	if !c.Writes.allows(resourceType) {
		return Written{}, &Error{Kind: KindWritesOff, Resource: resourceType}
	}
	u := strings.TrimRight(c.Base, "/") + "/" + resourceType
	if id != "" {
		u += "/" + url.PathEscape(id)
	}
	reauthed := false
	for throttled := 0; ; throttled++ {
		w, retryAfter, err := c.writeOnce(ctx, method, u, resourceType, body, ifMatch)
		switch {
		case err == nil:
			return w, nil
		case ctx.Err() != nil:
			return w, err
		case KindOf(err) == KindSignIn && !reauthed && !tokenFailure(err):
			// A 401 was not processed: one fresh token, one more try.
			inv, ok := c.Tokens.(Invalidator)
			if !ok {
				return w, err
			}
			inv.Invalidate()
			reauthed = true
			continue
		case KindOf(err) == KindRateLimited && !tokenFailure(err) && throttled < 3:
			// A 429 was not processed either: wait as asked.
			wait := max(retryAfter, orDefault(c.RetryWait, 300*time.Millisecond))
			c.noteRetry()
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return w, ctx.Err()
			}
			continue
		}
		return w, err
	}
}

// writeOnce is one write exchange. The request says it is FHIR JSON and
// asks for the stored resource back.
func (c *Client) writeOnce(ctx context.Context, method, rawURL, kind string, body []byte, ifMatch string) (w Written, retryAfter time.Duration, err error) {
	release, err := c.slot(ctx)
	if err != nil {
		return w, 0, err
	}
	defer release()
	start := time.Now()
	var b []byte
	status := 0
	defer func() { c.note(kind+" "+method, time.Since(start), err != nil, false, len(b)) }()
	ctx, cancel := context.WithTimeout(ctx, orDefault(c.Timeout, 30*time.Second))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, rawURL, bytes.NewReader(body))
	if err != nil {
		return w, 0, &Error{Kind: KindBadRequest, Resource: kind, Err: err}
	}
	req.Header.Set("Accept", "application/fhir+json")
	req.Header.Set("Content-Type", "application/fhir+json")
	req.Header.Set("Prefer", "return=representation")
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := c.authorizedDo(ctx, req, kind)
	if err != nil {
		return w, 0, err
	}
	defer resp.Body.Close()
	status = resp.StatusCode
	b, err = io.ReadAll(io.LimitReader(resp.Body, orDefault(c.MaxBody, 32<<20)))
	if err != nil {
		return w, 0, &Error{Kind: KindMalformed, Status: status, Resource: kind, Err: err}
	}
	switch {
	case status == http.StatusUnauthorized:
		return w, 0, &Error{Kind: KindSignIn, Status: status, Resource: kind}
	case status == http.StatusForbidden:
		if strings.Contains(resp.Header.Get("WWW-Authenticate"), "insufficient_scope") || len(bytes.TrimSpace(b)) == 0 {
			return w, 0, &Error{Kind: KindScope, Status: status, Resource: kind}
		}
		return w, 0, &Error{Kind: KindForbidden, Status: status, Resource: kind, Detail: outcomeText(b)}
	case status == http.StatusTooManyRequests:
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return w, time.Duration(min(max(secs, 0), 60)) * time.Second, &Error{Kind: KindRateLimited, Status: status, Resource: kind}
	case status == http.StatusConflict || status == http.StatusPreconditionFailed:
		return w, 0, &Error{Kind: KindConflict, Status: status, Resource: kind, Detail: outcomeText(b)}
	case status == http.StatusUnprocessableEntity:
		return w, 0, &Error{Kind: KindInvalid, Status: status, Resource: kind, Detail: outcomeText(b)}
	case status == http.StatusNotFound:
		return w, 0, &Error{Kind: KindNotFound, Status: status, Resource: kind}
	case status >= 500:
		return w, 0, &Error{Kind: KindServer, Status: status, Resource: kind}
	case status >= 400:
		return w, 0, &Error{Kind: KindBadRequest, Status: status, Resource: kind, Detail: outcomeText(b)}
	}
	// 200/201: the id is in the Location header (…/Type/id/_history/v) or
	// the returned resource.
	if loc := resp.Header.Get("Location"); loc != "" {
		w.ID, w.VersionID = idFromLocation(loc, kind)
	}
	if len(bytes.TrimSpace(b)) > 0 {
		var head struct {
			ID   string `json:"id"`
			Meta struct {
				VersionID string `json:"versionId"`
			} `json:"meta"`
		}
		if json.Unmarshal(b, &head) != nil {
			return w, 0, &Error{Kind: KindMalformed, Status: status, Resource: kind}
		}
		w.Resource = b
		w.ID = orDefault(head.ID, w.ID)
		w.VersionID = orDefault(head.Meta.VersionID, w.VersionID)
	}
	if w.ID == "" {
		return w, 0, &Error{Kind: KindMalformed, Status: status, Resource: kind, Detail: "the answer named no id"}
	}
	return w, 0, nil
}

// idFromLocation reads id and version from a Location header.
func idFromLocation(loc, resourceType string) (id, version string) {
	if u, err := url.Parse(loc); err == nil {
		loc = u.Path
	}
	parts := strings.Split(strings.Trim(loc, "/"), "/")
	for i := len(parts) - 2; i >= 0; i-- {
		if parts[i] == resourceType {
			id = parts[i+1]
			if i+3 < len(parts) && parts[i+2] == "_history" {
				version = parts[i+3]
			}
			return id, version
		}
	}
	return "", ""
}
