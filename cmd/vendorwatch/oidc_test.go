package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/api/web/oidctest"
)

func TestOIDCFlagsConfigureSignIn(t *testing.T) {
	idp := oidctest.New(t, "vendorwatch", "client-secret-from-env")
	t.Setenv("VENDORWATCH_OIDC_CLIENT_SECRET", "client-secret-from-env")
	r := startServe(t, "--database-url", filepath.Join(t.TempDir(), "x.db"), "--public-url", "https://vendorwatch.example.lg.jp",
		"--oidc-issuer", idp.Issuer, "--oidc-client-id", "vendorwatch", "--sign-in-email-link=false")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	res, err := client.Get("http://" + r.addr + "/sign-in")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	require.Contains(t, string(body), `href="/sign-in/oidc?next=`)
	require.NotContains(t, string(body), `id="f-email"`, "--sign-in-email-link=false hides the e-mail form")

	res, err = client.Get("http://" + r.addr + "/sign-in/oidc?next=/")
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	auth, err := url.Parse(res.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, idp.Issuer+"/authorize", auth.Scheme+"://"+auth.Host+auth.Path)
	require.Equal(t, "https://vendorwatch.example.lg.jp/sign-in/oidc/callback", auth.Query().Get("redirect_uri"))

	res, err = client.Get(auth.String())
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusFound, res.StatusCode, "the provider knows the client id")
	require.Contains(t, r.stderr.String(), "oidc_issuer="+idp.Issuer)
}

func TestOIDCConfigurationErrorsAreOneLine(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no client id", []string{"serve", "--oidc-issuer", "http://127.0.0.1:1"}, "--oidc-issuer needs --oidc-client-id"},
		{"client id without issuer", []string{"serve", "--oidc-client-id", "vw"}, "need --oidc-issuer"},
		{"no sign-in left", []string{"serve", "--sign-in-email-link=false"}, "nobody can sign in"},
		{"issuer does not answer", []string{"serve", "--oidc-issuer", "http://127.0.0.1:1", "--oidc-client-id", "vw", "--oidc-client-secret", "hunter2"},
			"OpenID Connect: discovery at http://127.0.0.1:1 failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := run(context.Background(), c.args, &bytes.Buffer{}, &bytes.Buffer{})
			require.ErrorContains(t, err, c.want)
			require.False(t, strings.Contains(err.Error(), "\n"), err.Error())
			require.NotContains(t, err.Error(), "hunter2")
		})
	}
}
