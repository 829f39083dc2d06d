package fhir

import (
	"errors"
	"fmt"
)

// Kind says what went wrong in terms a practice can act on.
type Kind int

const (
	KindUnknown     Kind = iota
	KindSignIn           // 401 even after a fresh token: sign in again
	KindScope            // 403 insufficient_scope: the API is not on the app's registration
	KindForbidden        // 403 user security: this user may not see the data
	KindNotFound         // 404
	KindBadRequest       // 400: the server refused the search
	KindRateLimited      // 429 after every retry
	KindServer           // 5xx after every retry
	KindUnreachable      // connection refused, DNS, timeouts
	KindMalformed        // a body that is not the JSON it should be
	KindPaging           // a next link seen before, or too many pages
	KindTooLarge         // a body over the size limit
	KindWritesOff        // a write this client was not built to make: nothing was sent
	KindConflict         // 409/412: the write met another change
	KindInvalid          // 422: the server's validation refused the resource
)

var kindWords = map[Kind]string{
	KindSignIn:      "Epic no longer accepts this sign-in; sign in again",
	KindScope:       "the HealthPrep app is not allowed to read %s at this organization; ask your Epic analyst to add it to the app's registration",
	KindForbidden:   "the signed-in user is not allowed to see this %s data in Epic",
	KindNotFound:    "Epic says this %s does not exist",
	KindBadRequest:  "Epic refused the %s request",
	KindRateLimited: "Epic is asking us to slow down (too many requests); try again in a few minutes",
	KindServer:      "Epic had a problem answering (server error); try again later",
	KindUnreachable: "Epic cannot be reached; check the network connection",
	KindMalformed:   "Epic sent a %s answer that could not be read",
	KindPaging:      "Epic's %s results kept pointing back to pages already read",
	KindTooLarge:    "Epic sent a %s answer larger than this app accepts",
	KindWritesOff:   "HealthPrep is not set to write %s resources to Epic; nothing was sent",
	KindConflict:    "Epic refused the %s write because of another change to it (conflict)",
	KindInvalid:     "Epic refused the %s as invalid",
}

// Error is a FHIR request failure. Its message is written for the practice
// manager and names the resource type, never a patient or a token.
type Error struct {
	Kind     Kind
	Status   int    // HTTP status, when there was one
	Resource string // FHIR resource type or endpoint
	Detail   string // Epic's own words (OperationOutcome text), for support
	// Token is set when getting the access token failed, not the request:
	// the token source decides when to ask its server again.
	Token bool
	Err   error
}

func (e *Error) Error() string {
	words, ok := kindWords[e.Kind]
	if !ok {
		words = "the %s request to Epic failed"
	}
	msg := words
	if containsVerb(words) {
		msg = fmt.Sprintf(words, e.Resource)
	}
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

func containsVerb(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '%' && s[i+1] == 's' {
			return true
		}
	}
	return false
}

// KindOf returns the kind of a FHIR error, or KindUnknown.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindUnknown
}
