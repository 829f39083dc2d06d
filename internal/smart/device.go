package smart

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
	"golang.org/x/oauth2"
)

// DeviceKeyBits is the device key size: Epic is reported to refuse larger
// keys.
const DeviceKeyBits = 2048

// GrantJWTBearer is the grant type of tokens for a registered device.
const GrantJWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// AssertionLifetime is how long a JWT bearer assertion is valid (Epic
// allows at most 5 minutes).
const AssertionLifetime = 4 * time.Minute

// GenerateDeviceKey makes a new RSA 2048 device key on this computer.
func GenerateDeviceKey() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, DeviceKeyBits)
}

// MarshalDeviceKey encodes the device private key as PKCS#8 PEM, for the
// keychain (item keychain.DevicePrivKey) and nowhere else.
func MarshalDeviceKey(key *rsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseDeviceKey decodes a device key from PEM (PKCS#8 or PKCS#1) or a
// private JWK. Its errors never quote the key.
func ParseDeviceKey(b []byte) (*rsa.PrivateKey, error) {
	bad := errors.New("the device key saved in the keychain is damaged: sign in again to make a new one")
	if blk, _ := pem.Decode(b); blk != nil {
		var key any
		var err error
		switch blk.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
		default:
			return nil, bad
		}
		if rk, ok := key.(*rsa.PrivateKey); ok && err == nil {
			return rk, nil
		}
		return nil, bad
	}
	if k, err := jwk.ParseKey(b); err == nil {
		var rk rsa.PrivateKey
		if k.Raw(&rk) == nil && rk.D != nil {
			return &rk, nil
		}
	}
	return nil, bad
}

// keyID is the RFC 7638 thumbprint of the public key: the same kid can be
// worked out again from the key read back from the keychain.
func keyID(pub *rsa.PublicKey) (string, error) {
	k, err := jwk.FromRaw(pub)
	if err != nil {
		return "", err
	}
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// publicJWK is the device key's public half as registered with Epic.
func publicJWK(pub *rsa.PublicKey) (jwk.Key, error) {
	k, err := jwk.FromRaw(pub)
	if err != nil {
		return nil, err
	}
	kid, err := keyID(pub)
	if err != nil {
		return nil, err
	}
	k.Set(jwk.KeyIDKey, kid)
	k.Set(jwk.AlgorithmKey, jwa.RS384)
	k.Set(jwk.KeyUsageKey, "sig")
	return k, nil
}

// RegisterDevice registers the public half of key with Epic's dynamic
// client registration (software_id = the app's client ID), using the
// signed-in user's access token, and returns the device's own client ID.
func RegisterDevice(ctx context.Context, cfg *Config, clientID, accessToken string, key *rsa.PublicKey, o NetOptions) (string, error) {
	if cfg.RegistrationURL == "" {
		return "", newErr(ErrRegistration, "This Epic server does not offer device registration, so HealthPrep cannot keep lasting access.")
	}
	pub, err := publicJWK(key)
	if err != nil {
		return "", &Error{Kind: ErrRegistration, Message: "The device key could not be prepared.", Err: err}
	}
	body, err := json.Marshal(map[string]any{"software_id": clientID, "jwks": map[string]any{"keys": []jwk.Key{pub}}})
	if err != nil {
		return "", &Error{Kind: ErrRegistration, Message: "The device key could not be prepared.", Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.RegistrationURL, bytes.NewReader(body))
	if err != nil {
		return "", &Error{Kind: ErrRegistration, Message: "The registration address is not valid.", Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := o.client().Do(req)
	if err != nil {
		e := unreachable(ctx, cfg.RegistrationURL, o.timeout(), err)
		e.Kind = ErrRegistration
		return "", e
	}
	defer resp.Body.Close()
	b, err := readLimited(resp.Body, o.maxBody())
	if err != nil {
		return "", &Error{Kind: ErrRegistration, Message: "Epic's answer to the device registration could not be read.", Err: err}
	}
	var out struct {
		ClientID    string `json:"client_id"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	jsonErr := json.Unmarshal(b, &out)
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		detail := "HTTP " + strconv.Itoa(resp.StatusCode)
		if out.Error != "" {
			detail += ", " + safeText(out.Error, 64)
			if out.Description != "" {
				detail += ": " + safeText(out.Description, 200)
			}
		}
		return "", &Error{Kind: ErrRegistration, Message: "Epic did not accept this computer's registration for lasting access.", Detail: detail}
	}
	if jsonErr != nil || out.ClientID == "" {
		return "", newErr(ErrRegistration, "Epic's answer to the device registration had no client ID.")
	}
	return out.ClientID, nil
}

// assertion is a JWT bearer assertion signed RS384 by the device key:
// iss = sub = the device client ID, aud = the token endpoint, a unique jti,
// exp AssertionLifetime ahead.
func assertion(key *rsa.PrivateKey, deviceClientID, tokenURL string, now time.Time) (string, error) {
	kid, err := keyID(&key.PublicKey)
	if err != nil {
		return "", err
	}
	t, err := jwt.NewBuilder().
		Issuer(deviceClientID).
		Subject(deviceClientID).
		Audience([]string{tokenURL}).
		IssuedAt(now).
		NotBefore(now).
		Expiration(now.Add(AssertionLifetime)).
		JwtID(randomString(24)).
		Build()
	if err != nil {
		return "", err
	}
	priv, err := jwk.FromRaw(key)
	if err != nil {
		return "", err
	}
	priv.Set(jwk.KeyIDKey, kid)
	signed, err := jwt.Sign(t, jwt.WithKey(jwa.RS384, priv))
	return string(signed), err
}

// tokenResponse is an OAuth token endpoint answer.
type tokenResponse struct {
	AccessToken  string      `json:"access_token"`
	TokenType    string      `json:"token_type"`
	ExpiresIn    json.Number `json:"expires_in"`
	RefreshToken string      `json:"refresh_token"`
	Scope        string      `json:"scope"`
	Error        string      `json:"error"`
	Description  string      `json:"error_description"`
}

// jwtBearerToken gets an access token for a registered device.
func jwtBearerToken(ctx context.Context, o NetOptions, tokenURL, deviceClientID string, key *rsa.PrivateKey, now time.Time) (*oauth2.Token, error) {
	a, err := assertion(key, deviceClientID, tokenURL, now)
	if err != nil {
		return nil, &Error{Kind: ErrSignInRequired, Message: "The device key could not sign a request; sign in again.", Err: err}
	}
	form := url.Values{"grant_type": {GrantJWTBearer}, "assertion": {a}, "client_id": {deviceClientID}}
	tok, _, err := postToken(ctx, o, tokenURL, form, now)
	return tok, err
}

// postToken posts a token request form and reads the answer: the access
// token and any refresh token. A 5xx or an unreadable answer is an
// outage, a 429 throttling, any other refusal lost access.
func postToken(ctx context.Context, o NetOptions, tokenURL string, form url.Values, now time.Time) (*oauth2.Token, string, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, "", &Error{Kind: ErrSignInRequired, Message: "The token address is not valid; set the practice up again.", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := o.client().Do(req)
	if err != nil {
		return nil, "", unreachable(ctx, tokenURL, o.timeout(), err)
	}
	defer resp.Body.Close()
	b, err := readLimited(resp.Body, o.maxBody())
	if err != nil {
		return nil, "", unreachable(ctx, tokenURL, o.timeout(), err)
	}
	var tr tokenResponse
	jsonErr := json.Unmarshal(b, &tr)
	switch {
	case resp.StatusCode >= 500:
		return nil, "", &Error{Kind: ErrUnreachable, Message: fmt.Sprintf("%s had a problem answering (server error); try again later.", hostOf(tokenURL)), Detail: "HTTP " + strconv.Itoa(resp.StatusCode)}
	case resp.StatusCode == http.StatusTooManyRequests:
		return nil, "", throttled(tokenURL, resp.Header)
	case resp.StatusCode != http.StatusOK:
		return nil, "", lostAccess(tr.Error, tr.Description, resp.StatusCode)
	case jsonErr != nil || tr.AccessToken == "":
		return nil, "", &Error{Kind: ErrUnreachable, Message: fmt.Sprintf("%s sent a token answer that could not be read; try again later.", hostOf(tokenURL))}
	case tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "bearer"):
		return nil, "", &Error{Kind: ErrEpic, Message: "Epic sent a kind of token HealthPrep cannot use.", Detail: "token_type " + safeText(tr.TokenType, 32)}
	}
	tok := &oauth2.Token{AccessToken: tr.AccessToken, TokenType: "Bearer"}
	if secs, err := tr.ExpiresIn.Int64(); err == nil && secs > 0 {
		tok.Expiry = now.Add(time.Duration(secs) * time.Second)
	}
	return tok, tr.RefreshToken, nil
}

// lostAccess is a token endpoint refusal of saved access: the user must
// sign in again.
func lostAccess(code, desc string, status int) *Error {
	detail := "HTTP " + strconv.Itoa(status)
	if code != "" {
		detail += ", " + safeText(code, 64)
		if desc != "" {
			detail += ": " + safeText(desc, 200)
		}
	}
	return &Error{Kind: ErrSignInRequired,
		Message: "Epic no longer accepts this computer's saved access (it may have expired or been revoked). Sign in again in the browser.",
		Detail:  detail}
}

// throttled is a 429 from the token endpoint: not a refusal, a wait (the
// server's Retry-After in seconds, bounded to an hour).
func throttled(tokenURL string, h http.Header) *Error {
	e := &Error{Kind: ErrThrottled, Message: fmt.Sprintf("%s asked HealthPrep to slow down (too many requests); the update will try again in a few minutes.", hostOf(tokenURL)), Detail: "HTTP 429"}
	if secs, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && secs > 0 {
		e.wait = time.Duration(min(secs, 3600)) * time.Second
	}
	return e
}

// PublicKeySet is the key's public half as a JWK set (kid = its RFC 7638
// thumbprint, alg RS384), to register with a server by hand for
// private_key_jwt. It holds nothing secret.
func PublicKeySet(pub *rsa.PublicKey) ([]byte, error) {
	k, err := publicJWK(pub)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(map[string]any{"keys": []jwk.Key{k}}, "", "  ")
}
