package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var (
	_ domain.WebhookService = (*DB)(nil)
	_ domain.WebhookSender  = (*DB)(nil)
)

const entityWebhook = "webhook"

// Secrets: the server signs every delivery with HMAC-SHA256, so it needs
// the secret itself, not a hash of it. The API and the pages show it only
// in the answer to create and rotate (Cache-Control: no-store), no domain
// type carries it (so no audit snapshot, list or log does), and only
// WebhookToSend reads it, for the delivery worker. In the database it is
// sealed with AES-256-GCM under the key UseWebhookSecretKey set (serve's
// --webhook-secret-key), as "enc:v1:<base64 nonce‖ciphertext>", so that a
// copy of the database (a backup, a replica) does not give the secrets
// away; without a key it is kept as it is, protected as the database is.

// sealedPrefix starts a sealed secret.
const sealedPrefix = "enc:v1:"

// UseWebhookSecretKey sets the passphrase that seals the webhook secrets
// written from now on and opens the sealed ones; its SHA-256 is the
// AES-256 key. Secrets written before without a key stay readable.
func (db *DB) UseWebhookSecretKey(passphrase string) {
	if passphrase == "" {
		db.secretKey = nil
		return
	}
	k := sha256.Sum256([]byte(passphrase))
	db.secretKey = k[:]
}

func (db *DB) secretAEAD() (cipher.AEAD, error) {
	block, err := aes.NewCipher(db.secretKey)
	if err != nil {
		return nil, fmt.Errorf("store: webhook secret key: %w", err)
	}
	return cipher.NewGCM(block)
}

// sealSecret seals a secret for its column (as it is without a key).
func (db *DB) sealSecret(secret string) (string, error) {
	if db.secretKey == nil || secret == "" {
		return secret, nil
	}
	aead, err := db.secretAEAD()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return sealedPrefix + base64.StdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(secret), []byte("webhook"))), nil
}

// openSecret reads a secret's column.
func (db *DB) openSecret(stored string) (string, error) {
	if !strings.HasPrefix(stored, sealedPrefix) {
		return stored, nil
	}
	if db.secretKey == nil {
		return "", errors.New("store: the webhook secrets are sealed: start with the --webhook-secret-key they were sealed with")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(stored, sealedPrefix))
	if err != nil {
		return "", fmt.Errorf("store: sealed webhook secret: %w", err)
	}
	aead, err := db.secretAEAD()
	if err != nil {
		return "", err
	}
	if len(raw) < aead.NonceSize() {
		return "", errors.New("store: sealed webhook secret is too short")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte("webhook"))
	if err != nil {
		return "", errors.New("store: a webhook secret does not open with this --webhook-secret-key")
	}
	return string(plain), nil
}

type webhookRow struct {
	bun.BaseModel `bun:"table:webhook_subscriptions"`

	ID                  string     `bun:"id,pk"`
	URL                 string     `bun:"url"`
	EventTypes          string     `bun:"event_types"`
	Description         string     `bun:"description"`
	OwnerID             string     `bun:"owner_id"`
	Active              bool       `bun:"active"`
	DisabledReason      string     `bun:"disabled_reason"`
	DisabledAt          *time.Time `bun:"disabled_at"`
	ConsecutiveFailures int        `bun:"consecutive_failures"`
	Secret              string     `bun:"secret"`
	PreviousSecret      string     `bun:"previous_secret"`
	PreviousSecretUntil *time.Time `bun:"previous_secret_until"`
	Version             int        `bun:"version"`
	CreatedAt           time.Time  `bun:"created_at"`
	UpdatedAt           time.Time  `bun:"updated_at"`
}

func (r *webhookRow) types() []domain.WebhookEventType {
	var ts []domain.WebhookEventType
	_ = json.Unmarshal([]byte(r.EventTypes), &ts)
	if ts == nil {
		ts = []domain.WebhookEventType{}
	}
	return ts
}

func (r *webhookRow) toDomain(now time.Time) *domain.WebhookSubscription {
	s := &domain.WebhookSubscription{
		ID: r.ID, URL: r.URL, EventTypes: r.types(), Description: r.Description, OwnerID: r.OwnerID, Active: r.Active,
		DisabledReason: r.DisabledReason, DisabledAt: utcPtr(r.DisabledAt), ConsecutiveFailures: r.ConsecutiveFailures,
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.PreviousSecret != "" && r.PreviousSecretUntil != nil && r.PreviousSecretUntil.After(now) {
		s.SecretRotating, s.PreviousSecretUntil = true, utcPtr(r.PreviousSecretUntil)
	}
	return s
}

type webhookDeliveryRow struct {
	bun.BaseModel `bun:"table:webhook_deliveries"`

	ID             string     `bun:"id,pk"`
	SubscriptionID string     `bun:"subscription_id"`
	EventID        string     `bun:"event_id"`
	EventType      string     `bun:"event_type"`
	Payload        string     `bun:"payload"`
	Attempts       int        `bun:"attempts"`
	Status         string     `bun:"status"`
	LastStatusCode int        `bun:"last_status_code"`
	LastResponse   string     `bun:"last_response"`
	LastError      string     `bun:"last_error"`
	CreatedAt      time.Time  `bun:"created_at"`
	LastAttemptAt  *time.Time `bun:"last_attempt_at"`
	DeliveredAt    *time.Time `bun:"delivered_at"`
}

func (r *webhookDeliveryRow) toDomain() *domain.WebhookDelivery {
	return &domain.WebhookDelivery{
		ID: r.ID, SubscriptionID: r.SubscriptionID, EventID: r.EventID, EventType: domain.WebhookEventType(r.EventType),
		Payload: json.RawMessage(r.Payload), Attempts: r.Attempts, Status: r.Status, LastStatusCode: r.LastStatusCode,
		LastResponse: r.LastResponse, LastError: r.LastError, CreatedAt: r.CreatedAt.UTC(),
		LastAttemptAt: utcPtr(r.LastAttemptAt), DeliveredAt: utcPtr(r.DeliveredAt),
	}
}

// OnWebhookDeliveries sets what queues, inside the transaction of a change,
// the deliveries the change wrote (River's InsertTx, one job each). Without
// it no delivery is written: nothing would send it.
func (db *DB) OnWebhookDeliveries(f domain.EnqueueWebhookDeliveries) { db.webhooks = f }

// webhookTarget is what matching a change needs of a subscription.
type webhookTarget struct {
	ID         string `bun:"id"`
	EventTypes string `bun:"event_types"`
}

// webhookTargets reads, in tx, the active subscriptions that ask for t.
// One indexed read of the (few) active subscriptions per change: reading
// in the transaction, rather than from a cache, means a subscription
// created or disabled on another replica is honoured from its commit on.
func (db *DB) webhookTargets(ctx context.Context, tx bun.IDB, t domain.WebhookEventType) ([]string, error) {
	var subs []webhookTarget
	if err := tx.NewSelect().Table("webhook_subscriptions").Column("id", "event_types").Where("active = ?", true).
		Scan(ctx, &subs); err != nil {
		return nil, fmt.Errorf("store: read webhook subscriptions: %w", err)
	}
	var ids []string
	for _, s := range subs {
		if strings.Contains(s.EventTypes, `"`+string(t)+`"`) {
			ids = append(ids, s.ID)
		}
	}
	return ids, nil
}

// webhookChange writes one delivery per active subscription asking for the
// change's event type and queues them, all in tx: a delivery exists
// exactly when its change commits. Every audited change comes here from
// appendAudit; the reminder ledger's changes from reminder.go.
func (db *DB) webhookChange(ctx context.Context, tx bun.Tx, ev domain.ChangeEvent) error {
	if db.webhooks == nil {
		return nil
	}
	t, ok := domain.WebhookEventFor(ev.EntityType, ev.Action)
	if !ok {
		return nil
	}
	subs, err := db.webhookTargets(ctx, tx, t)
	if err != nil || len(subs) == 0 {
		return err
	}
	return db.writeDeliveries(ctx, tx, subs, t, ev)
}

// webhookChanges is webhookChange for many changes of one transaction
// (appendAuditMany): the subscriptions are read once per event type, not
// once per change.
func (db *DB) webhookChanges(ctx context.Context, tx bun.Tx, evs []domain.ChangeEvent) error {
	if db.webhooks == nil {
		return nil
	}
	targets := map[domain.WebhookEventType][]string{}
	for _, ev := range evs {
		t, ok := domain.WebhookEventFor(ev.EntityType, ev.Action)
		if !ok {
			continue
		}
		subs, read := targets[t]
		if !read {
			var err error
			if subs, err = db.webhookTargets(ctx, tx, t); err != nil {
				return err
			}
			targets[t] = subs
		}
		if len(subs) == 0 {
			continue
		}
		if err := db.writeDeliveries(ctx, tx, subs, t, ev); err != nil {
			return err
		}
	}
	return nil
}

// writeDeliveries writes and queues the deliveries of one event to subs.
func (db *DB) writeDeliveries(ctx context.Context, tx bun.Tx, subs []string, t domain.WebhookEventType, ev domain.ChangeEvent) error {
	body, err := json.Marshal(domain.WebhookPayload{Type: t, Timestamp: ev.OccurredAt.UTC(),
		Data: domain.WebhookData{EntityType: ev.EntityType, EntityID: ev.EntityID, Action: ev.Action, Object: ev.Object}})
	if err != nil {
		return fmt.Errorf("store: webhook payload: %w", err)
	}
	rows := make([]*webhookDeliveryRow, len(subs))
	ids := make([]string, len(subs))
	for i, s := range subs {
		rows[i] = &webhookDeliveryRow{ID: uuid.Must(uuid.NewV7()).String(), SubscriptionID: s, EventID: ev.ID, EventType: string(t),
			Payload: string(body), Status: domain.DeliveryPending, CreatedAt: db.Now()}
		ids[i] = rows[i].ID
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("store: write webhook deliveries: %w", err)
	}
	if db.webhooks == nil {
		return nil
	}
	return db.webhooks(ctx, tx.Tx, ids)
}

// reminderChanges sends reminder.created or reminder.changed for the ledger
// rows ids, read in tx after their change.
func (db *DB) reminderChanges(ctx context.Context, tx bun.Tx, action string, ids []string) error {
	if db.webhooks == nil || len(ids) == 0 {
		return nil
	}
	t, _ := domain.WebhookEventFor("reminder", action)
	subs, err := db.webhookTargets(ctx, tx, t)
	if err != nil || len(subs) == 0 {
		return err
	}
	var rows []*reminderRow
	for start := 0; start < len(ids); start += reminderBatch {
		var batch []*reminderRow
		if err := tx.NewSelect().Model(&batch).Where("id IN (?)", bun.In(ids[start:min(start+reminderBatch, len(ids))])).
			Order("id").Scan(ctx); err != nil {
			return fmt.Errorf("store: read changed reminders: %w", err)
		}
		rows = append(rows, batch...)
	}
	for _, r := range rows {
		obj, err := json.Marshal(r.toDomain())
		if err != nil {
			return err
		}
		if err := db.writeDeliveries(ctx, tx, subs, t, domain.ChangeEvent{ID: uuid.Must(uuid.NewV7()).String(), EntityType: "reminder",
			EntityID: r.ID, Action: action, OccurredAt: db.Now(), Object: obj}); err != nil {
			return err
		}
	}
	return nil
}

// ListWebhooks implements domain.WebhookService.
func (db *DB) ListWebhooks(ctx context.Context, p domain.PageRequest) (domain.Page[*domain.WebhookSubscription], error) {
	var rows []*webhookRow
	now := db.Now()
	return listPage(ctx, db.bun.NewSelect().Model(&rows), &rows, p, "list webhooks",
		func(r *webhookRow) *domain.WebhookSubscription { return r.toDomain(now) },
		func(s *domain.WebhookSubscription) string { return s.ID })
}

// FindWebhook implements domain.WebhookService.
func (db *DB) FindWebhook(ctx context.Context, id string) (*domain.WebhookSubscription, error) {
	var row webhookRow
	if err := loadRow(ctx, db.bun, &row, entityWebhook, id); err != nil {
		return nil, err
	}
	return row.toDomain(db.Now()), nil
}

func (db *DB) checkWebhookInput(ctx context.Context, tx bun.Tx, in domain.WebhookSubscriptionInput) error {
	if err := domain.Validate(in); err != nil {
		return err
	}
	fe := in.Check()
	if err := requirePerson(ctx, tx, &fe, "owner_id", in.OwnerID); err != nil {
		return err
	}
	return fe.ErrJa("the webhook subscription breaks a rule", "Webhookの設定に誤りがあります。")
}

func eventTypesJSON(ts []domain.WebhookEventType) string {
	b, _ := json.Marshal(ts)
	return string(b)
}

// CreateWebhook implements domain.WebhookService.
func (db *DB) CreateWebhook(ctx context.Context, in domain.WebhookSubscriptionInput) (*domain.WebhookSubscription, string, error) {
	var out *domain.WebhookSubscription
	secret := domain.NewWebhookSecret()
	sealed, err := db.sealSecret(secret)
	if err != nil {
		return nil, "", err
	}
	err = db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := db.checkWebhookInput(ctx, tx, in); err != nil {
			return err
		}
		now := db.Now()
		row := &webhookRow{ID: uuid.Must(uuid.NewV7()).String(), URL: strings.TrimSpace(in.URL), EventTypes: eventTypesJSON(in.EventTypes),
			Description: strings.TrimSpace(in.Description), OwnerID: in.OwnerID, Active: true, Secret: sealed,
			Version: 1, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return wrap("insert webhook", translate(err))
		}
		out = row.toDomain(now)
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditCreate, EntityType: entityWebhook, EntityID: row.ID, After: out})
	})
	if err != nil {
		return nil, "", err
	}
	return out, secret, nil
}

// changeWebhook runs the steps shared by every change of a subscription.
func (db *DB) changeWebhook(ctx context.Context, id string, ifVersion *int, change func(ctx context.Context, tx bun.Tx, row *webhookRow) (action, reason string, err error)) (*domain.WebhookSubscription, error) {
	var out *domain.WebhookSubscription
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = db.changeWebhookTx(ctx, tx, id, ifVersion, change)
		return err
	})
	return out, err
}

func (db *DB) changeWebhookTx(ctx context.Context, tx bun.Tx, id string, ifVersion *int, change func(ctx context.Context, tx bun.Tx, row *webhookRow) (action, reason string, err error)) (*domain.WebhookSubscription, error) {
	var row webhookRow
	if err := loadRow(ctx, tx, &row, entityWebhook, id); err != nil {
		return nil, err
	}
	if err := checkVersion(entityWebhook, row.Version, ifVersion); err != nil {
		return nil, err
	}
	now := db.Now()
	before := row.toDomain(now)
	action, reason, err := change(ctx, tx, &row)
	if err != nil {
		return nil, err
	}
	read := row.Version
	row.Version, row.UpdatedAt = read+1, now
	if err := updateRow(ctx, tx, &row, entityWebhook, id, read, ifVersion); err != nil {
		return nil, err
	}
	out := row.toDomain(now)
	return out, db.appendAudit(ctx, tx, auditEntry{Action: action, EntityType: entityWebhook, EntityID: id, Reason: reason, Before: before, After: out})
}

// ReplaceWebhook implements domain.WebhookService.
func (db *DB) ReplaceWebhook(ctx context.Context, id string, ifVersion *int, in domain.WebhookSubscriptionInput) (*domain.WebhookSubscription, error) {
	return db.changeWebhook(ctx, id, ifVersion, func(ctx context.Context, tx bun.Tx, row *webhookRow) (string, string, error) {
		if err := db.checkWebhookInput(ctx, tx, in); err != nil {
			return "", "", err
		}
		row.URL, row.EventTypes, row.Description, row.OwnerID = strings.TrimSpace(in.URL), eventTypesJSON(in.EventTypes), strings.TrimSpace(in.Description), in.OwnerID
		return domain.AuditUpdate, "", nil
	})
}

// DeleteWebhook implements domain.WebhookService.
func (db *DB) DeleteWebhook(ctx context.Context, id string, ifVersion *int) error {
	return db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row webhookRow
		if err := loadRow(ctx, tx, &row, entityWebhook, id); err != nil {
			return err
		}
		if err := checkVersion(entityWebhook, row.Version, ifVersion); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*webhookDeliveryRow)(nil)).Where("subscription_id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("store: delete webhook deliveries: %w", err)
		}
		if err := deleteRow(ctx, tx, &row, entityWebhook, row.Version, ifVersion); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditDelete, EntityType: entityWebhook, EntityID: id, Before: row.toDomain(db.Now())})
	})
}

// RotateWebhookSecret implements domain.WebhookService.
func (db *DB) RotateWebhookSecret(ctx context.Context, id string, ifVersion *int, grace time.Duration) (*domain.WebhookSubscription, string, error) {
	secret := domain.NewWebhookSecret()
	sealed, err := db.sealSecret(secret)
	if err != nil {
		return nil, "", err
	}
	out, err := db.changeWebhook(ctx, id, ifVersion, func(ctx context.Context, tx bun.Tx, row *webhookRow) (string, string, error) {
		if grace <= 0 {
			s, err := db.settings(ctx, tx)
			if err != nil {
				return "", "", err
			}
			grace = time.Duration(s.WebhookSecretGraceHours) * time.Hour
		}
		until := db.Now().Add(grace)
		row.PreviousSecret, row.PreviousSecretUntil, row.Secret = row.Secret, &until, sealed
		return "rotate_secret", fmt.Sprintf("the previous secret stays valid until %s", until.Format(time.RFC3339)), nil
	})
	if err != nil {
		return nil, "", err
	}
	return out, secret, nil
}

// EnableWebhook implements domain.WebhookService.
func (db *DB) EnableWebhook(ctx context.Context, id string, ifVersion *int) (*domain.WebhookSubscription, error) {
	return db.changeWebhook(ctx, id, ifVersion, func(ctx context.Context, tx bun.Tx, row *webhookRow) (string, string, error) {
		row.Active, row.DisabledReason, row.DisabledAt, row.ConsecutiveFailures = true, "", nil, 0
		return "enable", "", nil
	})
}

// DisableWebhook implements domain.WebhookService.
func (db *DB) DisableWebhook(ctx context.Context, id string, ifVersion *int, reason string) (*domain.WebhookSubscription, error) {
	return db.changeWebhook(ctx, id, ifVersion, func(ctx context.Context, tx bun.Tx, row *webhookRow) (string, string, error) {
		if !row.Active {
			return "", "", domain.Errorf(domain.ECONFLICT, "the webhook subscription is already disabled").
				WithJa("このWebhookは既に停止しています。")
		}
		reason = strings.TrimSpace(reason)
		if reason == "" {
			reason = "disabled by an administrator"
		}
		now := db.Now()
		row.Active, row.DisabledReason, row.DisabledAt = false, truncateRunes(reason, 500), &now
		return "disable", reason, nil
	})
}

// PingWebhook implements domain.WebhookService.
func (db *DB) PingWebhook(ctx context.Context, id string) (*domain.WebhookDelivery, error) {
	var out *domain.WebhookDelivery
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row webhookRow
		if err := loadRow(ctx, tx, &row, entityWebhook, id); err != nil {
			return err
		}
		evID := uuid.Must(uuid.NewV7()).String()
		obj, _ := json.Marshal(map[string]string{"subscription_id": id, "message": "vendorwatch webhook test"})
		if err := db.writeDeliveries(ctx, tx, []string{id}, domain.EventPing, domain.ChangeEvent{ID: evID, EntityType: entityWebhook,
			EntityID: id, Action: "ping", OccurredAt: db.Now(), Object: obj}); err != nil {
			return err
		}
		var d webhookDeliveryRow
		if err := tx.NewSelect().Model(&d).Where("subscription_id = ? AND event_id = ?", id, evID).Scan(ctx); err != nil {
			return fmt.Errorf("store: read ping: %w", err)
		}
		out = d.toDomain()
		return nil
	})
	return out, err
}

// ListWebhookDeliveries implements domain.WebhookService: newest first.
func (db *DB) ListWebhookDeliveries(ctx context.Context, id string, f domain.WebhookDeliveryFilter, p domain.PageRequest) (domain.Page[*domain.WebhookDelivery], error) {
	if _, err := db.FindWebhook(ctx, id); err != nil {
		return domain.Page[*domain.WebhookDelivery]{}, err
	}
	var rows []*webhookDeliveryRow
	q := db.bun.NewSelect().Model(&rows).Where("subscription_id = ?", id)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	after, err := decodeCursor(p.Cursor)
	if err != nil {
		return domain.Page[*domain.WebhookDelivery]{}, err
	}
	if after != "" {
		q = q.Where("id < ?", after)
	}
	if err := q.Order("id DESC").Limit(int64(p.Size()) + 1).Scan(ctx); err != nil {
		return domain.Page[*domain.WebhookDelivery]{}, wrap("list webhook deliveries", err)
	}
	out := make([]*domain.WebhookDelivery, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return finishPage(out, p, func(d *domain.WebhookDelivery) string { return d.ID }), nil
}

// WebhookToSend implements domain.WebhookSender.
func (db *DB) WebhookToSend(ctx context.Context, deliveryID string) (*domain.WebhookToSend, error) {
	var d webhookDeliveryRow
	if err := loadRow(ctx, db.bun, &d, "webhook_delivery", deliveryID); err != nil {
		return nil, err
	}
	var s webhookRow
	if err := loadRow(ctx, db.bun, &s, entityWebhook, d.SubscriptionID); err != nil {
		return nil, err
	}
	now := db.Now()
	current, err := db.openSecret(s.Secret)
	if err != nil {
		return nil, err
	}
	out := &domain.WebhookToSend{Delivery: d.toDomain(), Subscription: s.toDomain(now), Secrets: []string{current}}
	if out.Subscription.SecretRotating {
		previous, err := db.openSecret(s.PreviousSecret)
		if err != nil {
			return nil, err
		}
		out.Secrets = append(out.Secrets, previous)
	}
	return out, nil
}

// maxWebhookResponse bounds the stored excerpt of an answer.
const maxWebhookResponse = 1024

// RecordWebhookAttempt implements domain.WebhookSender.
func (db *DB) RecordWebhookAttempt(ctx context.Context, deliveryID string, a domain.WebhookAttempt, notice domain.EnqueueWebhookDisabledNotice) (*domain.WebhookDelivery, error) {
	var out *domain.WebhookDelivery
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var d webhookDeliveryRow
		if err := loadRow(ctx, tx, &d, "webhook_delivery", deliveryID); err != nil {
			return err
		}
		if d.Status != domain.DeliveryPending {
			out = d.toDomain()
			return nil
		}
		now := db.Now()
		ok := a.StatusCode >= 200 && a.StatusCode < 300 && a.Error == ""
		d.Attempts++
		d.LastStatusCode, d.LastResponse, d.LastError, d.LastAttemptAt = a.StatusCode, truncateRunes(strings.ToValidUTF8(a.Response, "?"), maxWebhookResponse),
			truncateRunes(a.Error, maxWebhookResponse), &now
		switch {
		case ok:
			d.Status, d.DeliveredAt = domain.DeliveryDelivered, &now
		case a.Final:
			d.Status = domain.DeliveryFailed
		}
		if _, err := tx.NewUpdate().Model(&d).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("store: record webhook attempt: %w", err)
		}
		out = d.toDomain()
		if ok {
			_, err := tx.NewUpdate().Model((*webhookRow)(nil)).Set("consecutive_failures = 0").Where("id = ?", d.SubscriptionID).Exec(ctx)
			return err
		}
		if a.Error == domain.WebhookInactiveError {
			return nil // not the receiver's failure
		}
		var sub webhookRow
		if err := loadRow(ctx, tx, &sub, entityWebhook, d.SubscriptionID); err != nil {
			return err
		}
		if !sub.Active {
			return nil
		}
		settings, err := db.settings(ctx, tx)
		if err != nil {
			return err
		}
		if sub.ConsecutiveFailures+1 < settings.WebhookFailuresBeforeDisable {
			_, err := tx.NewUpdate().Model((*webhookRow)(nil)).Set("consecutive_failures = consecutive_failures + 1").Where("id = ?", sub.ID).Exec(ctx)
			return err
		}
		reason := fmt.Sprintf("%d delivery attempts failed in a row; the last: %s", sub.ConsecutiveFailures+1, attemptSummary(a))
		disabled, err := db.changeWebhookTx(ctx, tx, sub.ID, nil, func(ctx context.Context, tx bun.Tx, row *webhookRow) (string, string, error) {
			row.Active, row.DisabledReason, row.DisabledAt, row.ConsecutiveFailures = false, truncateRunes(reason, 500), &now, row.ConsecutiveFailures+1
			return "disable", reason, nil
		})
		if err != nil || notice == nil {
			return err
		}
		var owner personRow
		if err := loadRow(ctx, tx, &owner, entityPerson, sub.OwnerID); err != nil {
			return err
		}
		return notice(ctx, tx.Tx, domain.WebhookDisabledNotice{SubscriptionID: sub.ID, URL: sub.URL, Reason: disabled.DisabledReason,
			OwnerName: owner.Name, OwnerEmail: owner.Email, Locale: domain.Locale(owner.Locale), DisabledAt: now})
	})
	return out, err
}

func attemptSummary(a domain.WebhookAttempt) string {
	if a.Error != "" {
		return a.Error
	}
	return fmt.Sprintf("HTTP %d", a.StatusCode)
}
