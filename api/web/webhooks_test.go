package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

var secretShown = regexp.MustCompile(`<code id="webhook-secret">(whsec_[^<]+)</code>`)

func TestWebhookPages(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		b := e.signedIn()
		list := b.get("/admin/webhooks")
		require.Equal(t, http.StatusOK, list.Status, list.Body)
		require.Contains(t, list.Body, "Webhookを追加")

		// A refused form keeps what was typed and names the fields.
		bad := b.submit("/admin/webhooks/new", "/admin/webhooks", url.Values{"url": {"ftp://x"}, "owner_id": {e.admin.ID}, "event_types": {"vendor.created"}})
		require.Equal(t, http.StatusUnprocessableEntity, bad.Status, bad.Body)
		require.Contains(t, bad.Body, `value="ftp://x"`)
		require.Contains(t, bad.Body, `id="f-et-vendor.created" name="event_types" value="vendor.created" checked`)

		created := b.submit("/admin/webhooks/new", "/admin/webhooks", url.Values{"url": {"https://hooks.example.com/vw"}, "owner_id": {e.admin.ID},
			"description": {"庁内連携"}, "event_types": {"vendor.created", "incident.changed"}})
		require.Equal(t, http.StatusOK, created.Status, created.Body)
		m := secretShown.FindStringSubmatch(created.Body)
		require.NotNil(t, m, created.Body)
		m[1] = html.UnescapeString(m[1])
		require.Regexp(t, `^whsec_[A-Za-z0-9+/]{43}=$`, m[1])
		subs, err := e.db.ListWebhooks(e.asAdmin(), domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, subs.Items, 1)
		w := subs.Items[0]
		path := "/admin/webhooks/" + w.ID
		require.Equal(t, []domain.WebhookEventType{domain.EventVendorCreated, domain.EventIncidentChanged}, w.EventTypes)

		show := b.get(path)
		require.Equal(t, http.StatusOK, show.Status)
		require.NotContains(t, show.Body, m[1], "the secret is shown once")
		require.Contains(t, show.Body, "庁内連携")

		// Ping: in the delivery log.
		p := b.submit(path, path+"/ping", nil)
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		show = b.get(p.Location)
		require.Contains(t, show.Body, "テスト送信を予約しました")
		require.Contains(t, show.Body, "<code>webhook.ping</code>")
		require.Contains(t, show.Body, "送信待ち")

		// Disable with a reason, then enable.
		p = b.submit(path, path+"/disable", url.Values{"version": {"1"}, "reason": {"受信側の保守"}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		show = b.get(path)
		require.Contains(t, show.Body, "受信側の保守")
		p = b.submit(path, path+"/enable", url.Values{"version": {"1"}})
		require.Equal(t, http.StatusPreconditionFailed, p.Status, "a stale version is refused")
		p = b.submit(path, path+"/enable", url.Values{"version": {"2"}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)

		// Rotate: the new secret shown once.
		r := b.submit(path, path+"/rotate-secret", url.Values{"version": {"3"}})
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		m2 := secretShown.FindStringSubmatch(r.Body)
		require.NotNil(t, m2)
		require.NotEqual(t, m[1], m2[1])

		// Admins only.
		editor := e.person("編集 職員", "editor-wh@example.lg.jp", domain.RoleEditor)
		eb := e.browser()
		eb.signIn(editor.Email)
		require.Equal(t, http.StatusForbidden, eb.get("/admin/webhooks").Status)
		require.Equal(t, http.StatusForbidden, eb.get(path).Status)
	})
}

func TestSettingsFormKeepsTheWebhookSettings(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		b := e.signedIn()
		page := b.get("/settings")
		require.Contains(t, page.Body, `name="webhook_allow_private_targets"`)
		require.Contains(t, page.Body, `name="webhook_failures_before_disable"`)
		form := settingsValues(e.settings())
		form.Set("webhook_allow_private_targets", "1")
		form.Set("webhook_failures_before_disable", "3")
		form.Set("webhook_timeout_seconds", "5")
		require.Equal(t, http.StatusSeeOther, b.submit("/settings", "/settings", form).Status)
		p := e.settings().PolicySettings
		require.True(t, p.WebhookAllowPrivateTargets)
		require.Equal(t, 3, p.WebhookFailuresBeforeDisable)
		require.Equal(t, 5, p.WebhookTimeoutSeconds)
		require.Equal(t, 24, p.WebhookSecretGraceHours, "left empty: the default")
		require.Contains(t, b.get("/settings").Body, `id="f-webhook_allow_private_targets" name="webhook_allow_private_targets" type="checkbox" value="1" checked`)
	})
}
