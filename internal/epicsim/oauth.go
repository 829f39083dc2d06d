package epicsim

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

const (
	demoPractitioner = "ePrac-FRONTDESK"
	codeLifetime     = 5 * time.Minute
	tokenLifetime    = time.Hour
	idTokenLifetime  = 5 * time.Minute
	grantJWTBearer   = "urn:ietf:params:oauth:grant-type:jwt-bearer"
)

type authCode struct {
	grant
	redirectURI string
	challenge   string
	nonce       string
	issued      time.Time
}

// device is a client registered dynamically with its own public key.
type device struct {
	grant
	keys jwk.Set
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) smartConfig(w http.ResponseWriter, r *http.Request) {
	s.count("discovery")
	o := s.Issuer()
	writeJSON(w, http.StatusOK, s.profileDiscovery(s.discoveryKnobs(map[string]any{
		"issuer":                                o,
		"jwks_uri":                              o + "/jwks",
		"authorization_endpoint":                o + "/authorize",
		"token_endpoint":                        o + "/token",
		"registration_endpoint":                 o + "/register",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic", "private_key_jwt"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token", grantJWTBearer, "client_credentials"},
		"scopes_supported":                      []string{"openid", "fhirUser", "launch", "offline_access", "online_access"},
		"response_types_supported":              []string{"code"},
		"code_challenge_methods_supported":      []string{"S256"},
		"capabilities": []string{"launch-ehr", "launch-standalone", "client-public", "client-confidential-symmetric",
			"client-confidential-asymmetric", "context-ehr-patient", "sso-openid-connect", "permission-user", "permission-offline"},
	})))
}

func (s *Server) openidConfig(w http.ResponseWriter, r *http.Request) {
	s.count("discovery")
	o := s.Issuer()
	writeJSON(w, http.StatusOK, s.profileDiscovery(s.discoveryKnobs(map[string]any{
		"issuer":                                o,
		"authorization_endpoint":                o + "/authorize",
		"token_endpoint":                        o + "/token",
		"jwks_uri":                              o + "/jwks",
		"registration_endpoint":                 o + "/register",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "fhirUser"},
		"code_challenge_methods_supported":      []string{"S256"},
	})))
}

func (s *Server) publicJWK() jwk.Key {
	k, err := jwk.FromRaw(&s.key.PublicKey)
	if err != nil {
		panic(err)
	}
	k.Set(jwk.KeyIDKey, s.kid)
	k.Set(jwk.AlgorithmKey, jwa.RS256)
	k.Set(jwk.KeyUsageKey, "sig")
	return k
}

func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	s.count("jwks")
	set := jwk.NewSet()
	set.AddKey(s.publicJWK())
	writeJSON(w, http.StatusOK, set)
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in - Epic (simulated)</title>
<style>body{font-family:sans-serif;background:#eef2f6;display:flex;justify-content:center;padding-top:8vh}
form{background:#fff;padding:2em;border-radius:8px;box-shadow:0 2px 8px #0002;min-width:320px}
label{display:block;margin-top:1em}input{width:100%;padding:.4em;box-sizing:border-box}
.err{color:#b42318}button{margin-top:1.5em;padding:.5em 1.2em}</style></head>
<body><form method="post" action="{{.Action}}">
<h1>Demo Family Medicine</h1><p>Simulated Epic sign-in for <strong>{{.Client}}</strong>.</p>
{{if .Error}}<p class="err" id="error">{{.Error}}</p>{{end}}
<label for="username">User ID</label><input id="username" name="username" autocomplete="username" autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">
<button id="submit" type="submit">Log In</button></form></body></html>`))

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in error - Epic (simulated)</title></head>
<body><h1>Something went wrong</h1><p id="error">{{.}}</p></body></html>`))

// authorize shows the login form (GET) and checks it (POST). Problems that
// make the redirect untrustworthy (unknown client, unregistered redirect)
// are shown on a page; the rest go back to the app as OAuth errors.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	s.count("authorize")
	q := r.URL.Query()
	s.mu.Lock()
	c, ok := s.clients[q.Get("client_id")]
	s.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		errorPage.Execute(w, "The application is not registered with this organization (unknown client_id).")
		return
	}
	redirect := q.Get("redirect_uri")
	if !slices.Contains(c.RedirectURIs, redirect) { // exact, case-sensitive match
		w.WriteHeader(http.StatusBadRequest)
		errorPage.Execute(w, "The redirect_uri does not match one registered for this application.")
		return
	}
	fail := func(code, desc string) {
		u, _ := url.Parse(redirect)
		v := u.Query()
		v.Set("error", code)
		v.Set("error_description", desc)
		if st := q.Get("state"); st != "" {
			v.Set("state", st)
		}
		u.RawQuery = v.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "response_type must be code")
		return
	case q.Get("aud") != s.FHIRBase():
		fail("invalid_request", "aud must be this organization's FHIR base URL")
		return
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "PKCE with code_challenge_method=S256 is required")
		return
	case q.Get("state") == "":
		fail("invalid_request", "state is required")
		return
	}
	page := struct{ Action, Client, Error string }{Action: r.URL.RequestURI(), Client: c.ID}
	if r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		loginPage.Execute(w, page)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		errorPage.Execute(w, "The sign-in form could not be read.")
		return
	}
	if r.PostForm.Get("username") != DemoUser || subtle.ConstantTimeCompare([]byte(r.PostForm.Get("password")), []byte(DemoPassword)) != 1 {
		page.Error = "The user ID or password is not right. Try again."
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		loginPage.Execute(w, page)
		return
	}
	code := randToken(96)
	s.mu.Lock()
	s.codes[code] = &authCode{
		grant:       grant{clientID: c.ID, scopes: grantScopes(c, q.Get("scope")), user: demoPractitioner},
		redirectURI: redirect,
		challenge:   q.Get("code_challenge"),
		nonce:       q.Get("nonce"),
		issued:      s.now(),
	}
	s.mu.Unlock()
	u, _ := url.Parse(redirect)
	v := u.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	u.RawQuery = v.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// grantScopes keeps the requested scopes the client may have: like Epic,
// scopes for APIs not on the registration are dropped silently.
func grantScopes(c Client, requested string) []string {
	var out []string
	for _, sc := range strings.Fields(requested) {
		if !strings.Contains(sc, "/") || len(c.Scopes) == 0 || slices.Contains(c.Scopes, sc) {
			out = append(out, sc)
		}
	}
	return out
}

type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func tokenError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, oauthError{code, desc})
}

// clientAuth returns the client a token request speaks for, checking the
// secret of a confidential client (basic or post).
func (s *Server) clientAuth(r *http.Request) (Client, bool, string) {
	if r.PostForm.Get("client_assertion_type") == clientAssertionType {
		return s.assertedClient(r)
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	s.mu.Lock()
	c, ok := s.clients[id]
	s.mu.Unlock()
	if !ok {
		return Client{}, false, "unknown client"
	}
	if c.PublicKey != nil {
		return Client{}, false, "the client must authenticate with " + AuthPrivateKeyJWT
	}
	if c.Secret != "" && ((c.AuthMethod == AuthSecretBasic && !basic) || (c.AuthMethod == AuthSecretPost && basic)) {
		return Client{}, false, "the client must authenticate with " + c.AuthMethod
	}
	if c.Secret != "" && subtle.ConstantTimeCompare([]byte(secret), []byte(c.Secret)) != 1 {
		return Client{}, false, "client authentication failed"
	}
	return c, true, ""
}

func (s *Server) tokenEndpoint(w http.ResponseWriter, r *http.Request) {
	s.count("token")
	if s.currentFaults().TokenDown {
		hangUp(w)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "the request body could not be read")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		s.codeGrant(w, r)
	case "refresh_token":
		s.refreshGrant(w, r)
	case grantJWTBearer:
		s.jwtBearerGrant(w, r)
	default:
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "")
	}
}

func (s *Server) codeGrant(w http.ResponseWriter, r *http.Request) {
	c, ok, why := s.clientAuth(r)
	if !ok {
		s.unauthorized(w, "invalid_client", why)
		return
	}
	code := r.PostForm.Get("code")
	s.mu.Lock()
	ac := s.codes[code]
	delete(s.codes, code) // single use, whatever happens next
	s.mu.Unlock()
	switch {
	case ac == nil:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the authorization code is invalid or was already used")
		return
	case s.now().Sub(ac.issued) > codeLifetime:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the authorization code has expired")
		return
	case ac.clientID != c.ID:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the code was issued to another client")
		return
	case ac.redirectURI != r.PostForm.Get("redirect_uri"):
		tokenError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request")
		return
	}
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != ac.challenge {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the PKCE code_verifier does not match the code_challenge")
		return
	}
	s.issue(w, ac.grant, ac.nonce, s.issuesRefresh(c, ac.grant), false)
}

func (s *Server) refreshGrant(w http.ResponseWriter, r *http.Request) {
	c, ok, why := s.clientAuth(r)
	if !ok {
		s.unauthorized(w, "invalid_client", why)
		return
	}
	if !c.authenticates() && !s.generic() {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "refresh tokens are issued only to clients that authenticate")
		return
	}
	s.mu.Lock()
	g := s.refresh[r.PostForm.Get("refresh_token")]
	s.mu.Unlock()
	if g == nil || g.clientID != c.ID {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the refresh token is invalid")
		return
	}
	// Like Epic, the response carries no new refresh token (unless a knob
	// says otherwise): keep the old one. A generic server rotates it, and
	// the old one is spent.
	rotate := s.refreshKnobs() || s.generic()
	if s.generic() {
		s.mu.Lock()
		delete(s.refresh, r.PostForm.Get("refresh_token"))
		s.mu.Unlock()
	}
	s.issue(w, *g, "", rotate, true)
}

func (s *Server) jwtBearerGrant(w http.ResponseWriter, r *http.Request) {
	assertion := r.PostForm.Get("assertion")
	unverified, err := jwt.ParseInsecure([]byte(assertion))
	if err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the assertion is not a JWT")
		return
	}
	s.mu.Lock()
	d := s.devices[unverified.Issuer()]
	s.mu.Unlock()
	if d == nil {
		tokenError(w, http.StatusBadRequest, "invalid_client", "the assertion's issuer is not a registered client")
		return
	}
	tokenURL := s.Issuer() + "/token"
	tok, err := jwt.Parse([]byte(assertion),
		jwt.WithKeySet(d.keys, jws.WithInferAlgorithmFromKey(true)),
		jwt.WithClock(jwt.ClockFunc(s.now)),
		jwt.WithAudience(tokenURL),
		jwt.WithIssuer(unverified.Issuer()),
		jwt.WithSubject(unverified.Issuer()),
		jwt.WithRequiredClaim("exp"),
		jwt.WithRequiredClaim("jti"),
	)
	if err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the assertion was refused: "+err.Error())
		return
	}
	if tok.Expiration().After(s.now().Add(5*time.Minute + 5*time.Second)) {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the assertion's exp must be at most 5 minutes ahead")
		return
	}
	s.mu.Lock()
	_, replay := s.jtis[tok.JwtID()]
	s.jtis[tok.JwtID()] = tok.Expiration()
	s.mu.Unlock()
	if replay {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the assertion's jti was already used")
		return
	}
	g := d.grant
	g.clientID = unverified.Issuer()
	s.issue(w, g, "", false, false)
}

// issue answers a token request; refreshed says it renews a refresh token
// (whose id_token a generic server sends without aud).
func (s *Server) issue(w http.ResponseWriter, g grant, nonce string, withRefresh, refreshed bool) {
	s.mu.Lock()
	access := s.issueLocked(g, tokenLifetime)
	var refresh string
	if withRefresh {
		refresh = randToken(128)
		gg := g
		s.refresh[refresh] = &gg
	}
	s.mu.Unlock()
	resp := map[string]any{
		"access_token": access,
		"token_type":   "Bearer",
		"expires_in":   int(tokenLifetime.Seconds()) - 360, // Epic sends a little under an hour
		"scope":        strings.Join(g.scopes, " "),
	}
	if refresh != "" {
		resp["refresh_token"] = refresh
	}
	if slices.Contains(g.scopes, "openid") {
		idt, err := s.idToken(g, nonce, refreshed)
		if err != nil {
			tokenError(w, http.StatusInternalServerError, "server_error", "")
			return
		}
		resp["id_token"] = idt
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) idToken(g grant, nonce string, refreshed bool) (string, error) {
	now := s.now()
	b := jwt.NewBuilder().
		Issuer(s.Issuer()).
		Subject(g.user).
		IssuedAt(now).
		Expiration(now.Add(idTokenLifetime))
	if !s.generic() || !refreshed {
		b = b.Audience([]string{g.clientID})
	}
	if !s.generic() { // a generic server names the user only on the fhirUser resource
		b = b.Claim("name", "Front Desk").Claim("preferred_username", strings.ToUpper(DemoUser))
	}
	if slices.Contains(g.scopes, "fhirUser") {
		b = b.Claim("fhirUser", s.FHIRBase()+"/Practitioner/"+g.user)
	}
	if nonce != "" {
		b = b.Claim("nonce", nonce)
	}
	t, err := b.Build()
	if err != nil {
		return "", err
	}
	priv, err := jwk.FromRaw(s.idTokenKnobs(t))
	if err != nil {
		return "", err
	}
	if !s.generic() { // a generic server's id_token header has no kid
		priv.Set(jwk.KeyIDKey, s.kid)
	}
	signed, err := jwt.Sign(t, jwt.WithKey(jwa.RS256, priv))
	return string(signed), err
}

// register is Epic's dynamic client registration for a device key: called
// with a user's access token, it returns a per-device client ID that then
// uses the JWT bearer grant.
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	s.count("register")
	if s.generic() {
		http.NotFound(w, r)
		return
	}
	if s.registrationKnobs(w) {
		return
	}
	g, ok := s.bearer(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		tokenError(w, http.StatusUnauthorized, "invalid_token", "a valid access token is required")
		return
	}
	var req struct {
		SoftwareID string          `json:"software_id"`
		JWKS       json.RawMessage `json:"jwks"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err := json.Unmarshal(body, &req); err != nil || req.SoftwareID == "" || len(req.JWKS) == 0 {
		tokenError(w, http.StatusBadRequest, "invalid_client_metadata", "software_id and jwks are required")
		return
	}
	if req.SoftwareID != g.clientID {
		tokenError(w, http.StatusBadRequest, "invalid_client_metadata", "software_id must be the client ID the access token was issued to")
		return
	}
	set, err := jwk.Parse(req.JWKS)
	if err != nil || set.Len() != 1 {
		tokenError(w, http.StatusBadRequest, "invalid_client_metadata", "jwks must hold exactly one public key")
		return
	}
	k, _ := set.Key(0)
	var pub rsa.PublicKey
	if k.KeyType() != "RSA" || k.Raw(&pub) != nil {
		tokenError(w, http.StatusBadRequest, "invalid_client_metadata", "the key must be an RSA public key")
		return
	}
	if pub.N.BitLen() > 2048 {
		tokenError(w, http.StatusBadRequest, "invalid_client_metadata", "RSA keys larger than 2048 bits are not accepted")
		return
	}
	id := "dev-" + randToken(18)
	s.mu.Lock()
	s.devices[id] = &device{grant: g, keys: set}
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"client_id": id, "software_id": req.SoftwareID, "token_endpoint_auth_method": "private_key_jwt"})
}

// bearer returns the grant behind the request's access token.
func (s *Server) bearer(r *http.Request) (grant, bool) {
	h := r.Header.Get("Authorization")
	t, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return grant{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := s.tokens[t]
	if tok == nil || !s.now().Before(tok.expires) {
		return grant{}, false
	}
	return tok.grant, true
}
