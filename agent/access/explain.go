package access

import (
	"errors"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/smart"
)

// Failure is what a failed update means for the practice's access.
type Failure int

const (
	FailureOther        Failure = iota
	FailureOutage               // Epic or the network is down or slow: wait, nothing to sign
	FailureThrottled            // Epic asked us to slow down: try again later
	FailureSessionEnded         // no lasting access, the sign-in's token ran out: sign in
	FailureRefused              // Epic refused the lasting access (expired, revoked): sign in
)

// Classify says which of the four access failures err is, if any. The
// token source's own kind wins over the FHIR client's (the client counts
// a token outage as Epic being unreachable, and both refusals as sign-in).
func Classify(err error) Failure {
	switch {
	case err == nil:
		return FailureOther
	case errors.Is(err, smart.ErrSessionEnded):
		return FailureSessionEnded
	case errors.Is(err, smart.ErrSignInRequired):
		return FailureRefused
	case errors.Is(err, smart.ErrThrottled):
		return FailureThrottled
	case errors.Is(err, smart.ErrUnreachable):
		return FailureOutage
	}
	switch fhir.KindOf(err) {
	case fhir.KindSignIn:
		return FailureRefused
	case fhir.KindRateLimited:
		return FailureThrottled
	case fhir.KindUnreachable, fhir.KindServer:
		return FailureOutage
	}
	return FailureOther
}

// Explain words an update's access failure for the front desk and the
// manager, each saying what to do; other errors are returned unchanged.
// The saved prep is never affected, and every message says so.
func Explain(err error) error {
	detail := ""
	var se *smart.Error
	if errors.As(err, &se) {
		detail = se.Detail
	}
	switch Classify(err) {
	case FailureOutage:
		return &api.Error{Kind: api.KindOffline, Detail: detail,
			Message: "Epic cannot be reached right now (the network or Epic is down or slow). The saved prep is still here; the update runs again by itself when Epic answers. No sign-in is needed."}
	case FailureThrottled:
		return &api.Error{Kind: api.KindBusy, Detail: detail,
			Message: "Epic asked HealthPrep to slow down (too many requests). The saved prep is still here; try the update again in a few minutes. No sign-in is needed."}
	case FailureSessionEnded:
		return &api.Error{Kind: api.KindNeedsSignIn, Detail: detail,
			Message: "Your Epic sign-in has ended. This practice has no lasting access, so updates need a sign-in in the browser (Settings, or `healthprep-agent signin`); the saved prep is still here. To let the morning update run by itself, ask your Epic analyst to allow offline access or device registration for the app."}
	case FailureRefused:
		return &api.Error{Kind: api.KindNeedsSignIn, Detail: detail,
			Message: "Epic no longer accepts this computer's saved access (it expired or was revoked). Sign in again (Settings, or `healthprep-agent signin`); the saved prep is still here."}
	}
	return err
}
