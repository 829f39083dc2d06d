package smart

import (
	"errors"
	"fmt"
	"time"
)

// Kinds of failure, for errors.Is. Every error this package returns is an
// *Error whose Kind is one of these; its message is written for a
// practice manager and never carries a token, code or key.
var (
	// ErrUnreachable: DNS, connection refused, timeout, TLS, or a server error.
	ErrUnreachable = errors.New("the server cannot be reached")
	// ErrNotSMART: the address is not a FHIR server with SMART sign-in
	// (404, a web page, JSON without the endpoints).
	ErrNotSMART = errors.New("not a FHIR server with SMART sign-in")
	// ErrNoPKCE: the server does not offer PKCE with S256.
	ErrNoPKCE = errors.New("PKCE S256 is not offered")
	// ErrWrongIssuer: an id_token or a discovery document names another
	// issuer than the one discovered for this practice. Alert-worthy.
	ErrWrongIssuer = errors.New("wrong issuer")
	// ErrBadSignature: the id_token's signature does not verify against
	// the server's published keys.
	ErrBadSignature = errors.New("bad id_token signature")
	// ErrExpired: the id_token has expired or was issued in the future.
	ErrExpired = errors.New("id_token expired")
	// ErrAudience: the id_token was issued to another client.
	ErrAudience = errors.New("id_token for another client")
	// ErrNonce: the id_token's nonce is not the one this sign-in sent.
	ErrNonce = errors.New("id_token nonce mismatch")
	// ErrIDToken: the id_token is missing or malformed.
	ErrIDToken = errors.New("id_token unusable")
	// ErrState: the redirect's state is not the one this sign-in sent.
	ErrState = errors.New("state mismatch")
	// ErrEpic: Epic refused the sign-in (an OAuth error in the redirect or
	// from the token endpoint).
	ErrEpic = errors.New("refused by Epic")
	// ErrCodeRejected: the token endpoint refused the authorization code
	// (used before, expired, or not ours).
	ErrCodeRejected = errors.New("authorization code refused")
	// ErrTimeout: nobody came back from the browser in time.
	ErrTimeout = errors.New("sign-in timed out")
	// ErrCanceled: the sign-in was cancelled.
	ErrCanceled = errors.New("sign-in cancelled")
	// ErrBusy: another sign-in on the same port is still going.
	ErrBusy = errors.New("a sign-in is already in progress")
	// ErrPortInUse: the redirect port is taken by another program.
	ErrPortInUse = errors.New("redirect port in use")
	// ErrRegistration: device registration failed (not fatal: access
	// falls back to a refresh token or to interactive sign-in).
	ErrRegistration = errors.New("device registration failed")
	// ErrSignInRequired: the server refused the lasting access this
	// computer holds (a refresh token or device key expired or revoked);
	// the user must sign in again in the browser.
	ErrSignInRequired = errors.New("sign in again")
	// ErrSessionEnded: the practice has no lasting access and the
	// sign-in's access token has run out. Nothing was refused; the user
	// signs in again (errors.Is also matches ErrSignInRequired).
	ErrSessionEnded = errors.New("the sign-in session ended")
	// ErrThrottled: the token endpoint asked us to slow down (429). Not a
	// refusal: try again later.
	ErrThrottled = errors.New("asked to slow down")
)

// Error is a failure with words for the practice manager.
type Error struct {
	Kind    error         // one of the Err* kinds above
	Message string        // what happened and what to do, for the manager
	Detail  string        // the server's own words (error code, description), for support
	Err     error         // the cause, if any; never carries a secret
	wait    time.Duration // ErrThrottled: the server's Retry-After
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return e.Message + " (" + e.Detail + ")"
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches the kind, so errors.Is(err, smart.ErrTimeout) works. A
// session that ended is also a sign-in required.
func (e *Error) Is(target error) bool {
	return target == e.Kind || (e.Kind == ErrSessionEnded && target == ErrSignInRequired)
}

// Outage reports a failure to reach the server (down, slow, 5xx): the
// FHIR client counts it as Epic being unreachable, not as a sign-in
// problem.
func (e *Error) Outage() bool { return e.Kind == ErrUnreachable }

// Throttled reports that the server asked us to slow down.
func (e *Error) Throttled() bool { return e.Kind == ErrThrottled }

func newErr(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of err, or nil when it is not one of ours.
func KindOf(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return nil
}
