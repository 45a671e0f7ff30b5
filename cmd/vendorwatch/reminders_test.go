package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/jobs/mailtest"
)

// contractDueInFiveDays registers, through the API, an approved vendor and
// an active low-risk contract whose confirmation falls due in five days.
func contractDueInFiveDays(c client) {
	c.T.Helper()
	me := c.Call("GET", "/v1/me", nil, 200)["person"].(map[string]any)["id"].(string)
	v := c.Call("POST", "/v1/vendors", map[string]any{"name": "株式会社クリーン", "owner_id": me}, 201)["id"].(string)
	var results []map[string]any
	for _, it := range c.Call("GET", "/v1/selection-criteria", nil, 200)["items"].([]any) {
		results = append(results, map[string]any{"criterion": it.(map[string]any)["code"], "result": "met"})
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	today := time.Now().In(tokyo)
	c.Call("PUT", "/v1/vendors/"+v+"/selection", map[string]any{"selected_by": me, "selected_on": today.Format(time.DateOnly), "results": results}, 200)
	// A second person with a security role approves what the administrator selected.
	dept := c.Call("GET", "/v1/me", nil, 200)["person"].(map[string]any)["department_id"].(string)
	mgr := c.Call("POST", "/v1/people", map[string]any{"name": "承認 課長", "email": "approver@example.lg.jp", "department_id": dept,
		"security_roles": []string{"manager"}}, 201)["id"].(string)
	approver := client{T: c.T, Base: c.Base, Token: c.Call("POST", "/v1/tokens", map[string]any{"person_id": mgr, "role": "editor"}, 201)["secret"].(string)}
	approver.Call("POST", "/v1/vendors/"+v+"/approve", nil, 200)
	start := today.AddDate(0, 0, 5).AddDate(-2, 0, 0).Format(time.DateOnly)
	ct := c.Call("POST", "/v1/contracts", map[string]any{"vendor_id": v, "title": "収集運搬システム保守", "start_date": start, "owner_id": me}, 201)["id"].(string)
	for _, it := range c.Call("GET", "/v1/clauses", nil, 200)["items"].([]any) {
		c.Call("PUT", "/v1/contracts/"+ct+"/clauses/"+it.(map[string]any)["code"].(string), map[string]any{"status": "included", "article_ref": "第1条"}, 200)
	}
	c.Call("POST", "/v1/contracts/"+ct+"/activate", nil, 200)
}

// firstToken reads the first start's administrator token from what serve
// printed on stdout.
func firstToken(t *testing.T, stdout *storetest.LogBuffer) string {
	t.Helper()
	m := tokenLine.FindStringSubmatch(stdout.String())
	require.NotNil(t, m, "first-start token on stdout: %s", stdout.String())
	return m[1]
}

func TestReminderLandsInTheOutboxOnTheEmbeddedDefault(t *testing.T) {
	dir := t.TempDir()
	r := startServe(t, "--database-url", filepath.Join(dir, "v.db"), "--outbox-dir", filepath.Join(dir, "outbox"))
	require.Contains(t, r.stderr.String(), "reminder e-mails go to outbox folder")
	c := client{T: t, Base: "http://" + r.addr, Token: firstToken(t, r.stdout)}
	contractDueInFiveDays(c)

	rep := c.Call("POST", "/v1/jobs/due-scan", nil, 200)
	require.EqualValues(t, 1, rep["confirmations_scheduled"])
	require.EqualValues(t, 1, rep["digests"])
	var files []string
	waitFor(t, "an .eml file in the outbox", func() bool {
		files, _ = filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
		return len(files) == 1
	})
	raw, err := os.ReadFile(files[0])
	require.NoError(t, err)
	require.Contains(t, string(raw), "=?UTF-8?q?", "a Japanese subject, encoded")
	require.Contains(t, string(raw), "multipart/alternative")
	waitFor(t, "the ledger row is marked sent", func() bool {
		items := c.Call("GET", "/v1/reminders?status=sent", nil, 200)["items"].([]any)
		return len(items) == 1
	})

	// A second scan of the same day adds nothing.
	rep = c.Call("POST", "/v1/jobs/due-scan", nil, 200)
	require.EqualValues(t, 0, rep["reminders_queued"])
}

func TestReminderArrivesAtTheSMTPServer(t *testing.T) {
	smtp := mailtest.Start(t)
	dir := t.TempDir()
	r := startServe(t, "--database-url", filepath.Join(dir, "v.db"), "--smtp-url", "smtp://"+smtp.Addr+"?tls=none",
		"--mail-from", "vendorwatch@example.lg.jp", "--public-url", "https://vendorwatch.example.lg.jp/")
	require.Contains(t, r.stderr.String(), "reminder e-mails go to SMTP 127.0.0.1")
	c := client{T: t, Base: "http://" + r.addr, Token: firstToken(t, r.stdout)}
	contractDueInFiveDays(c)
	c.Call("POST", "/v1/jobs/due-scan", nil, 200)
	waitFor(t, "the message at the SMTP server", func() bool { return len(smtp.Messages()) == 1 })
	m := smtp.Messages()[0]
	require.Equal(t, []string{"admin@vendorwatch.invalid"}, m.To)
	require.Contains(t, m.Subject, "【vendorwatch】期限のお知らせ（1件）")
	require.True(t, strings.HasSuffix(m.MessageID, "@example.lg.jp>"))

	// The item links to its staff page under the public URL; the API URL stays.
	confs := c.Call("GET", "/v1/confirmations", nil, 200)["items"].([]any)
	require.Len(t, confs, 1)
	conf := confs[0].(map[string]any)["id"].(string)
	require.Contains(t, m.HTML, `<a href="https://vendorwatch.example.lg.jp/confirmations/`+conf+`"`)
	require.Contains(t, m.Text, "対応ページ：https://vendorwatch.example.lg.jp/confirmations/"+conf+"\r\n", "a line of its own (CRLF on the wire)")
	require.Contains(t, m.Text, "API：https://vendorwatch.example.lg.jp/v1/confirmations/"+conf+"\r\n", "a line of its own (CRLF on the wire)")
}

func TestRiverUIIsForAdminsOnly(t *testing.T) {
	dir := t.TempDir()
	r := startServe(t, "--database-url", filepath.Join(dir, "v.db"), "--outbox-dir", filepath.Join(dir, "outbox"))
	admin := firstToken(t, r.stdout)
	c := client{T: t, Base: "http://" + r.addr, Token: admin}
	me := c.Call("GET", "/v1/me", nil, 200)["person"].(map[string]any)["id"].(string)
	viewer := c.Call("POST", "/v1/tokens", map[string]any{"person_id": me, "role": "viewer"}, 201)["secret"].(string)

	get := func(user, pass string) *http.Response {
		req, err := http.NewRequest("GET", "http://"+r.addr+"/admin/river/", nil)
		require.NoError(t, err)
		if pass != "" {
			req.SetBasicAuth(user, pass)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = res.Body.Close()
		return res
	}
	res := get("", "")
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	require.Contains(t, res.Header.Get("WWW-Authenticate"), "Basic")
	require.Equal(t, http.StatusForbidden, get("me", viewer).StatusCode)
	require.Equal(t, http.StatusUnauthorized, get("me", "vw_wrong").StatusCode)
	require.Equal(t, http.StatusOK, get("anyone", admin).StatusCode)

	// A page on another site cannot make the admin's browser change jobs.
	req, err := http.NewRequest("POST", "http://"+r.addr+"/admin/river/api/jobs/cancel", strings.NewReader(`{"job_ids":["1"]}`))
	require.NoError(t, err)
	req.SetBasicAuth("anyone", admin)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	c.Call("POST", "/v1/jobs/due-scan", nil, 200)
	c.Token = viewer
	c.Call("POST", "/v1/jobs/due-scan", nil, 403)
}
