package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func TestWebhooksAPI(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		body := map[string]any{"url": "https://hooks.example.com/vw", "event_types": []string{"vendor.created", "contract.changed"},
			"owner_id": e.person.ID, "description": "庁内システム"}
		// Admin only, reading included.
		for _, role := range []domain.Role{domain.RoleEditor, domain.RoleViewer, domain.RoleAuditor} {
			tok := e.token(role)
			e.must(http.StatusForbidden, "POST", "/v1/webhooks", tok, body)
			e.must(http.StatusForbidden, "GET", "/v1/webhooks", tok, nil)
		}
		res := e.must(http.StatusCreated, "POST", "/v1/webhooks", e.admin, body)
		require.Equal(t, "no-store", res.Header.Get("Cache-Control"))
		created := res.JSON(t)
		secret := created["secret"].(string)
		require.True(t, strings.HasPrefix(secret, "whsec_"))
		id := created["id"].(string)
		require.Equal(t, true, created["active"])

		got := e.must(http.StatusOK, "GET", "/v1/webhooks/"+id, e.admin, nil)
		require.NotContains(t, string(got.Body), secret, "the secret is shown once")
		require.Equal(t, `"1"`, got.Header.Get("ETag"))
		list := e.must(http.StatusOK, "GET", "/v1/webhooks", e.admin, nil)
		require.NotContains(t, string(list.Body), secret)

		// Validation names the fields.
		bad := e.must(http.StatusUnprocessableEntity, "POST", "/v1/webhooks", e.admin, map[string]any{"url": "ftp://x", "event_types": []string{"vendor.exploded"}, "owner_id": e.person.ID})
		require.Contains(t, string(bad.Body), "url")
		require.Contains(t, string(bad.Body), "event_types[0]")

		// If-Match.
		body["description"] = "変更"
		e.must(http.StatusPreconditionFailed, "PUT", "/v1/webhooks/"+id, e.admin, body, "If-Match", `"7"`)
		res = e.must(http.StatusOK, "PUT", "/v1/webhooks/"+id, e.admin, body, "If-Match", `"1"`)
		require.Equal(t, `"2"`, res.Header.Get("ETag"))

		// Rotate: a new secret, once; the old one still valid.
		rot := e.must(http.StatusOK, "POST", "/v1/webhooks/"+id+"/rotate-secret", e.admin, nil, "If-Match", `"2"`)
		require.Equal(t, "no-store", rot.Header.Get("Cache-Control"))
		r := rot.JSON(t)
		require.NotEqual(t, secret, r["secret"])
		require.Equal(t, true, r["secret_rotating"])

		// Disable, enable.
		res = e.must(http.StatusOK, "POST", "/v1/webhooks/"+id+"/disable", e.admin, map[string]any{"reason": "受信側の保守"})
		require.Equal(t, false, res.JSON(t)["active"])
		e.must(http.StatusConflict, "POST", "/v1/webhooks/"+id+"/disable", e.admin, nil)
		res = e.must(http.StatusOK, "POST", "/v1/webhooks/"+id+"/enable", e.admin, nil)
		require.Equal(t, true, res.JSON(t)["active"])

		// Ping: a delivery in the log (nothing sends it without a job runner).
		ping := e.must(http.StatusAccepted, "POST", "/v1/webhooks/"+id+"/ping", e.admin, nil).JSON(t)
		require.Equal(t, "webhook.ping", ping["event_type"])
		log := e.must(http.StatusOK, "GET", "/v1/webhooks/"+id+"/deliveries", e.admin, nil).JSON(t)["items"].([]any)
		require.Len(t, log, 1)
		require.Equal(t, "pending", log[0].(map[string]any)["status"])
		e.must(http.StatusNotFound, "GET", "/v1/webhooks/0190f000-0000-7000-8000-000000000000/deliveries", e.admin, nil)

		// Delete.
		cur := e.must(http.StatusOK, "GET", "/v1/webhooks/"+id, e.admin, nil).Header.Get("ETag")
		e.must(http.StatusPreconditionFailed, "DELETE", "/v1/webhooks/"+id, e.admin, nil, "If-Match", `"1"`)
		e.must(http.StatusNoContent, "DELETE", "/v1/webhooks/"+id, e.admin, nil, "If-Match", cur)
		e.must(http.StatusNotFound, "GET", "/v1/webhooks/"+id, e.admin, nil)
	})
}
