package store

import (
	"context"
	"fmt"
)

// Optimize refreshes the query planner's statistics where they are missing
// or stale. SQLite keeps no statistics until ANALYZE runs, and without them
// it guesses between a filter's index and the id order of a list; PRAGMA
// optimize analyzes only the tables whose indexes were never analyzed or
// that grew or shrank a lot since (mask 0x10012: all tables, not only those
// this connection used, 0x10000; analyze them, 0x2; reading a bounded
// sample of each index, 0x10), so it costs little when nothing changed
// (about a millisecond) and little more when something did (about 0.1 s
// for a register of 100,000 contracts, where a full ANALYZE takes 0.8 s).
// It runs at every start (SeedIfEmpty calls it), at the start of every
// due-scan (a register imported or grown since the start would otherwise
// be planned on no statistics, or stale ones: SQLite then takes the status
// index for the scan's date ranges and reads every active contract) and
// may run after a large change such as an import. PostgreSQL's autovacuum
// keeps its statistics itself, so there it does nothing.
func (db *DB) Optimize(ctx context.Context) error {
	if db.kind != SQLite {
		return nil
	}
	if _, err := db.sql.ExecContext(ctx, `PRAGMA optimize=0x10012`); err != nil {
		return fmt.Errorf("store: optimize SQLite statistics: %w", err)
	}
	return nil
}
