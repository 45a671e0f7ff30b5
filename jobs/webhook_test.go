package jobs_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/jobs"
)

// received is one request a test receiver got.
type received struct {
	ID, Timestamp, Signature string
	Body                     []byte
}

// receiver is a webhook receiver on loopback; answer decides the status of
// each request (200 when nil).
type receiver struct {
	mu     sync.Mutex
	got    []received
	answer func(n int) int
	srv    *httptest.Server
}

func newReceiver(t *testing.T, answer func(n int) int) *receiver {
	r := &receiver{answer: answer}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{ID: req.Header.Get("webhook-id"), Timestamp: req.Header.Get("webhook-timestamp"),
			Signature: req.Header.Get("webhook-signature"), Body: body})
		n := len(r.got)
		r.mu.Unlock()
		status := http.StatusOK
		if r.answer != nil {
			status = r.answer(n)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"ok":` + strconv.FormatBool(status < 300) + `}`))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// verifySignature checks a delivery as a receiver would, written from the
// Standard Webhooks specification rather than from the sender's code:
// HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}" with the
// base64-decoded part of the secret after "whsec_", compared in constant
// time to any "v1," entry of the space-separated header.
func verifySignature(secret string, r received) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(r.ID + "." + r.Timestamp + "." + string(r.Body)))
	want := mac.Sum(nil)
	for _, entry := range strings.Fields(r.Signature) {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// webhookSettings changes the webhook settings.
func (h *harness) webhookSettings(allowPrivate bool, failures int) {
	h.t.Helper()
	s, err := h.db.GetSettings(h.ctx)
	require.NoError(h.t, err)
	p := s.PolicySettings
	p.WebhookAllowPrivateTargets, p.WebhookFailuresBeforeDisable, p.WebhookTimeoutSeconds = allowPrivate, failures, 2
	_, err = h.db.ReplaceSettings(h.ctx, &s.Version, p)
	require.NoError(h.t, err)
}

func (h *harness) subscribe(url string, types ...domain.WebhookEventType) (*domain.WebhookSubscription, string) {
	h.t.Helper()
	w, secret, err := h.db.CreateWebhook(h.ctx, domain.WebhookSubscriptionInput{URL: url, EventTypes: types, OwnerID: h.admin.ID})
	require.NoError(h.t, err)
	return w, secret
}

func (h *harness) deliveries(id string) []*domain.WebhookDelivery {
	h.t.Helper()
	page, err := h.db.ListWebhookDeliveries(context.Background(), id, domain.WebhookDeliveryFilter{}, domain.PageRequest{Limit: domain.MaxPageSize})
	require.NoError(h.t, err)
	return page.Items
}

var fastWebhooks = harnessOptions{webhookDelays: []time.Duration{20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond,
	20 * time.Millisecond, 20 * time.Millisecond}}

func TestWebhookSignedDeliveryAndRotation(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarnessWith(t, tg, day("2026-06-01"), fastWebhooks)
			h.webhookSettings(true, 10) // the receiver is on loopback
			rcv := newReceiver(t, nil)
			w, secret := h.subscribe(rcv.srv.URL+"/hook", domain.EventVendorCreated, domain.EventVendorChanged)
			v, err := h.db.CreateVendor(h.ctx, domain.VendorInput{Name: "委託先株式会社", OwnerID: h.admin.ID})
			require.NoError(t, err)
			h.waitUntil("the vendor's delivery arrives", func() bool { return len(rcv.requests()) == 1 })
			got := rcv.requests()[0]
			require.True(t, verifySignature(secret, got), "signature %q", got.Signature)
			ts, err := strconv.ParseInt(got.Timestamp, 10, 64)
			require.NoError(t, err)
			require.InDelta(t, time.Now().Unix(), ts, 60)
			var p struct {
				Type      string    `json:"type"`
				Timestamp time.Time `json:"timestamp"`
				Data      struct {
					EntityType string         `json:"entity_type"`
					EntityID   string         `json:"entity_id"`
					Action     string         `json:"action"`
					Object     map[string]any `json:"object"`
				} `json:"data"`
			}
			require.NoError(t, json.Unmarshal(got.Body, &p))
			require.Equal(t, "vendor.created", p.Type)
			require.Equal(t, v.ID, p.Data.EntityID)
			require.Equal(t, "委託先株式会社", p.Data.Object["name"])
			h.waitUntil("the delivery is recorded", func() bool { return h.deliveries(w.ID)[0].Status == domain.DeliveryDelivered })
			d := h.deliveries(w.ID)[0]
			require.Equal(t, got.ID, d.EventID)
			require.Equal(t, 200, d.LastStatusCode)
			require.Equal(t, `{"ok":true}`, d.LastResponse)

			// A tampered body or another secret does not verify.
			bad := got
			bad.Body = append([]byte(nil), got.Body...)
			bad.Body[len(bad.Body)-2] ^= 1
			require.False(t, verifySignature(secret, bad))
			require.False(t, verifySignature(domain.NewWebhookSecret(), got))

			// During a rotation both secrets verify every delivery.
			_, second, err := h.db.RotateWebhookSecret(h.ctx, w.ID, nil, time.Hour)
			require.NoError(t, err)
			_, err = h.db.ReplaceVendor(h.ctx, v.ID, nil, domain.VendorInput{Name: "委託先株式会社（新）", OwnerID: h.admin.ID})
			require.NoError(t, err)
			h.waitUntil("the change arrives", func() bool { return len(rcv.requests()) == 2 })
			got = rcv.requests()[1]
			require.Len(t, strings.Fields(got.Signature), 2)
			require.True(t, verifySignature(second, got))
			require.True(t, verifySignature(secret, got))
			require.Contains(t, string(got.Body), `"type":"vendor.changed"`)
		})
	}
}

func TestWebhookRefusesPrivateTargets(t *testing.T) {
	tg := storetest.Targets(t)[0]
	h := newHarnessWith(t, tg, day("2026-06-01"), harnessOptions{webhookDelays: []time.Duration{time.Hour}})
	h.webhookSettings(false, 100)
	rcv := newReceiver(t, nil)
	port := rcv.srv.Listener.Addr().(*net.TCPAddr).Port
	p := strconv.Itoa(port)
	for _, url := range []string{"http://127.0.0.1:" + p + "/", "http://[::1]:" + p + "/", "http://169.254.169.254/latest/meta-data",
		"http://10.1.2.3/", "http://192.168.1.1/", "http://100.64.0.1/", "http://[fd00::1]/", "http://localhost:" + p + "/", "http://0.0.0.0:" + p + "/"} {
		w, _ := h.subscribe(url, domain.EventVendorCreated)
		_, err := h.db.PingWebhook(h.ctx, w.ID)
		require.NoError(t, err)
		h.waitUntil("the ping to "+url+" is tried", func() bool { return h.deliveries(w.ID)[0].Attempts == 1 })
		d := h.deliveries(w.ID)[0]
		require.Contains(t, d.LastError, "refused to connect", url)
		require.Zero(t, d.LastStatusCode)
	}
	require.Empty(t, rcv.requests(), "nothing reached the loopback receiver")

	// The admin setting lets loopback through.
	h.webhookSettings(true, 100)
	w, _ := h.subscribe("http://localhost:"+p+"/", domain.EventVendorCreated)
	_, err := h.db.PingWebhook(h.ctx, w.ID)
	require.NoError(t, err)
	h.waitUntil("the ping arrives", func() bool { return len(rcv.requests()) == 1 })
	require.Contains(t, string(rcv.requests()[0].Body), `"type":"webhook.ping"`)
}

func TestWebhookRedirectIsNotFollowed(t *testing.T) {
	tg := storetest.Targets(t)[0]
	h := newHarnessWith(t, tg, day("2026-06-01"), harnessOptions{webhookDelays: []time.Duration{time.Hour}})
	h.webhookSettings(true, 100)
	target := newReceiver(t, nil)
	redirect := httptest.NewServer(http.RedirectHandler(target.srv.URL, http.StatusTemporaryRedirect))
	t.Cleanup(redirect.Close)
	w, _ := h.subscribe(redirect.URL, domain.EventVendorCreated)
	_, err := h.db.PingWebhook(h.ctx, w.ID)
	require.NoError(t, err)
	h.waitUntil("the ping is tried", func() bool { return h.deliveries(w.ID)[0].Attempts == 1 })
	require.Contains(t, h.deliveries(w.ID)[0].LastError, "not followed")
	require.Empty(t, target.requests())
}

func TestWebhookRetriesThenDisablesAndTellsTheOwner(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarnessWith(t, tg, day("2026-06-01"), fastWebhooks)
			h.webhookSettings(true, 4)
			// Two failures, then success: one delivery, three attempts,
			// one webhook-id.
			flaky := newReceiver(t, func(n int) int {
				if n <= 2 {
					return http.StatusServiceUnavailable
				}
				return http.StatusNoContent
			})
			w, secret := h.subscribe(flaky.srv.URL, domain.EventVendorCreated)
			_, err := h.db.CreateVendor(h.ctx, domain.VendorInput{Name: "委託先株式会社", OwnerID: h.admin.ID})
			require.NoError(t, err)
			h.waitUntil("the delivery succeeds", func() bool { return h.deliveries(w.ID)[0].Status == domain.DeliveryDelivered })
			got := flaky.requests()
			require.Len(t, got, 3)
			for _, r := range got {
				require.Equal(t, got[0].ID, r.ID, "every retry carries the same webhook-id")
				require.True(t, verifySignature(secret, r))
			}
			require.Equal(t, 3, h.deliveries(w.ID)[0].Attempts)
			w, err = h.db.FindWebhook(h.ctx, w.ID)
			require.NoError(t, err)
			require.Zero(t, w.ConsecutiveFailures, "a success resets the run")

			// A receiver that always fails: disabled after 4 attempts,
			// and its owner is e-mailed.
			down := newReceiver(t, func(int) int { return http.StatusInternalServerError })
			dead, _ := h.subscribe(down.srv.URL, domain.EventVendorCreated)
			_, err = h.db.CreateVendor(h.ctx, domain.VendorInput{Name: "二社目株式会社", OwnerID: h.admin.ID})
			require.NoError(t, err)
			h.waitUntil("the owner is told", func() bool {
				for _, m := range h.smtp.Messages() {
					if strings.Contains(m.Subject, "Webhook") {
						return true
					}
				}
				return false
			})
			dead, err = h.db.FindWebhook(h.ctx, dead.ID)
			require.NoError(t, err)
			require.False(t, dead.Active)
			require.Contains(t, dead.DisabledReason, "4 delivery attempts failed")
			h.waitUntil("the delivery fails for good", func() bool { return h.deliveries(dead.ID)[0].Status == domain.DeliveryFailed })
			require.Len(t, down.requests(), 4, "no attempt after the subscription was disabled")
			var mail []string
			for _, m := range h.smtp.Messages() {
				if strings.Contains(m.Subject, "Webhook") {
					require.Equal(t, []string{h.admin.Email}, m.To)
					require.Contains(t, m.Text, down.srv.URL)
					require.Contains(t, m.Text, "/admin/webhooks/"+dead.ID)
					mail = append(mail, m.Subject)
				}
			}
			require.Len(t, mail, 1)
			// The first subscription, which asks for vendor.created too, got it.
			h.waitUntil("the healthy receiver gets the second vendor", func() bool { return len(flaky.requests()) == 4 })
		})
	}
}

func TestWebhookDeliveryOnlyWhenTheChangeCommits(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			var fail bool
			var mu sync.Mutex
			opts := fastWebhooks
			opts.wrapWebhooks = func(f domain.EnqueueWebhookDeliveries) domain.EnqueueWebhookDeliveries {
				return func(ctx context.Context, tx *sql.Tx, ids []string) error {
					// The job is inserted, then the change fails: both roll back.
					if err := f(ctx, tx, ids); err != nil {
						return err
					}
					mu.Lock()
					defer mu.Unlock()
					if fail {
						return errors.New("the change fails after its delivery was queued")
					}
					return nil
				}
			}
			h := newHarnessWith(t, tg, day("2026-06-01"), opts)
			h.webhookSettings(true, 10)
			rcv := newReceiver(t, nil)
			w, _ := h.subscribe(rcv.srv.URL, domain.EventVendorCreated)
			mu.Lock()
			fail = true
			mu.Unlock()
			_, err := h.db.CreateVendor(h.ctx, domain.VendorInput{Name: "取消株式会社", OwnerID: h.admin.ID})
			require.Error(t, err)
			mu.Lock()
			fail = false
			mu.Unlock()
			jobs, err := h.runner.Client.JobList(context.Background(), river.NewJobListParams().Kinds("webhook_delivery").
				States(rivertype.JobStateAvailable, rivertype.JobStateCompleted, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled))
			require.NoError(t, err)
			require.Empty(t, jobs.Jobs, "no job for a change that rolled back")
			require.Empty(t, h.deliveries(w.ID))
			v, err := h.db.CreateVendor(h.ctx, domain.VendorInput{Name: "確定株式会社", OwnerID: h.admin.ID})
			require.NoError(t, err)
			h.waitUntil("the committed change arrives", func() bool { return len(rcv.requests()) == 1 })
			require.Contains(t, string(rcv.requests()[0].Body), v.ID)
			require.Len(t, h.deliveries(w.ID), 1)
		})
	}
}

func TestWebhookReminderEvents(t *testing.T) {
	tg := storetest.Targets(t)[0]
	h := newHarnessWith(t, tg, day("2026-06-01"), fastWebhooks)
	h.webhookSettings(true, 10)
	rcv := newReceiver(t, nil)
	h.subscribe(rcv.srv.URL, domain.EventReminderCreated, domain.EventReminderChanged)
	dueSoon(h, "reminded")
	_ = h.scan()
	h.waitSettled()
	h.waitUntil("reminder.created and reminder.changed (sent) arrive", func() bool {
		var created, sent bool
		for _, r := range rcv.requests() {
			created = created || strings.Contains(string(r.Body), `"type":"reminder.created"`)
			sent = sent || strings.Contains(string(r.Body), `"action":"sent"`)
		}
		return created && sent
	})
}

func TestWebhookDisabledNoticeInBothLanguages(t *testing.T) {
	d, err := jobs.NewDigest("vendorwatch@example.lg.jp", "https://vendorwatch.example")
	require.NoError(t, err)
	n := domain.WebhookDisabledNotice{SubscriptionID: "0193", URL: "https://hooks.example.com/vw", Reason: "10 delivery attempts failed in a row",
		OwnerName: "担当 太郎", OwnerEmail: "owner@example.lg.jp", DisabledAt: time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC)}
	ja, err := d.RenderWebhookDisabled(n, false, tokyo, "x@example.lg.jp")
	require.NoError(t, err)
	require.Equal(t, "owner@example.lg.jp", ja.To)
	require.Contains(t, ja.Subject, "Webhookを停止しました")
	require.Contains(t, ja.Text, "担当 太郎 様")
	require.Contains(t, ja.Text, "2026年12月1日（火） 09:30")
	require.Contains(t, ja.Text, "https://vendorwatch.example/admin/webhooks/0193")
	require.Contains(t, ja.HTML, `href="https://vendorwatch.example/admin/webhooks/0193"`)
	n.Locale = domain.LocaleEn
	en, err := d.RenderWebhookDisabled(n, false, tokyo, "x@example.lg.jp")
	require.NoError(t, err)
	require.Contains(t, en.Subject, "webhook subscription was disabled")
	require.Contains(t, en.Text, "Dear 担当 太郎")
	require.Contains(t, en.Text, "https://hooks.example.com/vw")
	require.Contains(t, en.HTML, "10 delivery attempts failed in a row")
}
