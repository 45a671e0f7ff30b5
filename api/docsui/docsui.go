// Package docsui serves the interactive API reference at /docs from files
// built into the binary: Stoplight Elements, vendored from npm at the
// version elements/VERSION pins (see README.md), so that the page works on a
// network with no way out to a CDN.
package docsui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha512"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed docs.css elements/web-components.min.js elements/styles.min.css elements/LICENSE elements/web-components.min.js.LICENSE.txt
var files embed.FS

// Path is where the reference page is served.
const Path = "/docs"

// AssetsPath is the folder of the page's scripts and styles. Each asset's
// path carries a hash of every asset, so a new build's assets have new paths
// and browsers may keep any of them for good.
const AssetsPath = Path + "/assets/"

// ContentSecurityPolicy is the policy of the page: scripts and styles from
// this server only, requests (the document, "try it") to this server only,
// no framing, no forms. Scripts need no exception, but styles need
// 'unsafe-inline': Elements and the Font Awesome icons in it write <style>
// elements at run time (CSS-in-JS) whose text no hash can name in advance;
// without it Chromium refuses them and every icon fills half the window.
// allow-downloads lets the page's Export menu save the document.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; " +
	"frame-ancestors 'none'; sandbox allow-same-origin allow-scripts allow-downloads"

// assetNames are the files under AssetsPath, by the name in their path.
var assetNames = map[string]string{
	"web-components.min.js":             "elements/web-components.min.js",
	"web-components.min.js.LICENSE.txt": "elements/web-components.min.js.LICENSE.txt",
	"styles.min.css":                    "elements/styles.min.css",
	"LICENSE.txt":                       "elements/LICENSE",
	"docs.css":                          "docs.css",
}

// asset is one embedded file as served.
type asset struct {
	body        []byte
	contentType string
	etag        string
	integrity   string // subresource integrity of body

	gzipOnce sync.Once
	gzipped  []byte
}

// UI is the reference page and its assets.
type UI struct {
	// NotFound answers paths under Path that name nothing; http.NotFound
	// when nil.
	NotFound http.Handler

	page     []byte
	pageETag string
	prefix   string // AssetsPath plus the assets' hash and a slash
	assets   map[string]*asset
}

// New builds the page titled title that shows the OpenAPI document at
// specURL, a path on this server.
func New(title, specURL string) *UI {
	u := &UI{assets: map[string]*asset{}}
	all := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(assetNames)) {
		body, err := files.ReadFile(assetNames[name])
		if err != nil {
			panic("docsui: embedded asset missing: " + err.Error())
		}
		sum := sha256.Sum256(body)
		sri := sha512.Sum384(body)
		u.assets[name] = &asset{
			body:        body,
			contentType: contentType(name),
			etag:        `"` + hex.EncodeToString(sum[:16]) + `"`,
			integrity:   "sha384-" + base64.StdEncoding.EncodeToString(sri[:]),
		}
		all.Write([]byte(name))
		all.Write([]byte{0})
		all.Write(sum[:])
	}
	u.prefix = AssetsPath + hex.EncodeToString(all.Sum(nil)[:8]) + "/"

	var page bytes.Buffer
	err := pageTemplate.Execute(&page, map[string]any{
		"Title": title, "Spec": specURL, "Prefix": u.prefix,
		"Script": u.assets["web-components.min.js"].integrity, "Styles": u.assets["styles.min.css"].integrity,
		"Page": u.assets["docs.css"].integrity,
	})
	if err != nil {
		panic("docsui: page: " + err.Error())
	}
	u.page = page.Bytes()
	sum := sha256.Sum256(u.page)
	u.pageETag = `"` + hex.EncodeToString(sum[:16]) + `"`
	return u
}

// pageTemplate is the reference page: no inline script or style, every URL
// on this server. The viewer reads its settings from the element's
// attributes, so no script of ours runs.
var pageTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="stylesheet" href="{{.Prefix}}styles.min.css" integrity="{{.Styles}}">
<link rel="stylesheet" href="{{.Prefix}}docs.css" integrity="{{.Page}}">
<script src="{{.Prefix}}web-components.min.js" integrity="{{.Script}}"></script>
</head>
<body>
<elements-api apiDescriptionUrl="{{.Spec}}" router="hash" layout="sidebar" tryItCredentialsPolicy="same-origin"></elements-api>
</body>
</html>
`))

// ServeHTTP answers GET and HEAD of Path and of the assets.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	if r.URL.Path == Path {
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("Content-Type", "text/html; charset=utf-8")
		// The page names the assets of this build: ask again each time.
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", u.pageETag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(u.page))
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, u.prefix)
	a := u.assets[name]
	if !ok || a == nil {
		u.notFound(w, r)
		return
	}
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Vary", "Accept-Encoding")
	body, etag := a.body, a.etag
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, etag = a.gzip(), strings.TrimSuffix(a.etag, `"`)+`-gzip"`
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

func (u *UI) notFound(w http.ResponseWriter, r *http.Request) {
	if u.NotFound != nil {
		u.NotFound.ServeHTTP(w, r)
		return
	}
	http.NotFound(w, r)
}

// gzip returns the asset compressed, made on first use: the viewer is
// about 2.4 MB and a quarter of that compressed, which a slow office line
// notices.
func (a *asset) gzip() []byte {
	a.gzipOnce.Do(func() {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = zw.Write(a.body)
		_ = zw.Close()
		a.gzipped = b.Bytes()
	})
	return a.gzipped
}

// acceptsGzip reports whether an Accept-Encoding header accepts gzip.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		for param := range strings.SplitSeq(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(param), "q="); ok {
				if q, err := strconv.ParseFloat(v, 64); err == nil && q == 0 {
					return false
				}
			}
		}
		return true
	}
	return false
}

func contentType(name string) string {
	switch {
	case strings.HasSuffix(name, ".js"):
		return "text/javascript; charset=utf-8"
	case strings.HasSuffix(name, ".css"):
		return "text/css; charset=utf-8"
	default:
		return "text/plain; charset=utf-8"
	}
}
