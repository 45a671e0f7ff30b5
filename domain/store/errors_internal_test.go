package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// sqliteBusy returns a real SQLITE_BUSY: a write while another connection
// holds the write lock, with no busy timeout.
func sqliteBusy(t *testing.T) error {
	t.Helper()
	file := "file:" + filepath.Join(t.TempDir(), "busy.db") + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(0)"
	holder, err := sql.Open("sqlite", file)
	require.NoError(t, err)
	t.Cleanup(func() { _ = holder.Close() })
	_, err = holder.Exec(`CREATE TABLE t (x INTEGER)`)
	require.NoError(t, err)
	conn, err := holder.Conn(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	_, err = conn.ExecContext(context.Background(), `BEGIN IMMEDIATE`)
	require.NoError(t, err)
	other, err := sql.Open("sqlite", file)
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Close() })
	_, err = other.Exec(`INSERT INTO t VALUES (1)`)
	require.Error(t, err)
	return err
}

// The store tells a database that is unavailable (unreachable, broken
// connection, timed out, statement cancelled, locked) from one that answered
// with a reason, and only the first is EUNAVAILABLE: a 503 with Retry-After,
// never a 500.
func TestTranslateClassifiesAnUnavailableDatabase(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	cases := []struct {
		name string
		err  error
		want domain.ErrorCode // "" for an error that passes through (a 500)
	}{
		{"request deadline", fmt.Errorf("store: list: %w", context.DeadlineExceeded), domain.EUNAVAILABLE},
		{"request cancelled", context.Canceled, domain.EUNAVAILABLE},
		{"connection refused", refused, domain.EUNAVAILABLE},
		{"pgx connect error", &pgconn.ConnectError{}, domain.EUNAVAILABLE},
		{"connection dropped mid-answer", fmt.Errorf("failed to receive message: %w", io.ErrUnexpectedEOF), domain.EUNAVAILABLE},
		{"bad connection", driver.ErrBadConn, domain.EUNAVAILABLE},
		{"connection done", sql.ErrConnDone, domain.EUNAVAILABLE},
		{"pgx conn closed", pgconn.ErrConnClosed, domain.EUNAVAILABLE},
		{"statement_timeout", &pgconn.PgError{Code: "57014", Message: "canceling statement due to statement timeout"}, domain.EUNAVAILABLE},
		{"lock_timeout", &pgconn.PgError{Code: "55P03", Message: "canceling statement due to lock timeout"}, domain.EUNAVAILABLE},
		{"pg_terminate_backend", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, domain.EUNAVAILABLE},
		{"server starting", &pgconn.PgError{Code: "57P03"}, domain.EUNAVAILABLE},
		{"connection failure class 08", &pgconn.PgError{Code: "08006"}, domain.EUNAVAILABLE},
		{"too many connections", &pgconn.PgError{Code: "53300"}, domain.EUNAVAILABLE},
		{"sqlite busy past busy_timeout", sqliteBusy(t), domain.EUNAVAILABLE},
		{"duplicate", &pgconn.PgError{Code: "23505", ConstraintName: "people_email_key"}, domain.ECONFLICT},
		{"serialization failure", &pgconn.PgError{Code: "40001"}, domain.ECONFLICT},
		{"value too long", &pgconn.PgError{Code: "22001"}, domain.EINVALID},
		{"no rows", sql.ErrNoRows, domain.ENOTFOUND},
		{"syntax error", &pgconn.PgError{Code: "42601"}, ""},
		{"a bug", errors.New("store: scan: unsupported type"), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := translate(tc.err)
			var de *domain.Error
			if tc.want == "" {
				require.False(t, errors.As(got, &de), "passes through as an internal error: %v", got)
				require.False(t, isUnavailable(tc.err))
				return
			}
			require.ErrorAs(t, got, &de)
			require.Equal(t, tc.want, de.Code, "%v", got)
			if tc.want == domain.EUNAVAILABLE {
				require.Equal(t, errUnavailableMessage, de.Message, "the caller reads that the database is unavailable, not the driver's text")
				require.ErrorIs(t, got, tc.err, "the cause is kept for the log")
				require.Equal(t, domain.EUNAVAILABLE, domain.ErrorCodeOf(wrap("op", tc.err)), "wrap classifies too")
			}
		})
	}
}

// A dropped connection (the server terminated it, or the network broke)
// resets the pool; a call that merely timed out does not.
func TestConnectionBroken(t *testing.T) {
	for _, err := range []error{
		&pgconn.PgError{Code: "57P01"}, &pgconn.PgError{Code: "08006"}, io.ErrUnexpectedEOF, pgconn.ErrConnClosed,
		&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET},
	} {
		require.True(t, connectionBroken(fmt.Errorf("store: x: %w", err)), "%v", err)
	}
	for _, err := range []error{
		context.DeadlineExceeded, &pgconn.PgError{Code: "57014"}, &pgconn.PgError{Code: "55P03"}, &pgconn.PgError{Code: "23505"},
	} {
		require.False(t, connectionBroken(err), "%v", err)
	}
}
