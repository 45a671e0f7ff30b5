package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
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

// auditHead is the single row the chain's end is kept in: the last sealed
// event's seq, hash and key id.
type auditHead struct {
	Seq      int64  `bun:"seq"`
	LastHash string `bun:"last_hash"`
	KeyID    string `bun:"key_id"`
}

// appendAudit appends one event to the chain inside tx, a transaction of
// writeTx. On PostgreSQL the event is inserted unsealed, with the next seq
// of audit_events_seq: no row every writer waits for, the sealer chains it
// later (audit_seal.go). On SQLite, which has one writer, it is chained at
// once after the head the transaction read. The first append of a process
// under a new key starts the key's segment (rotateAudit, ensureSegment).
func (db *DB) appendAudit(ctx context.Context, tx bun.Tx, e auditEntry) error {
	ev := db.newAuditEvent(ctx, e.Action, e.EntityType, e.EntityID, e.Reason)
	var err error
	if ev.Before, err = marshalSnapshot(e.Before); err != nil {
		return err
	}
	if ev.After, err = marshalSnapshot(e.After); err != nil {
		return err
	}
	w := writeStateOf(ctx)
	if w == nil {
		return errors.New("store: an audit event is appended only in a write transaction (inTx)")
	}
	if db.kind == Postgres {
		if err := db.ensureSegment(ctx, tx); err != nil {
			return err
		}
		if err := insertUnsealed(ctx, tx, ev); err != nil {
			return err
		}
	} else {
		if w.head, err = db.rotateAudit(ctx, tx, w.head); err != nil {
			return err
		}
		if w.head, err = db.insertSealed(ctx, tx, w.head, ev); err != nil {
			return err
		}
		w.moved = true
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

// newAuditEvent builds an event by the actor of ctx, without its place in
// the chain (seq, prev_hash, hash, key_id).
func (db *DB) newAuditEvent(ctx context.Context, action, entityType, entityID, reason string) *domain.AuditEvent {
	actor := actorOf(ctx)
	ev := &domain.AuditEvent{
		ID: uuid.Must(uuid.NewV7()).String(), OccurredAt: db.Now(),
		ActorName: actor.Name, Action: action, EntityType: entityType, EntityID: entityID, Reason: reason,
	}
	if actor.PersonID != "" {
		id := actor.PersonID
		ev.ActorID = &id
	}
	return ev
}

// auditRowOf is the row of ev as it is stored.
func auditRowOf(ev *domain.AuditEvent) *auditEventRow {
	return &auditEventRow{
		Seq: ev.Seq, ID: ev.ID, OccurredAt: ev.OccurredAt, ActorID: ev.ActorID, ActorName: ev.ActorName,
		Action: ev.Action, EntityType: ev.EntityType, EntityID: ev.EntityID, Reason: ev.Reason,
		BeforeJSON: rawPtr(ev.Before), AfterJSON: rawPtr(ev.After), PrevHash: ev.PrevHash, Hash: ev.Hash, KeyID: ev.KeyID,
	}
}

// insertUnsealed inserts ev unsealed (PostgreSQL), its seq taken from
// audit_events_seq in the same statement. The transaction holds the chain
// lock shared (writeTx): the sealer relies on no seq being taken without
// it.
func insertUnsealed(ctx context.Context, tx bun.Tx, ev *domain.AuditEvent) error {
	if _, err := tx.NewInsert().Model(auditRowOf(ev)).Value("seq", "nextval('audit_events_seq')").Exec(ctx); err != nil {
		return fmt.Errorf("store: insert audit event: %w", err)
	}
	return nil
}

// chainAfter chains ev after head under this process's key (seq,
// prev_hash, key id and hash) and returns the head it makes (SQLite).
func (db *DB) chainAfter(head auditHead, ev *domain.AuditEvent) auditHead {
	ev.Seq, ev.PrevHash, ev.KeyID = head.Seq+1, head.LastHash, db.auditKeys.ID()
	ev.Hash = ev.ComputeHash(db.auditKeys.Current)
	return auditHead{Seq: ev.Seq, LastHash: ev.Hash, KeyID: ev.KeyID}
}

// insertSealed chains ev after head under this process's key and inserts
// it, returning the head it makes (SQLite).
func (db *DB) insertSealed(ctx context.Context, tx bun.Tx, head auditHead, ev *domain.AuditEvent) (auditHead, error) {
	next := db.chainAfter(head, ev)
	if _, err := tx.NewInsert().Model(auditRowOf(ev)).Exec(ctx); err != nil {
		return auditHead{}, fmt.Errorf("store: insert audit event: %w", err)
	}
	return next, nil
}

// auditInsertBatch is how many events one INSERT of appendAuditMany
// writes: large enough that a bulk step costs a few statements, small
// enough to keep each statement (snapshots included) to a few megabytes.
const auditInsertBatch = 1000

// appendAuditMany appends one event per entry, in order, inside tx, a
// transaction of writeTx: the events appendAudit would append one by one
// (same chain, same webhook deliveries), in one multi-row INSERT per
// auditInsertBatch events instead of a statement or two per event, with
// the webhook subscriptions read once per event type. On PostgreSQL the
// events are inserted unsealed, their seqs taken in entries' order; on
// SQLite they are chained after the transaction's head. The due-scan's bulk
// steps use it.
func (db *DB) appendAuditMany(ctx context.Context, tx bun.Tx, entries []auditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	w := writeStateOf(ctx)
	if w == nil {
		return errors.New("store: an audit event is appended only in a write transaction (inTx)")
	}
	var err error
	if db.kind == Postgres {
		err = db.ensureSegment(ctx, tx)
	} else {
		w.head, err = db.rotateAudit(ctx, tx, w.head)
	}
	if err != nil {
		return err
	}
	rows := make([]*auditEventRow, 0, min(len(entries), auditInsertBatch))
	changes := make([]domain.ChangeEvent, 0, len(entries))
	for i, e := range entries {
		ev := db.newAuditEvent(ctx, e.Action, e.EntityType, e.EntityID, e.Reason)
		if ev.Before, err = marshalSnapshot(e.Before); err != nil {
			return err
		}
		if ev.After, err = marshalSnapshot(e.After); err != nil {
			return err
		}
		if db.kind != Postgres {
			w.head = db.chainAfter(w.head, ev)
			w.moved = true
		}
		rows = append(rows, auditRowOf(ev))
		obj := ev.After
		if obj == nil {
			obj = ev.Before
		}
		changes = append(changes, domain.ChangeEvent{ID: ev.ID, EntityType: ev.EntityType, EntityID: ev.EntityID,
			Action: ev.Action, OccurredAt: ev.OccurredAt, Object: obj})
		if len(rows) == auditInsertBatch || i == len(entries)-1 {
			q := tx.NewInsert().Model(&rows)
			if db.kind == Postgres {
				// PostgreSQL evaluates the rows in order: seqs follow entries.
				q = q.Value("seq", "nextval('audit_events_seq')")
			}
			if _, err := q.Exec(ctx); err != nil {
				return fmt.Errorf("store: insert audit events: %w", err)
			}
			rows = rows[:0]
		}
	}
	return db.webhookChanges(ctx, tx, changes)
}

// moveAuditHead writes the head row.
func moveAuditHead(ctx context.Context, tx bun.IDB, head auditHead) error {
	if _, err := tx.NewUpdate().Table("audit_head").Set("seq = ?", head.Seq).Set("last_hash = ?", head.LastHash).
		Set("key_id = ?", head.KeyID).Where("id = 1").Exec(ctx); err != nil {
		return fmt.Errorf("store: move audit head: %w", err)
	}
	return nil
}

// rotationEvent is the audit_key_rotated event that starts the current
// key's segment after the segment of key prev ("" for the legacy one or an
// empty chain).
func (db *DB) rotationEvent(ctx context.Context, prev string) (*domain.AuditEvent, error) {
	cur := db.auditKeys.ID()
	ev := db.newAuditEvent(ctx, domain.AuditKeyRotated, domain.AuditKeyEntity, cur, "")
	var err error
	if prev != "" {
		if ev.Before, err = marshalSnapshot(map[string]string{"key_id": prev}); err != nil {
			return nil, err
		}
	}
	if ev.After, err = marshalSnapshot(map[string]string{"key_id": cur,
		"public_key": base64.StdEncoding.EncodeToString(db.auditKeys.Current.PublicKey())}); err != nil {
		return nil, err
	}
	return ev, nil
}

// rotateAudit starts this process's key segment when the head is in
// another (SQLite): it appends an audit_key_rotated event under the new key
// that names the previous key id, and returns the head after it. The head
// may be in the legacy segment or under one of the previous keys; a head
// under a key this process does not know (another process rotated to a
// newer key) refuses the write, since going back to an old key would let
// whoever holds it rewrite the new segment.
func (db *DB) rotateAudit(ctx context.Context, tx bun.Tx, head auditHead) (auditHead, error) {
	cur := db.auditKeys.ID()
	if head.KeyID == cur {
		return head, nil
	}
	if head.KeyID != "" && db.auditKeys.Lookup(head.KeyID) == nil || cur == "" {
		return head, unknownHeadKey(head.KeyID)
	}
	ev, err := db.rotationEvent(ctx, head.KeyID)
	if err != nil {
		return head, err
	}
	return db.insertSealed(ctx, tx, head, ev)
}

// unknownHeadKey is the refusal to chain under a key this process has not.
func unknownHeadKey(keyID string) error {
	return unavailable(fmt.Errorf("store: the audit chain is under the key %s, which this process has not: "+
		"start it with that key (--audit-key), or with it as --audit-key-previous to rotate", keyID))
}

// ensureSegment starts this process's key segment on PostgreSQL, once per
// process: when the latest audit_key_rotated event (sealed or not) names
// another key, that this process knows as a previous one, or none (an
// empty or legacy chain), an unsealed rotation event is inserted before
// the transaction's own event, so the sealer chains what follows under the
// new key. When it names a key this process has not (another replica
// rotated to a newer one), the write goes ahead unsealed: a replica that
// holds the key seals it, in that key's segment. Two processes starting a
// segment together write two rotation events to the same key, which
// verification accepts (the key does not change at the second).
func (db *DB) ensureSegment(ctx context.Context, tx bun.Tx) error {
	cur := db.auditKeys.ID()
	if cur == "" || db.segmentReady.Load() {
		return nil
	}
	latest, err := latestSegment(ctx, tx)
	if err != nil {
		return err
	}
	if latest == cur || latest != "" && db.auditKeys.Lookup(latest) == nil {
		db.segmentReady.Store(true)
		return nil
	}
	ev, err := db.rotationEvent(ctx, latest)
	if err != nil {
		return err
	}
	// The flag is set by the next append, which finds this event committed.
	return insertUnsealed(ctx, tx, ev)
}

// latestSegment returns the key id named by the latest audit_key_rotated
// event, sealed or not: the segment the chain's next events belong to; ""
// when there is none (an empty or legacy chain).
func latestSegment(ctx context.Context, tx bun.IDB) (string, error) {
	var latest string
	err := tx.NewSelect().Table("audit_events").Column("entity_id").
		Where("entity_type = ? AND action = ?", domain.AuditKeyEntity, domain.AuditKeyRotated).
		Order("seq DESC").Limit(1).Scan(ctx, &latest)
	if err != nil && !isNoRows(err) {
		return "", fmt.Errorf("store: read the audit key segment: %w", err)
	}
	return latest, nil
}

// chainEmpty reports whether the audit log holds no event at all.
func chainEmpty(ctx context.Context, tx bun.IDB) (bool, error) {
	some, err := tx.NewSelect().Table("audit_events").Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("store: read the audit log: %w", err)
	}
	return !some, nil
}

// UseAuditKeys sets the keys of the audit chain: events are appended under
// the current key (none: the legacy, unkeyed chain), and the chain verifies
// under the current and previous ones. The keys are never stored.
func (db *DB) UseAuditKeys(ring domain.AuditKeyring) {
	db.auditKeys = ring
	db.segmentReady.Store(false)
}

// AuditKeys returns the keys set by UseAuditKeys.
func (db *DB) AuditKeys() domain.AuditKeyring { return db.auditKeys }

// StartAuditSegment appends the audit_key_rotated event when the chain is
// not under the current key yet, so that the first start under a new key
// records the rotation at once rather than at the first change, and (on
// PostgreSQL) seals it. It reports whether it did. An empty chain starts
// the segment at its first event.
func (db *DB) StartAuditSegment(ctx context.Context) (bool, error) {
	if db.auditKeys.Current == nil {
		return false, nil
	}
	rotated := false
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if db.kind != Postgres {
			w := writeStateOf(ctx)
			if w.head.KeyID == db.auditKeys.ID() || w.head.Seq == 0 {
				return nil
			}
			head, err := db.rotateAudit(ctx, tx, w.head)
			w.head, w.moved, rotated = head, true, err == nil
			return err
		}
		empty, err := chainEmpty(ctx, tx)
		if err != nil || empty {
			return err
		}
		latest, err := latestSegment(ctx, tx)
		switch {
		case err != nil || latest == db.auditKeys.ID():
			return err
		case latest != "" && db.auditKeys.Lookup(latest) == nil:
			return unknownHeadKey(latest)
		}
		ev, err := db.rotationEvent(ctx, latest)
		if err != nil {
			return err
		}
		rotated = true
		return insertUnsealed(ctx, tx, ev)
	})
	if err != nil || db.kind != Postgres {
		return rotated, err
	}
	_, err = db.SealAudit(ctx)
	return rotated, err
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
// the seq of the last one that held. Up to the head every event is fed (an
// unsealed one there is a break); past it, sealedOnly, only sealed ones
// (hash <> ”), since an unsealed tail is the sealer's work to come.
func (db *DB) checkAuditEvents(ctx context.Context, v *domain.AuditChainVerifier, last, upTo int64, sealedOnly bool) (int64, error) {
	for {
		var rows []*auditEventRow
		q := db.bun.NewSelect().Model(&rows).Where("seq > ? AND seq <= ?", last, upTo)
		if sealedOnly {
			q = q.Where("hash <> ''")
		}
		err := q.Order("seq ASC").Limit(verifyBatch).Scan(ctx)
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
// moved head is found too, and counts the unsealed events after the head.
// Then it re-hashes every live evidence file's bytes (verifyEvidenceFiles).
//
// It seals what is committed first (SealAudit), so that it checks the
// whole chain and the checkpoint it may lead to signs it; a sealer that
// cannot (no key for the segment, a break above the head) leaves the tail
// unsealed, and verification goes on to report it.
func (db *DB) VerifyAuditChain(ctx context.Context) (domain.AuditVerification, error) {
	if _, err := db.SealAudit(ctx); err != nil && ctx.Err() != nil {
		return domain.AuditVerification{}, err
	}
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
	last, err := db.checkAuditEvents(ctx, &v, 0, head.Seq, false)
	for i := 0; err == nil && last == head.Seq && i < verifyFollowHead; i++ {
		var next auditHead
		if next, err = db.readAuditHead(ctx); err != nil {
			return domain.AuditVerification{}, err
		}
		if next == head {
			break
		}
		head = next
		last, err = db.checkAuditEvents(ctx, &v, last, head.Seq, false)
	}
	if err != nil {
		return domain.AuditVerification{}, err
	}
	if last == head.Seq {
		// Events past the head: a tail appended without moving it, unless
		// the head, read again, now names them (appended meanwhile).
		beyond, err := db.checkAuditEvents(ctx, &v, last, math.MaxInt64, true)
		if err != nil {
			return domain.AuditVerification{}, err
		}
		if beyond != last {
			moved, err := db.readAuditHead(ctx)
			if err != nil {
				return domain.AuditVerification{}, err
			}
			if moved.Seq >= beyond {
				if _, err := db.checkAuditEvents(ctx, &v, beyond, moved.Seq, false); err != nil {
					return domain.AuditVerification{}, err
				}
				head = moved
			}
		}
	}
	v.Finish(head.Seq, head.LastHash)
	res := v.Result()
	unsealed, err := db.bun.NewSelect().Table("audit_events").Where("seq > ? AND hash = ''", head.Seq).Count(ctx)
	if err != nil {
		return domain.AuditVerification{}, wrap("count unsealed audit events", err)
	}
	res.Unsealed = int(unsealed)
	// The chain records each evidence file's SHA-256; the bytes in the blob
	// store must still have it.
	if err := db.verifyEvidenceFiles(ctx, &res); err != nil {
		return domain.AuditVerification{}, err
	}
	return res, nil
}
