package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// requireNotReady asserts /readyz's 503: Retry-After, the probe's own JSON
// body (not a problem) with the reason code and a reason for people.
func requireNotReady(t *testing.T, r response, code api.ReadinessReason) map[string]any {
	t.Helper()
	require.Equal(t, http.StatusServiceUnavailable, r.Status, "%s", r.Body)
	require.Equal(t, "5", r.Header.Get("Retry-After"))
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	body := r.JSON(t)
	require.Equal(t, "unavailable", body["status"])
	require.Equal(t, string(code), body["reason_code"], "%s", r.Body)
	require.NotEmpty(t, body["reason"])
	require.NotContains(t, body["reason"], "internal error")
	return body
}

// A database migrated by an older release (its newest migration not
// applied) is not ready, and says so: migrations_pending, never a 500.
func TestReadinessSaysMigrationsArePending(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.must(http.StatusOK, "GET", api.ReadyPath, "", nil)
		_, err := e.db.SQL().Exec(`DELETE FROM vendorwatch_migrations WHERE version = (SELECT MAX(version) FROM vendorwatch_migrations)`)
		require.NoError(t, err)
		body := requireNotReady(t, e.do("GET", api.ReadyPath, "", nil), api.ReasonMigrationsPending)
		require.Contains(t, body["reason"], "vendorwatch migrate")
		head := e.do("HEAD", api.ReadyPath, "", nil)
		require.Equal(t, http.StatusServiceUnavailable, head.Status)
		require.Empty(t, head.Body)
		require.NotContains(t, e.logs.String(), "level=ERROR")
		// Liveness does not depend on the database.
		e.must(http.StatusOK, "GET", api.HealthPath, "", nil)
	})
}

// The reasons the process itself gives: starting and shutting down.
func TestReadinessSaysStartingAndShuttingDown(t *testing.T) {
	storetest.Run(t, storetest.Options{Now: testNow}, func(t *testing.T, db *store.DB) {
		var state error
		svc := api.ServicesOf(db)
		svc.Ready = func(ctx context.Context) error {
			if state != nil {
				return state
			}
			return db.Ready(ctx)
		}
		ts := httptest.NewServer(api.New(api.Config{Services: svc, Logger: slog.New(slog.DiscardHandler)}))
		t.Cleanup(ts.Close)
		e := &env{t: t, db: db, url: ts.URL}
		for _, c := range []struct {
			err  error
			code api.ReadinessReason
		}{{api.ErrStarting, api.ReasonStarting}, {api.ErrShuttingDown, api.ReasonShuttingDown}} {
			state = c.err
			requireNotReady(t, e.do("GET", api.ReadyPath, "", nil), c.code)
			e.must(http.StatusOK, "GET", api.HealthPath, "", nil)
		}
		state = nil
		ok := e.must(http.StatusOK, "GET", api.ReadyPath, "", nil).JSON(t)
		require.Equal(t, map[string]any{"status": "ok"}, ok)
	})
}

// The probes are never rate-limited and carry no RateLimit headers; HEAD
// answers them without a body. The API next to them is still limited.
func TestProbesAreOutsideTheRateLimit(t *testing.T) {
	storetest.Run(t, storetest.Options{Now: testNow}, func(t *testing.T, db *store.DB) {
		ts := httptest.NewServer(api.New(api.Config{Services: api.ServicesOf(db), RateLimit: 3, Logger: slog.New(slog.DiscardHandler)}))
		t.Cleanup(ts.Close)
		e := &env{t: t, db: db, url: ts.URL}
		for range 20 {
			for _, path := range []string{api.HealthPath, api.ReadyPath} {
				for _, method := range []string{"GET", "HEAD"} {
					r := e.must(http.StatusOK, method, path, "", nil)
					require.Empty(t, r.Header.Get("RateLimit-Limit"), "%s %s is not counted", method, path)
					if method == "HEAD" {
						require.Empty(t, r.Body)
					}
				}
			}
		}
		for range 3 {
			e.must(http.StatusUnauthorized, "GET", "/v1/me", "", nil)
		}
		requireProblem(t, e.do("GET", "/v1/me", "", nil), http.StatusTooManyRequests)
		e.must(http.StatusOK, "GET", api.ReadyPath, "", nil)
	})
}

// An unreachable database is database_unreachable, within the probe's
// own deadline.
func TestReadinessSaysTheDatabaseIsUnreachable(t *testing.T) {
	e, proxy, _ := proxiedEnv(t, 2*time.Second)
	e.must(http.StatusOK, "GET", api.ReadyPath, "", nil)
	proxy.Cut()
	r, took := e.timed("GET", api.ReadyPath, "", nil)
	requireNotReady(t, r, api.ReasonDatabaseUnreachable)
	require.Less(t, took, 2*time.Second)
	proxy.Hang()
	r, took = e.timed("GET", api.ReadyPath, "", nil)
	requireNotReady(t, r, api.ReasonDatabaseUnreachable)
	require.Less(t, took, 2*time.Second)
	proxy.Restore()
	e.must(http.StatusOK, "GET", api.ReadyPath, "", nil)
}
