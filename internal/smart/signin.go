package smart

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"golang.org/x/oauth2"

	"github.com/healthprep/desk/internal/tenant"
)

// DefaultResourceScopes are the read scopes the prep needs, Epic's
// profile's (internal/tenant). Sign-in always adds "openid fhirUser" in
// front of them.
var DefaultResourceScopes = tenant.Epic.Scopes

// DefaultRedirectPort is the loopback sign-in port when none is given:
// Epic's profile's.
var DefaultRedirectPort = tenant.Epic.RedirectPort

// DefaultSignInTimeout bounds a browser sign-in.
const DefaultSignInTimeout = 5 * time.Minute

// SignInOptions configure one browser sign-in.
type SignInOptions struct {
	Config       *Config // from Discover; must offer PKCE S256
	ClientID     string
	ClientSecret string // only for an app registered as confidential; most have none
	// ClientKey authenticates an app registered with this key's public
	// half (private_key_jwt), where the server lists that method and there
	// is no secret. See ClientAuth.
	ClientKey    *rsa.PrivateKey
	RedirectPort int // the loopback port registered with the app; default DefaultRedirectPort
	// Scopes are the resource scopes to ask for; default
	// DefaultResourceScopes. "openid fhirUser" are always asked for.
	Scopes []string
	// Timeout ends a sign-in nobody finished; default DefaultSignInTimeout.
	Timeout time.Duration
	// OpenBrowser opens the system browser at the sign-in page and
	// returns promptly. Nil, or an error from it, leaves the sign-in
	// waiting: the caller shows URL() for the user to open by hand.
	OpenBrowser func(url string) error
	Keys        *KeySet // Epic's signing keys; default NewKeySet(Config.JWKSURL, Net)
	Net         NetOptions
	Log         *slog.Logger
	Now         func() time.Time // for id_token times; default time.Now
}

// Session is a finished sign-in: tokens in memory only, and who signed in.
type Session struct {
	// Token holds the access token and, if Epic issued one, the refresh
	// token. Keep it in memory; only the refresh token goes to the keychain.
	Token    *oauth2.Token
	Identity Identity
	Scopes   []string // as granted (Epic drops scopes the app is not registered for)
}

// SignIn is a browser sign-in under way (RFC 8252 native app flow): a
// listener on 127.0.0.1:<port>/callback that lives until the redirect
// comes back, the timeout passes, or Cancel is called.
type SignIn struct {
	o        SignInOptions
	conf     oauth2.Config
	url      string
	state    string
	nonce    string
	verifier string
	port     int
	log      *slog.Logger

	ctx       context.Context
	cancel    context.CancelCauseFunc
	stopTimer context.CancelFunc
	srv       *http.Server
	claimed   atomic.Bool
	outcome   chan result
	done      chan struct{}

	// Set before done is closed.
	sess *Session
	err  error
}

type result struct {
	sess *Session
	err  error
}

// Causes that end a sign-in early.
var (
	errCauseTimeout  = errors.New("sign-in timeout")
	errCauseCanceled = errors.New("sign-in cancelled")
)

// active holds the redirect ports with a sign-in under way in this
// process, so a second one is refused with words rather than a bind error.
var active = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// StartSignIn listens on 127.0.0.1:<port>, builds Epic's sign-in URL (PKCE
// S256, state, nonce, aud = the FHIR base), opens the browser and returns
// at once. ctx bounds the whole sign-in: it must outlive the request that
// started it (cancel it, or call Cancel, to give up). Wait for the result
// with Wait or Done.
func StartSignIn(ctx context.Context, o SignInOptions) (*SignIn, error) {
	switch {
	case o.Config == nil || o.ClientID == "":
		return nil, &Error{Message: "Set up the practice (FHIR base URL and client ID) before signing in."}
	case !o.Config.PKCES256:
		return nil, newErr(ErrNoPKCE, "This server does not offer the secure sign-in method HealthPrep needs (PKCE with S256). Ask your Epic analyst to enable it for the app.")
	}
	if o.RedirectPort == 0 {
		o.RedirectPort = DefaultRedirectPort
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultSignInTimeout
	}
	if o.Scopes == nil {
		o.Scopes = DefaultResourceScopes
	}
	if o.Keys == nil {
		o.Keys = NewKeySet(o.Config.JWKSURL, o.Net)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	port := o.RedirectPort

	active.Lock()
	if active.ports[port] {
		active.Unlock()
		return nil, newErr(ErrBusy, "A sign-in is already in progress: finish it in the browser window that opened, or cancel it, before starting another.")
	}
	active.ports[port] = true
	active.Unlock()
	release := func() {
		active.Lock()
		delete(active.ports, port)
		active.Unlock()
	}

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		release()
		return nil, &Error{Kind: ErrPortInUse,
			Message: fmt.Sprintf("HealthPrep could not listen on port %d of this computer for the sign-in: another program is using it. Close that program (or another HealthPrep window) and try again.", port),
			Err:     err}
	}

	s := &SignIn{
		o:        o,
		state:    randomString(32),
		nonce:    randomString(32),
		verifier: oauth2.GenerateVerifier(),
		port:     port,
		log:      log,
		outcome:  make(chan result, 1),
		done:     make(chan struct{}),
	}
	s.conf = oauth2.Config{
		ClientID:     o.ClientID,
		ClientSecret: o.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: o.Config.AuthorizeURL, TokenURL: o.Config.TokenURL, AuthStyle: authStyle(o.ClientSecret, o.Config.TokenAuthMethods)},
		RedirectURL:  s.RedirectURI(),
		Scopes:       scopes(o.Scopes),
	}
	s.url = s.conf.AuthCodeURL(s.state,
		oauth2.S256ChallengeOption(s.verifier),
		oauth2.SetAuthURLParam("aud", o.Config.FHIRBase),
		oauth2.SetAuthURLParam("nonce", s.nonce))

	base, cancel := context.WithCancelCause(ctx)
	s.ctx, s.stopTimer = context.WithTimeoutCause(base, o.Timeout, errCauseTimeout)
	s.cancel = cancel
	mux := http.NewServeMux()
	mux.HandleFunc("GET /callback", s.callback)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	go s.run(release)

	log.Info("sign-in started", "port", port, "authorize", hostOf(o.Config.AuthorizeURL), "timeout", o.Timeout)
	if o.OpenBrowser != nil {
		if err := o.OpenBrowser(s.url); err != nil {
			log.Warn("could not open the browser; the sign-in page must be opened by hand", "err", err)
		}
	}
	return s, nil
}

// URL is Epic's sign-in page for this sign-in, to show as a link when no
// browser came up. It carries no secret (only the PKCE challenge).
func (s *SignIn) URL() string { return s.url }

// RedirectURI is the redirect registered with the app:
// http://127.0.0.1:<port>/callback.
func (s *SignIn) RedirectURI() string {
	return "http://127.0.0.1:" + strconv.Itoa(s.port) + "/callback"
}

// Done is closed when the sign-in has ended and its listener is closed.
func (s *SignIn) Done() <-chan struct{} { return s.done }

// Wait returns the sign-in's outcome once it has ended. If ctx ends first
// it returns ctx's error and the sign-in goes on.
func (s *SignIn) Wait(ctx context.Context) (*Session, error) {
	select {
	case <-s.done:
		return s.sess, s.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Cancel gives up on the sign-in; Wait then returns ErrCanceled (unless it
// had already finished).
func (s *SignIn) Cancel() { s.cancel(errCauseCanceled) }

// run waits for the outcome or the end, then closes the listener before
// announcing the result.
func (s *SignIn) run(release func()) {
	var r result
	select {
	case r = <-s.outcome:
	case <-s.ctx.Done():
		switch cause := context.Cause(s.ctx); {
		case errors.Is(cause, errCauseTimeout) || errors.Is(cause, context.DeadlineExceeded):
			r.err = newErr(ErrTimeout, "Nobody finished signing in within %s, so the sign-in was stopped. Start it again when ready.", roundDuration(s.o.Timeout))
		default:
			r.err = &Error{Kind: ErrCanceled, Message: "The sign-in was cancelled.", Err: cause}
		}
		// A callback may have claimed the sign-in just before the end:
		// its answer wins if it is already there.
		select {
		case r2 := <-s.outcome:
			r = r2
		default:
		}
	}
	// The callback's page is already complete on the wire (see writePage),
	// so closing at once loses nothing and does not wait for the browser's
	// speculative extra connections.
	s.srv.Close()
	s.stopTimer()
	s.cancel(nil)
	release()
	s.sess, s.err = r.sess, r.err
	if r.err != nil {
		s.log.Warn("sign-in failed", "kind", kindName(r.err), "err", r.err.Error())
	} else {
		s.log.Info("sign-in finished", "user", r.sess.Identity.Display(), "scopes", len(r.sess.Scopes), "refreshToken", r.sess.Token.RefreshToken != "")
	}
	close(s.done)
}

// callback is where the browser lands after Epic's sign-in page.
func (s *SignIn) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !q.Has("state") && !q.Has("code") && !q.Has("error") {
		writePage(w, http.StatusBadRequest, false, "This page only finishes a HealthPrep Desk sign-in", "Start the sign-in from HealthPrep Desk.")
		return
	}
	// A redirect without this sign-in's state was not sent by Epic for it:
	// any local process or web page can reach the loopback port. Refuse it
	// and keep waiting for the real one, or a stray request ends the
	// sign-in the user is in the middle of.
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(s.state)) != 1 {
		s.log.Warn("sign-in callback ignored: state mismatch")
		writePage(w, http.StatusBadRequest, false, "Sign-in did not work",
			"This address did not come from the sign-in HealthPrep Desk started (its state does not match), so it was ignored. Nothing was saved. Finish the sign-in in the Epic window HealthPrep Desk opened, or start it again from HealthPrep Desk.")
		return
	}
	if !s.claimed.CompareAndSwap(false, true) {
		writePage(w, http.StatusConflict, false, "This sign-in has already finished", "You can close this tab and return to HealthPrep Desk.")
		return
	}
	sess, err := s.finish(q)
	if err != nil {
		writePage(w, http.StatusBadRequest, false, "Sign-in did not work", pageMessage(err)+" You can close this tab and start the sign-in again from HealthPrep Desk.")
	} else {
		who := sess.Identity.Display()
		writePage(w, http.StatusOK, true, "You are signed in", "Signed in to Epic as "+who+". You can close this tab and return to HealthPrep Desk.")
	}
	s.outcome <- result{sess, err}
}

// finish checks the redirect, exchanges the code and verifies the id_token.
func (s *SignIn) finish(q url.Values) (*Session, error) {
	get := q.Get
	if subtle.ConstantTimeCompare([]byte(get("state")), []byte(s.state)) != 1 {
		return nil, newErr(ErrState, "The browser came back with a sign-in this app did not start (its state does not match), so it was refused. Nothing was saved. Start the sign-in again from HealthPrep Desk.")
	}
	if code := get("error"); code != "" {
		return nil, epicError(code, get("error_description"))
	}
	code := get("code")
	if code == "" {
		return nil, newErr(ErrEpic, "Epic came back without a sign-in code. Start the sign-in again.")
	}
	ctx := context.WithValue(s.ctx, oauth2.HTTPClient, s.o.Net.client())
	ctx, cancel := context.WithTimeout(ctx, s.o.Net.timeout())
	defer cancel()
	opts := []oauth2.AuthCodeOption{oauth2.VerifierOption(s.verifier)}
	if ClientAuth(s.o.Config, s.o.ClientSecret, s.o.ClientKey) == AuthPrivateKeyJWT {
		now := time.Now
		if s.o.Now != nil {
			now = s.o.Now
		}
		a, err := assertion(s.o.ClientKey, s.o.ClientID, s.o.Config.TokenURL, now())
		if err != nil {
			return nil, &Error{Kind: ErrEpic, Message: "This computer's key could not sign the sign-in request.", Err: err}
		}
		opts = append(opts, oauth2.SetAuthURLParam("client_assertion_type", clientAssertionType), oauth2.SetAuthURLParam("client_assertion", a))
	}
	tok, err := s.conf.Exchange(ctx, code, opts...)
	if err != nil {
		return nil, tokenEndpointError(ctx, s.conf.Endpoint.TokenURL, s.o.Net.timeout(), err, true)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, newErr(ErrIDToken, "Epic did not say who signed in (no id_token came back). Ask your Epic analyst to check that the app may use OpenID Connect (the openid and fhirUser scopes).")
	}
	id, err := VerifyIDToken(s.ctx, raw, s.o.Keys, IDTokenCheck{Issuer: s.o.Config.Issuer, ClientID: s.o.ClientID, Nonce: s.nonce, Now: s.o.Now})
	if err != nil {
		return nil, err
	}
	if id.Name == "" && id.FHIRUser != "" {
		id.Name = UserName(s.ctx, s.o.Config.FHIRBase, id.FHIRUser, tok.AccessToken, s.o.Net)
	}
	granted, _ := tok.Extra("scope").(string)
	return &Session{
		Token:    &oauth2.Token{AccessToken: tok.AccessToken, TokenType: tok.TokenType, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry},
		Identity: id,
		Scopes:   strings.Fields(granted),
	}, nil
}

// RequestScopes are the scopes a sign-in asks for besides "openid
// fhirUser": the practice's configured ones (practice.json "scopes"), else
// DefaultResourceScopes, plus offline_access where the server advertises
// it, so that a server following the SMART spec issues a refresh token and
// the morning update needs no one. A practice that lists online_access (or
// offline_access) itself decides: nothing is added.
func RequestScopes(cfg *Config, configured []string) []string {
	out := slices.Clone(configured)
	if len(out) == 0 {
		out = slices.Clone(DefaultResourceScopes)
	}
	if cfg != nil && cfg.OfflineAccess && !slices.Contains(out, "online_access") && !slices.Contains(out, "offline_access") {
		out = append(out, "offline_access")
	}
	return out
}

// scopes puts openid and fhirUser in front of the resource scopes.
func scopes(resource []string) []string {
	out := []string{"openid", "fhirUser"}
	for _, s := range resource {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Token endpoint authentication methods (discovery's
// token_endpoint_auth_methods_supported).
const (
	AuthNone          = "none"
	AuthSecretBasic   = "client_secret_basic"
	AuthSecretPost    = "client_secret_post"
	AuthPrivateKeyJWT = "private_key_jwt"
)

// clientAssertionType marks a private_key_jwt client assertion (RFC 7523).
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// ClientAuth is how the app authenticates at the token endpoint, the way
// the server asks for it: with a secret, basic where the server lists it
// (or lists nothing) else post; with no secret but a key, private_key_jwt
// where the server lists it; else as a public client (client_id only).
func ClientAuth(cfg *Config, secret string, key *rsa.PrivateKey) string {
	var methods []string
	if cfg != nil {
		methods = cfg.TokenAuthMethods
	}
	switch {
	case secret != "" && (len(methods) == 0 || slices.Contains(methods, AuthSecretBasic)):
		return AuthSecretBasic
	case secret != "":
		return AuthSecretPost
	case key != nil && slices.Contains(methods, AuthPrivateKeyJWT):
		return AuthPrivateKeyJWT
	}
	return AuthNone
}

// authStyle picks how a confidential app sends its secret; a public app
// (or one proving itself with a key) sends its client_id in the form.
func authStyle(secret string, methods []string) oauth2.AuthStyle {
	switch {
	case secret == "":
		return oauth2.AuthStyleInParams
	case len(methods) == 0 || slices.Contains(methods, "client_secret_basic"):
		return oauth2.AuthStyleInHeader
	default:
		return oauth2.AuthStyleInParams
	}
}

// oauthWords are OAuth error codes in a practice manager's words.
var oauthWords = map[string]string{
	"access_denied":             "The sign-in was cancelled in Epic, or this user is not allowed to use the app.",
	"invalid_scope":             "Epic refused the data access HealthPrep asked for. Ask your Epic analyst to check the app's registration.",
	"unauthorized_client":       "This app is not allowed to sign in at this organization. Check the client ID, or ask your Epic analyst.",
	"invalid_client":            "Epic does not recognise this client ID. Check the client ID in setup.",
	"unsupported_response_type": "Epic refused the kind of sign-in HealthPrep asked for. Tell your IT team.",
	"invalid_request":           "Epic refused the sign-in request.",
	"server_error":              "Epic had a problem during sign-in. Try again in a few minutes.",
	"temporarily_unavailable":   "Epic's sign-in is busy or down for a moment. Try again in a few minutes.",
}

// epicError turns an OAuth error from Epic into a clear message.
func epicError(code, desc string) *Error {
	words, ok := oauthWords[code]
	if !ok {
		words = "Epic did not complete the sign-in."
	}
	detail := safeText(code, 64)
	if d := safeText(desc, 200); d != "" {
		detail += ": " + d
	}
	return &Error{Kind: ErrEpic, Message: words, Detail: detail}
}

// tokenEndpointError classifies a failed token request. codeGrant says the
// request exchanged an authorization code.
func tokenEndpointError(ctx context.Context, tokenURL string, timeout time.Duration, err error, codeGrant bool) *Error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		// RetrieveError's own text quotes the response body; only the
		// code and description are kept.
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		switch {
		case re.ErrorCode == "invalid_grant" && codeGrant:
			e := epicError(re.ErrorCode, re.ErrorDescription)
			e.Kind = ErrCodeRejected
			e.Message = "Epic refused the sign-in code (it had expired or was already used). Start the sign-in again."
			return e
		case status == http.StatusTooManyRequests:
			return throttled(tokenURL, re.Response.Header)
		case re.ErrorCode == "" && status >= 500:
			return &Error{Kind: ErrUnreachable, Message: fmt.Sprintf("%s had a problem answering (server error); try again later.", hostOf(tokenURL)), Detail: "HTTP " + strconv.Itoa(status)}
		case re.ErrorCode == "":
			return &Error{Kind: ErrEpic, Message: "Epic's token service refused the request.", Detail: "HTTP " + strconv.Itoa(status)}
		}
		return epicError(re.ErrorCode, re.ErrorDescription)
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Kind: ErrCanceled, Message: "The sign-in was cancelled.", Err: context.Canceled}
	}
	return unreachable(ctx, tokenURL, timeout, err)
}

// safeText keeps a server's words printable and short.
func safeText(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, s)
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strings.TrimSpace(s)
}

func pageMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return "Something went wrong."
}

func kindName(err error) string {
	if k := KindOf(err); k != nil {
		return k.Error()
	}
	return "unknown"
}

func roundDuration(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		if d == time.Minute {
			return "1 minute"
		}
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.Round(time.Millisecond).String()
}

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} - HealthPrep Desk</title>
<style>body{font-family:system-ui,sans-serif;background:#f4f6f8;display:flex;justify-content:center;padding-top:12vh;margin:0}
main{background:#fff;padding:2em 2.5em;border-radius:8px;box-shadow:0 2px 8px #0002;max-width:36em}
h1{margin-top:0;color:{{if .OK}}#05603a{{else}}#b42318{{end}}}</style></head>
<body><main><h1 id="title">{{.Title}}</h1><p id="message">{{.Message}}</p></main></body></html>`))

// writePage shows the outcome in the browser tab: plain words, no codes
// or tokens, nothing cached, nothing loaded from elsewhere. The page is
// sent whole (length known, flushed, connection closed), so the listener
// can close as soon as the outcome is known.
func writePage(w http.ResponseWriter, status int, ok bool, title, message string) {
	var b bytes.Buffer
	page.Execute(&b, struct {
		OK             bool
		Title, Message string
	}{ok, title, message})
	h := w.Header()
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	h.Set("Connection", "close")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(b.Bytes())
	http.NewResponseController(w).Flush()
}
