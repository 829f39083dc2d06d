// Package smart connects a practice to its SMART on FHIR server (Epic, or
// any server that follows the spec): it cleans what a manager pastes into
// setup (Clean), discovers the server's SMART and OpenID settings
// (Discover), signs a user in through the system browser with PKCE on a
// short-lived loopback listener (StartSignIn, RFC 8252) asking for the
// scopes RequestScopes gives (offline_access where the server offers it),
// verifies the id_token against the server's keys (VerifyIDToken) and reads
// the user's name from the fhirUser resource when the id_token has none
// (UserName), sets up lasting access (Establish: a device key registered
// with the server and the JWT bearer grant, else a refresh token, else
// this session only; a refused re-registration keeps a device key the
// server still accepts), and hands out access tokens (Source).
//
// Source renews single-flight and remembers a failure: a refusal
// (ErrSignInRequired) until it is replaced, an outage (ErrUnreachable) for
// OutageWait, throttling (ErrThrottled) for the server's Retry-After. A
// session with no lasting access ends as ErrSessionEnded. Its errors say
// Outage() and Throttled(), so the FHIR client does not read them as a
// sign-in problem.
//
// Secrets (device key, refresh token, client secret) are returned in
// memory only: the agent keeps them in the OS keychain (agent/access).
// Nothing here writes a file, and no error or log line carries a token,
// code or key.
package smart
