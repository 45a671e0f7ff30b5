package api_test

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/migrations"
)

// proxiedEnv is an API on PostgreSQL behind a proxy the test controls,
// with the given request deadline; the store and the API log to logs.
func proxiedEnv(t *testing.T, requestTimeout time.Duration) (*env, *storetest.Proxy, *storetest.LogBuffer) {
	t.Helper()
	pgURL := os.Getenv(storetest.PostgresURLEnv)
	if pgURL == "" {
		t.Skip("set " + storetest.PostgresURLEnv + " to run the database outage tests")
	}
	schema := storetest.NewSchema(t, pgURL)
	proxy := storetest.NewProxy(t, pgURL)
	logs := &storetest.LogBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	ctx := context.Background()
	url := proxy.URL(pgURL) + "&application_name=vendorwatch-outage-test"
	db, err := store.Open(ctx, url, store.Options{Schema: schema, Now: testNow, Logger: log})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = migrations.Apply(ctx, db.MigrationTarget())
	require.NoError(t, err)
	first, err := db.SeedIfEmpty(ctx)
	require.NoError(t, err)
	srv := api.New(api.Config{Services: api.ServicesOf(db), Logger: log, RequestTimeout: requestTimeout})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &env{t: t, db: db, url: ts.URL, admin: first.Secret, person: first.Person}, proxy, logs
}

// requireUnavailable asserts the 503 of an unavailable database: Retry-After,
// a problem that names the database, and no "internal error".
func requireUnavailable(t *testing.T, r response, within time.Duration, took time.Duration) {
	t.Helper()
	require.Equal(t, http.StatusServiceUnavailable, r.Status, "%s", r.Body)
	require.Equal(t, "5", r.Header.Get("Retry-After"))
	require.Contains(t, r.Header.Get("Content-Type"), "application/problem+json")
	require.Contains(t, string(r.Body), "database is unavailable")
	require.NotContains(t, string(r.Body), "internal error")
	require.Less(t, took, within, "the 503 came too late")
	t.Logf("%d in %s", r.Status, took.Round(time.Millisecond))
}

// timed sends a request and measures how long the answer took.
func (e *env) timed(method, path, token string, body any) (response, time.Duration) {
	start := time.Now()
	r := e.do(method, path, token, body)
	return r, time.Since(start)
}

// A database that cannot be reached makes every call a 503 with
// Retry-After within the request deadline, /readyz a 503 within 2 s, and
// the log one ERROR line however many calls fail; when it is back, calls
// succeed again without a restart, and the log says it recovered.
func TestDatabaseUnreachableIs503(t *testing.T) {
	const deadline = 2 * time.Second
	e, proxy, logs := proxiedEnv(t, deadline)
	e.must(http.StatusOK, "GET", "/v1/vendors", e.admin, nil)
	e.must(http.StatusOK, "GET", "/readyz", "", nil)

	proxy.Cut()
	for range 20 {
		r, took := e.timed("GET", "/v1/vendors", e.admin, nil)
		requireUnavailable(t, r, deadline, took)
	}
	r, took := e.timed("POST", "/v1/departments", e.admin, map[string]any{"name": "停電課"})
	requireUnavailable(t, r, deadline, took)

	r, took = e.timed("GET", "/readyz", "", nil)
	require.Equal(t, http.StatusServiceUnavailable, r.Status, "%s", r.Body)
	require.Contains(t, string(r.Body), "database is unreachable")
	require.Equal(t, "5", r.Header.Get("Retry-After"))
	require.Less(t, took, 2*time.Second)
	t.Logf("/readyz %d in %s", r.Status, took.Round(time.Millisecond))

	require.Len(t, logs.Lines("level=ERROR"), 1, "one ERROR line for the outage, not one a request:\n%s", logs)
	require.Len(t, logs.Lines("level=ERROR", "the database is unavailable"), 1)
	require.Empty(t, logs.Lines("internal error"))

	proxy.Restore()
	e.must(http.StatusOK, "GET", "/v1/vendors", e.admin, nil)
	e.must(http.StatusCreated, "POST", "/v1/departments", e.admin, map[string]any{"name": "復旧課" + randomSuffix()})
	e.must(http.StatusOK, "GET", "/readyz", "", nil)
	require.Len(t, logs.Lines("level=INFO", "the database answers again"), 1, "%s", logs)
	require.Len(t, logs.Lines("level=ERROR"), 1)
}

// A database that accepts connections but answers nothing makes calls a
// 503 when the request deadline passes, and /readyz a 503 within 2 s,
// instead of hanging as long as the client waits; then it recovers.
func TestDatabaseHungIs503WithinTheDeadline(t *testing.T) {
	const deadline = time.Second
	e, proxy, logs := proxiedEnv(t, deadline)
	e.must(http.StatusOK, "GET", "/v1/vendors", e.admin, nil)

	proxy.Hang()
	for range 5 {
		r, took := e.timed("GET", "/v1/vendors", e.admin, nil)
		requireUnavailable(t, r, deadline+time.Second, took)
	}
	r, took := e.timed("POST", "/v1/departments", e.admin, map[string]any{"name": "無応答課"})
	requireUnavailable(t, r, deadline+time.Second, took)

	r, took = e.timed("GET", "/readyz", "", nil)
	require.Equal(t, http.StatusServiceUnavailable, r.Status, "%s", r.Body)
	require.Contains(t, string(r.Body), "database is unreachable")
	require.Less(t, took, 2*time.Second)
	t.Logf("/readyz %d in %s", r.Status, took.Round(time.Millisecond))
	require.Len(t, logs.Lines("level=ERROR"), 1, "%s", logs)

	proxy.Restore()
	e.must(http.StatusOK, "GET", "/v1/vendors", e.admin, nil)
	e.must(http.StatusCreated, "POST", "/v1/departments", e.admin, map[string]any{"name": "復旧課" + randomSuffix()})
	e.must(http.StatusOK, "GET", "/readyz", "", nil)
	require.Len(t, logs.Lines("level=INFO", "the database answers again"), 1, "%s", logs)
}

// On SQLite, a database locked by another process for longer than the
// request deadline makes the request a 503 when the deadline passes, and
// the single connection serves again once the lock is gone.
func TestSQLiteLockedIs503WithinTheDeadline(t *testing.T) {
	const deadline = time.Second
	file := filepath.Join(t.TempDir(), "vendorwatch.db")
	logs := &storetest.LogBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	ctx := context.Background()
	db, err := store.Open(ctx, file, store.Options{Now: testNow, Logger: log})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = migrations.Apply(ctx, db.MigrationTarget())
	require.NoError(t, err)
	first, err := db.SeedIfEmpty(ctx)
	require.NoError(t, err)
	ts := httptest.NewServer(api.New(api.Config{Services: api.ServicesOf(db), Logger: log, RequestTimeout: deadline}))
	t.Cleanup(ts.Close)
	e := &env{t: t, db: db, url: ts.URL, admin: first.Secret, person: first.Person}
	e.must(http.StatusOK, "GET", "/v1/vendors", e.admin, nil)

	other, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(0)")
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Close() })
	lock, err := other.Conn(ctx)
	require.NoError(t, err)
	_, err = lock.ExecContext(ctx, `BEGIN IMMEDIATE`)
	require.NoError(t, err)

	for range 3 {
		r, took := e.timed("POST", "/v1/departments", e.admin, map[string]any{"name": "施錠課" + randomSuffix()})
		requireUnavailable(t, r, deadline+time.Second, took)
	}
	require.Len(t, logs.Lines("level=ERROR"), 1, "%s", logs)

	_, err = lock.ExecContext(ctx, `ROLLBACK`)
	require.NoError(t, err)
	require.NoError(t, lock.Close())
	e.must(http.StatusCreated, "POST", "/v1/departments", e.admin, map[string]any{"name": "解錠課"})
	e.must(http.StatusOK, "GET", "/readyz", "", nil)
	require.Len(t, logs.Lines("level=INFO", "the database answers again"), 1, "%s", logs)
}

// When PostgreSQL terminates the service's connections (a failover, an
// operator's pg_terminate_backend), no call is a 500 and the pool
// reconnects by itself: the next call succeeds.
func TestDatabaseConnectionsTerminated(t *testing.T) {
	e, _, logs := proxiedEnv(t, 2*time.Second)
	e.must(http.StatusOK, "GET", "/v1/vendors", e.admin, nil)
	admin, err := sql.Open("pgx", os.Getenv(storetest.PostgresURLEnv))
	require.NoError(t, err)
	t.Cleanup(func() { _ = admin.Close() })

	for range 3 {
		var n int
		require.NoError(t, admin.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND query NOT ILIKE '%pg_stat_activity%'
			AND application_name = $1`, "vendorwatch-outage-test").Scan(&n))
		require.Positive(t, n, "the service's connections were found")
		r := e.do("GET", "/v1/vendors", e.admin, nil)
		require.Contains(t, []int{http.StatusOK, http.StatusServiceUnavailable}, r.Status, "%s", r.Body)
		e.must(http.StatusOK, "GET", "/v1/vendors", e.admin, nil)
	}
	require.Empty(t, logs.Lines("internal error"))
}
