package api_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// The limit is counted on a public path that is not a probe: the probes
// are never counted (health_test.go).
func TestRateLimitAnswers429WithItsHeaders(t *testing.T) {
	now := time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(api.New(api.Config{RateLimit: 3, Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	get := func(token string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+"/openapi.json", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = res.Body.Close()
		return res
	}
	for i := 2; i >= 0; i-- {
		res := get("")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "3", res.Header.Get("RateLimit-Limit"))
		require.Equal(t, string(rune('0'+i)), res.Header.Get("RateLimit-Remaining"))
		require.Equal(t, "60", res.Header.Get("RateLimit-Reset"))
	}
	res := get("")
	require.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	require.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
	require.Equal(t, "60", res.Header.Get("Retry-After"))
	require.Equal(t, http.StatusTooManyRequests, get("vw_made_up").StatusCode,
		"a token that never authenticated counts against its address")

	now = now.Add(time.Minute)
	require.Equal(t, http.StatusOK, get("").StatusCode, "a new window starts after a minute")
}

func TestMadeUpTokensBuyNoExtraRequests(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		first, err := db.SeedIfEmpty(context.Background())
		require.NoError(t, err)
		now := time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)
		srv := httptest.NewServer(api.New(api.Config{Services: api.ServicesOf(db), RateLimit: 3, Now: func() time.Time { return now },
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
		defer srv.Close()
		me := func(token string) int {
			req, _ := http.NewRequest("GET", srv.URL+"/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			_ = res.Body.Close()
			return res.StatusCode
		}

		health := func(token string) int {
			req, _ := http.NewRequest("GET", srv.URL+"/openapi.json", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			_ = res.Body.Close()
			return res.StatusCode
		}

		require.Equal(t, http.StatusOK, me(first.Secret), "the real token authenticates: 1 of the address's 3")
		require.Equal(t, http.StatusUnauthorized, me("vw_made_up_1"))
		require.Equal(t, http.StatusOK, health("vw_made_up_2"), "public paths count too (the probes only do not)")
		for i := range 3 {
			require.Equal(t, http.StatusTooManyRequests, me(fmt.Sprintf("vw_made_up_%d", 3+i)), "the address's window is used up")
			require.Equal(t, http.StatusTooManyRequests, health(fmt.Sprintf("vw_made_up_%d", 6+i)))
		}
		for range 3 {
			require.Equal(t, http.StatusOK, me(first.Secret), "a token that authenticated has a window of its own")
		}
		require.Equal(t, http.StatusTooManyRequests, me(first.Secret), "which has its own limit")

		// A real token never seen before, from the same busy address (a
		// proxy), is checked on the spot and gets a window of its own.
		ctx := domain.WithActor(context.Background(), domain.Actor{PersonID: first.Person.ID, Role: domain.RoleAdmin})
		_, fresh, err := db.CreateToken(ctx, domain.TokenInput{PersonID: first.Person.ID, Role: domain.RoleViewer})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, me(fresh))
		require.Equal(t, http.StatusTooManyRequests, me("vw_made_up_x"), "made-up tokens still are not")

		now = now.Add(2 * time.Minute)
		require.Equal(t, http.StatusUnauthorized, me("vw_made_up_9"), "a new window starts after a minute")
		require.Equal(t, http.StatusUnauthorized, me("vw_made_up_10"))
		require.Equal(t, http.StatusOK, health("vw_made_up_11"))
		require.Equal(t, http.StatusTooManyRequests, health(""), "the address's new window is used up again")
		for range 3 {
			require.Equal(t, http.StatusOK, me(first.Secret), "the real token is still trusted after idling past the sweep")
		}
	})
}

func TestCheckingTokensFromABusyAddressHasItsOwnLimit(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		first, err := db.SeedIfEmpty(context.Background())
		require.NoError(t, err)
		now := time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)
		srv := httptest.NewServer(api.New(api.Config{Services: api.ServicesOf(db), RateLimit: 1, Now: func() time.Time { return now },
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
		defer srv.Close()
		me := func(token string) int {
			req, _ := http.NewRequest("GET", srv.URL+"/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			_ = res.Body.Close()
			return res.StatusCode
		}
		require.Equal(t, http.StatusUnauthorized, me("vw_made_up"), "the address's one request")
		for i := range 30 {
			require.Equal(t, http.StatusTooManyRequests, me(fmt.Sprintf("vw_made_up_%d", i)), "checked, and refused")
		}
		require.Equal(t, http.StatusTooManyRequests, me(first.Secret),
			"30 checks a minute per address: made-up tokens cost no more lookups, and a new real token waits too")
		now = now.Add(time.Minute)
		require.Equal(t, http.StatusOK, me(first.Secret))
	})
}

func TestCORSOnlyForConfiguredOrigins(t *testing.T) {
	srv := httptest.NewServer(api.New(api.Config{CORSOrigins: []string{"https://intra.example.lg.jp"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	do := func(method, origin string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+"/healthz", nil)
		req.Header.Set("Origin", origin)
		if method == http.MethodOptions {
			req.Header.Set("Access-Control-Request-Method", "GET")
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = res.Body.Close()
		return res
	}
	res := do("GET", "https://intra.example.lg.jp")
	require.Equal(t, "https://intra.example.lg.jp", res.Header.Get("Access-Control-Allow-Origin"))
	require.Contains(t, res.Header.Get("Access-Control-Expose-Headers"), "ETag")
	require.Contains(t, res.Header.Get("Access-Control-Expose-Headers"), "X-Request-Id", "a browser client can quote the request id")
	require.Empty(t, do("GET", "https://evil.example").Header.Get("Access-Control-Allow-Origin"))
	pre := do(http.MethodOptions, "https://intra.example.lg.jp")
	require.Equal(t, http.StatusNoContent, pre.StatusCode)
	require.Contains(t, pre.Header.Get("Access-Control-Allow-Headers"), "If-Match")
}

func TestASlowBodyGets408(t *testing.T) {
	srv := httptest.NewServer(api.New(api.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "POST /v1/people HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":")
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(20*time.Second)))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusRequestTimeout, res.StatusCode)
}

func TestRateLimitBelievesOnlyTrustedProxies(t *testing.T) {
	now := time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)
	get := func(srv *httptest.Server, forwarded string) int {
		req, _ := http.NewRequest("GET", srv.URL+"/openapi.json", nil)
		if forwarded != "" {
			req.Header.Set("X-Forwarded-For", forwarded)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = res.Body.Close()
		return res.StatusCode
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))

	behind := httptest.NewServer(api.New(api.Config{RateLimit: 2, Now: func() time.Time { return now }, Logger: logger,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}))
	defer behind.Close()
	require.Equal(t, http.StatusOK, get(behind, "203.0.113.5"))
	require.Equal(t, http.StatusOK, get(behind, "203.0.113.5"))
	require.Equal(t, http.StatusTooManyRequests, get(behind, "203.0.113.5"))
	require.Equal(t, http.StatusOK, get(behind, "203.0.113.6"), "another client behind the proxy has its own window")
	require.Equal(t, http.StatusTooManyRequests, get(behind, "198.51.100.1, 203.0.113.5"),
		"what the client wrote left of the proxy's entry proves nothing")
	require.Equal(t, http.StatusTooManyRequests, get(behind, "203.0.113.5:51234"), "a proxy that writes the port names the same client")
	require.Equal(t, http.StatusOK, get(behind, "[2001:db8::1]:443"))
	require.Equal(t, http.StatusOK, get(behind, "2001:db8::1"))
	require.Equal(t, http.StatusTooManyRequests, get(behind, "[2001:db8::1]"))

	direct := httptest.NewServer(api.New(api.Config{RateLimit: 2, Now: func() time.Time { return now }, Logger: logger}))
	defer direct.Close()
	require.Equal(t, http.StatusOK, get(direct, "203.0.113.7"))
	require.Equal(t, http.StatusOK, get(direct, "203.0.113.8"))
	require.Equal(t, http.StatusTooManyRequests, get(direct, "203.0.113.9"), "without trusted proxies the header is ignored")
}
