package smart

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Config is what discovery found for one FHIR server. It holds nothing
// secret, so the agent can keep it with the practice configuration and
// reuse it until it is older than DiscoveryTTL.
type Config struct {
	FHIRBase         string   `json:"fhirBase"`
	Issuer           string   `json:"issuer"`
	AuthorizeURL     string   `json:"authorizationEndpoint"`
	TokenURL         string   `json:"tokenEndpoint"`
	RegistrationURL  string   `json:"registrationEndpoint,omitempty"` // empty: no device registration
	JWKSURL          string   `json:"jwksUri"`
	PKCES256         bool     `json:"pkceS256"`
	TokenAuthMethods []string `json:"tokenAuthMethods,omitempty"`
	// OfflineAccess: the server advertises offline_access (in
	// scopes_supported, or the permission-offline capability), so a
	// sign-in can ask for a refresh token that outlives the session.
	OfflineAccess bool `json:"offlineAccess,omitempty"`
	// ScopesSupported and Capabilities are discovery's lists as sent, for
	// choices made elsewhere (SMART v1 or v2 scope syntax).
	ScopesSupported []string  `json:"scopesSupported,omitempty"`
	Capabilities    []string  `json:"capabilities,omitempty"`
	FetchedAt       time.Time `json:"fetchedAt"`
}

// DiscoveryTTL is how long a discovered Config may be reused.
const DiscoveryTTL = 24 * time.Hour

// Fresh reports whether the config was fetched less than DiscoveryTTL ago.
func (c *Config) Fresh(now time.Time) bool {
	return c != nil && !c.FetchedAt.IsZero() && now.Sub(c.FetchedAt) < DiscoveryTTL
}

// CheckIssuer refuses a config whose issuer is not the one saved when the
// practice was set up: the server now claims to be someone else.
func (c *Config) CheckIssuer(saved string) error {
	if saved == "" || c.Issuer == saved {
		return nil
	}
	return &Error{Kind: ErrWrongIssuer,
		Message: "This Epic server now names a different sign-in authority than when the practice was set up, so sign-in was stopped for safety. Tell your IT team; if the change is expected, set the practice up again.",
		Detail:  "issuer " + c.Issuer + ", expected " + saved}
}

// NetOptions are the HTTP settings of every request this package makes.
// The zero value is ready to use.
type NetOptions struct {
	HTTP    *http.Client  // default: a client with no overall timeout (Timeout applies per request)
	Timeout time.Duration // per request; default 15 s
	MaxBody int64         // bytes per response; default 1 MiB
}

func (o NetOptions) client() *http.Client {
	if o.HTTP != nil {
		return o.HTTP
	}
	return http.DefaultClient
}

func (o NetOptions) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return 15 * time.Second
}

func (o NetOptions) maxBody() int64 {
	if o.MaxBody > 0 {
		return o.MaxBody
	}
	return 1 << 20
}

// Discover reads {fhirBase}/.well-known/smart-configuration, then the
// issuer's /.well-known/openid-configuration (for Epic,
// {server}/oauth2/.well-known/openid-configuration) for the JWKS. fhirBase
// should come from Clean. When the only problem is that PKCE S256 is not
// offered, the filled-in Config is returned with an ErrNoPKCE error, so
// the caller can still show what was found.
func Discover(ctx context.Context, fhirBase string, o NetOptions) (*Config, error) {
	base := strings.TrimRight(fhirBase, "/")
	if bad := checkEndpoint(base); bad != "" {
		return nil, newErr(ErrNotSMART, "The FHIR base URL %s", bad)
	}
	var sc discoveryDoc
	if err := getDoc(ctx, o, base+"/.well-known/smart-configuration", &sc); err != nil {
		return nil, err
	}
	if sc.AuthorizationEndpoint == "" || sc.TokenEndpoint == "" {
		return nil, newErr(ErrNotSMART, "%s answered, but its SMART configuration names no sign-in (authorization) and token addresses, so HealthPrep cannot sign in with it. Check the address with your Epic analyst.", hostOf(base))
	}
	issuer := strings.TrimRight(sc.Issuer, "/")
	if issuer == "" {
		// Epic's layout: the issuer is the OAuth base the endpoints hang off.
		issuer = strings.TrimSuffix(strings.TrimRight(sc.AuthorizationEndpoint, "/"), "/authorize")
	}
	var oc discoveryDoc
	ocErr := getDoc(ctx, o, issuer+"/.well-known/openid-configuration", &oc)
	switch {
	case ocErr == nil && strings.TrimRight(oc.Issuer, "/") != issuer:
		return nil, &Error{Kind: ErrWrongIssuer,
			Message: "The server's OpenID settings name a different sign-in authority than its SMART settings, so HealthPrep will not trust it. Tell your IT team.",
			Detail:  "issuer " + oc.Issuer + ", expected " + issuer}
	case ocErr != nil && (sc.JWKSURL == "" || sc.Issuer == ""):
		var e *Error
		if errors.As(ocErr, &e) && e.Kind == ErrUnreachable {
			return nil, ocErr
		}
		return nil, &Error{Kind: ErrNotSMART,
			Message: "The server does not publish its OpenID settings, which HealthPrep needs to check who signed in. Ask your Epic analyst whether OpenID Connect is enabled for the app.",
			Err:     ocErr}
	}
	c := &Config{
		FHIRBase:         base,
		Issuer:           issuer,
		AuthorizeURL:     sc.AuthorizationEndpoint,
		TokenURL:         sc.TokenEndpoint,
		RegistrationURL:  first(sc.RegistrationEndpoint, oc.RegistrationEndpoint),
		JWKSURL:          first(oc.JWKSURL, sc.JWKSURL),
		PKCES256:         slices.Contains(sc.CodeChallengeMethods, "S256") || slices.Contains(oc.CodeChallengeMethods, "S256"),
		TokenAuthMethods: sc.TokenAuthMethods,
		OfflineAccess: slices.Contains(sc.ScopesSupported, "offline_access") || slices.Contains(oc.ScopesSupported, "offline_access") ||
			slices.Contains(sc.Capabilities, "permission-offline"),
		ScopesSupported: union(sc.ScopesSupported, oc.ScopesSupported),
		Capabilities:    sc.Capabilities,
		FetchedAt:       time.Now(),
	}
	if len(c.TokenAuthMethods) == 0 {
		c.TokenAuthMethods = oc.TokenAuthMethods
	}
	if c.JWKSURL == "" {
		return nil, newErr(ErrNotSMART, "The server does not publish the keys that sign its sign-in answers (no jwks_uri), so HealthPrep cannot check who signed in.")
	}
	for _, ep := range []struct{ name, url string }{
		{"sign-in (authorization)", c.AuthorizeURL}, {"token", c.TokenURL}, {"key set", c.JWKSURL}, {"registration", c.RegistrationURL}, {"issuer", c.Issuer},
	} {
		if ep.url == "" && ep.name == "registration" {
			continue
		}
		if bad := checkEndpoint(ep.url); bad != "" {
			return nil, newErr(ErrNotSMART, "The server's %s address %s, so HealthPrep will not use it.", ep.name, bad)
		}
	}
	if !c.PKCES256 {
		return c, newErr(ErrNoPKCE, "This server does not offer the secure sign-in method HealthPrep needs (PKCE with S256). Ask your Epic analyst to enable it for the app.")
	}
	return c, nil
}

type discoveryDoc struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	RegistrationEndpoint  string   `json:"registration_endpoint"`
	JWKSURL               string   `json:"jwks_uri"`
	CodeChallengeMethods  []string `json:"code_challenge_methods_supported"`
	TokenAuthMethods      []string `json:"token_endpoint_auth_methods_supported"`
	ScopesSupported       []string `json:"scopes_supported"`
	Capabilities          []string `json:"capabilities"`
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// checkEndpoint returns why u is not a usable endpoint, or "".
func checkEndpoint(u string) string {
	p, err := url.Parse(u)
	switch {
	case err != nil || !p.IsAbs() || p.Host == "":
		return "is not a web address"
	case p.Scheme == "http" && isLoopbackHost(p.Hostname()):
		return ""
	case p.Scheme != "https":
		return "does not use https"
	case p.User != nil:
		return "carries a user name or password"
	}
	return ""
}

func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return p.Host
	}
	return "The server"
}

// getDoc fetches one discovery document.
func getDoc(ctx context.Context, o NetOptions, rawURL string, into *discoveryDoc) error {
	b, status, err := get(ctx, o, rawURL, "application/json")
	if err != nil {
		return err
	}
	host := hostOf(rawURL)
	trimmed := bytes.TrimSpace(b)
	switch {
	case status == http.StatusNotFound || status == http.StatusGone:
		return &Error{Kind: ErrNotSMART,
			Message: fmt.Sprintf("%s has no SMART sign-in settings at this address: check that it is the FHIR base URL (%s).", host, baseHint),
			Detail:  fmt.Sprintf("HTTP %d for %s", status, pathOf(rawURL))}
	case status >= 500:
		return &Error{Kind: ErrUnreachable,
			Message: fmt.Sprintf("%s had a problem answering (server error); try again later.", host),
			Detail:  fmt.Sprintf("HTTP %d for %s", status, pathOf(rawURL))}
	case status != http.StatusOK:
		return &Error{Kind: ErrNotSMART,
			Message: fmt.Sprintf("%s refused to give its SMART sign-in settings: check that this is the FHIR base URL (%s).", host, baseHint),
			Detail:  fmt.Sprintf("HTTP %d for %s", status, pathOf(rawURL))}
	case len(trimmed) > 0 && trimmed[0] == '<':
		return &Error{Kind: ErrNotSMART,
			Message: fmt.Sprintf("%s answered with a web page, not a FHIR server's settings: check that this is the FHIR base URL (%s).", host, baseHint),
			Detail:  "HTML for " + pathOf(rawURL)}
	}
	if err := json.Unmarshal(trimmed, into); err != nil {
		return &Error{Kind: ErrNotSMART,
			Message: fmt.Sprintf("%s did not answer with SMART sign-in settings: check that this is the FHIR base URL (%s).", host, baseHint),
			Detail:  "not JSON at " + pathOf(rawURL)}
	}
	return nil
}

func pathOf(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Path
	}
	return ""
}

// get does one GET with the per-request timeout and body limit, mapping
// transport failures to ErrUnreachable.
func get(parent context.Context, o NetOptions, rawURL, accept string) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(parent, o.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, 0, newErr(ErrNotSMART, "%s is not a web address.", rawURL)
	}
	req.Header.Set("Accept", accept)
	resp, err := o.client().Do(req)
	if err != nil {
		if errors.Is(parent.Err(), context.Canceled) {
			return nil, 0, &Error{Kind: ErrCanceled, Message: "Cancelled.", Err: parent.Err()}
		}
		return nil, 0, unreachable(ctx, rawURL, o.timeout(), err)
	}
	defer resp.Body.Close()
	b, err := readLimited(resp.Body, o.maxBody())
	if err != nil {
		if errors.Is(err, errTooLarge) {
			return nil, 0, &Error{Kind: ErrNotSMART,
				Message: fmt.Sprintf("%s sent an answer far larger than SMART settings are: check that this is the FHIR base URL.", hostOf(rawURL)),
				Detail:  "body over the size limit at " + pathOf(rawURL)}
		}
		return nil, 0, unreachable(ctx, rawURL, o.timeout(), err)
	}
	return b, resp.StatusCode, nil
}

var errTooLarge = errors.New("response body too large")

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errTooLarge
	}
	return b, nil
}

// unreachable says in plain words why rawURL could not be reached.
func unreachable(ctx context.Context, rawURL string, timeout time.Duration, err error) *Error {
	host := hostOf(rawURL)
	e := &Error{Kind: ErrUnreachable, Err: err}
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var netErr net.Error
	switch {
	case errors.As(err, &dnsErr):
		e.Message = fmt.Sprintf("Cannot find %s: check the address for typos and that this computer is online.", hostOnly(host))
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Message = fmt.Sprintf("Nothing answered at %s: check the address, or the server may be down.", host)
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr):
		e.Message = fmt.Sprintf("The connection to %s is not trusted (its certificate did not check out): check the address; if it is right, ask your IT team.", host)
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		e.Message = fmt.Sprintf("%s did not answer within %s: check the network connection and try again.", host, timeout.Round(time.Second/10))
	default:
		e.Message = fmt.Sprintf("Cannot reach %s: check the address and the network connection.", host)
	}
	return e
}
