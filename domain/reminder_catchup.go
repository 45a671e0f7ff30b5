package domain

import (
	"context"
	"time"
)

// ReminderCatchUp finds ledger rows that still wait to be sent although no
// job may be left to send them: an enqueue lost in a crash, a job cancelled
// by hand. The jobs queue a digest again for those whose job is gone.
type ReminderCatchUp interface {
	// CatchUpQueuedReminders hands the rows still queued that were written
	// before `before`, one digest per recipient with its rows in id order,
	// to enqueue in one transaction. enqueue queues a digest job for the
	// rows that no live job will send.
	CatchUpQueuedReminders(ctx context.Context, before time.Time, enqueue EnqueueDigests) error
}
