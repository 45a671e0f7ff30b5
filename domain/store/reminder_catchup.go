package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.ReminderCatchUp = (*DB)(nil)

// CatchUpQueuedReminders implements domain.ReminderCatchUp, for rows still
// queued and rows left sending by an attempt whose job is gone or whose
// worker died (its lease ran out). It reads the status index: such rows are
// few, those of the latest scans. It takes no write lock; River's
// uniqueness keeps replicas catching up together from queueing a digest
// twice. A leased row is handed over as soon as its lease runs out, however
// young: its job ran, so no commit of it can still be on its way.
func (db *DB) CatchUpQueuedReminders(ctx context.Context, before time.Time, enqueue domain.EnqueueDigests) error {
	now := leaseNow()
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			ID          string `bun:"id"`
			RecipientID string `bun:"recipient_id"`
			Status      string `bun:"status"`
			MessageID   string `bun:"message_id"`
		}
		err := tx.NewSelect().Model((*reminderRow)(nil)).Column("id", "recipient_id", "status", "message_id").
			Where("status IN (?, ?)", string(domain.ReminderQueued), string(domain.ReminderSending)).
			Where("((lease_until IS NULL AND created_at < ?) OR lease_until <= ?)", before.UTC().Truncate(time.Microsecond), now).
			Order("recipient_id ASC", "message_id ASC", "id ASC").Scan(ctx, &rows)
		if err != nil {
			return fmt.Errorf("store: queued reminders: %w", err)
		}
		// Queued rows go out in one digest per recipient. Rows left
		// sending by a dead attempt keep the message they were claimed
		// for, so its resend carries the same rows and Message-ID.
		var digests []domain.Digest
		queued := map[string]int{}
		sending := map[string]int{}
		for _, r := range rows {
			at, ok := queued[r.RecipientID], false
			if r.Status == string(domain.ReminderSending) {
				at, ok = sending[r.MessageID]
				if !ok {
					sending[r.MessageID] = len(digests)
				}
			} else if _, ok = queued[r.RecipientID]; !ok {
				queued[r.RecipientID] = len(digests)
			}
			if !ok {
				digests = append(digests, domain.Digest{RecipientID: r.RecipientID})
				at = len(digests) - 1
			}
			digests[at].ReminderIDs = append(digests[at].ReminderIDs, r.ID)
		}
		if len(digests) == 0 || enqueue == nil {
			return nil
		}
		return enqueue(ctx, tx.Tx, digests)
	})
	return translate(err)
}
