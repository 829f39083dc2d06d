// Package smart connects a practice to its Epic: it cleans what a manager
// pastes into setup (Clean), discovers the server's SMART and OpenID
// settings (Discover), signs a user in through the system browser with
// PKCE on a short-lived loopback listener (StartSignIn, RFC 8252), verifies
// the id_token against the server's keys (VerifyIDToken), sets up lasting
// access (Establish: a device key registered with Epic and the JWT bearer
// grant, else a refresh token, else interactive sign-in), and hands out
// access tokens (Source).
//
// Secrets (device key, refresh token, client secret) are returned in
// memory only: the agent stores them in the OS keychain (internal/keychain).
// Nothing here writes a file, and no error or log line carries a token,
// code or key.
package smart
