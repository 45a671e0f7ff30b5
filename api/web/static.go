package web

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/vendorwatch/vendorwatch/api"
)

//go:embed static
var staticFS embed.FS

// staticHandler serves the embedded CSS, script and images. They change
// with the binary only, so browsers may keep them for a day.
func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix(api.StaticPrefix, http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}
