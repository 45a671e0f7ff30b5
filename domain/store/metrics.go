package store

import (
	"context"
	"fmt"

	"github.com/vendorwatch/vendorwatch/domain"
)

// statusCount is one group of a count by status or state.
type statusCount struct {
	Status string `bun:"status"`
	N      int    `bun:"n"`
}

// CountRemindersByStatus counts the reminder ledger's rows by status, for
// the metrics read at scrape time. Every status is present, zero or not, so
// that a series does not vanish when its last row moves on.
func (db *DB) CountRemindersByStatus(ctx context.Context) (map[domain.ReminderStatus]int, error) {
	var rows []statusCount
	err := db.bun.NewSelect().Table("reminders").ColumnExpr("status, count(*) AS n").Group("status").Scan(ctx, &rows)
	if err != nil {
		return nil, translate(fmt.Errorf("store: count reminders by status: %w", err))
	}
	out := map[domain.ReminderStatus]int{}
	for _, s := range []domain.ReminderStatus{domain.ReminderQueued, domain.ReminderSending, domain.ReminderSent,
		domain.ReminderFailed, domain.ReminderCancelled} {
		out[s] = 0
	}
	for _, r := range rows {
		out[domain.ReminderStatus(r.Status)] = r.N
	}
	return out, nil
}

// CountJobsByState counts River's jobs by state (available, running,
// retryable, completed, …), for the metrics read at scrape time. River's
// table is in the store's schema; only River writes it, this only counts.
func (db *DB) CountJobsByState(ctx context.Context) (map[string]int, error) {
	var rows []statusCount
	err := db.bun.NewSelect().Table("river_job").ColumnExpr("state AS status, count(*) AS n").Group("state").Scan(ctx, &rows)
	if err != nil {
		return nil, translate(fmt.Errorf("store: count jobs by state: %w", err))
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}
