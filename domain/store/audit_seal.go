package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

// The sealer (PostgreSQL). Writers insert their events unsealed, with a seq
// from audit_events_seq, under the chain lock taken shared (writeTx). The
// sealer chains them in seq order and moves audit_head:
//
//  1. sealWatermark takes the chain lock exclusive, for the moment of one
//     read: once it has it, every transaction that took a seq has ended, so
//     every seq up to the sequence's last value is either committed or will
//     never be (its transaction rolled back). That last value is the
//     watermark.
//  2. sealBatch, in a transaction of its own that locks the head row,
//     chains the events after the head up to the watermark, filling each
//     seq no event holds with a seq_void event, and moves the head.
//
// A seq taken after the watermark is above it, so the sealer never chains
// past an event that may still commit: no gap is sealed over.

// sealBatchSize is how many events one sealing transaction chains.
const sealBatchSize = 1000

// sealLockWait bounds each wait for the exclusive chain lock: writers that
// arrive meanwhile queue behind it, so a long write transaction (an
// import's commit) holding the lock shared must not stall every other
// writer for long. sealLockTries such waits are made before giving up.
const (
	sealLockWait  = 200 * time.Millisecond
	sealLockTries = 25
)

// errSealBusy is a watermark not taken within sealLockWait.
var errSealBusy = errors.New("store: the audit chain lock is busy")

// SealAudit chains the audit events committed so far and moves the head,
// and returns how many it chained (PostgreSQL; on SQLite events are chained
// as they are written, and it does nothing). Events are chained in seq
// order under the key of their segment: the head's, until an
// audit_key_rotated event starts its key's. It stops, with an
// EUNAVAILABLE error, before an event whose segment's key this process has
// not (a replica with it seals it), and before an event already sealed
// above the head, which is a break for verification to report, not for the
// sealer to chain over.
func (db *DB) SealAudit(ctx context.Context) (int, error) {
	if db.kind != Postgres {
		return 0, nil
	}
	w, err := db.sealWatermark(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for {
		n, more, err := db.sealBatch(ctx, w)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// sealWatermark returns the highest seq every seq up to which is committed
// or never will be: the sequence's last value, read while holding the chain
// lock exclusive, which no writer that took a seq can still hold.
func (db *DB) sealWatermark(ctx context.Context) (int64, error) {
	for range sealLockTries {
		var w int64
		err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout = `+strconv.FormatInt(sealLockWait.Milliseconds(), 10)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, db.chainLock); err != nil {
				if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == "55P03" {
					return errSealBusy
				}
				return err
			}
			return tx.NewRaw(`SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM audit_events_seq`).Scan(ctx, &w)
		})
		switch {
		case err == nil:
			return w, nil
		case !errors.Is(err, errSealBusy):
			return 0, wrap("read the audit watermark", err)
		}
	}
	return 0, unavailable(fmt.Errorf("store: the audit chain lock stayed busy through %d tries of %s", sealLockTries, sealLockWait))
}

// sealBatch chains up to sealBatchSize events after the head, none above
// watermark w, and reports whether more remain below it.
func (db *DB) sealBatch(ctx context.Context, w int64) (n int, more bool, err error) {
	var stop error
	err = db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var head auditHead
		if err := tx.NewRaw(`SELECT seq, last_hash, key_id FROM audit_head WHERE id = 1 FOR UPDATE`).Scan(ctx, &head); err != nil {
			return fmt.Errorf("store: read audit head: %w", err)
		}
		upTo := min(w, head.Seq+sealBatchSize)
		if upTo <= head.Seq {
			return nil
		}
		var rows []*auditEventRow
		if err := tx.NewSelect().Model(&rows).Where("seq > ? AND seq <= ?", head.Seq, upTo).Order("seq ASC").Scan(ctx); err != nil {
			return fmt.Errorf("store: read unsealed audit events: %w", err)
		}
		var sealed, voids []*domain.AuditEvent
		next := head
		for i, s := 0, head.Seq+1; s <= upTo; s++ {
			var ev *domain.AuditEvent
			void := false
			if i < len(rows) && rows[i].Seq == s {
				ev = rows[i].toDomain()
				i++
				if ev.Hash != "" {
					stop = unavailable(fmt.Errorf("store: audit event %d above the head (%d) is sealed already: "+
						"the chain is not sealed further until verification's report of it is dealt with", s, head.Seq))
					break
				}
			} else {
				ev, void = db.voidEvent(s), true
			}
			keyID := next.KeyID
			if ev.Action == domain.AuditKeyRotated && ev.EntityType == domain.AuditKeyEntity {
				keyID = ev.EntityID
			}
			key := db.auditKeys.Lookup(keyID)
			if keyID != "" && key == nil {
				stop = unknownHeadKey(keyID)
				break
			}
			ev.PrevHash, ev.KeyID = next.LastHash, keyID
			ev.Hash = ev.ComputeHash(key)
			next = auditHead{Seq: s, LastHash: ev.Hash, KeyID: keyID}
			if void {
				voids = append(voids, ev)
			} else {
				sealed = append(sealed, ev)
			}
		}
		if next == head {
			return nil
		}
		if err := sealEvents(ctx, tx, sealed); err != nil {
			return err
		}
		if len(voids) > 0 {
			vrows := make([]*auditEventRow, len(voids))
			for i, v := range voids {
				vrows[i] = auditRowOf(v)
			}
			if _, err := tx.NewInsert().Model(&vrows).Exec(ctx); err != nil {
				return fmt.Errorf("store: insert void audit events: %w", err)
			}
		}
		if err := moveAuditHead(ctx, tx, next); err != nil {
			return err
		}
		n, more = int(next.Seq-head.Seq), stop == nil && next.Seq < w
		return nil
	})
	if err != nil {
		return 0, false, wrap("seal audit events", err)
	}
	return n, more, stop
}

// sealEvents writes the chain fields of events in one statement. It
// updates only rows still unsealed, and fails unless it updated them all.
func sealEvents(ctx context.Context, tx bun.Tx, events []*domain.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	var b strings.Builder
	args := make([]any, 0, 4*len(events))
	b.WriteString(`UPDATE audit_events AS e SET prev_hash = v.prev_hash, hash = v.hash, key_id = v.key_id FROM (VALUES `)
	for i, ev := range events {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?::bigint, ?, ?, ?)")
		args = append(args, ev.Seq, ev.PrevHash, ev.Hash, ev.KeyID)
	}
	b.WriteString(`) AS v(seq, prev_hash, hash, key_id) WHERE e.seq = v.seq AND e.hash = ''`)
	res, err := tx.ExecContext(ctx, b.String(), args...)
	if err != nil {
		return fmt.Errorf("store: seal audit events: %w", err)
	}
	if got, _ := res.RowsAffected(); got != int64(len(events)) {
		return fmt.Errorf("store: sealed %d audit events of %d: another sealer or a change got there first", got, len(events))
	}
	return nil
}

// voidEvent is the event that fills seq s, which a transaction took and
// did not commit: below the watermark nothing can take it any more, and
// the chain numbers its events without gaps.
func (db *DB) voidEvent(s int64) *domain.AuditEvent {
	ev := db.newAuditEvent(domain.WithActor(context.Background(), domain.SystemActor), domain.AuditSeqVoid,
		domain.AuditChainEntity, strconv.FormatInt(s, 10), "the transaction that took this seq did not commit")
	ev.Seq = s
	return ev
}
