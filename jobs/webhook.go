package jobs

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/riverqueue/river"

	"github.com/vendorwatch/vendorwatch/domain"
)

// WebhookDeliveryArgs asks for one webhook delivery (one event to one
// subscription). It is queued in the transaction of the change.
type WebhookDeliveryArgs struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind implements river.JobArgs.
func (WebhookDeliveryArgs) Kind() string { return "webhook_delivery" }

// DefaultWebhookRetryDelays is the bounded retry schedule of a delivery
// after its first attempt (Standard Webhooks' suggestion): 5 s, 5 min,
// 30 min, 2 h, 5 h, 10 h, 10 h — eight attempts over about a day.
var DefaultWebhookRetryDelays = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
	5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// enqueueWebhookDeliveries returns the store's hook: one River job per
// delivery, inserted in the change's transaction.
func enqueueWebhookDeliveries(client *Client, maxAttempts int) domain.EnqueueWebhookDeliveries {
	return func(ctx context.Context, tx *sql.Tx, ids []string) error {
		params := make([]river.InsertManyParams, len(ids))
		for i, id := range ids {
			params[i] = river.InsertManyParams{Args: WebhookDeliveryArgs{DeliveryID: id}, InsertOpts: &river.InsertOpts{MaxAttempts: maxAttempts}}
		}
		if _, err := client.InsertManyTx(ctx, tx, params); err != nil {
			return fmt.Errorf("jobs: queue webhook deliveries: %w", err)
		}
		return nil
	}
}

// enqueueWebhookDisabledNotice returns the hook that queues the owner's
// e-mail in the transaction that disabled the subscription.
func enqueueWebhookDisabledNotice(client *Client) domain.EnqueueWebhookDisabledNotice {
	return func(ctx context.Context, tx *sql.Tx, n domain.WebhookDisabledNotice) error {
		if _, err := client.InsertTx(ctx, tx, WebhookDisabledNoticeArgs(n), nil); err != nil {
			return fmt.Errorf("jobs: queue the webhook disabled notice: %w", err)
		}
		return nil
	}
}

// webhookSettings is what the worker reads of the settings at send time.
type webhookSettings interface {
	GetSettings(ctx context.Context) (*domain.Settings, error)
}

// maxWebhookBody is how much of an answer is read (and its first KiB kept).
const maxWebhookBody = 64 << 10

// WebhookWorker sends one delivery, signed per Standard Webhooks, to an
// address it checks as it dials (SSRF).
type WebhookWorker struct {
	river.WorkerDefaults[WebhookDeliveryArgs]
	Store    domain.WebhookSender
	Settings webhookSettings
	// Delays are the waits before each retry; DefaultWebhookRetryDelays
	// when empty. MaxAttempts is one more than their number.
	Delays []time.Duration
	Now    func() time.Time
	Logger *slog.Logger
	notice domain.EnqueueWebhookDisabledNotice
	// metrics counts the attempts; nil counts nothing.
	metrics *metrics
}

// NextRetry implements river.Worker: the bounded schedule.
func (w *WebhookWorker) NextRetry(job *river.Job[WebhookDeliveryArgs]) time.Time {
	d := w.delays()
	i := min(max(job.Attempt-1, 0), len(d)-1)
	return time.Now().Add(d[i])
}

func (w *WebhookWorker) delays() []time.Duration {
	if len(w.Delays) == 0 {
		return DefaultWebhookRetryDelays
	}
	return w.Delays
}

// MaxAttempts is how many attempts a delivery gets.
func (w *WebhookWorker) MaxAttempts() int { return len(w.delays()) + 1 }

// Timeout implements river.Worker: longer than the longest attempt.
func (w *WebhookWorker) Timeout(*river.Job[WebhookDeliveryArgs]) time.Duration {
	return 2 * time.Minute
}

// Work implements river.Worker.
func (w *WebhookWorker) Work(ctx context.Context, job *river.Job[WebhookDeliveryArgs]) error {
	send, err := w.Store.WebhookToSend(ctx, job.Args.DeliveryID)
	if domain.ErrorCodeOf(err) == domain.ENOTFOUND {
		return river.JobCancel(fmt.Errorf("jobs: webhook delivery %s is gone (its subscription was deleted)", job.Args.DeliveryID))
	}
	if err != nil {
		return err
	}
	if send.Delivery.Status != domain.DeliveryPending {
		return nil // recorded by an earlier attempt whose job outcome was lost
	}
	rec, cancel := recordContext(ctx)
	defer cancel()
	if !send.Subscription.Active && send.Delivery.EventType != domain.EventPing {
		_, err := w.Store.RecordWebhookAttempt(rec, send.Delivery.ID, domain.WebhookAttempt{Error: domain.WebhookInactiveError, Final: true}, nil)
		if err == nil {
			w.metrics.countWebhook(webhookInactive)
		}
		return err
	}
	settings, err := w.Settings.GetSettings(ctx)
	if err != nil {
		return err
	}
	a := w.post(ctx, send, settings.PolicySettings)
	a.Final = job.Attempt >= job.MaxAttempts
	log := w.logger().With("delivery", send.Delivery.ID, "subscription", send.Subscription.ID, "event_id", send.Delivery.EventID, "attempt", job.Attempt)
	d, err := w.Store.RecordWebhookAttempt(rec, send.Delivery.ID, a, w.notice)
	if err != nil {
		return err
	}
	switch d.Status {
	case domain.DeliveryPending:
		w.metrics.countWebhook(webhookRetry)
	case domain.DeliveryFailed:
		w.metrics.countWebhook(webhookFailed)
	default:
		w.metrics.countWebhook(webhookDelivered)
	}
	if d.Status == domain.DeliveryPending {
		log.WarnContext(ctx, "webhook delivery failed; will retry", "status", a.StatusCode, "error", a.Error)
		return fmt.Errorf("jobs: webhook delivery failed: %s", attemptText(a))
	}
	if d.Status == domain.DeliveryFailed {
		log.ErrorContext(ctx, "webhook delivery given up", "status", a.StatusCode, "error", a.Error)
	}
	return nil
}

func attemptText(a domain.WebhookAttempt) string {
	if a.Error != "" {
		return a.Error
	}
	return "HTTP " + strconv.Itoa(a.StatusCode)
}

func (w *WebhookWorker) logger() *slog.Logger {
	if w.Logger == nil {
		return slog.Default()
	}
	return w.Logger
}

// errRefusedTarget is the dialer's refusal of an address (SSRF).
type errRefusedTarget struct{ address, why string }

func (e *errRefusedTarget) Error() string {
	return "refused to connect to " + e.address + ": " + e.why + " (webhook_allow_private_targets is off)"
}

// webhookClient is an HTTP client for one attempt: no proxy, no
// redirects, bounded timeouts, and a dialer that checks every address it
// is about to connect to, after DNS resolution, so that a name resolving
// to a private address (or re-resolving to one) is refused too.
func (w *WebhookWorker) webhookClient(p domain.PolicySettings) *http.Client {
	timeout := time.Duration(p.WebhookTimeoutSeconds) * time.Second
	dialer := &net.Dialer{Timeout: min(timeout, 5*time.Second)}
	if !p.WebhookAllowPrivateTargets {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			if why := domain.WebhookHostRefusal(address); why != "" {
				return &errRefusedTarget{address: address, why: why}
			}
			return nil
		}
	}
	dial := dialer.DialContext
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy: nil, DialContext: dial, TLSHandshakeTimeout: min(timeout, 5*time.Second),
			ResponseHeaderTimeout: timeout, DisableKeepAlives: true, MaxResponseHeaderBytes: 16 << 10,
		},
		// A redirect is not followed: its target was not checked, and a
		// receiver that moved is told to update the subscription.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// post makes one attempt.
func (w *WebhookWorker) post(ctx context.Context, send *domain.WebhookToSend, p domain.PolicySettings) domain.WebhookAttempt {
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	body := []byte(send.Delivery.Payload)
	ts := now().Unix()
	sig, err := domain.WebhookSignature(send.Secrets, send.Delivery.EventID, ts, body)
	if err != nil {
		return domain.WebhookAttempt{Error: err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, send.Subscription.URL, bytes.NewReader(body))
	if err != nil {
		return domain.WebhookAttempt{Error: "bad URL: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "vendorwatch-webhooks/1")
	req.Header.Set("webhook-id", send.Delivery.EventID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := w.webhookClient(p).Do(req)
	if err != nil {
		var refused *errRefusedTarget
		if errors.As(err, &refused) {
			return domain.WebhookAttempt{Error: refused.Error()}
		}
		return domain.WebhookAttempt{Error: err.Error()}
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, maxWebhookBody))
	a := domain.WebhookAttempt{StatusCode: resp.StatusCode, Response: string(excerpt)}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		a.Error = "redirect to " + resp.Header.Get("Location") + " not followed"
	}
	return a
}

// WebhookDisabledNoticeArgs asks for the e-mail to a subscription's owner
// saying that it was disabled.
type WebhookDisabledNoticeArgs domain.WebhookDisabledNotice

// Kind implements river.JobArgs.
func (WebhookDisabledNoticeArgs) Kind() string { return "webhook_disabled_notice" }

// WebhookDisabledNoticeWorker sends that e-mail.
type WebhookDisabledNoticeWorker struct {
	river.WorkerDefaults[WebhookDisabledNoticeArgs]
	Settings        noticeSettings
	Mailer          Mailer
	Digest          *Digest
	MessageIDDomain string
	Location        *time.Location
	Logger          *slog.Logger
}

// Work implements river.Worker.
func (w *WebhookDisabledNoticeWorker) Work(ctx context.Context, job *river.Job[WebhookDisabledNoticeArgs]) error {
	a := domain.WebhookDisabledNotice(job.Args)
	settings, err := w.Settings.GetSettings(ctx)
	if err != nil {
		return err
	}
	msg, err := w.Digest.RenderWebhookDisabled(a, settings.JapaneseEraDates, w.Location,
		domain.MessageIDFor([]string{"webhook_disabled", a.SubscriptionID, a.DisabledAt.Format(time.RFC3339Nano)}, w.MessageIDDomain))
	if err != nil {
		return err
	}
	return sendNotice(ctx, w.Mailer, w.Logger, msg, "webhook disabled notice", "subscription", a.SubscriptionID)
}

// RenderWebhookDisabled builds the notice of a disabled subscription in the
// owner's locale.
func (d *Digest) RenderWebhookDisabled(a domain.WebhookDisabledNotice, withEra bool, loc *time.Location, messageID string) (Message, error) {
	if loc == nil {
		loc = time.UTC
	}
	l := a.Locale
	if l != domain.LocaleEn {
		l = domain.LocaleJa
	}
	at := a.DisabledAt.In(loc)
	subject := "【vendorwatch】Webhookを停止しました"
	if l == domain.LocaleEn {
		subject = "[vendorwatch] A webhook subscription was disabled"
	}
	data := struct {
		domain.WebhookDisabledNotice
		Subject string
		When    string
		Page    string
	}{a, subject, domain.DateOf(at, loc).FormatFor(l, withEra) + " " + at.Format("15:04"), d.BaseURL + "/admin/webhooks/" + a.SubscriptionID}
	return d.renderNotice("webhook_disabled", l, a.OwnerEmail, subject, messageID, data)
}
