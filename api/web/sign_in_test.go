package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/api/web"
	"github.com/vendorwatch/vendorwatch/domain"
)

func TestSignInByEmailLink(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		b := e.browser()
		p := b.get("/vendors")
		require.Equal(t, http.StatusSeeOther, p.Status, "a page needs a session")
		require.Equal(t, "/sign-in?next=%2Fvendors", p.Location)

		form := b.get(p.Location)
		require.Equal(t, http.StatusOK, form.Status)
		require.Contains(t, form.Body, `<html lang="ja">`)
		require.Contains(t, form.Body, `<label for="f-email">メールアドレス</label>`)

		sent := b.post("/sign-in", url.Values{"email": {strings.ToUpper(e.admin.Email)}, "next": {"/vendors"}})
		require.Equal(t, http.StatusOK, sent.Status)
		link := e.waitLink(e.admin.Email, 0)
		require.True(t, strings.HasPrefix(link, e.url+"/sign-in/link?"), link)
		u, err := url.Parse(link)
		require.NoError(t, err)
		secret := u.Query().Get("t")
		require.True(t, strings.HasPrefix(secret, domain.SignInPrefix))

		// Opening the link only shows a button: a mail scanner that
		// follows it uses nothing up.
		confirm := b.get(u.RequestURI())
		require.Equal(t, http.StatusOK, confirm.Status)
		require.Contains(t, confirm.Body, `value="`+secret+`"`)
		done := b.post("/sign-in/link", url.Values{"t": {secret}, "next": {"/vendors"}})
		require.Equal(t, http.StatusSeeOther, done.Status, done.Body)
		require.Equal(t, "/vendors", done.Location)
		var cookie *http.Cookie
		for _, c := range b.client.Jar.Cookies(u) {
			if c.Name == "vw_session" {
				cookie = c
			}
		}
		require.NotNil(t, cookie)
		require.True(t, strings.HasPrefix(cookie.Value, domain.SessionPrefix))
		require.Contains(t, done.Header.Get("Set-Cookie"), "HttpOnly")
		require.Contains(t, done.Header.Get("Set-Cookie"), "SameSite=Lax")

		again := e.browser().post("/sign-in/link", url.Values{"t": {secret}, "next": {"/"}})
		require.Equal(t, http.StatusUnauthorized, again.Status, "a link works once")
		require.Contains(t, again.Body, "このリンクは使えません")
	})
}

func TestSignInAnswersUnknownAddressesAlike(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		b := e.browser()
		known := b.post("/sign-in", url.Values{"email": {e.admin.Email}})
		unknown := b.post("/sign-in", url.Values{"email": {"nobody@example.lg.jp"}})
		require.Equal(t, known.Status, unknown.Status)
		require.Equal(t, known.Body, unknown.Body)
		e.waitLink(e.admin.Email, 0)
		require.Zero(t, e.links.count("nobody@example.lg.jp"))

		bad := b.post("/sign-in", url.Values{"email": {"not an address"}})
		require.Equal(t, http.StatusUnprocessableEntity, bad.Status)
		require.Contains(t, bad.Body, `id="e-email"`)
		require.Contains(t, bad.Body, `aria-invalid="true"`)
	})
}

func TestSignInLinkRefusesOtherSitesAndForeignTargets(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		b := e.browser()
		req, err := http.NewRequest(http.MethodPost, e.url+"/sign-in", strings.NewReader("email="+url.QueryEscape(e.admin.Email)))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		require.Equal(t, http.StatusForbidden, b.do(req).Status, "a cross-site form is refused before anything is sent")

		b.post("/sign-in", url.Values{"email": {e.admin.Email}, "next": {"//evil.example/"}})
		u, err := url.Parse(e.waitLink(e.admin.Email, 0))
		require.NoError(t, err)
		require.Equal(t, "/", u.Query().Get("next"))
		done := b.post("/sign-in/link", url.Values{"t": {u.Query().Get("t")}, "next": {"https://evil.example/"}})
		require.Equal(t, "/", done.Location, "a foreign target becomes the home page")
	})
}

func TestSignOutAndSignOutEverywhere(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		one, two := e.signedIn(), e.signedIn()
		require.Equal(t, http.StatusNotFound, one.get("/no-such-page").Status, "signed in")

		refused := one.post("/sign-out", url.Values{})
		require.Equal(t, http.StatusForbidden, refused.Status, "sign-out without the CSRF token is refused")

		out := one.submit("/no-such-page-either", "/sign-out", nil)
		require.Equal(t, http.StatusSeeOther, out.Status)
		require.Equal(t, http.StatusSeeOther, one.get("/vendors").Status, "signed out")
		require.Equal(t, http.StatusNotFound, two.get("/nothing").Status, "the other browser stays signed in")

		three := e.signedIn()
		all := three.submit("/x", "/sign-out", url.Values{"everywhere": {"1"}})
		require.Equal(t, http.StatusSeeOther, all.Status)
		require.Equal(t, http.StatusSeeOther, two.get("/vendors").Status, "signed out everywhere")
	})
}

func TestPagesSendASecurityPolicy(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		for _, path := range []string{"/sign-in", "/static/app.css", "/nothing"} {
			p := e.browser().get(path)
			csp := p.Header.Get("Content-Security-Policy")
			require.Contains(t, csp, "frame-ancestors 'none'", path)
			require.NotContains(t, csp, "unsafe-inline", path)
			require.Equal(t, "DENY", p.Header.Get("X-Frame-Options"), path)
			require.Equal(t, "nosniff", p.Header.Get("X-Content-Type-Options"), path)
		}
		api := e.browser().get("/v1/nothing")
		require.Equal(t, "application/problem+json", api.Header.Get("Content-Type"), "API paths keep JSON problems")
	})
}

func TestSessionCookieIsSecureBehindHTTPS(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		l := &links{}
		pages, err := web.New(web.Config{Services: api.ServicesOf(e.db), PublicURL: "https://vendorwatch.example.lg.jp", Mailer: l})
		require.NoError(t, err)
		ts := httptest.NewServer(pages)
		t.Cleanup(ts.Close)
		res, err := http.PostForm(ts.URL+"/sign-in", url.Values{"email": {e.admin.Email}})
		require.NoError(t, err)
		res.Body.Close()
		require.Eventually(t, func() bool { return l.count(e.admin.Email) == 1 }, 10*time.Second, 10*time.Millisecond)
		link, err := url.Parse(l.last(e.admin.Email))
		require.NoError(t, err)
		require.Equal(t, "vendorwatch.example.lg.jp", link.Host, "links start with the public URL")
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err = client.PostForm(ts.URL+"/sign-in/link", url.Values{"t": {link.Query().Get("t")}})
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		cookie := res.Header.Get("Set-Cookie")
		require.Contains(t, cookie, "Secure")
		require.Contains(t, cookie, "HttpOnly")
	})
}

// Behind a reverse proxy that rewrites Host, a browser that sends Origin
// but no Sec-Fetch-Site is still let in from the public URL, and refused
// from anywhere else.
func TestFormsFromThePublicURLPassBehindAProxy(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		l := &links{}
		pages, err := web.New(web.Config{Services: api.ServicesOf(e.db), PublicURL: "https://vendorwatch.example.lg.jp", Mailer: l})
		require.NoError(t, err)
		ts := httptest.NewServer(pages)
		t.Cleanup(ts.Close)
		post := func(origin string) int {
			req, err := http.NewRequest(http.MethodPost, ts.URL+"/sign-in", strings.NewReader("email="+url.QueryEscape(e.admin.Email)))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", origin)
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			return res.StatusCode
		}
		require.Equal(t, http.StatusOK, post("https://vendorwatch.example.lg.jp"))
		require.Equal(t, http.StatusForbidden, post("https://evil.example"))
	})
}
