package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/api/web"
	"github.com/vendorwatch/vendorwatch/api/web/oidctest"
	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

const (
	testClientID     = "vendorwatch"
	testClientSecret = "client-secret-for-tests"
)

// runOIDC runs fn against pages that sign in through a test provider, on
// every test database.
func runOIDC(t *testing.T, fn func(t *testing.T, e *env, idp *oidctest.Provider)) {
	t.Helper()
	storetest.Run(t, storetest.Options{Now: testNow}, func(t *testing.T, db *store.DB) {
		first, err := db.SeedIfEmpty(context.Background())
		require.NoError(t, err)
		logs := &storetest.LogBuffer{}
		log := slog.New(slog.NewTextHandler(logs, nil))
		svc := api.ServicesOf(db)
		mux := http.NewServeMux()
		ts := httptest.NewServer(mux)
		t.Cleanup(ts.Close)
		idp := oidctest.New(t, testClientID, testClientSecret)
		o, err := web.NewOIDC(context.Background(), idp.Issuer, testClientID, testClientSecret, ts.URL+"/sign-in/oidc/callback")
		require.NoError(t, err)
		l := &links{}
		pages, err := web.New(web.Config{Services: svc, Logger: log, PublicURL: ts.URL, Mailer: l, OIDC: o,
			Today: func() domain.Date { return domain.DateOf(db.Now(), db.Location()) }})
		require.NoError(t, err)
		mux.Handle("/", api.New(api.Config{Services: svc, Logger: log, Pages: pages}))
		fn(t, &env{t: t, db: db, url: ts.URL, admin: first.Person, adminToken: first.Secret, links: l, pages: pages, logs: logs}, idp)
	})
}

// open gets an absolute URL (the provider's or the pages') in the browser.
func (b *browser) open(rawURL string) page {
	b.e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	require.NoError(b.e.t, err)
	return b.do(req)
}

// toProvider starts an OpenID Connect sign-in and follows the browser to
// the provider, returning the callback URL the provider sends it back to
// (not yet opened).
func (b *browser) toProvider(idp *oidctest.Provider, next string) *url.URL {
	b.e.t.Helper()
	start := b.get("/sign-in/oidc?next=" + url.QueryEscape(next))
	require.Equal(b.e.t, http.StatusSeeOther, start.Status, start.Body)
	require.True(b.e.t, strings.HasPrefix(start.Location, idp.Issuer+"/authorize?"), start.Location)
	at := b.open(start.Location)
	require.Equal(b.e.t, http.StatusFound, at.Status, at.Body)
	back, err := url.Parse(at.Location)
	require.NoError(b.e.t, err)
	require.Equal(b.e.t, b.e.url+"/sign-in/oidc/callback", back.Scheme+"://"+back.Host+back.Path)
	return back
}

// cookie is the browser's cookie name for the pages, or nil.
func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.e.url + "/sign-in/oidc/callback")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// sessions counts the sessions opened by OpenID Connect.
func (e *env) oidcSessions() int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.db.SQL().QueryRow("SELECT count(*) FROM web_sessions WHERE method = 'oidc'").Scan(&n))
	return n
}

// requireRefused checks a callback's answer: the sign-in page again with
// the message, no session, and a warning in the log without the code.
func requireRefused(t *testing.T, e *env, b *browser, p page, status int, message string, code string) {
	t.Helper()
	require.Equal(t, status, p.Status, p.Body)
	require.Contains(t, p.Body, `role="alert">`+message)
	require.Contains(t, p.Body, `href="/sign-in/oidc?next=`, "the person can try again")
	require.Nil(t, b.cookie("vw_session"))
	require.Nil(t, b.cookie("vw_oidc"), "the sign-in in progress is used up")
	require.Zero(t, e.oidcSessions())
	require.NotEmpty(t, e.logs.Lines("level=WARN", "OpenID Connect sign-in refused"), e.logs.String())
	if code != "" {
		require.NotContains(t, e.logs.String(), code, "codes are not logged")
	}
}

const (
	oidcFailed  = "組織のアカウントでサインインできませんでした。"
	oidcUnknown = "このアカウントのメールアドレスは vendorwatch に登録されていないか、確認されていません。"
	oidcAgain   = "サインインの手続きが確認できませんでした。"
)

func TestOIDCSignInLandsOnNext(t *testing.T) {
	runOIDC(t, func(t *testing.T, e *env, idp *oidctest.Provider) {
		e.person("山田 花子", "yamada@example.lg.jp", domain.RoleEditor)
		idp.SignInAs(oidctest.User{Email: "Yamada@Example.lg.jp", EmailVerified: true})
		b := e.browser()

		p := b.get("/vendors")
		require.Equal(t, "/sign-in?next=%2Fvendors", p.Location)
		form := b.get(p.Location)
		require.Contains(t, form.Body, `<a class="button" href="/sign-in/oidc?next=%2fvendors">組織のアカウントでサインイン</a>`)

		start := b.get("/sign-in/oidc?next=%2Fvendors")
		require.Equal(t, http.StatusSeeOther, start.Status)
		set := start.Header.Get("Set-Cookie")
		for _, want := range []string{"vw_oidc=", "HttpOnly", "SameSite=Lax", "Path=/sign-in/oidc", "Max-Age=600"} {
			require.Contains(t, set, want)
		}
		auth, err := url.Parse(start.Location)
		require.NoError(t, err)
		q := auth.Query()
		require.Equal(t, "code", q.Get("response_type"))
		require.Equal(t, testClientID, q.Get("client_id"))
		require.Equal(t, e.url+"/sign-in/oidc/callback", q.Get("redirect_uri"))
		require.Equal(t, "openid email", q.Get("scope"))
		require.Equal(t, "S256", q.Get("code_challenge_method"))
		require.NotEmpty(t, q.Get("code_challenge"))
		require.NotEmpty(t, q.Get("state"))
		require.NotEmpty(t, q.Get("nonce"))
		require.NotContains(t, set, q.Get("state"), "the cookie is sealed, not plain")

		back := b.open(start.Location)
		require.Equal(t, http.StatusFound, back.Status)
		code, err := url.Parse(back.Location)
		require.NoError(t, err)
		done := b.open(back.Location)
		require.Equal(t, http.StatusSeeOther, done.Status, done.Body)
		require.Equal(t, "/vendors", done.Location)
		require.NotNil(t, b.cookie("vw_session"))
		require.Nil(t, b.cookie("vw_oidc"), "the sign-in in progress is used up")
		require.Equal(t, http.StatusNotFound, b.get("/no-such-page").Status, "signed in")
		require.Equal(t, 1, e.oidcSessions())

		again := e.browser().open(back.Location)
		require.Equal(t, http.StatusBadRequest, again.Status, "the callback works in the browser that started it only")
		require.NotContains(t, e.logs.String(), code.Query().Get("code"))
	})
}

func TestOIDCRefusesUnknownAndUnverifiedAddresses(t *testing.T) {
	runOIDC(t, func(t *testing.T, e *env, idp *oidctest.Provider) {
		e.person("山田 花子", "yamada@example.lg.jp", domain.RoleEditor)

		idp.SignInAs(oidctest.User{Email: "nobody@example.lg.jp", EmailVerified: true})
		b := e.browser()
		back := b.toProvider(idp, "/vendors")
		requireRefused(t, e, b, b.open(back.String()), http.StatusUnauthorized, oidcUnknown, back.Query().Get("code"))
		require.NotEmpty(t, e.logs.Lines("level=WARN", "nobody@example.lg.jp"))

		idp.SignInAs(oidctest.User{Email: "yamada@example.lg.jp", EmailVerified: false})
		b = e.browser()
		back = b.toProvider(idp, "/")
		requireRefused(t, e, b, b.open(back.String()), http.StatusUnauthorized, oidcUnknown, back.Query().Get("code"))
		require.NotEmpty(t, e.logs.Lines("level=WARN", "not verified"))

		idp.SignInAs(oidctest.User{Email: "", EmailVerified: true})
		b = e.browser()
		back = b.toProvider(idp, "/")
		requireRefused(t, e, b, b.open(back.String()), http.StatusUnauthorized, oidcUnknown, back.Query().Get("code"))
	})
}

func TestOIDCRefusesATamperedStateAndProviderErrors(t *testing.T) {
	runOIDC(t, func(t *testing.T, e *env, idp *oidctest.Provider) {
		idp.SignInAs(oidctest.User{Email: e.admin.Email, EmailVerified: true})

		b := e.browser()
		back := b.toProvider(idp, "/")
		q := back.Query()
		q.Set("state", q.Get("state")+"x")
		back.RawQuery = q.Encode()
		requireRefused(t, e, b, b.open(back.String()), http.StatusBadRequest, oidcAgain, q.Get("code"))

		fresh := e.browser()
		requireRefused(t, e, fresh, fresh.get("/sign-in/oidc/callback?code=x&state=y"), http.StatusBadRequest, oidcAgain, "")

		b = e.browser()
		b.toProvider(idp, "/")
		b.client.Jar.SetCookies(back, []*http.Cookie{{Name: "vw_oidc", Value: "forged" + strings.Repeat("A", 60), Path: "/sign-in/oidc"}})
		requireRefused(t, e, b, b.get("/sign-in/oidc/callback?code=x&state=y"), http.StatusBadRequest, oidcAgain, "")

		idp.Deny("access_denied")
		b = e.browser()
		back = b.toProvider(idp, "/")
		require.Equal(t, "access_denied", back.Query().Get("error"))
		requireRefused(t, e, b, b.open(back.String()), http.StatusUnauthorized, oidcFailed, "")
	})
}

func TestOIDCCodeNeedsTheVerifierOfItsBrowser(t *testing.T) {
	runOIDC(t, func(t *testing.T, e *env, idp *oidctest.Provider) {
		idp.SignInAs(oidctest.User{Email: e.admin.Email, EmailVerified: true})

		// The provider refuses a code redeemed with another verifier.
		stolen := e.browser().toProvider(idp, "/").Query().Get("code")
		form := url.Values{"grant_type": {"authorization_code"}, "code": {stolen}, "code_verifier": {strings.Repeat("v", 43)},
			"redirect_uri": {e.url + "/sign-in/oidc/callback"}}
		req, err := http.NewRequest(http.MethodPost, idp.Issuer+"/token", strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(testClientID, testClientSecret)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		require.Contains(t, string(body), "invalid_grant")

		// A code from one browser, slipped into another browser's own
		// sign-in (its state, its cookie), is exchanged with the wrong
		// verifier and signs nobody in.
		victim := e.browser().toProvider(idp, "/").Query().Get("code")
		attacker := e.browser()
		back := attacker.toProvider(idp, "/")
		q := back.Query()
		q.Set("code", victim)
		back.RawQuery = q.Encode()
		requireRefused(t, e, attacker, attacker.open(back.String()), http.StatusUnauthorized, oidcFailed, victim)
		require.NotEmpty(t, e.logs.Lines("level=WARN", "token exchange refused", "error=invalid_grant"))
	})
}

func TestOIDCVerifiesTheIDToken(t *testing.T) {
	runOIDC(t, func(t *testing.T, e *env, idp *oidctest.Provider) {
		idp.SignInAs(oidctest.User{Email: e.admin.Email, EmailVerified: true})
		for name, tamper := range map[string]func(map[string]any){
			"nonce":    func(c map[string]any) { c["nonce"] = "another" },
			"audience": func(c map[string]any) { c["aud"] = "another-client" },
			"issuer":   func(c map[string]any) { c["iss"] = "https://idp.example/" },
			"expiry":   func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() },
		} {
			idp.Tamper(tamper)
			b := e.browser()
			back := b.toProvider(idp, "/")
			requireRefused(t, e, b, b.open(back.String()), http.StatusUnauthorized, oidcFailed, back.Query().Get("code"))
			require.NotEmpty(t, e.logs.Lines("level=WARN", "ID token"), name)
		}
		idp.Tamper(func(c map[string]any) { c["email_verified"] = "true" })
		b := e.browser()
		done := b.open(b.toProvider(idp, "/").String())
		require.Equal(t, http.StatusSeeOther, done.Status, "email_verified as the string \"true\" is accepted: %s", done.Body)
	})
}

func TestNewOIDCFailsWhenTheIssuerDoesNotAnswer(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	_, err := web.NewOIDC(context.Background(), gone.URL, testClientID, testClientSecret, "http://127.0.0.1:8080/sign-in/oidc/callback")
	require.ErrorContains(t, err, "OpenID Connect: discovery at "+gone.URL+" failed")
	require.NotContains(t, err.Error(), testClientSecret)

	_, err = web.NewOIDC(context.Background(), gone.URL, "", testClientSecret, "http://x/cb")
	require.ErrorContains(t, err, "client id is empty")
}
