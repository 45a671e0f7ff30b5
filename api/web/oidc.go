package web

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// oidcCookie carries one sign-in in progress from /sign-in/oidc to its
// callback: the state, nonce and PKCE verifier, sealed with AES-GCM.
const oidcCookie = "vw_oidc"

// oidcFlowTTL is how long a person has at the provider before the
// sign-in in progress is void.
const oidcFlowTTL = 10 * time.Minute

// oidcHTTPTimeout bounds each call to the provider (discovery, keys,
// token exchange), so a slow provider cannot hold requests.
const oidcHTTPTimeout = 10 * time.Second

// oidcDiscoveryTimeout bounds the discovery at start-up.
const oidcDiscoveryTimeout = 15 * time.Second

// maxNextLen bounds the page a sign-in returns to, so the cookie stays
// well under browsers' 4 KB.
const maxNextLen = 1024

// OIDC signs people in through an OpenID Connect provider (authorization
// code with PKCE); the provider's verified e-mail maps to an active person.
type OIDC struct {
	issuer   string
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	client   *http.Client
	// seal encrypts and authenticates the sign-in cookie. Its key comes
	// from the client secret, so every replica opens the others' cookies.
	seal cipher.AEAD
}

// NewOIDC discovers the provider at issuer (its
// /.well-known/openid-configuration) and configures sign-in for the client
// registered there with redirectURL (<public URL>/sign-in/oidc/callback).
// A provider that does not answer fails here, so that a wrong issuer is
// seen at start-up rather than by the first person signing in.
func NewOIDC(ctx context.Context, issuer, clientID, clientSecret, redirectURL string) (*OIDC, error) {
	switch {
	case strings.TrimSpace(issuer) == "":
		return nil, errors.New("OpenID Connect: the issuer URL is empty")
	case strings.TrimSpace(clientID) == "":
		return nil, errors.New("OpenID Connect: the client id is empty")
	case clientSecret == "":
		return nil, errors.New("OpenID Connect: the client secret is empty")
	}
	if u, err := url.Parse(redirectURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("OpenID Connect: the redirect URL %q is not an absolute http(s) URL", redirectURL)
	}
	client := &http.Client{Timeout: oidcHTTPTimeout}
	dctx, cancel := context.WithTimeout(ctx, oidcDiscoveryTimeout)
	defer cancel()
	provider, err := oidc.NewProvider(oidc.ClientContext(dctx, client), issuer)
	if err != nil {
		return nil, fmt.Errorf("OpenID Connect: discovery at %s failed: %v", issuer, oneLine(err))
	}
	var meta struct {
		PKCE []string `json:"code_challenge_methods_supported"`
	}
	if err := provider.Claims(&meta); err == nil && len(meta.PKCE) > 0 && !slices.Contains(meta.PKCE, "S256") {
		return nil, fmt.Errorf("OpenID Connect: %s does not support PKCE with S256 (it offers %s)", issuer, strings.Join(meta.PKCE, ", "))
	}
	key, err := hkdf.Key(sha256.New, []byte(clientSecret), nil, "vendorwatch oidc sign-in cookie", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	seal, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &OIDC{
		issuer: issuer,
		oauth: oauth2.Config{ClientID: clientID, ClientSecret: clientSecret, RedirectURL: redirectURL,
			Endpoint: provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email"}},
		verifier: provider.VerifierContext(oidc.ClientContext(context.Background(), client), &oidc.Config{ClientID: clientID}),
		client:   client,
		seal:     seal,
	}, nil
}

// oneLine keeps an error to one line for start-up messages and logs.
func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// oidcFlow is one sign-in in progress, kept in the browser's cookie.
type oidcFlow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"next"`
	Expires  int64  `json:"exp"`
}

func (o *OIDC) sealFlow(f oidcFlow) (string, error) {
	plain, err := json.Marshal(f)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, o.seal.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(o.seal.Seal(nonce, nonce, plain, []byte(oidcCookie))), nil
}

// openFlow reads the cookie back; a forged, altered or expired one is an
// error.
func (o *OIDC) openFlow(value string) (oidcFlow, error) {
	var f oidcFlow
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) < o.seal.NonceSize() {
		return f, errors.New("malformed sign-in cookie")
	}
	plain, err := o.seal.Open(nil, raw[:o.seal.NonceSize()], raw[o.seal.NonceSize():], []byte(oidcCookie))
	if err != nil {
		return f, errors.New("sign-in cookie not sealed by this server")
	}
	if err := json.Unmarshal(plain, &f); err != nil {
		return f, errors.New("malformed sign-in cookie")
	}
	if time.Now().Unix() > f.Expires {
		return f, errors.New("sign-in took longer than " + oidcFlowTTL.String())
	}
	return f, nil
}

// oidcRefusal is why a callback signs nobody in: what the log says, and
// which message and status the person gets.
type oidcRefusal struct {
	status int
	key    string
	reason string
	attrs  []any
}

func (e *oidcRefusal) Error() string { return e.reason }

func refusal(status int, key, reason string, attrs ...any) *oidcRefusal {
	return &oidcRefusal{status: status, key: key, reason: reason, attrs: attrs}
}

// verifiedEmail exchanges the code with the flow's PKCE verifier and
// returns the e-mail address of the verified ID token; the provider
// must say it verified the address.
func (o *OIDC) verifiedEmail(ctx context.Context, f oidcFlow, code string) (string, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, o.client)
	tok, err := o.oauth.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		// A RetrieveError's text carries the provider's body; log its
		// error code only.
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			status := 0
			if re.Response != nil {
				status = re.Response.StatusCode
			}
			return "", refusal(http.StatusUnauthorized, "signin.oidc_failed", "token exchange refused",
				"error", clip(re.ErrorCode, 64), "status", status)
		}
		return "", refusal(http.StatusUnauthorized, "signin.oidc_failed", "token exchange failed", "error", oneLine(err))
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return "", refusal(http.StatusUnauthorized, "signin.oidc_failed", "no ID token in the token response")
	}
	id, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		return "", refusal(http.StatusUnauthorized, "signin.oidc_failed", "ID token not valid", "error", oneLine(err))
	}
	if !hmac.Equal([]byte(id.Nonce), []byte(f.Nonce)) {
		return "", refusal(http.StatusUnauthorized, "signin.oidc_failed", "ID token nonce does not match", "subject", id.Subject)
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"`
	}
	if err := id.Claims(&claims); err != nil {
		return "", refusal(http.StatusUnauthorized, "signin.oidc_failed", "ID token claims not readable", "error", oneLine(err))
	}
	email := strings.TrimSpace(claims.Email)
	if email == "" {
		return "", refusal(http.StatusUnauthorized, "signin.oidc_unknown", "ID token has no e-mail (is the scope email allowed?)", "subject", id.Subject)
	}
	// Some providers send the flag as the string "true".
	if v, _ := claims.EmailVerified.(bool); !v && claims.EmailVerified != "true" {
		return "", refusal(http.StatusUnauthorized, "signin.oidc_unknown", "e-mail not verified by the provider", "email", email)
	}
	return email, nil
}

func (h *Handler) setOIDCCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: value, Path: "/sign-in/oidc", MaxAge: maxAge,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

// oidcStart sends the browser to the provider, with a new state, nonce
// and PKCE challenge; the cookie keeps them for the callback. SameSite=Lax
// lets the cookie come back on the provider's top-level redirect.
func (h *Handler) oidcStart(w http.ResponseWriter, r *http.Request) {
	o := h.cfg.OIDC
	next := localNext(r.URL.Query().Get("next"))
	if len(next) > maxNextLen {
		next = "/"
	}
	f := oidcFlow{State: rand.Text(), Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier(), Next: next,
		Expires: time.Now().Add(oidcFlowTTL).Unix()}
	value, err := o.sealFlow(f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.setOIDCCookie(w, value, int(oidcFlowTTL/time.Second))
	http.Redirect(w, r, o.oauth.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), http.StatusSeeOther)
}

// oidcCallback finishes a sign-in: the state must be the cookie's, the
// code is exchanged with the cookie's verifier, and the ID token's
// verified e-mail must be an active person's. The cookie is used up
// whatever the outcome.
func (h *Handler) oidcCallback(w http.ResponseWriter, r *http.Request) {
	h.setOIDCCookie(w, "", -1)
	q := r.URL.Query()
	var f oidcFlow
	var flowErr error
	if c, err := r.Cookie(oidcCookie); err != nil || c.Value == "" {
		flowErr = errors.New("no sign-in in progress in this browser")
	} else {
		f, flowErr = h.cfg.OIDC.openFlow(c.Value)
	}
	email, err := h.oidcEmail(r, q, f, flowErr)
	if err != nil {
		h.oidcRefused(w, r, f.Next, err)
		return
	}
	secret, _, err := h.cfg.Sessions.OpenSessionForEmail(r.Context(), email, domain.SignInOIDC)
	if domain.ErrorCodeOf(err) == domain.EUNAUTHORIZED {
		h.oidcRefused(w, r, f.Next, refusal(http.StatusUnauthorized, "signin.oidc_unknown", "no active person has the e-mail", "email", email))
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.signedInAs(w, r, secret, f.Next)
}

// oidcEmail checks the callback's parameters against the flow and returns
// the verified e-mail address.
func (h *Handler) oidcEmail(r *http.Request, q url.Values, f oidcFlow, flowErr error) (string, error) {
	if e := q.Get("error"); e != "" {
		return "", refusal(http.StatusUnauthorized, "signin.oidc_failed", "the provider refused the sign-in",
			"error", clip(e, 64), "description", clip(q.Get("error_description"), 200))
	}
	if flowErr != nil {
		return "", refusal(http.StatusBadRequest, "signin.oidc_again", flowErr.Error())
	}
	if st := q.Get("state"); st == "" || !hmac.Equal([]byte(st), []byte(f.State)) {
		return "", refusal(http.StatusBadRequest, "signin.oidc_again", "state does not match this browser's sign-in")
	}
	code := q.Get("code")
	if code == "" {
		return "", refusal(http.StatusBadRequest, "signin.oidc_failed", "no code in the callback")
	}
	return h.cfg.OIDC.verifiedEmail(r.Context(), f, code)
}

// oidcRefused shows the sign-in page again with why, and logs the reason
// (never a code or token).
func (h *Handler) oidcRefused(w http.ResponseWriter, r *http.Request, next string, err error) {
	var ref *oidcRefusal
	if !errors.As(err, &ref) {
		ref = refusal(http.StatusUnauthorized, "signin.oidc_failed", oneLine(err))
	}
	h.log.WarnContext(r.Context(), "OpenID Connect sign-in refused", append([]any{"reason", ref.reason, "issuer", h.cfg.OIDC.issuer}, ref.attrs...)...)
	h.render(w, r, ref.status, &Page{Name: "sign_in.html", Data: signInData{Next: localNext(next),
		Email: h.cfg.Mailer != nil, OIDC: true, OIDCFail: translate(localeOf(r), ref.key)}})
}

// clip shortens what the provider sent before it is logged.
func clip(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}
