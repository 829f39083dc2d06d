package epicsim

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

const testRedirect = "http://127.0.0.1:1/callback"

var today = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func start(t *testing.T, mod func(*Options)) *Server {
	t.Helper()
	opts := Options{
		Now: func() time.Time { return today },
		Clients: []Client{
			{ID: "public-app", RedirectURIs: []string{testRedirect}},
			{ID: "confidential-app", RedirectURIs: []string{testRedirect}, Secret: "s3cret"},
			{ID: "narrow-app", RedirectURIs: []string{testRedirect}, Scopes: []string{"user/Patient.read"}},
		},
	}
	if mod != nil {
		mod(&opts)
	}
	s, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// noRedirect is an http.Client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}

func getJSON(t *testing.T, url, bearer string, into any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if into != nil {
		b, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(b, into); err != nil && resp.StatusCode == 200 {
			t.Fatalf("GET %s: %v in %s", url, err, b)
		}
	}
	return resp.StatusCode
}

func TestDiscovery(t *testing.T) {
	s := start(t, nil)
	var smart map[string]any
	if code := getJSON(t, s.FHIRBase()+"/.well-known/smart-configuration", "", &smart); code != 200 {
		t.Fatalf("smart-configuration: %d", code)
	}
	if smart["authorization_endpoint"] != s.ServerBase()+"/oauth2/authorize" || smart["token_endpoint"] != s.ServerBase()+"/oauth2/token" {
		t.Fatalf("endpoints: %v", smart)
	}
	if m := smart["code_challenge_methods_supported"].([]any); len(m) != 1 || m[0] != "S256" {
		t.Fatalf("PKCE methods: %v", m)
	}
	var oidc map[string]any
	getJSON(t, s.Issuer()+"/.well-known/openid-configuration", "", &oidc)
	if oidc["issuer"] != s.Issuer() || oidc["jwks_uri"] == nil {
		t.Fatalf("openid configuration: %v", oidc)
	}
	set, err := jwk.Fetch(context.Background(), oidc["jwks_uri"].(string))
	if err != nil || set.Len() != 1 {
		t.Fatalf("jwks: %v %v", set, err)
	}
	// /metadata is XML unless JSON is asked for.
	resp, _ := http.Get(s.FHIRBase() + "/metadata")
	if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "xml") {
		t.Fatalf("metadata without Accept: %s", ct)
	}
	resp.Body.Close()
	req, _ := http.NewRequest("GET", s.FHIRBase()+"/metadata", nil)
	req.Header.Set("Accept", "application/fhir+json")
	resp, _ = http.DefaultClient.Do(req)
	var cs map[string]any
	json.NewDecoder(resp.Body).Decode(&cs)
	resp.Body.Close()
	if cs["resourceType"] != "CapabilityStatement" {
		t.Fatalf("metadata JSON: %v", cs)
	}
}

type pkce struct{ verifier, challenge string }

func newPKCE() pkce {
	b := make([]byte, 32)
	rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(v))
	return pkce{v, base64.RawURLEncoding.EncodeToString(sum[:])}
}

// authorizeURL builds an authorize request; mod can spoil any parameter.
func authorizeURL(s *Server, client string, p pkce, mod func(url.Values)) string {
	q := url.Values{
		"response_type": {"code"}, "client_id": {client}, "redirect_uri": {testRedirect},
		"scope": {"openid fhirUser user/Patient.read user/Observation.read"}, "state": {"st-1"},
		"aud": {s.FHIRBase()}, "code_challenge": {p.challenge}, "code_challenge_method": {"S256"}, "nonce": {"n-1"},
	}
	if mod != nil {
		mod(q)
	}
	return s.ServerBase() + "/oauth2/authorize?" + q.Encode()
}

// login posts the form and returns the redirect the browser would follow.
func login(t *testing.T, authURL, user, pass string) *url.URL {
	t.Helper()
	resp, err := noRedirect.PostForm(authURL, url.Values{"username": {user}, "password": {pass}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("login: %d %s", resp.StatusCode, b)
	}
	u, _ := url.Parse(resp.Header.Get("Location"))
	return u
}

func exchange(t *testing.T, s *Server, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(s.ServerBase()+"/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode == 200 && resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("token response without Cache-Control: no-store")
	}
	return resp.StatusCode, out
}

func codeForm(client, code, verifier string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "client_id": {client}, "code_verifier": {verifier}}
}

func TestPKCECodeExchange(t *testing.T) {
	s := start(t, nil)
	p := newPKCE()
	// The form is shown first.
	resp, err := http.Get(authorizeURL(s, "public-app", p, nil))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), `id="username"`) || !strings.Contains(string(page), `id="submit"`) {
		t.Fatalf("login form missing fields: %s", page)
	}
	// Wrong password re-shows the form with an error.
	bad, _ := noRedirect.PostForm(authorizeURL(s, "public-app", p, nil), url.Values{"username": {DemoUser}, "password": {"nope"}})
	body, _ := io.ReadAll(bad.Body)
	bad.Body.Close()
	if bad.StatusCode != 200 || !strings.Contains(string(body), `id="error"`) {
		t.Fatalf("bad credentials: %d %s", bad.StatusCode, body)
	}
	u := login(t, authorizeURL(s, "public-app", p, nil), DemoUser, DemoPassword)
	if u.Query().Get("state") != "st-1" || u.Query().Get("code") == "" {
		t.Fatalf("redirect: %s", u)
	}
	code, tok := exchange(t, s, codeForm("public-app", u.Query().Get("code"), p.verifier))
	if code != 200 {
		t.Fatalf("exchange: %d %v", code, tok)
	}
	if _, ok := tok["refresh_token"]; ok {
		t.Fatal("a public PKCE client must not get a refresh token")
	}
	if tok["token_type"] != "Bearer" || tok["expires_in"].(float64) < 3000 {
		t.Fatalf("token: %v", tok)
	}
	// The id_token verifies against the JWKS with Epic's claims.
	set, _ := jwk.Fetch(context.Background(), s.Issuer()+"/jwks")
	idt, err := jwt.Parse([]byte(tok["id_token"].(string)), jwt.WithKeySet(set), jwt.WithClock(jwt.ClockFunc(func() time.Time { return today })),
		jwt.WithIssuer(s.Issuer()), jwt.WithAudience("public-app"))
	if err != nil {
		t.Fatalf("id_token: %v", err)
	}
	if n, _ := idt.Get("nonce"); n != "n-1" {
		t.Fatalf("nonce = %v", n)
	}
	if fu, _ := idt.Get("fhirUser"); !strings.HasPrefix(fu.(string), s.FHIRBase()+"/Practitioner/") {
		t.Fatalf("fhirUser = %v", fu)
	}
	// And the access token reads FHIR.
	var pt map[string]any
	id := s.Practice().Patients[0].ID
	if code := getJSON(t, s.FHIRBase()+"/Patient/"+id, tok["access_token"].(string), &pt); code != 200 || pt["id"] != id {
		t.Fatalf("Patient read: %d %v", code, pt)
	}
	// The code cannot be used twice.
	if code, out := exchange(t, s, codeForm("public-app", u.Query().Get("code"), p.verifier)); code != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("replayed code: %d %v", code, out)
	}
}

func TestPKCERefusals(t *testing.T) {
	s := start(t, nil)
	t.Run("wrong verifier", func(t *testing.T) {
		p := newPKCE()
		u := login(t, authorizeURL(s, "public-app", p, nil), DemoUser, DemoPassword)
		if code, out := exchange(t, s, codeForm("public-app", u.Query().Get("code"), newPKCE().verifier)); code != 400 || out["error"] != "invalid_grant" {
			t.Fatalf("%d %v", code, out)
		}
	})
	t.Run("wrong redirect_uri at token", func(t *testing.T) {
		p := newPKCE()
		u := login(t, authorizeURL(s, "public-app", p, nil), DemoUser, DemoPassword)
		f := codeForm("public-app", u.Query().Get("code"), p.verifier)
		f.Set("redirect_uri", "http://127.0.0.1:1/other")
		if code, out := exchange(t, s, f); code != 400 || out["error"] != "invalid_grant" {
			t.Fatalf("%d %v", code, out)
		}
	})
	redirectErr := func(t *testing.T, mod func(url.Values), want string) {
		t.Helper()
		resp, err := noRedirect.Get(authorizeURL(s, "public-app", newPKCE(), mod))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc.Query().Get("error") != want {
			t.Fatalf("got %d %s, want redirect with error=%s", resp.StatusCode, loc, want)
		}
	}
	t.Run("plain method", func(t *testing.T) {
		redirectErr(t, func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request")
	})
	t.Run("no challenge", func(t *testing.T) {
		redirectErr(t, func(q url.Values) { q.Del("code_challenge") }, "invalid_request")
	})
	t.Run("wrong aud", func(t *testing.T) {
		redirectErr(t, func(q url.Values) { q.Set("aud", "https://fhir.example.org/R4") }, "invalid_request")
	})
	t.Run("no state", func(t *testing.T) {
		redirectErr(t, func(q url.Values) { q.Del("state") }, "invalid_request")
	})
	for name, mod := range map[string]func(url.Values){
		"unregistered redirect_uri": func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1:1/Callback") },
		"unknown client":            func(q url.Values) { q.Set("client_id", "who") },
	} {
		t.Run(name, func(t *testing.T) {
			resp, _ := noRedirect.Get(authorizeURL(s, "public-app", newPKCE(), mod))
			resp.Body.Close()
			if resp.StatusCode != 400 {
				t.Fatalf("got %d, want an error page (400), never a redirect", resp.StatusCode)
			}
		})
	}
	t.Run("expired code", func(t *testing.T) {
		now := today
		s2 := start(t, func(o *Options) { o.Now = func() time.Time { return now } })
		p := newPKCE()
		u := login(t, authorizeURL(s2, "public-app", p, nil), DemoUser, DemoPassword)
		now = now.Add(6 * time.Minute)
		if code, out := exchange(t, s2, codeForm("public-app", u.Query().Get("code"), p.verifier)); code != 400 || out["error"] != "invalid_grant" {
			t.Fatalf("%d %v", code, out)
		}
	})
}

func TestRefreshOnlyForConfidentialClients(t *testing.T) {
	s := start(t, nil)
	p := newPKCE()
	u := login(t, authorizeURL(s, "confidential-app", p, nil), DemoUser, DemoPassword)
	f := codeForm("confidential-app", u.Query().Get("code"), p.verifier)
	if code, out := exchange(t, s, f); code != 401 || out["error"] != "invalid_client" {
		t.Fatalf("confidential client without its secret: %d %v", code, out)
	}
	u = login(t, authorizeURL(s, "confidential-app", p, nil), DemoUser, DemoPassword)
	f = codeForm("confidential-app", u.Query().Get("code"), p.verifier)
	f.Set("client_secret", "s3cret")
	code, tok := exchange(t, s, f)
	if code != 200 || tok["refresh_token"] == nil {
		t.Fatalf("confidential exchange: %d %v", code, tok)
	}
	rf := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {"confidential-app"}, "client_secret": {"s3cret"}}
	code, again := exchange(t, s, rf)
	if code != 200 || again["access_token"] == nil || again["access_token"] == tok["access_token"] {
		t.Fatalf("refresh: %d %v", code, again)
	}
	if _, ok := again["refresh_token"]; ok {
		t.Fatal("like Epic, a refresh response carries no new refresh token")
	}
	// A public client is refused the refresh grant.
	rf.Set("client_id", "public-app")
	rf.Del("client_secret")
	if code, out := exchange(t, s, rf); code != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("public refresh: %d %v", code, out)
	}
}

func signedAssertion(t *testing.T, key *rsa.PrivateKey, iss, aud, jti string, exp time.Time) string {
	t.Helper()
	tok, _ := jwt.NewBuilder().Issuer(iss).Subject(iss).Audience([]string{aud}).JwtID(jti).IssuedAt(today).Expiration(exp).Build()
	priv, _ := jwk.FromRaw(key)
	priv.Set(jwk.KeyIDKey, "dev-1")
	b, err := jwt.Sign(tok, jwt.WithKey(jwa.RS384, priv))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func registerDevice(t *testing.T, s *Server, access, softwareID string, bits int) (int, map[string]any, *rsa.PrivateKey) {
	t.Helper()
	key, _ := rsa.GenerateKey(rand.Reader, bits)
	pub, _ := jwk.FromRaw(&key.PublicKey)
	pub.Set(jwk.KeyIDKey, "dev-1")
	body, _ := json.Marshal(map[string]any{"software_id": softwareID, "jwks": map[string]any{"keys": []any{pub}}})
	req, _ := http.NewRequest("POST", s.ServerBase()+"/oauth2/register", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+access)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, key
}

func TestDeviceRegistrationAndJWTBearer(t *testing.T) {
	s := start(t, nil)
	access := s.MintAccessToken("public-app", time.Hour)
	if code, _, _ := registerDevice(t, s, "not-a-token", "public-app", 2048); code != 401 {
		t.Fatalf("register without a valid token: %d", code)
	}
	if code, _, _ := registerDevice(t, s, access, "public-app", 3072); code != 400 {
		t.Fatalf("a 3072-bit key should be refused like Epic: %d", code)
	}
	if code, _, _ := registerDevice(t, s, access, "other-app", 2048); code != 400 {
		t.Fatalf("software_id must match the token's client: %d", code)
	}
	code, reg, key := registerDevice(t, s, access, "public-app", 2048)
	if code != 201 {
		t.Fatalf("register: %d %v", code, reg)
	}
	dev := reg["client_id"].(string)
	aud := s.Issuer() + "/token"
	form := func(a string) url.Values {
		return url.Values{"grant_type": {grantJWTBearer}, "assertion": {a}, "client_id": {dev}}
	}
	code, tok := exchange(t, s, form(signedAssertion(t, key, dev, aud, "jti-1", today.Add(4*time.Minute))))
	if code != 200 {
		t.Fatalf("jwt bearer: %d %v", code, tok)
	}
	var pt map[string]any
	if c := getJSON(t, s.FHIRBase()+"/Patient/"+s.Practice().Patients[1].ID, tok["access_token"].(string), &pt); c != 200 {
		t.Fatalf("read with device token: %d", c)
	}
	refusals := map[string]string{
		"replayed jti":   signedAssertion(t, key, dev, aud, "jti-1", today.Add(4*time.Minute)),
		"expired":        signedAssertion(t, key, dev, aud, "jti-2", today.Add(-time.Minute)),
		"exp too far":    signedAssertion(t, key, dev, aud, "jti-3", today.Add(time.Hour)),
		"wrong audience": signedAssertion(t, key, dev, s.FHIRBase(), "jti-4", today.Add(time.Minute)),
		"unknown issuer": signedAssertion(t, key, "dev-nobody", aud, "jti-5", today.Add(time.Minute)),
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	refusals["wrong key"] = signedAssertion(t, other, dev, aud, "jti-6", today.Add(time.Minute))
	for name, a := range refusals {
		if code, out := exchange(t, s, form(a)); code == 200 {
			t.Errorf("%s: accepted: %v", name, out)
		}
	}
}

type bundle struct {
	Total int `json:"total"`
	Link  []struct{ Relation, URL string }
	Entry []struct {
		Resource map[string]any `json:"resource"`
		Search   struct{ Mode string }
	} `json:"entry"`
}

func (b bundle) next() string {
	for _, l := range b.Link {
		if l.Relation == "next" {
			return l.URL
		}
	}
	return ""
}

func TestSearches(t *testing.T) {
	s := start(t, nil)
	tok := s.MintAccessToken(DemoClientID, time.Hour)
	pr := s.Practice()
	p := pr.Patients[2]
	base := s.FHIRBase()
	var b bundle
	if code := getJSON(t, base+"/Patient?identifier="+url.QueryEscape(epicMRNSystem+"|"+p.MRN), tok, &b); code != 200 || b.Total != 1 || b.Entry[0].Resource["id"] != p.ID {
		t.Fatalf("Patient by MRN: %d %+v", code, b)
	}
	b = bundle{}
	q := url.Values{"family": {p.Family}, "given": {p.Given}, "birthdate": {p.BirthDate.Format(time.DateOnly)}}
	if getJSON(t, base+"/Patient?"+q.Encode(), tok, &b); b.Total < 1 {
		t.Fatalf("Patient by name and birth date: %+v", b)
	}
	for _, typ := range []string{"Condition", "Procedure", "Immunization", "DiagnosticReport", "DocumentReference", "Encounter"} {
		b = bundle{}
		if code := getJSON(t, base+"/"+typ+"?patient="+p.ID, tok, &b); code != 200 {
			t.Fatalf("%s: %d", typ, code)
		}
		for _, e := range b.Entry {
			if e.Search.Mode == "match" && e.Resource["resourceType"] != typ {
				t.Fatalf("%s search returned %v", typ, e.Resource["resourceType"])
			}
		}
	}
	// Observation needs a category or code; any search needs a patient.
	var oo map[string]any
	if code := getJSON(t, base+"/Observation?patient="+p.ID, tok, &oo); code != 400 {
		t.Fatalf("Observation without category: %d", code)
	}
	if code := getJSON(t, base+"/DiagnosticReport?category=imaging", tok, &oo); code != 400 || !strings.Contains(mustJSON(oo), "59159") {
		t.Fatalf("DiagnosticReport without patient: %d %v", code, oo)
	}
	b = bundle{}
	getJSON(t, base+"/Observation?patient="+p.ID+"&category=laboratory,vital-signs&_count=200", tok, &b)
	for _, e := range b.Entry {
		cat := mustJSON(e.Resource["category"])
		if !strings.Contains(cat, "laboratory") && !strings.Contains(cat, "vital-signs") {
			t.Fatalf("category filter let through %s", cat)
		}
	}
	// A Condition search is the problem list unless it asks for encounter
	// diagnoses too (a diabetic's visit is coded with one).
	var dx *Patient
	for _, q := range pr.Patients {
		for _, r := range q.Resources {
			if r.Type == "Condition" && r.Category == "encounter-diagnosis" && dx == nil {
				dx = q
			}
		}
	}
	if dx == nil {
		t.Fatal("no patient has an encounter diagnosis")
	}
	lists := func(category string) map[string]int {
		b := bundle{}
		q := url.Values{"patient": {dx.ID}, "_count": {"200"}}
		if category != "" {
			q.Set("category", category)
		}
		getJSON(t, base+"/Condition?"+q.Encode(), tok, &b)
		n := map[string]int{}
		for _, e := range b.Entry {
			if e.Search.Mode == "match" {
				for _, c := range []string{"problem-list-item", "encounter-diagnosis"} {
					if strings.Contains(mustJSON(e.Resource["category"]), `"code":"`+c+`"`) {
						n[c]++
					}
				}
			}
		}
		return n
	}
	if n := lists(""); n["encounter-diagnosis"] != 0 || n["problem-list-item"] == 0 {
		t.Fatalf("Condition search without a category: %v", n)
	}
	if n := lists("encounter-diagnosis"); n["encounter-diagnosis"] == 0 || n["problem-list-item"] != 0 {
		t.Fatalf("Condition search for encounter diagnoses: %v", n)
	}
	if n := lists("problem-list-item,encounter-diagnosis"); n["encounter-diagnosis"] == 0 || n["problem-list-item"] == 0 {
		t.Fatalf("Condition search for both lists: %v", n)
	}
	// A search with no results is a 200 with a 4101 warning entry.
	b = bundle{}
	getJSON(t, base+"/Observation?patient="+p.ID+"&code=http://loinc.org|0000-0", tok, &b)
	if b.Total != 0 || len(b.Entry) != 1 || b.Entry[0].Search.Mode != "outcome" || !strings.Contains(mustJSON(b.Entry[0].Resource), "4101") {
		t.Fatalf("empty search: %+v", b)
	}
	// Date filters.
	b = bundle{}
	since := today.AddDate(-1, 0, 0).Format(time.DateOnly)
	getJSON(t, base+"/Encounter?patient="+p.ID+"&date=ge"+since, tok, &b)
	for _, e := range b.Entry {
		start, _ := time.Parse(time.RFC3339, e.Resource["period"].(map[string]any)["start"].(string))
		if start.Before(today.AddDate(-1, 0, 0)) {
			t.Fatalf("date=ge%s returned %s", since, start)
		}
	}
	// Appointments: patient-scoped; by practitioner only where the tenant allows.
	appt := pr.Appointments[today.Format(time.DateOnly)][0]
	b = bundle{}
	getJSON(t, base+"/Appointment?patient="+appt.PatientID+"&date=ge"+today.Format(time.DateOnly)+"&date=le"+today.Format(time.DateOnly), tok, &b)
	if b.Total < 1 {
		t.Fatalf("Appointment by patient: %+v", b)
	}
	if code := getJSON(t, base+"/Appointment?practitioner="+appt.ProviderID+"&date="+today.Format(time.DateOnly), tok, nil); code != 400 {
		t.Fatalf("Appointment by practitioner on a tenant that forbids it: %d", code)
	}
	s2 := start(t, func(o *Options) { o.AllowProviderAppointmentSearch = true })
	tok2 := s2.MintAccessToken(DemoClientID, time.Hour)
	b = bundle{}
	if code := getJSON(t, s2.FHIRBase()+"/Appointment?practitioner="+appt.ProviderID+"&date="+today.Format(time.DateOnly)+"&_count=200", tok2, &b); code != 200 || b.Total < 12 {
		t.Fatalf("Appointment by practitioner where allowed: %d total %d", code, b.Total)
	}
	// 401 without a token, 403 for an API the client was not granted.
	if code := getJSON(t, base+"/Patient/"+p.ID, "", nil); code != 401 {
		t.Fatalf("no token: %d", code)
	}
	narrow := s.MintAccessToken("narrow-app", time.Hour)
	req, _ := http.NewRequest("GET", base+"/Condition?patient="+p.ID, nil)
	req.Header.Set("Authorization", "Bearer "+narrow)
	resp, _ := http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "insufficient_scope") {
		t.Fatalf("ungranted API: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	// ETag on reads.
	obs := pr.res
	var id string
	for k, r := range obs {
		if r.Type == "Procedure" {
			id = strings.TrimPrefix(k, "Procedure/")
			break
		}
	}
	req, _ = http.NewRequest("GET", base+"/Procedure/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", resp.StatusCode)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// heavyPatient returns a patient whose chart pages at the maximum page size.
func heavyPatient(t *testing.T, pr *Practice) *Patient {
	for _, p := range pr.Patients {
		n := 0
		for _, r := range p.Resources {
			if r.Type == "Observation" {
				n++
			}
		}
		if n > 3*maxPageSize {
			return p
		}
	}
	t.Fatal("no patient has a chart long enough to page more than three times")
	return nil
}

func TestPagingToTheLastPage(t *testing.T) {
	s := start(t, nil)
	tok := s.MintAccessToken(DemoClientID, time.Hour)
	p := heavyPatient(t, s.Practice())
	next := s.FHIRBase() + "/Observation?patient=" + p.ID + "&category=laboratory,vital-signs&_count=1000"
	seen := map[string]bool{}
	pages, total := 0, -1
	for next != "" {
		var b bundle
		if code := getJSON(t, next, tok, &b); code != 200 {
			t.Fatalf("page %d: %d", pages, code)
		}
		if len(b.Entry) > maxPageSize {
			t.Fatalf("_count is a ceiling: page had %d entries", len(b.Entry))
		}
		total = b.Total
		for _, e := range b.Entry {
			id := e.Resource["id"].(string)
			if seen[id] {
				t.Fatalf("resource %s on two pages", id)
			}
			seen[id] = true
		}
		pages++
		next = b.next()
	}
	if pages <= 3 || len(seen) != total {
		t.Fatalf("pages=%d seen=%d total=%d", pages, len(seen), total)
	}
}

func TestFaults(t *testing.T) {
	s := start(t, nil)
	tok := s.MintAccessToken(DemoClientID, time.Hour)
	p := heavyPatient(t, s.Practice())
	url := s.FHIRBase() + "/Observation?patient=" + p.ID + "&category=laboratory&_count=50"
	t.Run("latency", func(t *testing.T) {
		s.SetFaults(Faults{Latency: 150 * time.Millisecond})
		defer s.SetFaults(Faults{})
		t0 := time.Now()
		getJSON(t, url, tok, nil)
		if d := time.Since(t0); d < 150*time.Millisecond {
			t.Fatalf("request took %v with 150ms latency", d)
		}
	})
	t.Run("429 with Retry-After", func(t *testing.T) {
		s.SetFaults(Faults{Rate429: 1, RetryAfter: 2 * time.Second})
		defer s.SetFaults(Faults{})
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, _ := http.DefaultClient.Do(req)
		resp.Body.Close()
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
			t.Fatalf("%d Retry-After=%q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	})
	t.Run("5xx", func(t *testing.T) {
		s.SetFaults(Faults{Rate5xx: 1})
		defer s.SetFaults(Faults{})
		for i := 0; i < 5; i++ {
			if code := getJSON(t, url, tok, nil); code != 500 && code != 503 {
				t.Fatalf("got %d", code)
			}
		}
	})
	t.Run("truncated body", func(t *testing.T) {
		s.SetFaults(Faults{TruncateRate: 1})
		defer s.SetFaults(Faults{})
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, _ := http.DefaultClient.Do(req)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var v any
		if resp.StatusCode != 200 || json.Unmarshal(b, &v) == nil {
			t.Fatalf("want a 200 with a cut-off body, got %d and valid JSON", resp.StatusCode)
		}
	})
	t.Run("looping next", func(t *testing.T) {
		s.SetFaults(Faults{LoopNext: true})
		defer s.SetFaults(Faults{})
		var b1, b2, b3 bundle
		getJSON(t, url, tok, &b1)
		getJSON(t, b1.next(), tok, &b2)
		getJSON(t, b2.next(), tok, &b3)
		if b3.Entry[0].Resource["id"] != b1.Entry[0].Resource["id"] {
			t.Fatal("the third page should repeat the first")
		}
	})
	t.Run("down and back", func(t *testing.T) {
		if err := s.SetFaults(Faults{Down: true}); err != nil {
			t.Fatal(err)
		}
		c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{}}
		_, err := c.Get(s.FHIRBase() + "/metadata")
		var op interface{ Timeout() bool }
		if err == nil || errors.As(err, &op) && op.Timeout() {
			t.Fatalf("a down server should refuse at once, got %v", err)
		}
		if err := s.SetFaults(Faults{}); err != nil {
			t.Fatal(err)
		}
		if code := getJSON(t, url, tok, nil); code != 200 {
			t.Fatalf("after the outage: %d", code)
		}
	})
}

func TestProviderScheduleService(t *testing.T) {
	s := start(t, nil)
	tok := s.MintAccessToken(DemoClientID, time.Hour)
	pr := s.Practice()
	day := today.Format("01/02/2006")
	body := `{"UserID":"FRONTDESK","Providers":[{"ID":"E1001"},{"ID":"E1002"},{"ID":"E1003"}],"StartDate":"` + day + `","EndDate":"` + day + `"}`
	req, _ := http.NewRequest("POST", s.ServerBase()+"/api/epic/2013/Scheduling/Provider/GetProviderAppointments/Scheduling/Provider/Appointments", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Appointments []map[string]any }
	json.NewDecoder(resp.Body).Decode(&out)
	want := len(pr.Appointments[today.Format(time.DateOnly)])
	if resp.StatusCode != 200 || len(out.Appointments) != want || want < 40 {
		t.Fatalf("%d: %d appointments, want %d (>= 40)", resp.StatusCode, len(out.Appointments), want)
	}
	if !regexp.MustCompile(`"Type":"FHIR"`).MatchString(mustJSON(out.Appointments[0])) {
		t.Fatalf("appointment without a FHIR patient id: %v", out.Appointments[0])
	}
}

func TestGeneratedPractice(t *testing.T) {
	a, b := Generate(7, today), Generate(7, today)
	if mustJSON(a.Distribution()) != mustJSON(b.Distribution()) || a.Patients[10].ID != b.Patients[10].ID || len(a.res) != len(b.res) {
		t.Fatal("the same seed must give the same practice")
	}
	pr := Generate(1, today)
	if len(pr.Patients) < 300 {
		t.Fatalf("%d patients", len(pr.Patients))
	}
	sexes := map[string]int{}
	for _, p := range pr.Patients {
		sexes[p.Gender]++
		if age := p.Age(today); age != -1 && age < 18 {
			t.Fatalf("patient aged %d", age)
		}
	}
	if sexes["female"] < 100 || sexes["male"] < 100 || sexes[""] == 0 {
		t.Fatalf("sexes: %v", sexes)
	}
	days := 0
	for d := today.AddDate(0, 0, -14); !d.After(today.AddDate(0, 0, 7)); d = d.AddDate(0, 0, 1) {
		appts := pr.Appointments[d.Format(time.DateOnly)]
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			if len(appts) != 0 {
				t.Fatalf("%s is a weekend with %d appointments", d.Format(time.DateOnly), len(appts))
			}
			continue
		}
		days++
		providers := map[string]bool{}
		for _, a := range appts {
			providers[a.ProviderID] = true
		}
		if len(appts) < 40 || len(providers) != 3 {
			t.Fatalf("%s: %d appointments across %d providers", d.Format(time.DateOnly), len(appts), len(providers))
		}
	}
	// Every screening meets patients in every state it can have.
	for _, sc := range Scenarios {
		d := pr.Distribution()[sc.ID]
		for _, o := range Outcomes {
			if o == DueSoon && (sc.soon == 0 || sc.once) || o == Excluded && !sc.excludable() {
				continue
			}
			if d[o] == 0 {
				t.Errorf("%s: no patient built %s (%v)", sc.ID, o, d)
			}
		}
	}
}
