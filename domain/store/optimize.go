package store

import (
	"context"
	"fmt"
)

// Optimize refreshes the query planner's statistics where they are missing
// or stale. SQLite keeps no statistics until ANALYZE runs, and without them
// it guesses between a filter's index and the id order of a list; PRAGMA
// optimize analyzes only the tables whose indexes were never analyzed or
// that grew or shrank a lot since (mask 0x10002: all tables, not only those
// this connection used), reading a bounded sample of each index, so it costs
// little when nothing changed. It runs at every start (SeedIfEmpty calls
// it) and may run after a large change such as an import. PostgreSQL's
// autovacuum keeps its statistics itself, so there it does nothing.
func (db *DB) Optimize(ctx context.Context) error {
	if db.kind != SQLite {
		return nil
	}
	if _, err := db.sql.ExecContext(ctx, `PRAGMA optimize=0x10002`); err != nil {
		return fmt.Errorf("store: optimize SQLite statistics: %w", err)
	}
	return nil
}
