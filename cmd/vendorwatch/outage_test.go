package main

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// The whole binary, jobs included, through a database outage: requests are
// 503 with Retry-After within --request-timeout, the log carries one ERROR
// line for the outage (not one a request), and after the database returns
// requests succeed without a restart.
func TestServeThroughADatabaseOutage(t *testing.T) {
	pgURL := os.Getenv(storetest.PostgresURLEnv)
	if pgURL == "" {
		t.Skip("set " + storetest.PostgresURLEnv)
	}
	t.Setenv("PGOPTIONS", "-c search_path="+storetest.NewSchema(t, pgURL))
	t.Setenv("VENDORWATCH_AUDIT_KEY", testAuditKey) // PostgreSQL needs one, shared by the replicas
	proxy := storetest.NewProxy(t, pgURL)
	r := startServe(t, "--database-url", proxy.URL(pgURL), "--request-timeout", "1s", "--outbox-dir", t.TempDir())
	m := tokenLine.FindStringSubmatch(r.stdout.String())
	require.NotNil(t, m, "the first start prints the admin token")
	get := func(path string) (*http.Response, time.Duration) {
		start := time.Now()
		req, err := http.NewRequest(http.MethodGet, "http://"+r.addr+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+m[1])
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = res.Body.Close()
		return res, time.Since(start)
	}
	res, _ := get("/v1/vendors")
	require.Equal(t, http.StatusOK, res.StatusCode)

	proxy.Cut()
	for i := range 100 {
		path := "/v1/vendors"
		if i%2 == 1 {
			path = "/readyz"
		}
		res, took := get(path)
		require.Equal(t, http.StatusServiceUnavailable, res.StatusCode, path)
		require.Equal(t, "5", res.Header.Get("Retry-After"))
		require.Less(t, took, 2*time.Second)
	}
	// River's notifier logs its own reconnect attempts, with a backoff
	// between them; the service logs the outage once.
	var own []string
	for line := range strings.SplitSeq(r.stderr.String(), "\n") {
		if strings.Contains(line, "level=ERROR") && !strings.Contains(line, "component=river") {
			own = append(own, line)
		}
	}
	require.Len(t, own, 1, "one ERROR line for the outage:\n%s", r.stderr.String())
	require.Contains(t, own[0], "the database is unavailable")

	proxy.Restore()
	res, _ = get("/v1/vendors")
	require.Equal(t, http.StatusOK, res.StatusCode, "answers again without a restart:\n%s", r.stderr.String())
	res, _ = get("/readyz")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, r.stderr.String(), "the database answers again")
}
