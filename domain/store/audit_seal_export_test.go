package store

import (
	"context"
	"errors"

	"github.com/uptrace/bun"
)

// ErrTestRollback is the error AppendTestAudit fails with when asked to.
var ErrTestRollback = errors.New("store: test write rolled back")

// AppendTestAudit runs an audited write of one event (entity "test"),
// concurrently with others. When taken is not nil it is closed once the
// event (and its seq) is written; when hold is not nil the transaction
// waits for it before it ends; fail rolls it back after the event was
// written, leaving a hole in the seqs.
func (db *DB) AppendTestAudit(ctx context.Context, name string, taken chan<- struct{}, hold <-chan struct{}, fail bool) error {
	return db.inConcurrentTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := db.appendAudit(ctx, tx, auditEntry{Action: "test", EntityType: "test", EntityID: name}); err != nil {
			return err
		}
		if taken != nil {
			close(taken)
		}
		if hold != nil {
			<-hold
		}
		if fail {
			return ErrTestRollback
		}
		return nil
	})
}

// WriteLockKey is the advisory lock key serialised writes take on
// PostgreSQL, for tests that hold it from another connection.
func (db *DB) WriteLockKey() int64 { return db.writeLock }
