package store_test

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/migrations"
)

// openPostgres opens a migrated store on a fresh schema with opts, or skips.
func openPostgres(t *testing.T, opts store.Options) (*store.DB, string) {
	t.Helper()
	pgURL := os.Getenv(storetest.PostgresURLEnv)
	if pgURL == "" {
		t.Skip("set " + storetest.PostgresURLEnv)
	}
	opts.Schema = storetest.NewSchema(t, pgURL)
	ctx := context.Background()
	db, err := store.Open(ctx, pgURL, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = migrations.Apply(ctx, db.MigrationTarget())
	require.NoError(t, err)
	_, err = db.SeedIfEmpty(ctx)
	require.NoError(t, err)
	return db, pgURL
}

func setting(t *testing.T, db *store.DB, name string) string {
	t.Helper()
	var v string
	require.NoError(t, db.SQL().QueryRow(`SHOW `+name).Scan(&v))
	return v
}

// Every PostgreSQL connection has a statement_timeout and a lock_timeout:
// the defaults, the configured values, or none when turned off.
func TestPostgresConnectionsHaveStatementAndLockTimeouts(t *testing.T) {
	db, _ := openPostgres(t, store.Options{})
	require.Equal(t, "30s", setting(t, db, "statement_timeout"))
	require.Equal(t, "5s", setting(t, db, "lock_timeout"))

	db, _ = openPostgres(t, store.Options{StatementTimeout: 1500 * time.Millisecond, LockTimeout: 250 * time.Millisecond})
	require.Equal(t, "1500ms", setting(t, db, "statement_timeout"))
	require.Equal(t, "250ms", setting(t, db, "lock_timeout"))

	db, _ = openPostgres(t, store.Options{StatementTimeout: -1, LockTimeout: -1})
	require.Equal(t, "0", setting(t, db, "statement_timeout"))
	require.Equal(t, "0", setting(t, db, "lock_timeout"))
}

// A write that waits for a lock longer than lock_timeout fails promptly as
// EUNAVAILABLE (a 503), whatever the caller's deadline, and the next write
// succeeds once the lock is released.
func TestPostgresLockTimeoutIsUnavailable(t *testing.T) {
	db, pgURL := openPostgres(t, store.Options{LockTimeout: 200 * time.Millisecond})
	other, err := sql.Open("pgx", pgURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Close() })
	ctx := context.Background()
	tx, err := other.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, db.WriteLockKey())
	require.NoError(t, err)

	start := time.Now()
	_, err = db.CreateDepartment(ctx, domain.DepartmentInput{Name: "ロック待ち課"})
	require.Equal(t, domain.EUNAVAILABLE, domain.ErrorCodeOf(err), "%v", err)
	require.Less(t, time.Since(start), 2*time.Second, "lock_timeout, not a long wait")

	require.NoError(t, tx.Rollback())
	_, err = db.CreateDepartment(ctx, domain.DepartmentInput{Name: "ロック待ち課"})
	require.NoError(t, err)
}

// A statement that runs longer than statement_timeout is cancelled by the
// server and is EUNAVAILABLE.
func TestPostgresStatementTimeoutIsUnavailable(t *testing.T) {
	db, pgURL := openPostgres(t, store.Options{StatementTimeout: 200 * time.Millisecond})
	other, err := sql.Open("pgx", pgURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Close() })
	ctx := context.Background()
	// The store's lock_timeout (5 s) is longer than its statement_timeout,
	// so the statement waiting for the lock is cancelled first.
	tx, err := other.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	_, err = tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, db.WriteLockKey())
	require.NoError(t, err)
	start := time.Now()
	_, err = db.CreateDepartment(ctx, domain.DepartmentInput{Name: "長い文課"})
	require.Equal(t, domain.EUNAVAILABLE, domain.ErrorCodeOf(err), "%v", err)
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr, "the cause is kept for the log")
	require.Equal(t, "57014", pgErr.Code, "canceling statement due to statement timeout")
	require.Less(t, time.Since(start), 2*time.Second)
}
