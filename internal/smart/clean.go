package smart

import (
	"net"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"github.com/healthprep/desk/internal/tenant"
)

// Setup form fields, as Problem.Field names them.
const (
	FieldFHIRBase = "fhirBase"
	FieldClientID = "clientId"
)

// Problem is one thing wrong with what was pasted into the setup form.
type Problem struct {
	Field   string `json:"field"` // FieldFHIRBase or FieldClientID
	Message string `json:"message"`
}

// SandboxHost is Epic's public sandbox, which takes only non-production
// client IDs (Epic's profile, internal/tenant).
var SandboxHost = tenant.Epic.SandboxHost

// Clean tidies what a practice manager pasted into the setup form and
// says what cannot be right. It does no I/O, so the form can call it on
// every keystroke. It strips surrounding spaces, quotes (straight and
// curly) and angle brackets, a trailing slash, a query or fragment, and a
// pasted /metadata or /.well-known/... suffix; it adds https:// to a bare
// host name. The cleaned values are returned even when there are
// problems, so the form can show them.
func Clean(fhirBase, clientID string) (cleanBase, cleanID string, problems []Problem) {
	cleanBase, baseProblem := cleanBaseURL(fhirBase)
	cleanID, label, idProblem := cleanClientID(clientID)
	if baseProblem != "" {
		problems = append(problems, Problem{FieldFHIRBase, baseProblem})
	}
	if idProblem != "" {
		problems = append(problems, Problem{FieldClientID, idProblem})
	}
	if baseProblem == "" && idProblem == "" && label == labelProduction && isSandbox(cleanBase) {
		problems = append(problems, Problem{FieldClientID,
			"Epic's public sandbox (fhir.epic.com) accepts only the Non-Production client ID, and this is the Production one: copy the Non-Production client ID from the same app page."})
	}
	return cleanBase, cleanID, problems
}

// invisible are characters pasted along with text that show as nothing.
func invisible(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060' || r == '\ufeff'
}

const wrappers = "\"'`“”‘’„‚«»‹›<>"

// trimPaste strips surrounding whitespace, invisible characters, quotes
// and angle brackets, however they nest.
func trimPaste(s string) string {
	for {
		t := strings.TrimFunc(s, invisible)
		t = strings.Trim(t, wrappers)
		if t == s {
			return t
		}
		s = t
	}
}

var uuidLike = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

const baseHint = "it usually ends in /api/FHIR/R4, for example https://fhir.example.org/interconnect-fhir-oauth/api/FHIR/R4"

func cleanBaseURL(raw string) (string, string) {
	s := trimPaste(raw)
	switch {
	case s == "":
		return "", "Paste the FHIR base URL your Epic analyst gave you (" + baseHint + ")."
	case strings.IndexFunc(s, invisible) >= 0:
		return s, "The address has a space or line break in it: copy it again as one line."
	case uuidLike.MatchString(s):
		return s, "This looks like a client ID, not an address: the FHIR base URL starts with https:// (" + baseHint + ")."
	}
	if !strings.Contains(s, "://") {
		host, _, _ := strings.Cut(s, "/")
		switch {
		case isLoopbackHost(hostOnly(host)):
			s = "http://" + s // this computer: the simulated tenant
		case strings.Contains(host, "."):
			s = "https://" + s
		default:
			return s, "This is not a web address: the FHIR base URL starts with https:// (" + baseHint + ")."
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return s, "This is not a web address: the FHIR base URL starts with https:// (" + baseHint + ")."
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	u.Path = trimBasePath(u.Path)
	u.RawPath = ""
	out := strings.TrimSuffix(u.String(), "/")
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return out, "This is not a web address: the FHIR base URL starts with https:// (" + baseHint + ")."
	case u.Scheme == "http" && !isLoopbackHost(u.Hostname()):
		return out, "The address must start with https://: Epic never serves patient data over plain http."
	case u.User != nil:
		return out, "Remove the user name or password from the address: sign-in happens in the browser."
	case u.Port() != "" && !validPort(u.Port()):
		return out, "The port number in the address is not valid."
	}
	lower := strings.ToLower(u.Path)
	switch {
	case strings.Contains(lower+"/", "/oauth2/"):
		return out, "This is Epic's sign-in address, not the FHIR base URL (" + baseHint + ")."
	case strings.HasSuffix(lower, "/api/fhir/dstu2") || strings.HasSuffix(lower, "/api/fhir/stu3"):
		return out, "This address is for an older FHIR version: use the R4 one, which ends in /api/FHIR/R4."
	case u.Hostname() == SandboxHost && !strings.Contains(lower, "/api/fhir/"):
		return out, "This is Epic's developer website, not a FHIR server: the sandbox FHIR base URL is https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4."
	}
	return out, ""
}

// trimBasePath removes trailing slashes and what gets pasted after a FHIR
// base: /metadata, /.well-known/anything.
func trimBasePath(p string) string {
	for {
		q := strings.TrimRight(p, "/")
		lower := strings.ToLower(q)
		if i := strings.Index(lower, "/.well-known"); i >= 0 {
			q = q[:i]
		} else if strings.HasSuffix(lower, "/metadata") {
			q = q[:len(q)-len("/metadata")]
		}
		if q == p {
			return q
		}
		p = q
	}
}

func validPort(p string) bool {
	n := 0
	for _, r := range p {
		if r < '0' || r > '9' {
			return false
		}
		n = n*10 + int(r-'0')
		if n > 65535 {
			return false
		}
	}
	return n > 0
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

// isLoopbackHost reports whether plain http is acceptable for host: only
// this computer (the simulated tenant and tests).
func isLoopbackHost(host string) bool {
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func isSandbox(base string) bool {
	u, err := url.Parse(base)
	return err == nil && u.Hostname() == SandboxHost
}

type idLabel int

const (
	labelNone idLabel = iota
	labelProduction
	labelNonProduction
)

// idLabelRE matches the label copied along with an ID from Epic's app
// page, e.g. "Non-Production Client ID: ...".
var idLabelRE = regexp.MustCompile(`(?i)^((non[\s-]*)?production\s+)?client[\s_-]*id\s*[:=]?\s*`)

func cleanClientID(raw string) (string, idLabel, string) {
	s := trimPaste(raw)
	label := labelNone
	if m := idLabelRE.FindStringSubmatch(s); m != nil {
		switch {
		case m[2] != "":
			label = labelNonProduction
		case m[1] != "":
			label = labelProduction
		}
		s = trimPaste(s[len(m[0]):])
	}
	switch {
	case s == "":
		return "", label, "Paste the client ID from your app's page on Epic (or from your Epic analyst)."
	case strings.Contains(s, "://") || strings.HasPrefix(strings.ToLower(s), "www."):
		return s, label, "This is a web address, not a client ID: the client ID is the code Epic shows for your app (often like 1a2b3c4d-...)."
	case strings.IndexFunc(s, invisible) >= 0:
		return s, label, "The client ID has a space or line break in it: copy it again as one piece."
	case strings.ContainsAny(s, wrappers):
		return s, label, "The client ID has quote marks or brackets in it: copy just the ID."
	case strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return s, label, "The client ID has characters that cannot be in a client ID: copy it again."
	case len(s) > 256:
		return s, label, "This is too long to be a client ID: copy just the ID."
	}
	return s, label, ""
}
