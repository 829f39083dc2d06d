package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/healthprep/desk/agent/localapi"
)

// Client implements Service over HTTP, normally the agent's Unix socket
// (see localapi.HTTPClient).
type Client struct {
	HTTP *http.Client
	// Base is the URL prefix; any host works over a Unix socket.
	Base string
}

var _ Service = (*Client)(nil)

// NewClient returns a client for the agent reachable through hc.
func NewClient(hc *http.Client) *Client { return &Client{HTTP: hc, Base: "http://agent"} }

// Attach reaches the agent serving in data directory dir: it dials the
// socket and asks for the status, so a stale socket of an agent that died
// is not mistaken for a running one. The app and the CLI both attach so.
func Attach(ctx context.Context, dir string) (*Client, error) {
	hc, err := localapi.HTTPClient(dir)
	if err != nil {
		return nil, err
	}
	c := NewClient(hc)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := c.Status(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &Error{Kind: KindAgentDown, Message: "the HealthPrep agent is not answering", Detail: err.Error()}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e Error
		if json.Unmarshal(b, &e) == nil && e.Message != "" {
			return &e
		}
		return &Error{Kind: KindInternal, Message: fmt.Sprintf("the agent answered %s", resp.Status)}
	}
	if out == nil {
		return nil
	}
	if s, ok := out.(*string); ok {
		*s = string(b)
		return nil
	}
	return json.Unmarshal(b, out)
}

func (c *Client) Status(ctx context.Context) (v Status, err error) {
	return v, c.do(ctx, http.MethodGet, "/v1/status", nil, &v)
}

func (c *Client) Day(ctx context.Context, date string) (v DayList, err error) {
	return v, c.do(ctx, http.MethodGet, "/v1/days/"+url.PathEscape(date), nil, &v)
}

func (c *Client) Sheet(ctx context.Context, date, appt string) (v Sheet, err error) {
	return v, c.do(ctx, http.MethodGet, "/v1/days/"+url.PathEscape(date)+"/sheets/"+url.PathEscape(appt), nil, &v)
}

func (c *Client) PrintHTML(ctx context.Context, date, appt string) (v string, err error) {
	path := "/v1/days/" + url.PathEscape(date) + "/print"
	if appt != "" {
		path += "?appointment=" + url.QueryEscape(appt)
	}
	return v, c.do(ctx, http.MethodGet, path, nil, &v)
}

func (c *Client) Sync(ctx context.Context, req SyncRequest) (v SyncSummary, err error) {
	return v, c.do(ctx, http.MethodPost, "/v1/sync", req, &v)
}

func (c *Client) ImportSchedule(ctx context.Context, req ScheduleImport) (v ScheduleImported, err error) {
	return v, c.do(ctx, http.MethodPost, "/v1/schedule", req, &v)
}

// SyncEvents reads the server-sent event stream until ctx ends or the
// stream closes.
func (c *Client) SyncEvents(ctx context.Context) (<-chan SyncEvent, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Base+"/v1/sync/events", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, &Error{Kind: KindAgentDown, Message: "the HealthPrep agent is not answering", Detail: err.Error()}
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, &Error{Kind: KindInternal, Message: "the agent refused the progress feed: " + resp.Status}
	}
	ch := make(chan SyncEvent, 16)
	go func() {
		defer close(ch)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var ev SyncEvent
			if json.Unmarshal([]byte(line), &ev) != nil {
				continue
			}
			select {
			case ch <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}

func (c *Client) CheckSetup(ctx context.Context, req SetupRequest) (v SetupCheck, err error) {
	return v, c.do(ctx, http.MethodPost, "/v1/setup/check", req, &v)
}

func (c *Client) Setup(ctx context.Context, req SetupRequest) (v SetupCheck, err error) {
	return v, c.do(ctx, http.MethodPost, "/v1/setup", req, &v)
}

func (c *Client) TestSchedule(ctx context.Context, req ScheduleTest) (v ScheduleCheck, err error) {
	return v, c.do(ctx, http.MethodPost, "/v1/setup/schedule/test", req, &v)
}

func (c *Client) SaveSchedule(ctx context.Context, src ScheduleSource) (v ScheduleCheck, err error) {
	return v, c.do(ctx, http.MethodPut, "/v1/setup/schedule", src, &v)
}

func (c *Client) CancelSync(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/v1/sync", nil, nil)
}

func (c *Client) StartSignIn(ctx context.Context, req SignInRequest) (v SignInState, err error) {
	return v, c.do(ctx, http.MethodPost, "/v1/signin", req, &v)
}

func (c *Client) SignInStatus(ctx context.Context, wait time.Duration) (v SignInState, err error) {
	path := "/v1/signin"
	if wait > 0 {
		path += "?wait=" + url.QueryEscape(wait.String())
	}
	return v, c.do(ctx, http.MethodGet, path, nil, &v)
}

func (c *Client) CancelSignIn(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/v1/signin", nil, nil)
}

func (c *Client) StartDemo(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/v1/demo", struct{}{}, nil)
}

func (c *Client) Settings(ctx context.Context) (v Settings, err error) {
	return v, c.do(ctx, http.MethodGet, "/v1/settings", nil, &v)
}

func (c *Client) SaveSettings(ctx context.Context, s Settings) error {
	return c.do(ctx, http.MethodPut, "/v1/settings", s, nil)
}

func (c *Client) Reset(ctx context.Context, confirm string) error {
	return c.do(ctx, http.MethodPost, "/v1/reset", map[string]string{"confirm": confirm}, nil)
}

func (c *Client) Audit(ctx context.Context, since time.Time) (v []AuditEntry, err error) {
	path := "/v1/audit"
	if !since.IsZero() {
		path += "?since=" + url.QueryEscape(since.Format(time.RFC3339))
	}
	return v, c.do(ctx, http.MethodGet, path, nil, &v)
}

func (c *Client) Catalogue(ctx context.Context) (v CatalogueView, err error) {
	return v, c.do(ctx, http.MethodGet, "/v1/catalogue", nil, &v)
}

func (c *Client) EditCatalogue(ctx context.Context, edits []CatalogueEdit) (v CatalogueChange, err error) {
	return v, c.do(ctx, http.MethodPatch, "/v1/catalogue", map[string]any{"edits": edits}, &v)
}

func (c *Client) ImportCatalogue(ctx context.Context, yaml string) (v CatalogueChange, err error) {
	return v, c.do(ctx, http.MethodPut, "/v1/catalogue", map[string]string{"yaml": yaml}, &v)
}

func (c *Client) ResetCatalogue(ctx context.Context) (v CatalogueView, err error) {
	return v, c.do(ctx, http.MethodDelete, "/v1/catalogue", nil, &v)
}

// IsKind reports whether err is an API error of kind k.
func IsKind(err error, k Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}
