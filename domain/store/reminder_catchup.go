package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.ReminderCatchUp = (*DB)(nil)

// CatchUpQueuedReminders implements domain.ReminderCatchUp. It reads the
// status index: queued rows are few, those of the latest scans. It takes no
// write lock; River's uniqueness keeps replicas catching up together from
// queueing a digest twice.
func (db *DB) CatchUpQueuedReminders(ctx context.Context, before time.Time, enqueue domain.EnqueueDigests) error {
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			ID          string `bun:"id"`
			RecipientID string `bun:"recipient_id"`
		}
		err := tx.NewSelect().Model((*reminderRow)(nil)).Column("id", "recipient_id").
			Where("status = ? AND created_at < ?", string(domain.ReminderQueued), before.UTC().Truncate(time.Microsecond)).
			Order("recipient_id ASC", "id ASC").Scan(ctx, &rows)
		if err != nil {
			return fmt.Errorf("store: queued reminders: %w", err)
		}
		var digests []domain.Digest
		for _, r := range rows {
			if n := len(digests); n == 0 || digests[n-1].RecipientID != r.RecipientID {
				digests = append(digests, domain.Digest{RecipientID: r.RecipientID})
			}
			d := &digests[len(digests)-1]
			d.ReminderIDs = append(d.ReminderIDs, r.ID)
		}
		if len(digests) == 0 || enqueue == nil {
			return nil
		}
		return enqueue(ctx, tx.Tx, digests)
	})
	return translate(err)
}
