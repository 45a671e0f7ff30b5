package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

type auditEventRow struct {
	bun.BaseModel `bun:"table:audit_events"`

	Seq        int64     `bun:"seq,pk"`
	ID         string    `bun:"id"`
	OccurredAt time.Time `bun:"occurred_at"`
	ActorID    *string   `bun:"actor_id"`
	ActorName  string    `bun:"actor_name"`
	Action     string    `bun:"action"`
	EntityType string    `bun:"entity_type"`
	EntityID   string    `bun:"entity_id"`
	Reason     string    `bun:"reason"`
	BeforeJSON *string   `bun:"before_json"`
	AfterJSON  *string   `bun:"after_json"`
	PrevHash   string    `bun:"prev_hash"`
	Hash       string    `bun:"hash"`
	KeyID      string    `bun:"key_id"`
}

func (r *auditEventRow) toDomain() *domain.AuditEvent {
	e := &domain.AuditEvent{
		Seq: r.Seq, ID: r.ID, OccurredAt: r.OccurredAt.UTC(), ActorID: r.ActorID, ActorName: r.ActorName,
		Action: r.Action, EntityType: r.EntityType, EntityID: r.EntityID, Reason: r.Reason,
		PrevHash: r.PrevHash, Hash: r.Hash, KeyID: r.KeyID,
	}
	if r.BeforeJSON != nil {
		e.Before = json.RawMessage(*r.BeforeJSON)
	}
	if r.AfterJSON != nil {
		e.After = json.RawMessage(*r.AfterJSON)
	}
	return e
}

// auditEntry is one change to record.
type auditEntry struct {
	Action     string
	EntityType string
	EntityID   string
	Reason     string
	Before     any
	After      any
}

// auditHead is the single row every append moves: the last event's seq,
// hash and key id.
type auditHead struct {
	Seq      int64  `bun:"seq"`
	LastHash string `bun:"last_hash"`
	KeyID    string `bun:"key_id"`
}

// appendAudit appends one event to the chain inside tx. Updating the
// single-row audit_head first takes its row lock, so concurrent writers on
// PostgreSQL append one after the other and the chain never forks. When the
// head is in another key's segment than this process's key, an
// audit_key_rotated event comes first (rotateAudit).
func (db *DB) appendAudit(ctx context.Context, tx bun.Tx, e auditEntry) error {
	var head auditHead
	batch, _ := ctx.Value(auditBatchKey{}).(*auditBatch)
	switch {
	case batch != nil && batch.loaded:
		head = batch.head
	default:
		// The transaction holds the head's row lock (inTx): read it, and
		// write it once at the end (flushAuditBatch, or below).
		if err := tx.NewRaw(`SELECT seq, last_hash, key_id FROM audit_head WHERE id = 1`).Scan(ctx, &head); err != nil {
			return fmt.Errorf("store: read audit head: %w", err)
		}
	}
	var err error
	if head, err = db.rotateAudit(ctx, tx, head); err != nil {
		return err
	}
	ev := db.newAuditEvent(ctx, head, e.Action, e.EntityType, e.EntityID, e.Reason)
	if ev.Before, err = marshalSnapshot(e.Before); err != nil {
		return err
	}
	if ev.After, err = marshalSnapshot(e.After); err != nil {
		return err
	}
	if head, err = db.insertAuditEvent(ctx, tx, ev); err != nil {
		return err
	}
	if batch != nil {
		batch.head, batch.loaded = head, true
	} else if err := moveAuditHead(ctx, tx, head); err != nil {
		return err
	}
	// The one place where changes become webhook deliveries, in the
	// change's transaction.
	obj := ev.After
	if obj == nil {
		obj = ev.Before
	}
	return db.webhookChange(ctx, tx, domain.ChangeEvent{ID: ev.ID, EntityType: ev.EntityType, EntityID: ev.EntityID,
		Action: ev.Action, OccurredAt: ev.OccurredAt, Object: obj})
}

// newAuditEvent builds the event that follows head, by the actor of ctx.
func (db *DB) newAuditEvent(ctx context.Context, head auditHead, action, entityType, entityID, reason string) *domain.AuditEvent {
	actor := actorOf(ctx)
	ev := &domain.AuditEvent{
		Seq: head.Seq + 1, ID: uuid.Must(uuid.NewV7()).String(), OccurredAt: db.Now(),
		ActorName: actor.Name, Action: action, EntityType: entityType, EntityID: entityID,
		Reason: reason, PrevHash: head.LastHash,
	}
	if actor.PersonID != "" {
		id := actor.PersonID
		ev.ActorID = &id
	}
	return ev
}

// insertAuditEvent hashes ev under this process's key and inserts it,
// returning the head it makes.
func (db *DB) insertAuditEvent(ctx context.Context, tx bun.Tx, ev *domain.AuditEvent) (auditHead, error) {
	row, head := db.sealAuditEvent(ev)
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return auditHead{}, fmt.Errorf("store: insert audit event: %w", err)
	}
	return head, nil
}

// sealAuditEvent hashes ev under this process's key and returns its row
// and the head it makes, without writing either.
func (db *DB) sealAuditEvent(ev *domain.AuditEvent) (*auditEventRow, auditHead) {
	ev.KeyID = db.auditKeys.ID()
	ev.Hash = ev.ComputeHash(db.auditKeys.Current)
	row := &auditEventRow{
		Seq: ev.Seq, ID: ev.ID, OccurredAt: ev.OccurredAt, ActorID: ev.ActorID, ActorName: ev.ActorName,
		Action: ev.Action, EntityType: ev.EntityType, EntityID: ev.EntityID, Reason: ev.Reason,
		BeforeJSON: rawPtr(ev.Before), AfterJSON: rawPtr(ev.After), PrevHash: ev.PrevHash, Hash: ev.Hash, KeyID: ev.KeyID,
	}
	return row, auditHead{Seq: ev.Seq, LastHash: ev.Hash, KeyID: ev.KeyID}
}

// auditInsertBatch is how many events one INSERT of appendAuditMany
// writes: large enough that a bulk step costs a few statements, small
// enough to keep each statement (snapshots included) to a few megabytes.
const auditInsertBatch = 1000

// appendAuditMany appends one event per entry, in order, inside tx: the
// events appendAudit would append one by one (same chain, same webhook
// deliveries), in a few statements instead of three or four per event: the
// head read once, one multi-row INSERT per auditInsertBatch events, the
// head written once (or kept in the transaction's auditBatch), the webhook
// subscriptions read once per event type. The due-scan's bulk steps use it.
func (db *DB) appendAuditMany(ctx context.Context, tx bun.Tx, entries []auditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	var head auditHead
	batch, _ := ctx.Value(auditBatchKey{}).(*auditBatch)
	if batch != nil && batch.loaded {
		head = batch.head
	} else if err := tx.NewRaw(`SELECT seq, last_hash, key_id FROM audit_head WHERE id = 1`).Scan(ctx, &head); err != nil {
		return fmt.Errorf("store: read audit head: %w", err)
	}
	var err error
	if head, err = db.rotateAudit(ctx, tx, head); err != nil {
		return err
	}
	rows := make([]*auditEventRow, 0, min(len(entries), auditInsertBatch))
	changes := make([]domain.ChangeEvent, 0, len(entries))
	for i, e := range entries {
		ev := db.newAuditEvent(ctx, head, e.Action, e.EntityType, e.EntityID, e.Reason)
		if ev.Before, err = marshalSnapshot(e.Before); err != nil {
			return err
		}
		if ev.After, err = marshalSnapshot(e.After); err != nil {
			return err
		}
		var row *auditEventRow
		row, head = db.sealAuditEvent(ev)
		rows = append(rows, row)
		obj := ev.After
		if obj == nil {
			obj = ev.Before
		}
		changes = append(changes, domain.ChangeEvent{ID: ev.ID, EntityType: ev.EntityType, EntityID: ev.EntityID,
			Action: ev.Action, OccurredAt: ev.OccurredAt, Object: obj})
		if len(rows) == auditInsertBatch || i == len(entries)-1 {
			if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
				return fmt.Errorf("store: insert audit events: %w", err)
			}
			rows = rows[:0]
		}
	}
	if batch != nil {
		batch.head, batch.loaded = head, true
	} else if err := moveAuditHead(ctx, tx, head); err != nil {
		return err
	}
	return db.webhookChanges(ctx, tx, changes)
}

// moveAuditHead writes the head row.
func moveAuditHead(ctx context.Context, tx bun.Tx, head auditHead) error {
	if _, err := tx.NewUpdate().Table("audit_head").Set("seq = ?", head.Seq).Set("last_hash = ?", head.LastHash).
		Set("key_id = ?", head.KeyID).Where("id = 1").Exec(ctx); err != nil {
		return fmt.Errorf("store: move audit head: %w", err)
	}
	return nil
}

// rotateAudit starts this process's key segment when the head is in
// another: it appends an audit_key_rotated event under the new key that
// names the previous key id, and returns the head after it. The head may be
// in the legacy segment or under one of the previous keys; a head under a
// key this process does not know (another replica rotated to a newer key)
// refuses the write, since going back to an old key would let whoever holds
// it rewrite the new segment.
func (db *DB) rotateAudit(ctx context.Context, tx bun.Tx, head auditHead) (auditHead, error) {
	cur := db.auditKeys.ID()
	if head.KeyID == cur {
		return head, nil
	}
	if head.KeyID != "" && db.auditKeys.Lookup(head.KeyID) == nil || cur == "" {
		return head, unavailable(fmt.Errorf("store: the audit chain is under the key %s, which this process has not: "+
			"start it with that key (--audit-key), or with it as --audit-key-previous to rotate", head.KeyID))
	}
	ev := db.newAuditEvent(ctx, head, domain.AuditKeyRotated, domain.AuditKeyEntity, cur, "")
	var err error
	if head.KeyID != "" {
		if ev.Before, err = marshalSnapshot(map[string]string{"key_id": head.KeyID}); err != nil {
			return head, err
		}
	}
	if ev.After, err = marshalSnapshot(map[string]string{"key_id": cur,
		"public_key": base64.StdEncoding.EncodeToString(db.auditKeys.Current.PublicKey())}); err != nil {
		return head, err
	}
	return db.insertAuditEvent(ctx, tx, ev)
}

// UseAuditKeys sets the keys of the audit chain: events are appended under
// the current key (none: the legacy, unkeyed chain), and the chain verifies
// under the current and previous ones. The keys are never stored.
func (db *DB) UseAuditKeys(ring domain.AuditKeyring) { db.auditKeys = ring }

// AuditKeys returns the keys set by UseAuditKeys.
func (db *DB) AuditKeys() domain.AuditKeyring { return db.auditKeys }

// StartAuditSegment appends the audit_key_rotated event when the chain's
// head is not under the current key yet, so that the first start under a
// new key records the rotation at once rather than at the first change. It
// reports whether it did.
func (db *DB) StartAuditSegment(ctx context.Context) (bool, error) {
	if db.auditKeys.Current == nil {
		return false, nil
	}
	rotated := false
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var head auditHead
		if err := tx.NewRaw(`SELECT seq, last_hash, key_id FROM audit_head WHERE id = 1`).Scan(ctx, &head); err != nil {
			return fmt.Errorf("store: read audit head: %w", err)
		}
		if head.KeyID == db.auditKeys.ID() || head.Seq == 0 {
			return nil // an empty chain starts the segment at its first event
		}
		next, err := db.rotateAudit(ctx, tx, head)
		if err != nil {
			return err
		}
		rotated = true
		return moveAuditHead(ctx, tx, next)
	})
	return rotated, err
}

// auditBatch keeps the audit head of a transaction that appends many
// events (an import's commit) in memory: updating the one head row
// thousands of times in one transaction grows its version chain on
// PostgreSQL, and every update walks it. The events are appended as
// always; the head is written once, by flushAuditBatch, before the
// transaction ends.
type auditBatch struct {
	head   auditHead
	loaded bool
}

type auditBatchKey struct{}

// withAuditBatch returns a context whose appends inside one transaction
// (taken by inTx, which holds the head's lock) share one batch.
func withAuditBatch(ctx context.Context) (context.Context, *auditBatch) {
	b := &auditBatch{}
	return context.WithValue(ctx, auditBatchKey{}, b), b
}

// flushAuditBatch writes the batch's head.
func flushAuditBatch(ctx context.Context, tx bun.Tx, b *auditBatch) error {
	if !b.loaded {
		return nil
	}
	return moveAuditHead(ctx, tx, b.head)
}

func marshalSnapshot(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("store: audit snapshot: %w", err)
	}
	return b, nil
}

func rawPtr(b json.RawMessage) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

// ListAuditEvents implements domain.AuditService.
func (db *DB) ListAuditEvents(ctx context.Context, f domain.AuditFilter, p domain.PageRequest) (domain.Page[*domain.AuditEvent], error) {
	var rows []*auditEventRow
	q := db.bun.NewSelect().Model(&rows)
	if f.EntityType != "" {
		q = q.Where("entity_type = ?", f.EntityType)
	}
	if f.EntityID != "" {
		q = q.Where("entity_id = ?", f.EntityID)
	}
	if f.ActorID != "" {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.Since != nil {
		q = q.Where("occurred_at >= ?", f.Since.UTC())
	}
	if f.FiscalYear != 0 {
		if err := checkFiscalYear(f.FiscalYear); err != nil {
			return domain.Page[*domain.AuditEvent]{}, err
		}
		from, until := domain.FiscalYearInstants(f.FiscalYear, db.location)
		q = q.Where("occurred_at >= ? AND occurred_at < ?", from.UTC(), until.UTC())
	}
	after, err := decodeCursor(p.Cursor)
	if err != nil {
		return domain.Page[*domain.AuditEvent]{}, err
	}
	if after != "" {
		seq, err := strconv.ParseInt(after, 10, 64)
		if err != nil {
			return domain.Page[*domain.AuditEvent]{}, domain.Invalid("the cursor is not one this API issued",
				domain.FieldError{Field: "cursor", Message: "is not a cursor from a previous page", Ja: "前のページから続くページの指定ではありません。", Value: p.Cursor}).
				WithJa(badCursorJa)
		}
		q = q.Where("seq > ?", seq)
	}
	if err := q.Order("seq ASC").Limit(int64(p.Size()) + 1).Scan(ctx); err != nil {
		return domain.Page[*domain.AuditEvent]{}, wrap("list audit events", err)
	}
	events := make([]*domain.AuditEvent, len(rows))
	for i, r := range rows {
		events[i] = r.toDomain()
	}
	return finishPage(events, p, func(e *domain.AuditEvent) string { return strconv.FormatInt(e.Seq, 10) }), nil
}

// verifyFollowHead bounds how often VerifyAuditChain follows a head that
// moves while it reads: under a steady stream of writes it checks the chain
// up to the head it read last.
const verifyFollowHead = 5

// readAuditHead reads the head of the chain.
func (db *DB) readAuditHead(ctx context.Context) (auditHead, error) {
	var head auditHead
	if err := db.bun.NewSelect().Table("audit_head").Column("seq", "last_hash", "key_id").Where("id = 1").Scan(ctx, &head); err != nil {
		return auditHead{}, wrap("read audit head", err)
	}
	return head, nil
}

// checkAuditEvents feeds v the events after seq last up to seq upTo, in
// batches so that memory stays flat however long the log is, and returns
// the seq of the last one that held.
func (db *DB) checkAuditEvents(ctx context.Context, v *domain.AuditChainVerifier, last, upTo int64) (int64, error) {
	for {
		var rows []*auditEventRow
		err := db.bun.NewSelect().Model(&rows).Where("seq > ? AND seq <= ?", last, upTo).Order("seq ASC").Limit(verifyBatch).Scan(ctx)
		if err != nil {
			return last, wrap("verify audit chain", err)
		}
		for _, r := range rows {
			if !v.Check(r.toDomain()) {
				return last, nil
			}
			last = r.Seq
		}
		if len(rows) < verifyBatch {
			return last, nil
		}
	}
}

// verifyBatch is how many events VerifyAuditChain reads at a time.
const verifyBatch = 1000

// VerifyAuditChain implements domain.AuditService. It reads the chain in
// batches, so memory stays flat however long the log is, checking each
// event under the key its key id names (UseAuditKeys) and against every
// signed checkpoint (the database's and the checkpoint folder's); then it
// checks that the head (seq and hash) is the last event, so a cut tail or a
// moved head is found too. Then it re-hashes every live evidence file's
// bytes (verifyEvidenceFiles).
func (db *DB) VerifyAuditChain(ctx context.Context) (domain.AuditVerification, error) {
	v := domain.AuditChainVerifier{Keys: db.auditKeys}
	if err := db.addCheckpoints(ctx, &v); err != nil {
		return domain.AuditVerification{}, err
	}
	// Writers append while this reads, and the events and the head are read
	// by separate statements. An event and the head that names it commit
	// together, so the events up to a head read first are all there; the
	// head is followed while it moves.
	head, err := db.readAuditHead(ctx)
	if err != nil {
		return domain.AuditVerification{}, err
	}
	last, err := db.checkAuditEvents(ctx, &v, 0, head.Seq)
	for i := 0; err == nil && last == head.Seq && i < verifyFollowHead; i++ {
		var next auditHead
		if next, err = db.readAuditHead(ctx); err != nil {
			return domain.AuditVerification{}, err
		}
		if next == head {
			break
		}
		head = next
		last, err = db.checkAuditEvents(ctx, &v, last, head.Seq)
	}
	if err != nil {
		return domain.AuditVerification{}, err
	}
	if last == head.Seq {
		// Events past the head: a tail appended without moving it, unless
		// the head, read again, now names them (appended meanwhile).
		beyond, err := db.checkAuditEvents(ctx, &v, last, math.MaxInt64)
		if err != nil {
			return domain.AuditVerification{}, err
		}
		if beyond != last {
			moved, err := db.readAuditHead(ctx)
			if err != nil {
				return domain.AuditVerification{}, err
			}
			if moved.Seq >= beyond {
				if _, err := db.checkAuditEvents(ctx, &v, beyond, moved.Seq); err != nil {
					return domain.AuditVerification{}, err
				}
				head = moved
			}
		}
	}
	v.Finish(head.Seq, head.LastHash)
	res := v.Result()
	// The chain records each evidence file's SHA-256; the bytes in the blob
	// store must still have it.
	if err := db.verifyEvidenceFiles(ctx, &res); err != nil {
		return domain.AuditVerification{}, err
	}
	return res, nil
}
