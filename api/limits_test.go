package api_test

import (
	"context"
	"fmt"
	"io"
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

func TestRateLimitAnswers429WithItsHeaders(t *testing.T) {
	now := time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(api.New(api.Config{RateLimit: 3, Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	get := func(token string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+"/healthz", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = res.Body.Close()
		return res
	}
	for i := 2; i >= 0; i-- {
		res := get("vw_a")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "3", res.Header.Get("RateLimit-Limit"))
		require.Equal(t, string(rune('0'+i)), res.Header.Get("RateLimit-Remaining"))
		require.Equal(t, "60", res.Header.Get("RateLimit-Reset"))
	}
	res := get("vw_a")
	require.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	require.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
	require.Equal(t, "60", res.Header.Get("Retry-After"))
	require.Equal(t, http.StatusOK, get("vw_b").StatusCode, "another caller has its own window")
	require.Equal(t, http.StatusOK, get("").StatusCode, "a caller without a token is counted by address")

	now = now.Add(time.Minute)
	require.Equal(t, http.StatusOK, get("vw_a").StatusCode, "a new window starts after a minute")
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

		require.Equal(t, http.StatusOK, me(first.Secret), "the real token authenticates before the attack")
		for i := range 3 {
			require.Equal(t, http.StatusUnauthorized, me(fmt.Sprintf("vw_made_up_%d", i)))
		}
		require.Equal(t, http.StatusTooManyRequests, me("vw_made_up_4"), "the address used up its failed authentications")
		require.Equal(t, http.StatusOK, me(first.Secret), "a token that authenticated is not locked out by them")

		now = now.Add(time.Minute)
		require.Equal(t, http.StatusUnauthorized, me("vw_made_up_5"), "a new window starts after a minute")
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
	require.Empty(t, do("GET", "https://evil.example").Header.Get("Access-Control-Allow-Origin"))
	pre := do(http.MethodOptions, "https://intra.example.lg.jp")
	require.Equal(t, http.StatusNoContent, pre.StatusCode)
	require.Contains(t, pre.Header.Get("Access-Control-Allow-Headers"), "If-Match")
}
