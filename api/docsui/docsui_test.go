package docsui_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/api/docsui"
)

// attrURL finds the URLs and integrity values the page names.
var (
	attrURL       = regexp.MustCompile(`(?i)\b(src|href|apiDescriptionUrl)="([^"]*)"`)
	attrIntegrity = regexp.MustCompile(`(?i)\b(?:src|href)="([^"]*)" integrity="([^"]*)"`)
)

func get(t *testing.T, h http.Handler, path string, header ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, res *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return b
}

// TestPageNamesOnlyThisServer: the page loads nothing from elsewhere, runs
// no inline script and carries the headers that keep it out of frames.
func TestPageNamesOnlyThisServer(t *testing.T) {
	ui := docsui.New("vendorwatch API reference", "/openapi.json")
	res := get(t, ui, "/docs")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
	require.Equal(t, docsui.ContentSecurityPolicy, res.Header.Get("Content-Security-Policy"))
	require.Equal(t, "DENY", res.Header.Get("X-Frame-Options"))
	require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	require.Equal(t, "no-cache", res.Header.Get("Cache-Control"))
	page := string(body(t, res))

	for _, bad := range []string{"http:", "https:", "//", "unpkg", "jsdelivr", "cdn", "style=", "<style", "javascript:"} {
		require.NotContains(t, strings.ToLower(page), bad)
	}
	scripts := regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`).FindAllStringSubmatch(page, -1)
	require.Len(t, scripts, 1)
	require.Contains(t, scripts[0][1], "src=")
	require.Empty(t, strings.TrimSpace(scripts[0][2]), "inline script")

	urls := attrURL.FindAllStringSubmatch(page, -1)
	require.Len(t, urls, 4)
	for _, m := range urls {
		require.True(t, strings.HasPrefix(m[2], "/") && !strings.HasPrefix(m[2], "//"), m[0])
	}
	require.Contains(t, page, `apiDescriptionUrl="/openapi.json"`)
}

// TestAssetsAnswerAsTheBrowserNeeds: each asset the page names answers with
// its type, a cache lifetime of a year, and the bytes its integrity names.
func TestAssetsAnswerAsTheBrowserNeeds(t *testing.T) {
	ui := docsui.New("t", "/openapi.json")
	page := string(body(t, get(t, ui, "/docs")))
	want := map[string]string{
		"styles.min.css":        "text/css; charset=utf-8",
		"docs.css":              "text/css; charset=utf-8",
		"web-components.min.js": "text/javascript; charset=utf-8",
	}
	found := attrIntegrity.FindAllStringSubmatch(page, -1)
	require.Len(t, found, len(want))
	for _, m := range found {
		path, integrity := m[1], html.UnescapeString(m[2])
		require.True(t, strings.HasPrefix(path, docsui.AssetsPath), path)
		name := path[strings.LastIndex(path, "/")+1:]
		res := get(t, ui, path)
		require.Equal(t, http.StatusOK, res.StatusCode, path)
		require.Equal(t, want[name], res.Header.Get("Content-Type"), path)
		require.Equal(t, "public, max-age=31536000, immutable", res.Header.Get("Cache-Control"))
		require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
		require.NotEmpty(t, res.Header.Get("ETag"))
		b := body(t, res)
		sum := sha512.Sum384(b)
		require.Equal(t, "sha384-"+base64.StdEncoding.EncodeToString(sum[:]), integrity, path)
		if name != "docs.css" {
			vendored, err := os.ReadFile("elements/" + name)
			require.NoError(t, err)
			require.True(t, bytes.Equal(vendored, b), "%s is not the vendored file", path)
		}
	}
	// The licences travel with the code, beside it.
	prefix := found[0][1][:strings.LastIndex(found[0][1], "/")+1]
	for _, name := range []string{"LICENSE.txt", "web-components.min.js.LICENSE.txt"} {
		res := get(t, ui, prefix+name)
		require.Equal(t, http.StatusOK, res.StatusCode, name)
		require.Equal(t, "text/plain; charset=utf-8", res.Header.Get("Content-Type"))
	}
}

// TestAssetsCompressAndRevalidate: gzip when the browser takes it, 304 for
// a copy it already holds, and a path of another build names nothing.
func TestAssetsCompressAndRevalidate(t *testing.T) {
	ui := docsui.New("t", "/openapi.json")
	ui.NotFound = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	path := attrURL.FindStringSubmatch(string(body(t, get(t, ui, "/docs"))))[2]
	require.True(t, strings.HasSuffix(path, "/styles.min.css"), path)
	plain := get(t, ui, path)
	raw := body(t, plain)

	zipped := get(t, ui, path, "Accept-Encoding", "br;q=1.0, gzip;q=0.8")
	require.Equal(t, http.StatusOK, zipped.StatusCode)
	require.Equal(t, "gzip", zipped.Header.Get("Content-Encoding"))
	require.Equal(t, "Accept-Encoding", zipped.Header.Get("Vary"))
	require.NotEqual(t, plain.Header.Get("ETag"), zipped.Header.Get("ETag"))
	zr, err := gzip.NewReader(bytes.NewReader(body(t, zipped)))
	require.NoError(t, err)
	unzipped, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Equal(t, raw, unzipped)

	refused := get(t, ui, path, "Accept-Encoding", "gzip;q=0")
	require.Empty(t, refused.Header.Get("Content-Encoding"))

	require.Equal(t, http.StatusNotModified, get(t, ui, path, "If-None-Match", plain.Header.Get("ETag")).StatusCode)
	require.Equal(t, http.StatusNotModified, get(t, ui, "/docs", "If-None-Match", get(t, ui, "/docs").Header.Get("ETag")).StatusCode)

	other := docsui.AssetsPath + "0000000000000000/styles.min.css"
	require.Equal(t, http.StatusTeapot, get(t, ui, other).StatusCode)
	require.Equal(t, http.StatusTeapot, get(t, ui, strings.TrimSuffix(path, "styles.min.css")+"VERSION").StatusCode)
	require.Equal(t, http.StatusTeapot, get(t, ui, "/docs/").StatusCode)
}
