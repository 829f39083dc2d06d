package smart_test

import (
	"strings"
	"testing"

	"github.com/healthprep/desk/internal/smart"
)

const (
	sandboxBase = "https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4"
	goodID      = "0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
)

func TestCleanTidiesPastes(t *testing.T) {
	tests := []struct {
		name, base, id, wantBase, wantID string
	}{
		{"already clean", sandboxBase, goodID, sandboxBase, goodID},
		{"spaces and tabs", "  \t" + sandboxBase + " \n", "\t " + goodID + "  ", sandboxBase, goodID},
		{"straight quotes", `"` + sandboxBase + `"`, `'` + goodID + `'`, sandboxBase, goodID},
		{"curly quotes", "“" + sandboxBase + "”", "‘" + goodID + "’", sandboxBase, goodID},
		{"quotes inside spaces", ` " ` + sandboxBase + ` " `, ` “ ` + goodID + ` ” `, sandboxBase, goodID},
		{"angle brackets from an email", "<" + sandboxBase + ">", goodID, sandboxBase, goodID},
		{"invisible characters", "\ufeff" + sandboxBase + "\u200b", "\u00a0" + goodID + "\u200b", sandboxBase, goodID},
		{"trailing slash", sandboxBase + "/", goodID, sandboxBase, goodID},
		{"several trailing slashes", sandboxBase + "///", goodID, sandboxBase, goodID},
		{"metadata", sandboxBase + "/metadata", goodID, sandboxBase, goodID},
		{"metadata with a query", sandboxBase + "/metadata?_format=json", goodID, sandboxBase, goodID},
		{"smart configuration", sandboxBase + "/.well-known/smart-configuration", goodID, sandboxBase, goodID},
		{"smart configuration and slash", sandboxBase + "/.well-known/smart-configuration/", goodID, sandboxBase, goodID},
		{"another well-known", sandboxBase + "/.well-known/openid-configuration", goodID, sandboxBase, goodID},
		{"fragment", sandboxBase + "#top", goodID, sandboxBase, goodID},
		{"no scheme", "fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4", goodID, sandboxBase, goodID},
		{"upper-case scheme and host", "HTTPS://FHIR.EPIC.COM/interconnect-fhir-oauth/api/FHIR/R4", goodID, sandboxBase, goodID},
		{"loopback http", "http://127.0.0.1:8080/fhir/", goodID, "http://127.0.0.1:8080/fhir", goodID},
		{"localhost http", "http://localhost:8080/fhir", goodID, "http://localhost:8080/fhir", goodID},
		{"ipv6 loopback http", "http://[::1]:8080/fhir", goodID, "http://[::1]:8080/fhir", goodID},
		{"loopback without scheme", "127.0.0.1:8080/fhir", goodID, "http://127.0.0.1:8080/fhir", goodID},
		{"customer base", "https://epicproxy.example.org/FHIRProxy/api/FHIR/R4/", "abc123", "https://epicproxy.example.org/FHIRProxy/api/FHIR/R4", "abc123"},
		{"label copied with the id", sandboxBase, "Non-Production Client ID: " + goodID, sandboxBase, goodID},
		{"label with a tab", sandboxBase, "Non-Production Client ID\t" + goodID, sandboxBase, goodID},
		{"plain client id label", sandboxBase, "client_id=" + goodID, sandboxBase, goodID},
		{"production label with a customer base", "https://fhir.example.org/api/FHIR/R4", "Production Client ID: " + goodID, "https://fhir.example.org/api/FHIR/R4", goodID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, id, problems := smart.Clean(tt.base, tt.id)
			if base != tt.wantBase || id != tt.wantID {
				t.Errorf("Clean(%q, %q) = %q, %q; want %q, %q", tt.base, tt.id, base, id, tt.wantBase, tt.wantID)
			}
			if len(problems) != 0 {
				t.Errorf("unexpected problems: %+v", problems)
			}
		})
	}
}

func TestCleanRefusesBadPastes(t *testing.T) {
	tests := []struct {
		name, base, id string
		field          string
		says           string // a phrase the manager's message must contain
	}{
		{"empty base", "", goodID, smart.FieldFHIRBase, "Paste the FHIR base URL"},
		{"only quotes", `""`, goodID, smart.FieldFHIRBase, "Paste the FHIR base URL"},
		{"not a url", "my epic server", goodID, smart.FieldFHIRBase, "space"},
		{"a word", "epic", goodID, smart.FieldFHIRBase, "not a web address"},
		{"plain http", "http://fhir.example.org/api/FHIR/R4", goodID, smart.FieldFHIRBase, "https://"},
		{"ftp", "ftp://fhir.example.org/api/FHIR/R4", goodID, smart.FieldFHIRBase, "not a web address"},
		{"javascript", "javascript:alert(1)", goodID, smart.FieldFHIRBase, "not a web address"},
		{"http lookalike of loopback", "http://127.0.0.1.example.com/fhir", goodID, smart.FieldFHIRBase, "https://"},
		{"space inside", "https://fhir.example.org/api/FHIR /R4", goodID, smart.FieldFHIRBase, "space"},
		{"line break inside", "https://fhir.example.org/api\n/FHIR/R4", goodID, smart.FieldFHIRBase, "line break"},
		{"user and password", "https://user:pw@fhir.example.org/api/FHIR/R4", goodID, smart.FieldFHIRBase, "user name or password"},
		{"bad port", "https://fhir.example.org:99999/api/FHIR/R4", goodID, smart.FieldFHIRBase, "port number"},
		{"authorize endpoint", "https://fhir.example.org/interconnect-fhir-oauth/oauth2/authorize", goodID, smart.FieldFHIRBase, "sign-in address"},
		{"dstu2", "https://fhir.example.org/interconnect-fhir-oauth/api/FHIR/DSTU2", goodID, smart.FieldFHIRBase, "older FHIR version"},
		{"developer website", "https://fhir.epic.com/Developer/Apps", goodID, smart.FieldFHIRBase, "developer website"},
		{"client id in the base field", goodID, goodID, smart.FieldFHIRBase, "looks like a client ID"},
		{"empty client id", sandboxBase, "", smart.FieldClientID, "Paste the client ID"},
		{"only spaces", sandboxBase, "   ", smart.FieldClientID, "Paste the client ID"},
		{"only a label", sandboxBase, "Client ID:", smart.FieldClientID, "Paste the client ID"},
		{"inner space", sandboxBase, "0f1e2d3c 4b5a-6978", smart.FieldClientID, "space or line break"},
		{"inner tab", sandboxBase, "0f1e2d3c\t4b5a", smart.FieldClientID, "space or line break"},
		{"inner newline", sandboxBase, "0f1e2d3c\n4b5a", smart.FieldClientID, "space or line break"},
		{"inner quote", sandboxBase, `0f1e"2d3c`, smart.FieldClientID, "quote marks"},
		{"inner curly quote", sandboxBase, "0f1e’2d3c", smart.FieldClientID, "quote marks"},
		{"url in the id field", sandboxBase, sandboxBase, smart.FieldClientID, "web address, not a client ID"},
		{"control character", sandboxBase, "0f1e\x002d3c", smart.FieldClientID, "cannot be in a client ID"},
		{"too long", sandboxBase, strings.Repeat("a", 300), smart.FieldClientID, "too long"},
		{"production id on the sandbox", sandboxBase, "Production Client ID: " + goodID, smart.FieldClientID, "Non-Production client ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, problems := smart.Clean(tt.base, tt.id)
			if len(problems) != 1 {
				t.Fatalf("Clean(%q, %q): want one problem, got %+v", tt.base, tt.id, problems)
			}
			p := problems[0]
			if p.Field != tt.field || !strings.Contains(p.Message, tt.says) {
				t.Fatalf("Clean(%q, %q) = %+v; want field %s saying %q", tt.base, tt.id, p, tt.field, tt.says)
			}
		})
	}
}

func TestCleanReportsBothFields(t *testing.T) {
	base, id, problems := smart.Clean(" ftp://x.example.org ", " a b ")
	if len(problems) != 2 || problems[0].Field != smart.FieldFHIRBase || problems[1].Field != smart.FieldClientID {
		t.Fatalf("problems: %+v", problems)
	}
	// The cleaned text is still returned, for the form to show.
	if base != "ftp://x.example.org" || id != "a b" {
		t.Fatalf("cleaned: %q %q", base, id)
	}
}
