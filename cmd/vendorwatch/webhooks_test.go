package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// storyReceiver is a Standard Webhooks receiver: it verifies every
// request's signature (written from the specification, not the sender's
// code) and dedupes on webhook-id, as the specification tells receivers to.
type storyReceiver struct {
	mu     sync.Mutex
	secret string
	// byID is the body of each webhook-id; copies counts its requests.
	byID   map[string]string
	copies map[string]int
	bad    []string
}

func (r *storyReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id, ts, sig := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature")
	time.Sleep(150 * time.Millisecond) // slow enough that deliveries are still queued at the restart
	r.mu.Lock()
	defer r.mu.Unlock()
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(r.secret, "whsec_"))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !strings.Contains(" "+sig+" ", " "+want+" ") {
		r.bad = append(r.bad, id)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if prev, ok := r.byID[id]; ok && prev != string(body) {
		r.bad = append(r.bad, id+" (another body under the same id)")
	}
	r.byID[id] = string(body)
	r.copies[id]++
	w.WriteHeader(http.StatusNoContent)
}

func (r *storyReceiver) ids() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]string{}
	for k, v := range r.byID {
		out[k] = v
	}
	return out
}

// TestWebhookStoryArrivesOnceAcrossARestart runs the binary, subscribes a
// receiver to every event type, plays a story of changes, restarts the
// server (SIGTERM, a new process on the same database) in the middle, and
// checks that the receiver got every event of the story, each under one
// webhook-id with a valid signature, and no event it should not have.
// River may run a delivery twice (a worker that died after the receiver's
// answer): the copy carries the same webhook-id, which is what Standard
// Webhooks receivers dedupe on; the test counts such copies and reports
// them.
func TestWebhookStoryArrivesOnceAcrossARestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			url := tg.URL
			if tg.Schema != "" {
				t.Setenv("PGOPTIONS", "-c search_path="+tg.Schema)
				t.Setenv("VENDORWATCH_AUDIT_KEY", testAuditKey) // PostgreSQL needs one, shared by the replicas
			} else {
				url = filepath.Join(t.TempDir(), "v.db")
			}
			webhookStory(t, bin, url)
		})
	}
}

func webhookStory(t *testing.T, bin, url string) {
	dir := t.TempDir()
	args := []string{"--database-url", url, "--outbox-dir", filepath.Join(dir, "outbox"), "--webhook-secret-key", "the story's key"}
	first := startChild(t, bin, args...)
	c := client{T: t, Base: "http://" + first.addr, Token: firstToken(t, first.stdout)}

	// The receiver listens on loopback: the admin allows private targets.
	settings := c.Call("GET", "/v1/settings", nil, 200)
	version := fmt.Sprint(settings["version"])
	for _, k := range []string{"version", "updated_at", "$schema"} {
		delete(settings, k)
	}
	settings["webhook_allow_private_targets"] = true
	putSettings(t, c, version, settings)

	rcv := &storyReceiver{byID: map[string]string{}, copies: map[string]int{}}
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	var types []string
	for _, e := range domain.WebhookEventTypes {
		types = append(types, string(e))
	}
	me := c.Call("GET", "/v1/me", nil, 200)["person"].(map[string]any)["id"].(string)
	sub := c.Call("POST", "/v1/webhooks", map[string]any{"url": srv.URL + "/vendorwatch", "event_types": types, "owner_id": me,
		"description": "the story's receiver"}, 201)
	rcv.mu.Lock()
	rcv.secret = sub["secret"].(string)
	rcv.mu.Unlock()
	subID := sub["id"].(string)
	from := lastAuditSeq(c)

	// Part one: a vendor selected and approved, a contract with every
	// clause, activated.
	contractDueInFiveDays(c)

	// The restart, with some deliveries made and the rest still queued.
	waitFor(t, "the first delivery", func() bool { return len(rcv.ids()) > 0 })
	before := len(rcv.ids())
	first.terminate(t)
	first.exited(t)
	second := startChild(t, bin, args...)
	c.Base = "http://" + second.addr

	// Part two: a scan reminds the confirmation (reminder.created, and
	// reminder.changed once sent), and a second vendor is registered.
	c.Call("POST", "/v1/jobs/due-scan", nil, 200)
	c.Call("POST", "/v1/vendors", map[string]any{"name": "株式会社二番目", "owner_id": me}, 201)
	waitFor(t, "the reminder is sent", func() bool {
		return len(c.Call("GET", "/v1/reminders?status=sent", nil, 200)["items"].([]any)) == 1
	})

	// What the receiver must get: every audited change of a delivered
	// type after the subscription, and the reminder's two events.
	want := map[string]string{}
	for _, e := range auditSince(c, from) {
		if et, ok := domain.WebhookEventFor(e["entity_type"].(string), e["action"].(string)); ok {
			want[e["id"].(string)] = string(et)
		}
	}
	require.NotEmpty(t, want)
	reminders := 2
	deadline := time.Now().Add(90 * time.Second)
	for {
		got := rcv.ids()
		missing := 0
		for id := range want {
			if _, ok := got[id]; !ok {
				missing++
			}
		}
		if missing == 0 && len(got) >= len(want)+reminders {
			break
		}
		require.True(t, time.Now().Before(deadline), "%d of %d events missing after the restart; got %d", missing, len(want), len(got))
		time.Sleep(100 * time.Millisecond)
	}
	got := rcv.ids()
	rcv.mu.Lock()
	bad, copies := append([]string(nil), rcv.bad...), map[string]int{}
	for k, n := range rcv.copies {
		copies[k] = n
	}
	rcv.mu.Unlock()
	require.Empty(t, bad, "every signature valid")
	// Every event under exactly one webhook-id: each audited change's id
	// is its own, and nothing else arrived but the reminder's events.
	var extra []string
	for id, body := range got {
		var p struct {
			Type string `json:"type"`
			Data struct {
				EntityID string `json:"entity_id"`
				Action   string `json:"action"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &p))
		if et, ok := want[id]; ok {
			require.Equal(t, et, p.Type, "event %s", id)
			continue
		}
		extra = append(extra, p.Type+" "+p.Data.Action)
	}
	sort.Strings(extra)
	require.Equal(t, []string{"reminder.changed sent", "reminder.created create"}, extra)
	dups := 0
	for _, n := range copies {
		dups += n - 1
	}
	// The log of the subscription says the same: every delivery delivered.
	waitFor(t, "every delivery logged as delivered", func() bool {
		log := c.Call("GET", "/v1/webhooks/"+subID+"/deliveries?limit=200", nil, 200)["items"].([]any)
		require.Len(t, log, len(want)+reminders)
		for _, d := range log {
			if d.(map[string]any)["status"] != "delivered" {
				return false
			}
		}
		return true
	})
	t.Logf("%d events, %d of them received before the restart, each once under its own webhook-id; %d repeated copies (same webhook-id)",
		len(got), before, dups)
}

func putSettings(t *testing.T, c client, version string, body map[string]any) {
	t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest("PUT", c.Base+"/v1/settings", strings.NewReader(string(raw)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("If-Match", `"`+version+`"`)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	out, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	require.Equal(t, 200, res.StatusCode, "%s", out)
}

func lastAuditSeq(c client) float64 {
	events := auditSince(c, 0)
	return events[len(events)-1]["seq"].(float64)
}

func auditSince(c client, seq float64) []map[string]any {
	var out []map[string]any
	path := "/v1/audit-events?limit=200"
	for {
		page := c.Call("GET", path, nil, 200)
		for _, e := range page["items"].([]any) {
			if m := e.(map[string]any); m["seq"].(float64) > seq {
				out = append(out, m)
			}
		}
		next, _ := page["next_cursor"].(string)
		if next == "" {
			return out
		}
		path = "/v1/audit-events?limit=200&cursor=" + next
	}
}
