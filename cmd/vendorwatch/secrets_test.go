package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/jobs/mailtest"
)

// signInLink finds the link in a sign-in e-mail.
var signInLink = regexp.MustCompile(`https?://\S+/sign-in/link\?\S+`)

// TestNoSecretReachesTheLog runs a scripted story against the built binary
// with --log-format json at debug level: the first start's token, tokens
// made through the API and the CLI, a wrong and a revoked token answered
// 401, a sign-in link asked for, opened, redeemed and redeemed again, and a
// session used. Then it scans everything the process logged for every
// secret it saw, as given and URL-encoded: none may appear, and every line
// serve logged is a JSON record (nothing printed beside the log stream).
func TestNoSecretReachesTheLog(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			if tg.Schema != "" {
				t.Setenv("PGOPTIONS", "-c search_path="+tg.Schema)
				t.Setenv("VENDORWATCH_AUDIT_KEY", testAuditKey) // PostgreSQL needs one, shared by the replicas
			}
			secretStory(t, bin, tg.URL)
		})
	}
}

func secretStory(t *testing.T, bin, dbURL string) {
	smtp := mailtest.Start(t)
	dir := t.TempDir()
	c := startChild(t, bin, "--database-url", dbURL, "--log-format", "json", "--log-level", "debug",
		"--smtp-url", "smtp://"+smtp.Addr+"?tls=none", "--mail-from", "vendorwatch@example.lg.jp", "--outbox-dir", filepath.Join(dir, "outbox"))
	base := "http://" + c.addr
	var secrets []string
	seen := func(s string) string {
		require.NotEmpty(t, s)
		secrets = append(secrets, s)
		return s
	}
	if key := os.Getenv("VENDORWATCH_AUDIT_KEY"); key != "" {
		seen(key) // the audit key never reaches the log either
	}

	// The first start's token is on stdout only.
	admin := client{T: t, Base: base, Token: seen(firstToken(t, c.stdout))}
	require.Contains(t, c.stdout.String(), "shown once")
	me := admin.Call("GET", "/v1/me", nil, 200)["person"].(map[string]any)
	adminEmail := me["email"].(string)

	// Tokens made through the API, used, one revoked and tried again.
	person := admin.ID("POST", "/v1/people", map[string]any{"name": "秘密 保持", "email": "himitsu@example.lg.jp", "department_id": me["department_id"]}, 201)
	created := admin.Call("POST", "/v1/tokens", map[string]any{"person_id": person, "role": "editor", "description": "the story's editor"}, 201)
	editor := client{T: t, Base: base, Token: seen(created["secret"].(string))}
	editor.Call("GET", "/v1/me", nil, 200)
	viewerToken := admin.Call("POST", "/v1/tokens", map[string]any{"person_id": person, "role": "viewer"}, 201)
	viewer := client{T: t, Base: base, Token: seen(viewerToken["secret"].(string))}
	viewer.Call("GET", "/v1/vendors", nil, 200)
	viewer.Call("POST", "/v1/departments", map[string]any{"name": "閲覧課"}, 403)
	admin.Call("DELETE", "/v1/tokens/"+viewerToken["id"].(string), nil, 200)
	viewer.Call("GET", "/v1/me", nil, 401)

	// Wrong tokens: one shaped like a real one, one not.
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	wrong := client{T: t, Base: base, Token: seen("vw_" + base64.RawURLEncoding.EncodeToString(raw))}
	wrong.Call("GET", "/v1/me", nil, 401)
	wrong.Call("GET", "/v1/vendors", nil, 401)
	odd := client{T: t, Base: base, Token: seen("not-a-token-" + base64.RawURLEncoding.EncodeToString(raw[:12]))}
	odd.Call("GET", "/v1/me", nil, 401)

	// A token from the CLI, with its own JSON log on stderr.
	cli := exec.Command(bin, "token", "create", "--database-url", dbURL, "--log-format", "json", "--email", "himitsu@example.lg.jp", "--role", "auditor")
	var cliErr strings.Builder
	cli.Stderr = &cliErr
	out, err := cli.Output()
	require.NoError(t, err, "%s", cliErr.String())
	auditor := client{T: t, Base: base, Token: seen(strings.TrimSpace(string(out)))}
	auditor.Call("GET", "/v1/audit-events", nil, 200)

	// A sign-in link: asked for, opened, redeemed into a session, used,
	// and redeemed again (refused).
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	res, err := noRedirect.PostForm(base+"/sign-in", url.Values{"email": {adminEmail}, "next": {"/"}})
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	waitFor(t, "the sign-in e-mail", func() bool { return len(smtp.Messages()) > 0 })
	m := signInLink.FindString(smtp.Messages()[0].Text)
	require.NotEmpty(t, m, "a link in the e-mail: %s", smtp.Messages()[0].Text)
	link, err := url.Parse(m)
	require.NoError(t, err)
	linkToken := seen(link.Query().Get("t"))
	res, err = noRedirect.Get(base + link.RequestURI())
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	res, err = noRedirect.PostForm(base+"/sign-in/link", url.Values{"t": {linkToken}, "next": {"/"}})
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Value != "" {
			session = ck
		}
	}
	require.NotNil(t, session, "a session cookie")
	seen(session.Value)
	req, err := http.NewRequest(http.MethodGet, base+"/", nil)
	require.NoError(t, err)
	req.AddCookie(session)
	res, err = noRedirect.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	res, err = noRedirect.PostForm(base+"/sign-in/link", url.Values{"t": {linkToken}, "next": {"/"}})
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusUnauthorized, res.StatusCode, "a link signs in once")

	c.terminate(t)
	c.exited(t)

	logs := map[string]string{"serve": c.stderr.String(), "token create": cliErr.String()}
	for name, log := range logs {
		require.NotEmpty(t, strings.TrimSpace(log), name)
		for _, s := range secrets {
			for _, form := range []string{s, url.QueryEscape(s)} {
				require.NotContains(t, log, form, "a secret in the log of %s", name)
			}
		}
	}
	for line := range strings.SplitSeq(strings.TrimSpace(logs["serve"]), "\n") {
		require.True(t, json.Valid([]byte(line)), "serve logs only JSON records, not: %s", line)
	}
	require.Contains(t, logs["serve"], `"msg":"stopped"`, "the story ran to the end")
	t.Logf("%d secrets, none among %d bytes of log", len(secrets), len(logs["serve"])+len(logs["token create"]))
}
