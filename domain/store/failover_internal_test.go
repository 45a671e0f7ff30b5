package store

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// After a failover every idle connection is dead, including the ones
// database/sql keeps idle (as many as the pool holds). The first call may
// fail on one; the next must connect afresh, however many were idle.
func TestIdleConnectionsAreDroppedAfterATerminatedBackend(t *testing.T) {
	url := os.Getenv("VENDORWATCH_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("PostgreSQL only: set VENDORWATCH_TEST_POSTGRES_URL")
	}
	const app = "vendorwatch-failover-test"
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	ctx := context.Background()
	db, err := Open(ctx, url+sep+"application_name="+app+"&pool_max_conns=4",
		Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })

	// Fill database/sql's idle pool: four connections at once, then back.
	var conns []*sql.Conn
	for range 4 {
		c, err := db.sql.Conn(ctx)
		require.NoError(t, err)
		require.NoError(t, c.PingContext(ctx))
		conns = append(conns, c)
	}
	for _, c := range conns {
		require.NoError(t, c.Close())
	}
	require.Equal(t, 4, db.sql.Stats().Idle)

	admin, err := sql.Open("pgx", url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = admin.Close() })
	var n int
	require.NoError(t, admin.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1`, app).Scan(&n))
	require.Equal(t, 4, n)

	one := func() error {
		var v string
		return db.selectOne(ctx, db.bun.NewSelect().ColumnExpr("?", "x"), &v)
	}
	_ = one() // may meet a dead connection
	require.NoError(t, one(), "the second call after the failover connects afresh")
	require.NoError(t, one())
}
