package store

import (
	"context"
	"encoding/json"
	"fmt"
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
}

func (r *auditEventRow) toDomain() *domain.AuditEvent {
	e := &domain.AuditEvent{
		Seq: r.Seq, ID: r.ID, OccurredAt: r.OccurredAt.UTC(), ActorID: r.ActorID, ActorName: r.ActorName,
		Action: r.Action, EntityType: r.EntityType, EntityID: r.EntityID, Reason: r.Reason,
		PrevHash: r.PrevHash, Hash: r.Hash,
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

// appendAudit appends one event to the chain inside tx. Updating the
// single-row audit_head first takes its row lock, so concurrent writers on
// PostgreSQL append one after the other and the chain never forks.
func (db *DB) appendAudit(ctx context.Context, tx bun.Tx, e auditEntry) error {
	var head struct {
		Seq      int64  `bun:"seq"`
		LastHash string `bun:"last_hash"`
	}
	batch, _ := ctx.Value(auditBatchKey{}).(*auditBatch)
	switch {
	case batch != nil && batch.loaded:
		head.Seq, head.LastHash = batch.seq+1, batch.hash
	case batch != nil:
		// The transaction holds the head's row lock (inTx): read it once,
		// and write it once at the end (flushAuditBatch).
		if err := tx.NewRaw(`SELECT seq, last_hash FROM audit_head WHERE id = 1`).Scan(ctx, &head); err != nil {
			return fmt.Errorf("store: read audit head: %w", err)
		}
		head.Seq++
		batch.loaded = true
	default:
		if err := tx.NewRaw(`UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, last_hash`).Scan(ctx, &head); err != nil {
			return fmt.Errorf("store: advance audit head: %w", err)
		}
	}
	actor := actorOf(ctx)
	ev := &domain.AuditEvent{
		Seq: head.Seq, ID: uuid.Must(uuid.NewV7()).String(), OccurredAt: db.Now(),
		ActorName: actor.Name, Action: e.Action, EntityType: e.EntityType, EntityID: e.EntityID,
		Reason: e.Reason, PrevHash: head.LastHash,
	}
	if actor.PersonID != "" {
		id := actor.PersonID
		ev.ActorID = &id
	}
	var err error
	if ev.Before, err = marshalSnapshot(e.Before); err != nil {
		return err
	}
	if ev.After, err = marshalSnapshot(e.After); err != nil {
		return err
	}
	ev.Hash = ev.ComputeHash()
	row := &auditEventRow{
		Seq: ev.Seq, ID: ev.ID, OccurredAt: ev.OccurredAt, ActorID: ev.ActorID, ActorName: ev.ActorName,
		Action: ev.Action, EntityType: ev.EntityType, EntityID: ev.EntityID, Reason: ev.Reason,
		BeforeJSON: rawPtr(ev.Before), AfterJSON: rawPtr(ev.After), PrevHash: ev.PrevHash, Hash: ev.Hash,
	}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return fmt.Errorf("store: insert audit event: %w", err)
	}
	if batch != nil {
		batch.seq, batch.hash = ev.Seq, ev.Hash
		return nil
	}
	if _, err := tx.NewUpdate().Table("audit_head").Set("last_hash = ?", ev.Hash).Where("id = 1").Exec(ctx); err != nil {
		return fmt.Errorf("store: move audit head: %w", err)
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

// auditBatch keeps the audit head of a transaction that appends many
// events (an import's commit) in memory: updating the one head row
// thousands of times in one transaction grows its version chain on
// PostgreSQL, and every update walks it. The events are appended as
// always; the head is written once, by flushAuditBatch, before the
// transaction ends.
type auditBatch struct {
	seq    int64
	hash   string
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
	if _, err := tx.NewUpdate().Table("audit_head").Set("seq = ?", b.seq).Set("last_hash = ?", b.hash).Where("id = 1").Exec(ctx); err != nil {
		return fmt.Errorf("store: move audit head: %w", err)
	}
	return nil
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

// verifyBatch is how many events VerifyAuditChain reads at a time.
const verifyBatch = 1000

// VerifyAuditChain implements domain.AuditService. It reads the chain in
// batches, so memory stays flat however long the log is, and finally checks
// that the head points at the last event (a deleted tail is found too).
// Then it re-hashes every live evidence file's bytes (verifyEvidenceFiles).
func (db *DB) VerifyAuditChain(ctx context.Context) (domain.AuditVerification, error) {
	var v domain.AuditChainVerifier
	var last int64
	for {
		var rows []*auditEventRow
		err := db.bun.NewSelect().Model(&rows).Where("seq > ?", last).Order("seq ASC").Limit(verifyBatch).Scan(ctx)
		if err != nil {
			return domain.AuditVerification{}, wrap("verify audit chain", err)
		}
		broken := false
		for _, r := range rows {
			if !v.Check(r.toDomain()) {
				broken = true
				break
			}
			last = r.Seq
		}
		if broken || len(rows) < verifyBatch {
			break
		}
	}
	res := v.Result()
	if res.OK {
		var head struct {
			Seq      int64  `bun:"seq"`
			LastHash string `bun:"last_hash"`
		}
		if err := db.bun.NewSelect().Table("audit_head").Column("seq", "last_hash").Where("id = 1").Scan(ctx, &head); err != nil {
			return domain.AuditVerification{}, wrap("read audit head", err)
		}
		if head.Seq != last {
			res.OK = false
			res.FirstBroken = &domain.AuditBrokenLink{Seq: last + 1, Problem: domain.AuditSequenceGap}
		}
	}
	// The chain records each evidence file's SHA-256; the bytes in the blob
	// store must still have it.
	if err := db.verifyEvidenceFiles(ctx, &res); err != nil {
		return domain.AuditVerification{}, err
	}
	return res, nil
}
