package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/api"
)

// TestDocsWorkWithoutInternet: /docs is served by this server alone, with
// its policy, and everything it names answers here, the document included.
func TestDocsWorkWithoutInternet(t *testing.T) {
	ts := httptest.NewServer(api.New(api.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(ts.Close)
	fetch := func(method, path string) (*http.Response, string) {
		req, err := http.NewRequest(method, ts.URL+path, nil)
		require.NoError(t, err)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res, string(b)
	}

	res, page := fetch(http.MethodGet, "/docs")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
	csp := res.Header.Get("Content-Security-Policy")
	require.Contains(t, csp, "script-src 'self';")
	require.Contains(t, csp, "frame-ancestors 'none'")
	require.NotContains(t, csp, "http")
	require.Equal(t, "DENY", res.Header.Get("X-Frame-Options"))
	require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	for _, cdn := range []string{"http", "unpkg", "jsdelivr", "cdn"} {
		require.NotContains(t, page, cdn)
	}

	types := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".json": "application/openapi+json"}
	urls := regexp.MustCompile(`\b(?:src|href|apiDescriptionUrl)="([^"]*)"`).FindAllStringSubmatch(page, -1)
	require.Len(t, urls, 4)
	for _, m := range urls {
		path := m[1]
		require.True(t, strings.HasPrefix(path, "/") && !strings.HasPrefix(path, "//"), path)
		res, _ := fetch(http.MethodGet, path)
		require.Equal(t, http.StatusOK, res.StatusCode, path)
		require.Equal(t, types[path[strings.LastIndex(path, "."):]], res.Header.Get("Content-Type"), path)
		if strings.HasPrefix(path, "/docs/") {
			head, b := fetch(http.MethodHead, path)
			require.Equal(t, http.StatusOK, head.StatusCode, path)
			require.Empty(t, b)
		}
	}

	res, _ = fetch(http.MethodGet, "/docs/assets/0/web-components.min.js")
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	require.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
	res, _ = fetch(http.MethodPost, "/docs")
	require.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
}
