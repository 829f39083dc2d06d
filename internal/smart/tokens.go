package smart

import (
	"context"
	"crypto/rsa"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// AccessMode is how the agent gets access tokens without the user, for
// status.
type AccessMode string

const (
	// ModeDevice: a key registered for this computer, JWT bearer grant.
	ModeDevice AccessMode = "device"
	// ModeRefresh: a refresh token (confidential apps only).
	ModeRefresh AccessMode = "refresh"
	// ModeInteractive: only the sign-in's access token; when it expires
	// the user signs in again in the browser.
	ModeInteractive AccessMode = "interactive"
)

// Credentials are the secrets lasting access needs. The agent keeps them in
// the OS keychain (item names from internal/keychain) and nowhere else;
// this package only holds them in memory.
type Credentials struct {
	ClientID       string // the app's client ID (practice configuration; not secret)
	ClientSecret   string // keychain.ClientSecret; confidential apps only
	DeviceClientID string // keychain.DeviceClientID
	// DeviceKey is this computer's key (keychain.DevicePrivKey, via
	// MarshalDeviceKey / ParseDeviceKey). With a DeviceClientID it is a
	// registered device's (JWT bearer grant); without one it is the app's
	// own key, registered with the server by hand, which authenticates
	// its token requests (private_key_jwt) where the server lists that.
	DeviceKey    *rsa.PrivateKey
	RefreshToken string // keychain.RefreshToken
}

// ClientKey is the app's own key for private_key_jwt (a device key not
// registered as a device), or nil.
func (c Credentials) ClientKey() *rsa.PrivateKey {
	if c.DeviceClientID == "" {
		return c.DeviceKey
	}
	return nil
}

// Mode is the access these credentials give: device if there is a device
// key and client ID, else refresh if there is a refresh token, else
// interactive.
func (c Credentials) Mode() AccessMode {
	switch {
	case c.DeviceClientID != "" && c.DeviceKey != nil:
		return ModeDevice
	case c.RefreshToken != "":
		return ModeRefresh
	}
	return ModeInteractive
}

// Token cache timings.
const (
	// RenewBefore: a cached token is renewed this long before it expires.
	RenewBefore = time.Minute
	// InvalidateGrace: Invalidate leaves a token this young alone, so six
	// sync workers meeting the same 401 cause one renewal, not six.
	InvalidateGrace = 5 * time.Second
	// OutageWait: after the token endpoint could not be reached, Token
	// answers with that failure for this long before asking again, so the
	// workers of a sync meeting an outage cost one request, not one each.
	OutageWait = 15 * time.Second
	// ThrottleWait: the same after a 429 that named no Retry-After.
	ThrottleWait = 30 * time.Second
)

// SourceOptions configure a token source.
type SourceOptions struct {
	Net NetOptions
	Log *slog.Logger
	Now func() time.Time // default time.Now
	// Initial is an access token already in hand (the sign-in's), used
	// until it is near expiry.
	Initial *oauth2.Token
	// OnRefreshToken is called with a new refresh token when the server
	// rotates it, so the agent can store it in the keychain. It is called
	// with the source locked: it must not call the source.
	OnRefreshToken func(refreshToken string)
}

// Source is an oauth2.TokenSource for one practice: it caches the access
// token in memory until shortly before expiry, renews it the way the
// credentials allow (Mode), and implements Invalidate for the FHIR
// client's one silent retry on a 401. When no renewal is possible, Token
// returns ErrSignInRequired. It is safe for concurrent use: one source is
// shared by every sync worker, and only one renewal runs at a time.
type Source struct {
	cfg   *Config
	mode  AccessMode
	o     SourceOptions
	log   *slog.Logger
	now   func() time.Time
	mu    sync.Mutex
	creds Credentials
	tok   *oauth2.Token
	got   time.Time
	renew int
	// asked counts requests to the token endpoint, for tests.
	asked int
	// failed is the last renewal's failure, answered again without a
	// request until retryAt; a zero retryAt (a refusal) means until
	// something changes, which is a new Source (a sign-in, a new key).
	failed  error
	retryAt time.Time
}

// NewSource returns the token source for the credentials: at agent start,
// from the items in the keychain; after a sign-in, from Establish (with
// Initial set to the sign-in's token).
func NewSource(cfg *Config, c Credentials, o SourceOptions) *Source {
	s := &Source{cfg: cfg, mode: c.Mode(), o: o, log: o.Log, now: o.Now, creds: c}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if o.Initial != nil && o.Initial.AccessToken != "" {
		s.tok = &oauth2.Token{AccessToken: o.Initial.AccessToken, TokenType: o.Initial.TokenType, Expiry: o.Initial.Expiry}
		s.got = s.now()
	}
	return s
}

// Mode is how this source renews tokens.
func (s *Source) Mode() AccessMode { return s.mode }

// Expiry is when the cached access token expires (zero if none is cached
// or its lifetime is unknown), for status.
func (s *Source) Expiry() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok == nil {
		return time.Time{}
	}
	return s.tok.Expiry
}

// Renewals counts the tokens fetched from the server, for tests and status.
func (s *Source) Renewals() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.renew
}

// Token returns a valid access token, renewing it when needed. Renewal is
// single-flight (callers wait on the lock while one request runs) and its
// failure is remembered: a refusal until this source is replaced, an
// outage for OutageWait, throttling for the server's Retry-After.
func (s *Source) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.tok != nil && (s.tok.Expiry.IsZero() || now.Before(s.tok.Expiry.Add(-RenewBefore))) {
		t := *s.tok
		return &t, nil
	}
	s.tok = nil
	if s.failed != nil && (s.retryAt.IsZero() || now.Before(s.retryAt)) {
		return nil, s.failed
	}
	var tok *oauth2.Token
	var err error
	switch s.mode {
	case ModeDevice:
		s.asked++
		tok, err = jwtBearerToken(context.Background(), s.o.Net, s.cfg.TokenURL, s.creds.DeviceClientID, s.creds.DeviceKey, now)
	case ModeRefresh:
		s.asked++
		tok, err = s.refresh()
	default:
		err = newErr(ErrSessionEnded, "Your Epic sign-in has ended, and this practice has no lasting access to Epic. Sign in again in the browser to update.")
	}
	if err != nil {
		s.remember(err, now)
		return nil, err
	}
	s.failed, s.retryAt = nil, time.Time{}
	s.renew++
	s.tok, s.got = tok, now
	s.log.Debug("access token renewed", "mode", s.mode, "expires", tok.Expiry)
	t := *tok
	return &t, nil
}

// remember keeps a renewal failure and says when to ask again; it logs a
// failure once, not once per sync worker.
func (s *Source) remember(err error, now time.Time) {
	if s.failed == nil || kindName(err) != kindName(s.failed) {
		s.log.Warn("no access token", "mode", s.mode, "kind", kindName(err), "err", err.Error())
	}
	s.failed, s.retryAt = err, time.Time{}
	var e *Error
	errors.As(err, &e)
	switch {
	case e != nil && e.Kind == ErrUnreachable:
		s.retryAt = now.Add(OutageWait)
	case e != nil && e.Kind == ErrThrottled:
		wait := e.wait
		if wait <= 0 {
			wait = ThrottleWait
		}
		s.retryAt = now.Add(wait)
	}
}

// Failure is the remembered refusal, if renewal was refused and nothing has
// changed since (nil while renewal may still work or is only waiting out
// an outage), for status.
func (s *Source) Failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed != nil && s.retryAt.IsZero() {
		return s.failed
	}
	return nil
}

// Requests counts the requests this source made to the token endpoint.
func (s *Source) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.asked
}

// Invalidate drops the cached token (after a 401), unless it was obtained
// within InvalidateGrace.
func (s *Source) Invalidate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != nil && s.now().Sub(s.got) >= InvalidateGrace {
		s.tok = nil
	}
}

// refresh uses the refresh token; a response without a new refresh token
// keeps the old one, a rotated one is kept and reported.
func (s *Source) refresh() (*oauth2.Token, error) {
	if ClientAuth(s.cfg, s.creds.ClientSecret, s.creds.ClientKey()) == AuthPrivateKeyJWT {
		return s.refreshWithKey()
	}
	conf := oauth2.Config{
		ClientID:     s.creds.ClientID,
		ClientSecret: s.creds.ClientSecret,
		Endpoint:     oauth2.Endpoint{TokenURL: s.cfg.TokenURL, AuthStyle: authStyle(s.creds.ClientSecret, s.cfg.TokenAuthMethods)},
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, s.o.Net.client())
	ctx, cancel := context.WithTimeout(ctx, s.o.Net.timeout())
	defer cancel()
	t, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: s.creds.RefreshToken}).Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			status := re.Response.StatusCode
			if status == http.StatusTooManyRequests {
				return nil, throttled(s.cfg.TokenURL, re.Response.Header)
			}
			if status == http.StatusBadRequest || status == http.StatusUnauthorized || status == http.StatusForbidden {
				return nil, lostAccess(re.ErrorCode, re.ErrorDescription, status)
			}
			return nil, &Error{Kind: ErrEpic, Message: "Epic's token service refused the request.", Detail: "HTTP " + strconv.Itoa(status)}
		}
		return nil, tokenEndpointError(ctx, s.cfg.TokenURL, s.o.Net.timeout(), err, false)
	}
	s.rotated(t.RefreshToken)
	out := &oauth2.Token{AccessToken: t.AccessToken, TokenType: t.TokenType, Expiry: t.Expiry}
	if out.TokenType == "" {
		out.TokenType = "Bearer"
	}
	return out, nil
}

// refreshWithKey uses the refresh token, proving the app with its key
// (private_key_jwt).
func (s *Source) refreshWithKey() (*oauth2.Token, error) {
	now := s.now()
	a, err := assertion(s.creds.ClientKey(), s.creds.ClientID, s.cfg.TokenURL, now)
	if err != nil {
		return nil, &Error{Kind: ErrSignInRequired, Message: "This computer's key could not sign a request; sign in again.", Err: err}
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {s.creds.RefreshToken}, "client_id": {s.creds.ClientID},
		"client_assertion_type": {clientAssertionType}, "client_assertion": {a}}
	tok, rt, err := postToken(context.Background(), s.o.Net, s.cfg.TokenURL, form, now)
	if err != nil {
		return nil, err
	}
	s.rotated(rt)
	return tok, nil
}

// rotated keeps a new refresh token the server sent and reports it.
func (s *Source) rotated(rt string) {
	if rt != "" && rt != s.creds.RefreshToken {
		s.creds.RefreshToken = rt
		s.log.Info("refresh token rotated")
		if s.o.OnRefreshToken != nil {
			s.o.OnRefreshToken(rt)
		}
	}
}

// Establish sets up lasting access after a sign-in. Where the server offers
// registration it makes a device key on this computer, registers it with
// the user's access token, and proves it with one JWT bearer grant; the
// returned Credentials then carry the device client ID and key (and no
// refresh token). If that fails and have (what this computer already
// holds) carries a device key the server still accepts (one JWT bearer
// grant proves it), that key is kept: a refused re-registration must not
// drop a practice from unattended access. Otherwise they carry the
// sign-in's refresh token if the server issued one, else nothing
// (interactive).
//
// The returned Credentials are always usable. A non-nil error (kind
// ErrRegistration) only says why a new device key could not be set up, for
// the log and status; the sign-in itself has succeeded.
func Establish(ctx context.Context, cfg *Config, sess *Session, have Credentials, o SourceOptions) (Credentials, error) {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	creds := Credentials{ClientID: have.ClientID, ClientSecret: have.ClientSecret, DeviceKey: have.ClientKey()}
	if sess != nil && sess.Token != nil {
		creds.RefreshToken = sess.Token.RefreshToken
	}
	if cfg.RegistrationURL == "" || sess == nil || sess.Token == nil {
		log.Info("device registration not offered", "mode", creds.Mode())
		return creds, nil
	}
	fail := func(err error) (Credentials, error) {
		if have.DeviceClientID != "" && have.DeviceKey != nil {
			if _, kerr := jwtBearerToken(ctx, o.Net, cfg.TokenURL, have.DeviceClientID, have.DeviceKey, now()); kerr == nil {
				creds.DeviceClientID, creds.DeviceKey, creds.RefreshToken = have.DeviceClientID, have.DeviceKey, ""
				log.Warn("device registration failed; keeping this computer's working device key", "err", err.Error())
				return creds, err
			}
		}
		log.Warn("device registration failed; lasting access falls back", "mode", creds.Mode(), "err", err.Error())
		return creds, err
	}
	key, err := GenerateDeviceKey()
	if err != nil {
		return fail(&Error{Kind: ErrRegistration, Message: "A device key could not be made on this computer.", Err: err})
	}
	id, err := RegisterDevice(ctx, cfg, have.ClientID, sess.Token.AccessToken, &key.PublicKey, o.Net)
	if err != nil {
		return fail(err)
	}
	if _, err := jwtBearerToken(ctx, o.Net, cfg.TokenURL, id, key, now()); err != nil {
		// Not wrapped: the sign-in is fine, so this must not read as
		// ErrSignInRequired.
		e := &Error{Kind: ErrRegistration, Message: "Epic registered this computer but then refused its first request for access."}
		var inner *Error
		if errors.As(err, &inner) {
			e.Detail = inner.Detail
		}
		return fail(e)
	}
	creds.DeviceClientID, creds.DeviceKey, creds.RefreshToken = id, key, ""
	log.Info("device registered for lasting access", "mode", creds.Mode())
	return creds, nil
}
