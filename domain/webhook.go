package domain

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// WebhookEventType names what a webhook delivery is about: <entity>.created
// or <entity>.changed.
type WebhookEventType string

// The event types a subscription may ask for. "changed" covers every change
// after creation, deletion included (data.action says which).
const (
	EventVendorCreated             WebhookEventType = "vendor.created"
	EventVendorChanged             WebhookEventType = "vendor.changed"
	EventContractCreated           WebhookEventType = "contract.created"
	EventContractChanged           WebhookEventType = "contract.changed"
	EventClauseChanged             WebhookEventType = "clause.changed"
	EventConfirmationCreated       WebhookEventType = "confirmation.created"
	EventConfirmationChanged       WebhookEventType = "confirmation.changed"
	EventCorrectiveActionCreated   WebhookEventType = "corrective_action.created"
	EventCorrectiveActionChanged   WebhookEventType = "corrective_action.changed"
	EventCloudServiceCreated       WebhookEventType = "cloud_service.created"
	EventCloudServiceChanged       WebhookEventType = "cloud_service.changed"
	EventSocialAccountCreated      WebhookEventType = "social_account.created"
	EventSocialAccountChanged      WebhookEventType = "social_account.changed"
	EventIncidentCreated           WebhookEventType = "incident.created"
	EventIncidentChanged           WebhookEventType = "incident.changed"
	EventReminderCreated           WebhookEventType = "reminder.created"
	EventReminderChanged           WebhookEventType = "reminder.changed"
	EventInspectionCampaignCreated WebhookEventType = "inspection_campaign.created"
	EventInspectionCampaignChanged WebhookEventType = "inspection_campaign.changed"
	EventAuditCreated              WebhookEventType = "audit.created"
	EventAuditChanged              WebhookEventType = "audit.changed"
	EventPolicyReviewCreated       WebhookEventType = "policy_review.created"
	EventPolicyReviewChanged       WebhookEventType = "policy_review.changed"
	// EventPing is the test delivery of ping-webhook; no subscription asks
	// for it, every one may receive it.
	EventPing WebhookEventType = "webhook.ping"
)

// WebhookEventTypes lists every event type a subscription may name, in order.
var WebhookEventTypes = []WebhookEventType{
	EventVendorCreated, EventVendorChanged, EventContractCreated, EventContractChanged, EventClauseChanged,
	EventConfirmationCreated, EventConfirmationChanged, EventCorrectiveActionCreated, EventCorrectiveActionChanged,
	EventCloudServiceCreated, EventCloudServiceChanged, EventSocialAccountCreated, EventSocialAccountChanged,
	EventIncidentCreated, EventIncidentChanged, EventReminderCreated, EventReminderChanged,
	EventInspectionCampaignCreated, EventInspectionCampaignChanged, EventAuditCreated, EventAuditChanged,
	EventPolicyReviewCreated, EventPolicyReviewChanged,
}

// webhookEntities maps the entity type of an audit event to the prefix of
// its event types; an entity not here (people, tokens, settings, webhooks
// themselves) is delivered to nobody.
var webhookEntities = map[string]string{
	"vendor": "vendor", "contract": "contract", "confirmation": "confirmation",
	"corrective_action": "corrective_action", "cloud_service": "cloud_service",
	"social_account": "social_account", "incident": "incident", "reminder": "reminder",
	"inspection_campaign": "inspection_campaign", "audit": "audit", "policy_review": "policy_review",
}

// clauseActions are the contract audit actions that change its clause
// coverage: they are clause.changed, not contract.changed.
var clauseActions = map[string]bool{"set_clause": true, "approve_waiver": true}

// WebhookEventFor is the one table from a change (the audit event's entity
// type and action) to its webhook event type; false when nothing is sent.
func WebhookEventFor(entityType, action string) (WebhookEventType, bool) {
	prefix, ok := webhookEntities[entityType]
	if !ok || action == AuditSeed {
		return "", false
	}
	if entityType == "contract" && clauseActions[action] {
		return EventClauseChanged, true
	}
	if action == AuditCreate {
		return WebhookEventType(prefix + ".created"), true
	}
	return WebhookEventType(prefix + ".changed"), true
}

// Valid says whether t is a subscribable event type.
func (t WebhookEventType) Valid() bool {
	for _, k := range WebhookEventTypes {
		if k == t {
			return true
		}
	}
	return false
}

// WebhookSubscription is a URL that receives signed deliveries of the
// events it asks for. Its secrets are never shown after create or rotate.
type WebhookSubscription struct {
	ID                  string             `json:"id" doc:"UUIDv7 of the subscription."`
	URL                 string             `json:"url" format:"uri" doc:"Where deliveries are POSTed (https, or http)."`
	EventTypes          []WebhookEventType `json:"event_types" doc:"The event types delivered."`
	Description         string             `json:"description" doc:"What receives them."`
	OwnerID             string             `json:"owner_id" format:"uuid" doc:"The person e-mailed when the subscription is disabled."`
	Active              bool               `json:"active" doc:"Deliveries are sent; false once disabled (by an admin, or after webhook_failures_before_disable failed attempts in a row)."`
	DisabledReason      string             `json:"disabled_reason,omitempty" doc:"Why it was disabled."`
	DisabledAt          *time.Time         `json:"disabled_at,omitempty" doc:"When it was disabled (RFC 3339, UTC)."`
	ConsecutiveFailures int                `json:"consecutive_failures" doc:"Failed delivery attempts since the last success."`
	SecretRotating      bool               `json:"secret_rotating" doc:"A previous secret is still valid (until previous_secret_until): deliveries carry one signature per secret."`
	PreviousSecretUntil *time.Time         `json:"previous_secret_until,omitempty" doc:"When the previous secret stops being used (RFC 3339, UTC)."`
	Version             int                `json:"version" doc:"Increases with every change; sent back in If-Match."`
	CreatedAt           time.Time          `json:"created_at" doc:"When it was created (RFC 3339, UTC)."`
	UpdatedAt           time.Time          `json:"updated_at" doc:"When it last changed (RFC 3339, UTC)."`
}

// WebhookSubscriptionInput is what an admin sets on a subscription.
type WebhookSubscriptionInput struct {
	URL         string             `json:"url" format:"uri" minLength:"1" maxLength:"2000" doc:"Where deliveries are POSTed: an absolute http or https URL without user information. Targets on loopback, link-local and private addresses are refused at send time unless webhook_allow_private_targets is on." validate:"required,max=2000"`
	EventTypes  []WebhookEventType `json:"event_types" minItems:"1" maxItems:"50" doc:"The event types to deliver (vendor.created, contract.changed, clause.changed, reminder.created, …)." validate:"min=1,max=50"`
	Description string             `json:"description" required:"false" maxLength:"500" doc:"What receives them." validate:"max=500"`
	OwnerID     string             `json:"owner_id" format:"uuid" doc:"The person e-mailed when the subscription is disabled." validate:"required"`
}

// Check applies the rules validator tags cannot express.
func (in WebhookSubscriptionInput) Check() FieldErrors {
	var fe FieldErrors
	if err := CheckWebhookURL(in.URL); err != nil {
		fe.AddJa("url", err.Error(), "http又はhttpsの絶対URL（ユーザー情報なし）を入力してください。", in.URL)
	}
	seen := map[WebhookEventType]bool{}
	for i, t := range in.EventTypes {
		switch {
		case !t.Valid():
			fe.AddJa(fmt.Sprintf("event_types[%d]", i), "is not an event type", "イベントの種類ではありません。", t)
		case seen[t]:
			fe.AddJa(fmt.Sprintf("event_types[%d]", i), "is listed twice", "重複しています。", t)
		}
		seen[t] = true
	}
	return fe
}

// CheckWebhookURL checks the shape of a target URL. Where it points is
// checked at send time, on the address actually dialled.
func CheckWebhookURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("is not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("must be an http or https URL")
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("must name a host")
	case u.User != nil:
		return fmt.Errorf("must not carry user information")
	case u.Fragment != "":
		return fmt.Errorf("must not carry a fragment")
	}
	return nil
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// WebhookDelivery is one event sent (or to send) to one subscription.
type WebhookDelivery struct {
	ID             string           `json:"id" doc:"UUIDv7 of the delivery."`
	SubscriptionID string           `json:"subscription_id" doc:"The subscription."`
	EventID        string           `json:"event_id" doc:"The event's id, sent as webhook-id on every attempt: receivers dedupe on it."`
	EventType      WebhookEventType `json:"event_type" doc:"The event type."`
	Payload        json.RawMessage  `json:"payload" doc:"The JSON body sent: {type, timestamp, data}."`
	Attempts       int              `json:"attempts" doc:"Attempts made."`
	Status         string           `json:"status" enum:"pending,delivered,failed" doc:"pending (to send or to retry), delivered (a 2xx answer), failed (given up)."`
	LastStatusCode int              `json:"last_status_code" doc:"HTTP status of the last attempt's answer; 0 when none came."`
	LastResponse   string           `json:"last_response" doc:"The start of the last answer's body (at most 1 KiB)."`
	LastError      string           `json:"last_error" doc:"Why the last attempt failed; empty after a success."`
	CreatedAt      time.Time        `json:"created_at" doc:"When the change was committed (RFC 3339, UTC)."`
	LastAttemptAt  *time.Time       `json:"last_attempt_at,omitempty" doc:"When it was last tried."`
	DeliveredAt    *time.Time       `json:"delivered_at,omitempty" doc:"When it was delivered."`
}

// WebhookAttempt is what one delivery attempt got.
type WebhookAttempt struct {
	StatusCode int
	Response   string
	Error      string
	// Final: no further attempt will be made (the last one allowed).
	Final bool
}

// WebhookInactiveError is the error the worker records for a delivery
// whose subscription was disabled before it was sent: the delivery fails
// without counting against the subscription.
const WebhookInactiveError = "the subscription is disabled"

// WebhookToSend is a delivery with what signs it.
type WebhookToSend struct {
	Delivery     *WebhookDelivery
	Subscription *WebhookSubscription
	// Secrets are the valid signing secrets, newest first.
	Secrets []string
}

// WebhookDisabledNotice tells a subscription's owner that it was disabled.
type WebhookDisabledNotice struct {
	SubscriptionID string    `json:"subscription_id"`
	URL            string    `json:"url"`
	Reason         string    `json:"reason"`
	OwnerName      string    `json:"owner_name"`
	OwnerEmail     string    `json:"owner_email"`
	Locale         Locale    `json:"locale"`
	DisabledAt     time.Time `json:"disabled_at"`
}

// ChangeEvent is one committed-with-its-transaction change that webhooks
// may deliver: the audit event's id, entity and action, and the record.
type ChangeEvent struct {
	ID         string
	EntityType string
	EntityID   string
	Action     string
	OccurredAt time.Time
	// Object is the record after the change (before it, for a deletion).
	Object json.RawMessage
}

// EnqueueWebhookDeliveries receives the open transaction of a change and
// the deliveries it wrote; the wiring queues one job per delivery in it
// (River's InsertTx), so a delivery is sent exactly when its change commits.
type EnqueueWebhookDeliveries func(ctx context.Context, tx *sql.Tx, deliveryIDs []string) error

// EnqueueWebhookDisabledNotice receives the transaction that disabled a
// subscription and queues the e-mail to its owner in it.
type EnqueueWebhookDisabledNotice func(ctx context.Context, tx *sql.Tx, n WebhookDisabledNotice) error

// WebhookDeliveryFilter selects deliveries of a subscription.
type WebhookDeliveryFilter struct {
	Status string
}

// WebhookService keeps the subscriptions (admin only at the API).
type WebhookService interface {
	// ListWebhooks returns a page of subscriptions. EINVALID.
	ListWebhooks(ctx context.Context, p PageRequest) (Page[*WebhookSubscription], error)
	// FindWebhook returns one subscription. ENOTFOUND.
	FindWebhook(ctx context.Context, id string) (*WebhookSubscription, error)
	// CreateWebhook creates an active subscription and returns its secret,
	// shown this once. EINVALID (owner unknown too).
	CreateWebhook(ctx context.Context, in WebhookSubscriptionInput) (*WebhookSubscription, string, error)
	// ReplaceWebhook edits a subscription. ENOTFOUND, EINVALID, ESTALE.
	ReplaceWebhook(ctx context.Context, id string, ifVersion *int, in WebhookSubscriptionInput) (*WebhookSubscription, error)
	// DeleteWebhook deletes a subscription and its delivery log; pending
	// deliveries are not sent. ENOTFOUND, ESTALE.
	DeleteWebhook(ctx context.Context, id string, ifVersion *int) error
	// RotateWebhookSecret makes a new secret and keeps the current one
	// valid for grace; it returns the new one, shown this once. ENOTFOUND,
	// ESTALE.
	RotateWebhookSecret(ctx context.Context, id string, ifVersion *int, grace time.Duration) (*WebhookSubscription, string, error)
	// EnableWebhook activates a subscription again and clears its failure
	// count. ENOTFOUND, ESTALE.
	EnableWebhook(ctx context.Context, id string, ifVersion *int) (*WebhookSubscription, error)
	// DisableWebhook stops deliveries, with the reason. ENOTFOUND, ESTALE,
	// ECONFLICT when already disabled.
	DisableWebhook(ctx context.Context, id string, ifVersion *int, reason string) (*WebhookSubscription, error)
	// PingWebhook queues a webhook.ping delivery to the subscription, active
	// or not. ENOTFOUND.
	PingWebhook(ctx context.Context, id string) (*WebhookDelivery, error)
	// ListWebhookDeliveries returns the delivery log of a subscription,
	// newest first. ENOTFOUND, EINVALID.
	ListWebhookDeliveries(ctx context.Context, id string, f WebhookDeliveryFilter, p PageRequest) (Page[*WebhookDelivery], error)
}

// WebhookSender is what the delivery worker needs of the store.
type WebhookSender interface {
	// WebhookToSend reads a delivery with its subscription and valid
	// secrets. ENOTFOUND when the delivery (or its subscription) is gone.
	WebhookToSend(ctx context.Context, deliveryID string) (*WebhookToSend, error)
	// RecordWebhookAttempt records one attempt: delivered on a 2xx
	// (resetting the subscription's failure run), or a failure that counts
	// towards disabling it; when the run reaches the setting it disables the
	// subscription and calls notice in that transaction.
	RecordWebhookAttempt(ctx context.Context, deliveryID string, a WebhookAttempt, notice EnqueueWebhookDisabledNotice) (*WebhookDelivery, error)
}

// Webhook payload and signatures (Standard Webhooks).

// WebhookPayload is the JSON body of every delivery.
type WebhookPayload struct {
	Type      WebhookEventType `json:"type"`
	Timestamp time.Time        `json:"timestamp"`
	Data      WebhookData      `json:"data"`
}

// WebhookData says what changed: the entity, the action and the record.
type WebhookData struct {
	EntityType string          `json:"entity_type"`
	EntityID   string          `json:"entity_id"`
	Action     string          `json:"action"`
	Object     json.RawMessage `json:"object,omitempty"`
}

// SecretPrefix starts every webhook secret.
const SecretPrefix = "whsec_"

// NewWebhookSecret returns a random secret: whsec_ and 32 random bytes in
// standard base64.
func NewWebhookSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// WebhookSignature is the webhook-signature header: one "v1,<base64>" per
// secret, separated by spaces, each the HMAC-SHA256 of
// "{id}.{timestamp}.{body}" under the secret's decoded bytes.
func WebhookSignature(secrets []string, id string, timestamp int64, body []byte) (string, error) {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, SecretPrefix))
		if err != nil {
			return "", fmt.Errorf("domain: webhook secret is not base64: %w", err)
		}
		m := hmac.New(sha256.New, key)
		m.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
		m.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}

// Refused address ranges of webhook targets (SSRF): besides loopback,
// link-local, private (RFC 1918, ULA), unspecified and multicast, which
// netip knows, these.
var refusedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"),   // CGNAT (RFC 6598)
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
	netip.MustParsePrefix("::ffff:0:0/96"),   // handled by Unmap; kept for clarity
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
}

// WebhookTargetRefusal says why a webhook may not connect to ip, or "" when
// it may. Private targets are allowed only by the admin setting.
func WebhookTargetRefusal(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid():
		return "not an IP address"
	case ip.IsLoopback():
		return "loopback address"
	case ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast():
		return "link-local address"
	case ip.IsPrivate():
		return "private address"
	case ip.IsUnspecified():
		return "unspecified address"
	case ip.IsMulticast() || ip.IsInterfaceLocalMulticast():
		return "multicast address"
	}
	for _, p := range refusedPrefixes {
		if p.Contains(ip) {
			return "reserved address (" + p.String() + ")"
		}
	}
	return ""
}

// WebhookHostRefusal is WebhookTargetRefusal for a "host:port" the dialer
// is about to connect to.
func WebhookHostRefusal(address string) string {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return "not an IP address"
	}
	return WebhookTargetRefusal(ip)
}
