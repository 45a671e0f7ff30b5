package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// queued records the deliveries the store hands to the hook.
type queued struct {
	mu   sync.Mutex
	ids  []string
	fail error
}

func (q *queued) hook(_ context.Context, tx *sql.Tx, ids []string) error {
	if tx == nil {
		return errors.New("no transaction")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.fail != nil {
		return q.fail
	}
	q.ids = append(q.ids, ids...)
	return nil
}

func TestWebhookDeliveriesFollowTheirChange(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		ctx, admin := outSeed(t, db)
		q := &queued{}
		db.OnWebhookDeliveries(q.hook)
		w, secret, err := db.CreateWebhook(ctx, domain.WebhookSubscriptionInput{URL: "https://hooks.example.com/vw",
			EventTypes: []domain.WebhookEventType{domain.EventVendorCreated, domain.EventVendorChanged, domain.EventReminderCreated}, OwnerID: admin.ID})
		require.NoError(t, err)
		require.Regexp(t, `^whsec_[A-Za-z0-9+/]{43}=$`, secret)
		require.Empty(t, q.ids, "the subscription's own change is delivered to nobody")

		v, err := db.CreateVendor(ctx, domain.VendorInput{Name: "委託先株式会社", OwnerID: admin.ID})
		require.NoError(t, err)
		require.Len(t, q.ids, 1)
		page, err := db.ListWebhookDeliveries(ctx, w.ID, domain.WebhookDeliveryFilter{}, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		d := page.Items[0]
		require.Equal(t, q.ids[0], d.ID)
		require.Equal(t, domain.EventVendorCreated, d.EventType)
		require.Equal(t, domain.DeliveryPending, d.Status)
		var p domain.WebhookPayload
		require.NoError(t, json.Unmarshal(d.Payload, &p))
		require.Equal(t, domain.EventVendorCreated, p.Type)
		require.Equal(t, v.ID, p.Data.EntityID)
		require.Contains(t, string(p.Data.Object), "委託先株式会社")
		audit, err := db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "vendor", EntityID: v.ID}, domain.PageRequest{})
		require.NoError(t, err)
		require.Equal(t, audit.Items[0].ID, d.EventID, "the event id is the audit event's")

		// A change whose transaction fails leaves no delivery behind.
		q.fail = errors.New("boom")
		_, err = db.CreateVendor(ctx, domain.VendorInput{Name: "ロールバック株式会社", OwnerID: admin.ID})
		require.Error(t, err)
		q.fail = nil
		page, err = db.ListWebhookDeliveries(ctx, w.ID, domain.WebhookDeliveryFilter{}, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		vs, err := db.ListVendors(ctx, domain.VendorFilter{}, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, vs.Items, 1)

		// A disabled subscription is not delivered to.
		w, err = db.DisableWebhook(ctx, w.ID, &w.Version, "maintenance")
		require.NoError(t, err)
		require.False(t, w.Active)
		_, err = db.CreateVendor(ctx, domain.VendorInput{Name: "停止中株式会社", OwnerID: admin.ID})
		require.NoError(t, err)
		require.Len(t, q.ids, 1)
		_, err = db.DisableWebhook(ctx, w.ID, nil, "")
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(err))

		// Rotation: two valid secrets until the grace ends.
		w, err = db.EnableWebhook(ctx, w.ID, &w.Version)
		require.NoError(t, err)
		w, second, err := db.RotateWebhookSecret(ctx, w.ID, &w.Version, 0)
		require.NoError(t, err)
		require.True(t, w.SecretRotating)
		send, err := db.WebhookToSend(ctx, q.ids[0])
		require.NoError(t, err)
		require.Equal(t, []string{second, secret}, send.Secrets)

		// Stale If-Match and validation.
		stale := 1
		_, err = db.ReplaceWebhook(ctx, w.ID, &stale, domain.WebhookSubscriptionInput{URL: "https://x.example", EventTypes: []domain.WebhookEventType{domain.EventVendorCreated}, OwnerID: admin.ID})
		require.Equal(t, domain.ESTALE, domain.ErrorCodeOf(err))
		_, err = db.ReplaceWebhook(ctx, w.ID, nil, domain.WebhookSubscriptionInput{URL: "ftp://x.example", EventTypes: []domain.WebhookEventType{"vendor.exploded"}, OwnerID: admin.ID})
		require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(err))

		// The ping is queued to the subscription.
		ping, err := db.PingWebhook(ctx, w.ID)
		require.NoError(t, err)
		require.Equal(t, domain.EventPing, ping.EventType)
		require.Contains(t, q.ids, ping.ID)

		// Secrets never appear in the audit trail.
		events, err := db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "webhook"}, domain.PageRequest{})
		require.NoError(t, err)
		for _, e := range events.Items {
			require.NotContains(t, string(e.After)+string(e.Before), secret)
			require.NotContains(t, string(e.After)+string(e.Before), second)
		}
	})
}

func TestWebhookFailuresDisableTheSubscription(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		ctx, admin := outSeed(t, db)
		q := &queued{}
		db.OnWebhookDeliveries(q.hook)
		s, err := db.GetSettings(ctx)
		require.NoError(t, err)
		p := s.PolicySettings
		p.WebhookFailuresBeforeDisable = 3
		_, err = db.ReplaceSettings(ctx, &s.Version, p)
		require.NoError(t, err)
		w, _, err := db.CreateWebhook(ctx, domain.WebhookSubscriptionInput{URL: "https://hooks.example.com/vw",
			EventTypes: []domain.WebhookEventType{domain.EventVendorCreated}, OwnerID: admin.ID})
		require.NoError(t, err)
		_, err = db.CreateVendor(ctx, domain.VendorInput{Name: "委託先株式会社", OwnerID: admin.ID})
		require.NoError(t, err)
		require.Len(t, q.ids, 1)
		var notices []domain.WebhookDisabledNotice
		notice := func(_ context.Context, _ *sql.Tx, n domain.WebhookDisabledNotice) error {
			notices = append(notices, n)
			return nil
		}
		for i := range 2 {
			d, err := db.RecordWebhookAttempt(ctx, q.ids[0], domain.WebhookAttempt{StatusCode: 500, Response: "oops"}, notice)
			require.NoError(t, err)
			require.Equal(t, domain.DeliveryPending, d.Status)
			require.Equal(t, i+1, d.Attempts)
		}
		require.Empty(t, notices)
		d, err := db.RecordWebhookAttempt(ctx, q.ids[0], domain.WebhookAttempt{Error: "connection refused", Final: true}, notice)
		require.NoError(t, err)
		require.Equal(t, domain.DeliveryFailed, d.Status)
		require.Len(t, notices, 1)
		require.Equal(t, admin.Email, notices[0].OwnerEmail)
		w, err = db.FindWebhook(ctx, w.ID)
		require.NoError(t, err)
		require.False(t, w.Active)
		require.Contains(t, w.DisabledReason, "3 delivery attempts failed")
		// Enabling clears the run; a success resets it too.
		w, err = db.EnableWebhook(ctx, w.ID, &w.Version)
		require.NoError(t, err)
		require.Zero(t, w.ConsecutiveFailures)
	})
}

// BenchmarkWebhookEnqueue measures what webhooks add to one audited write
// (a vendor created): without the hook (no job runner), with the hook and
// no subscription (one read of the active subscriptions), and with five
// matching subscriptions (five delivery rows and the hook).
func BenchmarkWebhookEnqueue(b *testing.B) {
	for _, subs := range []int{-1, 0, 5} {
		name := fmt.Sprintf("subscriptions=%d", subs)
		if subs < 0 {
			name = "no-hook"
		}
		b.Run(name, func(b *testing.B) {
			benchDBs(b, func(b *testing.B, ctx context.Context, db *store.DB, _ string) {
				me, _ := domain.ActorFrom(ctx)
				if subs >= 0 {
					db.OnWebhookDeliveries(func(context.Context, *sql.Tx, []string) error { return nil })
				}
				for range max(subs, 0) {
					_, _, err := db.CreateWebhook(ctx, domain.WebhookSubscriptionInput{URL: "https://hooks.example.com/vw",
						EventTypes: []domain.WebhookEventType{domain.EventVendorCreated}, OwnerID: me.PersonID})
					require.NoError(b, err)
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					_, err := db.CreateVendor(ctx, domain.VendorInput{Name: fmt.Sprintf("株式会社%d", i), OwnerID: me.PersonID})
					require.NoError(b, err)
					i++
				}
			})
		})
	}
}

func TestWebhookSecretsSealedAtRest(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		ctx, admin := outSeed(t, db)
		q := &queued{}
		db.OnWebhookDeliveries(q.hook)
		// A secret written without a key stays readable once a key is set.
		plain, plainSecret, err := db.CreateWebhook(ctx, domain.WebhookSubscriptionInput{URL: "https://a.example.com/",
			EventTypes: []domain.WebhookEventType{domain.EventVendorCreated}, OwnerID: admin.ID})
		require.NoError(t, err)
		db.UseWebhookSecretKey("correct horse battery staple")
		w, secret, err := db.CreateWebhook(ctx, domain.WebhookSubscriptionInput{URL: "https://b.example.com/",
			EventTypes: []domain.WebhookEventType{domain.EventVendorCreated}, OwnerID: admin.ID})
		require.NoError(t, err)
		var stored string
		require.NoError(t, db.SQL().QueryRowContext(ctx, "SELECT secret FROM webhook_subscriptions WHERE id = '"+w.ID+"'").Scan(&stored))
		require.True(t, strings.HasPrefix(stored, "enc:v1:"), stored)
		require.NotContains(t, stored, strings.TrimPrefix(secret, "whsec_"))
		_, err = db.CreateVendor(ctx, domain.VendorInput{Name: "委託先株式会社", OwnerID: admin.ID})
		require.NoError(t, err)
		require.Len(t, q.ids, 2)
		for _, id := range q.ids {
			send, err := db.WebhookToSend(ctx, id)
			require.NoError(t, err)
			want := secret
			if send.Subscription.ID == plain.ID {
				want = plainSecret
			}
			require.Equal(t, []string{want}, send.Secrets)
		}
		// Rotated: both open.
		_, second, err := db.RotateWebhookSecret(ctx, w.ID, nil, time.Hour)
		require.NoError(t, err)
		page, err := db.ListWebhookDeliveries(ctx, w.ID, domain.WebhookDeliveryFilter{}, domain.PageRequest{})
		require.NoError(t, err)
		send, err := db.WebhookToSend(ctx, page.Items[0].ID)
		require.NoError(t, err)
		require.Equal(t, []string{second, secret}, send.Secrets)
		// Another key, or none, does not open them.
		db.UseWebhookSecretKey("wrong")
		_, err = db.WebhookToSend(ctx, page.Items[0].ID)
		require.ErrorContains(t, err, "does not open")
		db.UseWebhookSecretKey("")
		_, err = db.WebhookToSend(ctx, page.Items[0].ID)
		require.ErrorContains(t, err, "--webhook-secret-key")
	})
}
