package smart

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// userTypes are the resource types a fhirUser may name (SMART App Launch:
// Practitioner, PractitionerRole's practitioner is not a user; Person,
// RelatedPerson and Patient are).
var userTypes = []string{"Practitioner", "Person", "RelatedPerson", "Patient"}

// UserName reads the signed-in user's display name from the fhirUser
// resource, for servers whose id_token carries no name. The access token
// goes only to the practice's own FHIR base: a fhirUser pointing anywhere
// else is not followed. It returns "" when no name can be had; a missing
// name never fails a sign-in.
func UserName(ctx context.Context, fhirBase, fhirUser, accessToken string, o NetOptions) string {
	base := strings.TrimRight(fhirBase, "/")
	ref := fhirUser
	if !strings.Contains(ref, "://") {
		ref = base + "/" + strings.TrimLeft(ref, "/")
	}
	rest, ok := strings.CutPrefix(ref, base+"/")
	if !ok {
		return ""
	}
	typ, id, ok := strings.Cut(rest, "/")
	if !ok || id == "" || strings.ContainsAny(id, "/?#") || !slices.Contains(userTypes, typ) {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ref, nil)
	if err != nil {
		return ""
	}
	req.Header.Set("Accept", "application/fhir+json")
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := o.client().Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, err := readLimited(resp.Body, o.maxBody())
	if err != nil || resp.StatusCode != http.StatusOK {
		return ""
	}
	var r struct {
		ResourceType string      `json:"resourceType"`
		Name         []humanName `json:"name"`
	}
	if json.Unmarshal(b, &r) != nil || r.ResourceType != typ {
		return ""
	}
	// The official name if there is one, else the first usable one.
	best := ""
	for _, n := range r.Name {
		s := n.String()
		if s == "" {
			continue
		}
		if n.Use == "official" {
			return safeText(s, 120)
		}
		if best == "" {
			best = s
		}
	}
	return safeText(best, 120)
}

// humanName is FHIR's HumanName, as far as a display name needs it.
type humanName struct {
	Use    string   `json:"use"`
	Text   string   `json:"text"`
	Family string   `json:"family"`
	Given  []string `json:"given"`
	Prefix []string `json:"prefix"`
}

func (n humanName) String() string {
	if t := strings.TrimSpace(n.Text); t != "" {
		return t
	}
	parts := append(append(append([]string{}, n.Prefix...), n.Given...), n.Family)
	return strings.Join(strings.Fields(strings.Join(parts, " ")), " ")
}
