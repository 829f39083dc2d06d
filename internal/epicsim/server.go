// Package epicsim is a working imitation of one Epic customer's OAuth 2.0
// and FHIR R4 endpoints, served over real HTTP on loopback. It is the
// embedded demo tenant and the test double for every end-to-end test, so it
// behaves like Epic where Epic is particular (see
// ../shared/reference/epic-facts.md): discovery documents, PKCE S256 only,
// refresh tokens only for clients that authenticate, dynamic client
// registration with the JWT bearer grant, patient-scoped searches, _count
// as a ceiling, paged bundles, OperationOutcome warnings in 200 bundles,
// 403 for APIs a client was not granted, and the provider-schedule web
// service. Faults (latency, 429, 5xx, truncated bodies, looping next links,
// an outage) can be switched on at any time.
package epicsim

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"
)

// Demo tenant constants, documented in the README.
const (
	DemoClientID    = "healthprep-demo"
	DemoRedirectURI = "http://127.0.0.1:53682/callback"
	DemoUser        = "frontdesk"
	DemoPassword    = "demo"
)

// Paths as on a real Epic server (the FHIR base and OAuth live under one prefix).
const (
	serverPrefix = "/interconnect-fhir-oauth"
	fhirPrefix   = serverPrefix + "/api/FHIR/R4"
	oauthPrefix  = serverPrefix + "/oauth2"
	schedulePath = serverPrefix + "/api/epic/2013/Scheduling/Provider/GetProviderAppointments/Scheduling/Provider/Appointments"
)

// Client is an app registered with the tenant.
type Client struct {
	ID           string
	RedirectURIs []string
	// Secret makes the client confidential: it authenticates at the token
	// endpoint and gets refresh tokens. Public clients get none.
	Secret string
	// Scopes are the resource scopes granted to the app (e.g.
	// "user/Patient.read"); empty grants every resource. Epic silently drops
	// requested scopes the app was not granted.
	Scopes []string
	// AuthMethod holds a confidential client to one way of authenticating
	// (AuthSecretBasic, AuthSecretPost, AuthPrivateKeyJWT); empty accepts
	// either secret method.
	AuthMethod string
	// PublicKey is an asymmetric client's key (AuthPrivateKeyJWT): its
	// token requests carry a client_assertion signed by the private half.
	PublicKey *rsa.PublicKey
}

// DemoClient is the app registration the demo and the README use.
func DemoClient() Client {
	return Client{ID: DemoClientID, RedirectURIs: []string{DemoRedirectURI}}
}

// Faults are injected into the FHIR API and the scheduling web service.
// Discovery and OAuth endpoints get the latency and the outage only, so a
// test can always sign in and then meet the faults where a sync does.
type Faults struct {
	Latency      time.Duration
	Rate429      float64       // fraction of API requests answered 429
	RetryAfter   time.Duration // sent with 429 (rounded up to seconds)
	Rate5xx      float64       // fraction answered 500 or 503
	TruncateRate float64       // fraction whose body is cut off mid-JSON
	LoopNext     bool          // paged searches' second page links back to the first
	Down         bool          // the server refuses connections
	// TokenDown makes the token endpoint hang up on every request (the
	// rest of the tenant answers): renewals fail as in an OAuth outage.
	TokenDown bool
	// IgnoreLastUpdated makes searches ignore _lastUpdated (and leave it
	// out of the self link), as servers without incremental search do.
	IgnoreLastUpdated bool
}

// Options configure a simulated tenant.
type Options struct {
	Addr                           string // default 127.0.0.1:0
	Seed                           int64  // default 1
	Now                            func() time.Time
	Clients                        []Client // default: the demo client
	AllowProviderAppointmentSearch bool
	// Profile is the kind of server imitated: Epic (default) or a
	// generic SMART server (see profile.go).
	Profile Profile
	Faults  Faults
	Logger  *slog.Logger
	// InProcess serves the tenant to this process only, through
	// Transport, with no listener: the embedded demo, so the agent opens
	// no TCP port that any local user could read. Its URLs use the host
	// InProcessHost, which never resolves.
	InProcess bool
	// Scale sizes the practice for load tests (scale.go).
	Scale Scale
}

// InProcessHost is the host of an in-process tenant's URLs (RFC 6761: a
// name under .invalid never resolves, so a request that misses the
// Transport fails rather than going anywhere).
const InProcessHost = "epicsim.invalid"

// Server is a running simulated tenant.
type Server struct {
	opts     Options
	log      *slog.Logger
	practice *Practice
	key      *rsa.PrivateKey
	kid      string
	addr     string
	srv      *http.Server

	mu       sync.Mutex
	ln       net.Listener
	faults   Faults
	rng      *mrand.Rand
	clients  map[string]Client
	codes    map[string]*authCode
	tokens   map[string]*token
	refresh  map[string]*grant
	devices  map[string]*device
	jtis     map[string]time.Time
	requests map[string]int
	closed   bool
	knobs    knobState // test departures, see knobs.go
	notes    noteStore // notes written to charts, see notes.go

	// data guards the practice against the test hooks that change it
	// (changes.go); handlers read under RLock.
	data    sync.RWMutex
	changes int // ids handed out by the hooks, under data
	// filed are the outside reports and hostile files filed for a day's
	// patients (filed.go), by resource id, under data.
	filed map[string]filed
}

// grant is what a token carries: who, which app, which scopes.
type grant struct {
	clientID string
	scopes   []string
	user     string // Practitioner id of the signed-in user
}

type token struct {
	grant
	expires time.Time
}

// Start generates the practice and serves the tenant until Close.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Clients == nil {
		opts.Clients = []Client{DemoClient()}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.InProcess {
		opts.Addr = InProcessHost
	}
	host, _, err := net.SplitHostPort(opts.Addr)
	if opts.InProcess {
		host, err = "127.0.0.1", nil
	}
	if err != nil {
		return nil, fmt.Errorf("epicsim: bad address %q: %w", opts.Addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("epicsim: listens on loopback only, not %q", opts.Addr)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:     opts,
		log:      opts.Logger,
		practice: opts.Scale.generate(opts.Seed, opts.Now()),
		key:      key,
		kid:      "epicsim-" + randToken(6),
		faults:   opts.Faults,
		rng:      mrand.New(mrand.NewPCG(uint64(opts.Seed), 42)),
		clients:  map[string]Client{},
		codes:    map[string]*authCode{},
		tokens:   map[string]*token{},
		refresh:  map[string]*grant{},
		devices:  map[string]*device{},
		jtis:     map[string]time.Time{},
		requests: map[string]int{},
	}
	for _, c := range opts.Clients {
		s.clients[c.ID] = c
	}
	if opts.InProcess {
		s.addr = InProcessHost
		s.srv = &http.Server{Handler: s.routes()}
		s.log.Info("epicsim started in process", "patients", len(s.practice.Patients))
		return s, nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("epicsim: %w", err)
	}
	s.addr = ln.Addr().String()
	s.srv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	if opts.Faults.Down {
		ln.Close()
	} else {
		s.ln = ln
		go s.srv.Serve(ln)
	}
	s.log.Info("epicsim started", "fhirBase", s.FHIRBase(), "patients", len(s.practice.Patients))
	return s, nil
}

// FHIRBase is the FHIR R4 base URL.
func (s *Server) FHIRBase() string { return "http://" + s.addr + fhirPrefix }

// ServerBase is the Epic server root the OAuth and web-service paths hang off.
func (s *Server) ServerBase() string { return "http://" + s.addr + serverPrefix }

// Issuer is the id_token issuer (the OAuth base, not the FHIR base).
func (s *Server) Issuer() string { return "http://" + s.addr + oauthPrefix }

// Practice is the generated data, for tests to check against.
func (s *Server) Practice() *Practice { return s.practice }

// SetFaults changes the injected faults. Turning Down on closes the
// listener (connections are refused); turning it off listens again on the
// same address.
func (s *Server) SetFaults(f Faults) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	if s.closed || s.opts.InProcess {
		return nil // in process, Transport refuses while Down
	}
	switch {
	case f.Down && s.ln != nil:
		err := s.ln.Close()
		s.ln = nil
		return err
	case !f.Down && s.ln == nil:
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			return fmt.Errorf("epicsim: listening again on %s: %w", s.addr, err)
		}
		s.ln = ln
		go s.srv.Serve(ln)
	}
	return nil
}

// Requests counts requests by endpoint (resource type for FHIR searches).
func (s *Server) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.requests))
	for k, v := range s.requests {
		out[k] = v
	}
	return out
}

// MintAccessToken issues a valid bearer token for clientID without a
// browser, signed in as the demo user. For tests that are not about sign-in
// and for the embedded demo.
func (s *Server) MintAccessToken(clientID string, ttl time.Duration) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueLocked(grant{clientID: clientID, user: demoPractitioner}, ttl)
}

// Close stops the server.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	if s.opts.InProcess {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return s.srv.Close()
	}
	return err
}

func (s *Server) now() time.Time { return s.opts.Now() }

func (s *Server) issueLocked(g grant, ttl time.Duration) string {
	t := randToken(256) // Epic's tokens are long; clients must not assume otherwise
	s.tokens[t] = &token{grant: g, expires: s.now().Add(ttl)}
	return t
}

// randToken returns n random bytes, base64url encoded.
func randToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) count(key string) {
	s.mu.Lock()
	s.requests[key]++
	s.mu.Unlock()
}

// chance draws from the server's fault generator.
func (s *Server) chance(p float64) bool {
	if p <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.Float64() < p
}

func (s *Server) currentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+fhirPrefix+"/.well-known/smart-configuration", s.smartConfig)
	mux.HandleFunc("GET "+oauthPrefix+"/.well-known/openid-configuration", s.openidConfig)
	mux.HandleFunc("GET "+oauthPrefix+"/jwks", s.jwks)
	mux.HandleFunc("GET "+oauthPrefix+"/authorize", s.authorize)
	mux.HandleFunc("POST "+oauthPrefix+"/authorize", s.authorize)
	mux.HandleFunc("POST "+oauthPrefix+"/token", s.tokenEndpoint)
	mux.HandleFunc("POST "+oauthPrefix+"/register", s.register)
	mux.HandleFunc("GET "+fhirPrefix+"/metadata", s.metadata)
	mux.Handle("GET "+fhirPrefix+"/{type}", s.api(s.search))
	mux.Handle("GET "+fhirPrefix+"/{type}/{id}", s.api(s.read))
	mux.Handle("POST "+fhirPrefix+"/{type}", s.writeAPI(s.createNote))
	mux.Handle("PUT "+fhirPrefix+"/{type}/{id}", s.writeAPI(s.updateNote))
	mux.HandleFunc("GET "+fhirPrefix+"/Binary/{id}", s.binary) // binary.go
	mux.Handle("POST "+schedulePath, s.api(s.providerAppointments))
	return s.withLatency(mux)
}

// withLatency delays every request by the configured latency and drops
// requests on connections that outlived an outage.
func (s *Server) withLatency(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := s.currentFaults()
		if f.Down {
			hangUp(w)
			return
		}
		if f.Latency > 0 {
			select {
			case <-time.After(f.Latency):
			case <-r.Context().Done():
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// Chart renders a patient's whole record as FHIR JSON (the Patient first),
// exactly as searches return it. For tests that need charts without HTTP.
func (s *Server) Chart(patientID string) []json.RawMessage {
	s.data.RLock()
	defer s.data.RUnlock()
	p := s.practice.PatientByID(patientID)
	if p == nil {
		return nil
	}
	out := make([]json.RawMessage, 0, len(p.Resources)+1)
	b, _ := json.Marshal(s.patientJSON(p))
	out = append(out, b)
	for _, r := range p.Resources {
		b, _ := json.Marshal(s.resourceJSON(r))
		out = append(out, b)
	}
	return out
}
