// Package access owns a practice's access to its FHIR server, so that no
// other part of the agent handles a secret or names a keychain item:
//
//   - which secret is which keychain item: this package alone imports
//     internal/keychain (the cache key is handed out here too);
//   - loading the items once, at the first use of the keychain, so status
//     polls never touch it again;
//   - keeping what lasts after a sign-in (Establish): a device key
//     registered with the server, else a refresh token, else nothing, said
//     plainly (Note) with what it means for the morning update; a refused
//     re-registration keeps a device key the server still accepts;
//   - the client secret of a confidential app, the demo's tokens, reset;
//   - access tokens: one shared source per practice that renews
//     single-flight and remembers a refusal until a sign-in or a new key
//     (smart.Source), and rotates refresh tokens into the keychain;
//   - what a failure means (Explain): an outage, throttling, a session
//     that simply ended and access the server refused are four messages,
//     each saying what to do.
//
// The shape follows aws-vault's typed credential keyring (one type knows
// the item names) and Vault Agent's auth handler (one owner renews, the
// rest ask it for a token). It takes plain values (practice ID, client ID,
// the discovered configuration), never the agent.
package access

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/healthprep/desk/internal/keychain"
	"github.com/healthprep/desk/internal/smart"
)

// Which secret is which keychain item. The cache key is the store's; the
// rest are lasting access.
const (
	itemCacheKey       = keychain.CacheKey
	itemDeviceKey      = keychain.DevicePrivKey
	itemDeviceClientID = keychain.DeviceClientID
	itemRefreshToken   = keychain.RefreshToken
	itemClientSecret   = keychain.ClientSecret
)

// ModeDemo is the demo's access: tokens minted by the embedded tenant.
const ModeDemo smart.AccessMode = "demo"

// ErrNoAccess is Tokens' answer when this computer holds no lasting access
// and no sign-in of this process is current. It is a session that ended
// (smart.ErrSessionEnded): Explain words it for a practice that had
// signed in; its own words suit one that never did.
var ErrNoAccess error = &smart.Error{Kind: smart.ErrSessionEnded, Message: "Sign in to Epic to fetch the schedule (Settings, or `healthprep-agent signin`)."}

// Options say whose access this is.
type Options struct {
	// PracticeID namespaces the keychain items ("demo" for the demo).
	PracticeID string
	ClientID   string
	// DataDir is the agent's data directory (the file keyring lives there
	// when HEALTHPREP_KEYRING=file).
	DataDir string
	// Keychain overrides the options read from the environment (tests).
	Keychain *keychain.Options
	Net      smart.NetOptions
	Log      *slog.Logger
	Now      func() time.Time
}

// Access is one practice's access. It is safe for concurrent use.
type Access struct {
	o   Options
	log *slog.Logger

	openMu sync.Mutex // one keychain open and load at a time (they can be slow)

	mu      sync.Mutex
	kc      *keychain.Keychain
	loaded  bool
	creds   smart.Credentials // the lasting secrets, in memory only
	src     *smart.Source     // the practice's token source, once built
	fixed   oauth2.TokenSource
	refused bool // the server refused a fresh access token (a 401 after renewal)
}

// New returns the access of one practice; nothing is read until used.
func New(o Options) *Access {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Access{o: o, log: o.Log, creds: smart.Credentials{ClientID: o.ClientID}}
}

// UseTokens makes ts the token source (the demo's tenant, a test's).
func (a *Access) UseTokens(ts oauth2.TokenSource) {
	a.mu.Lock()
	a.fixed = ts
	a.mu.Unlock()
}

// keychain opens the practice's keychain once.
func (a *Access) keychain(ctx context.Context) (*keychain.Keychain, error) {
	a.mu.Lock()
	kc := a.kc
	a.mu.Unlock()
	if kc != nil {
		return kc, nil
	}
	o := keychain.OptionsFromEnv(a.o.DataDir)
	if a.o.Keychain != nil {
		o = *a.o.Keychain
	}
	kc, err := keychain.Open(ctx, a.o.PracticeID, o)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.kc == nil {
		a.kc = kc
	}
	return a.kc, nil
}

// load reads the lasting-access items once.
func (a *Access) load(ctx context.Context) error {
	a.openMu.Lock()
	defer a.openMu.Unlock()
	a.mu.Lock()
	done := a.loaded
	a.mu.Unlock()
	if done {
		return nil
	}
	kc, err := a.keychain(ctx)
	if err != nil {
		return err
	}
	get := func(item string) []byte {
		b, err := kc.Get(ctx, item)
		if err != nil && !errors.Is(err, keychain.ErrNotFound) {
			a.log.Warn("keychain read failed", "item", item, "err", err)
		}
		return b
	}
	c := smart.Credentials{ClientID: a.o.ClientID, ClientSecret: string(get(itemClientSecret)),
		DeviceClientID: string(get(itemDeviceClientID)), RefreshToken: string(get(itemRefreshToken))}
	if pem := get(itemDeviceKey); len(pem) > 0 {
		key, err := smart.ParseDeviceKey(pem)
		if err != nil {
			a.log.Warn("the device key in the keychain is unreadable; sign in again", "err", err)
		}
		c.DeviceKey = key
	}
	a.mu.Lock()
	a.creds, a.loaded = c, true
	a.mu.Unlock()
	return nil
}

// CacheKey is the cache's encryption key (made on first use). Reading it
// also loads the access items, so that status never reads the keychain.
func (a *Access) CacheKey(ctx context.Context) ([]byte, error) {
	key, err := a.Key(ctx)
	if err != nil {
		return nil, err
	}
	if err := a.load(ctx); err != nil {
		a.log.Warn("the sign-in could not be read from the keychain", "err", err)
	}
	return key, nil
}

// Key is the cache's encryption key alone (made on first use), for a
// process that reads the cache and exits (`prep`): the four access items
// are read when something first needs them, which there nothing does.
// Over the Secret Service each item is about five D-Bus round trips.
func (a *Access) Key(ctx context.Context) ([]byte, error) {
	kc, err := a.keychain(ctx)
	if err != nil {
		return nil, err
	}
	return kc.CacheKey(ctx)
}

// Backend names the keychain in use ("" until it was opened), for status.
func (a *Access) Backend() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.kc == nil {
		return ""
	}
	return a.kc.Backend()
}

// ClientSecret is the confidential app's secret ("" for a public app).
func (a *Access) ClientSecret(ctx context.Context) string {
	if err := a.load(ctx); err != nil {
		return ""
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.creds.ClientSecret
}

// SetClientSecret keeps a confidential app's secret; the token source is
// rebuilt with it.
func (a *Access) SetClientSecret(ctx context.Context, secret string) error {
	if err := a.load(ctx); err != nil {
		return err
	}
	kc, err := a.keychain(ctx)
	if err != nil {
		return err
	}
	if err := kc.Set(ctx, itemClientSecret, []byte(secret)); err != nil {
		return err
	}
	a.mu.Lock()
	a.creds.ClientSecret, a.src = secret, nil
	a.mu.Unlock()
	return nil
}

// ClientKey is the app's own key for private_key_jwt, if this computer
// has one (see ClientKeySet), else nil.
func (a *Access) ClientKey(ctx context.Context) *rsa.PrivateKey {
	if err := a.load(ctx); err != nil {
		return nil
	}
	a.mu.Lock()
	c := a.creds
	a.mu.Unlock()
	if c.DeviceKey != nil || c.DeviceClientID != "" {
		return c.ClientKey()
	}
	// None loaded: `client-key` may have made one since (another process);
	// a sign-in is rare enough to look again.
	kc, err := a.keychain(ctx)
	if err != nil {
		return nil
	}
	pem, err := kc.Get(ctx, itemDeviceKey)
	if err != nil {
		return nil
	}
	key, err := smart.ParseDeviceKey(pem)
	if err != nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.creds.DeviceKey == nil && a.creds.DeviceClientID == "" {
		a.creds.DeviceKey, a.src = key, nil
	}
	return a.creds.ClientKey()
}

// ClientKeySet makes (once) this computer's key for an app that
// authenticates with private_key_jwt and returns its public half as a JWK
// set, for the practice's server administrator to register with the app.
// The private half never leaves the keychain.
func (a *Access) ClientKeySet(ctx context.Context) ([]byte, error) {
	if err := a.load(ctx); err != nil {
		return nil, err
	}
	a.mu.Lock()
	key, device := a.creds.DeviceKey, a.creds.DeviceClientID != ""
	a.mu.Unlock()
	if device {
		return nil, errors.New("this computer's key is registered as a device (the server offers registration); it needs no key registered by hand")
	}
	if key == nil {
		k, err := smart.GenerateDeviceKey()
		if err != nil {
			return nil, err
		}
		pem, err := smart.MarshalDeviceKey(k)
		if err != nil {
			return nil, err
		}
		kc, err := a.keychain(ctx)
		if err != nil {
			return nil, err
		}
		if err := kc.Set(ctx, itemDeviceKey, pem); err != nil {
			return nil, err
		}
		a.mu.Lock()
		a.creds.DeviceKey, a.src = k, nil
		a.mu.Unlock()
		key = k
	}
	return smart.PublicKeySet(&key.PublicKey)
}

// Forget drops the token source (not the keychain): after new discovery
// the next Tokens builds it again.
func (a *Access) Forget() {
	a.mu.Lock()
	a.src = nil
	a.mu.Unlock()
}

// Tokens is the shared token source: the one a sign-in left, else one
// built from the keychain. With no lasting access it is a needs-sign-in
// error.
func (a *Access) Tokens(ctx context.Context, cfg *smart.Config) (oauth2.TokenSource, error) {
	a.mu.Lock()
	fixed, src := a.fixed, a.src
	a.mu.Unlock()
	if fixed != nil {
		return fixed, nil
	}
	if src != nil {
		return src, nil
	}
	if err := a.load(ctx); err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.src != nil {
		return a.src, nil
	}
	if a.creds.Mode() == smart.ModeInteractive {
		return nil, ErrNoAccess
	}
	if cfg == nil {
		return nil, errors.New("no SMART configuration: set the practice up again")
	}
	a.src = smart.NewSource(cfg, a.creds, a.sourceOptions(nil))
	return a.src, nil
}

func (a *Access) sourceOptions(initial *oauth2.Token) smart.SourceOptions {
	return smart.SourceOptions{Net: a.o.Net, Log: a.log, Now: a.o.Now, Initial: initial, OnRefreshToken: a.keepRefreshToken}
}

// keepRefreshToken stores a rotated refresh token. The source calls it
// with itself locked, so it only writes the keychain.
func (a *Access) keepRefreshToken(rt string) {
	a.mu.Lock()
	a.creds.RefreshToken = rt
	kc := a.kc
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := errors.New("the keychain is not open")
	if kc != nil {
		err = kc.Set(ctx, itemRefreshToken, []byte(rt))
	}
	if err != nil {
		a.log.Warn("a new refresh token could not be kept; the next sign-in may be needed sooner", "err", err)
	}
}

// Established is what a sign-in left.
type Established struct {
	Mode smart.AccessMode
	// Registration is why no new device key was set up, if one was tried
	// and failed (the sign-in itself succeeded).
	Registration error
}

// Establish keeps what lasts of a finished sign-in in the keychain
// (removing what the new mode does not use, but never a device key the
// server still accepts), and makes the sign-in's token source current.
func (a *Access) Establish(ctx context.Context, cfg *smart.Config, sess *smart.Session) (Established, error) {
	if err := a.load(ctx); err != nil {
		return Established{}, err
	}
	kc, err := a.keychain(ctx)
	if err != nil {
		return Established{}, err
	}
	a.mu.Lock()
	have := a.creds
	a.mu.Unlock()
	creds, regErr := smart.Establish(ctx, cfg, sess, have, a.sourceOptions(nil))
	// A device key stays with its device client ID, or alone as the app's
	// own key (private_key_jwt); a refresh token stays whatever else does.
	items := map[string][]byte{itemDeviceClientID: nil, itemDeviceKey: nil, itemRefreshToken: nil}
	if creds.DeviceKey != nil {
		pem, err := smart.MarshalDeviceKey(creds.DeviceKey)
		if err != nil {
			return Established{}, err
		}
		items[itemDeviceKey] = pem
	}
	if creds.Mode() == smart.ModeDevice {
		items[itemDeviceClientID] = []byte(creds.DeviceClientID)
	}
	if creds.RefreshToken != "" {
		items[itemRefreshToken] = []byte(creds.RefreshToken)
	}
	for item, v := range items {
		if v == nil {
			err = kc.Delete(ctx, item)
		} else {
			err = kc.Set(ctx, item, v)
		}
		if err != nil {
			return Established{}, fmt.Errorf("keeping the sign-in in the keychain: %w", err)
		}
	}
	src := smart.NewSource(cfg, creds, a.sourceOptions(sess.Token))
	a.mu.Lock()
	a.creds, a.src, a.refused = creds, src, false
	a.mu.Unlock()
	return Established{Mode: creds.Mode(), Registration: regErr}, nil
}

// Refused records that the server refused a freshly renewed access token
// (a 401 after the renewal): the practice must sign in again.
func (a *Access) Refused() {
	a.mu.Lock()
	a.refused = true
	a.mu.Unlock()
}

// State is the access as status shows it.
type State struct {
	Mode smart.AccessMode // "" when nothing is known (no keychain)
	// Until is when the access in hand ends: for a session-only sign-in,
	// when its token expires; zero when it renews itself.
	Until       time.Time
	NeedsSignIn bool
	Note        string // what the mode means for the morning update
}

// State reports the access without touching the keychain once it was
// loaded (the first call loads it if nothing else has).
func (a *Access) State(ctx context.Context) State {
	a.mu.Lock()
	fixed := a.fixed
	a.mu.Unlock()
	if fixed != nil {
		return State{Mode: ModeDemo, Note: Note(ModeDemo)}
	}
	if err := a.load(ctx); err != nil {
		return State{NeedsSignIn: true}
	}
	a.mu.Lock()
	src, mode, refused := a.src, a.creds.Mode(), a.refused
	a.mu.Unlock()
	st := State{Mode: mode, NeedsSignIn: refused}
	if src != nil { // outside a.mu: the source calls back into a.mu
		st.Mode = src.Mode()
		st.NeedsSignIn = st.NeedsSignIn || src.Failure() != nil
		if st.Mode == smart.ModeInteractive {
			st.Until = src.Expiry()
			st.NeedsSignIn = st.NeedsSignIn || !st.Until.After(a.o.Now())
		}
	} else if mode == smart.ModeInteractive {
		st.NeedsSignIn = true
	}
	st.Note = Note(st.Mode)
	return st
}

// Reset removes every keychain item of the practice and forgets its
// access.
func (a *Access) Reset(ctx context.Context) error {
	kc, err := a.keychain(ctx)
	if err != nil {
		return err
	}
	err = kc.DeleteAll(ctx)
	a.mu.Lock()
	a.creds, a.src, a.loaded, a.refused = smart.Credentials{ClientID: a.o.ClientID}, nil, false, false
	a.mu.Unlock()
	return err
}

// Note says what an access mode means for the morning update, for the
// manager (status, the sign-in's result, the setup wizard).
func Note(m smart.AccessMode) string {
	switch m {
	case smart.ModeDevice:
		return "Lasting access: this computer has its own key registered with Epic, so morning updates need no one."
	case smart.ModeRefresh:
		return "Lasting access: Epic gave a refresh token, so morning updates need no one until Epic ends it; then sign in again."
	case smart.ModeInteractive:
		return "This session only: Epic gave no lasting access, so once this sign-in ends (about an hour) every update needs a sign-in in the browser, and the morning update will not run by itself. Ask your Epic analyst to allow offline access (refresh tokens) or device registration for the app."
	case ModeDemo:
		return "The demo needs no sign-in."
	}
	return ""
}

// Minted is a token source for a tenant in this process (the demo's
// embedded one): mint makes an access token valid for ttl. It renews a
// token before it expires and after a 401 (Invalidate).
func Minted(mint func(ttl time.Duration) string) oauth2.TokenSource {
	return &minted{mint: mint}
}

type minted struct {
	mint func(time.Duration) string
	mu   sync.Mutex
	tok  *oauth2.Token
}

func (m *minted) Token() (*oauth2.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tok == nil || !m.tok.Valid() {
		m.tok = &oauth2.Token{AccessToken: m.mint(time.Hour), TokenType: "Bearer", Expiry: time.Now().Add(55 * time.Minute)}
	}
	return m.tok, nil
}

// Invalidate drops the cached token so a 401 gets a fresh one.
func (m *minted) Invalidate() {
	m.mu.Lock()
	m.tok = nil
	m.mu.Unlock()
}
