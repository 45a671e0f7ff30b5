package domain

import (
	"context"
	"time"
)

// ReminderCatchUp finds ledger rows that still wait to be sent although no
// job may be left to send them: an enqueue lost in a crash, a job cancelled
// by hand, a worker that died mid-send (its lease ran out). The jobs queue a
// digest again for those whose job is gone or dead.
type ReminderCatchUp interface {
	// CatchUpQueuedReminders hands to enqueue, in one transaction, the rows
	// still to send that no live lease holds: those queued and never leased
	// that were written before `before`, one digest per recipient with its
	// rows in id order, and those whose lease ran out (queued, or sending,
	// grouped by the message they were claimed for). enqueue queues a
	// digest job for the rows that no live job will send.
	CatchUpQueuedReminders(ctx context.Context, before time.Time, enqueue EnqueueDigests) error
}
