package api

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// maxInspectedBody is how much of a body rejectNUL reads; huma refuses
// larger bodies anyway.
const maxInspectedBody = 1 << 20

// bodyReadTimeout is how long a client may take to send its body; huma's
// default.
const bodyReadTimeout = 5 * time.Second

// rejectNUL refuses NUL characters anywhere in the path, the query or the
// body (raw or as the JSON escape \u0000): no field of the register holds
// one, and PostgreSQL cannot store them, so they are a client error (400)
// rather than a failed write.
func rejectNUL(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query, _ := url.QueryUnescape(r.URL.RawQuery)
		if strings.ContainsRune(r.URL.Path, 0) || strings.ContainsRune(query, 0) || strings.Contains(r.URL.RawQuery, "%00") {
			writeProblem(w, http.StatusBadRequest, "NUL characters are not accepted in the path or query")
			return
		}
		if r.Body != nil && r.Body != http.NoBody && !isEvidenceUpload(r) {
			// An evidence file's bytes are binary, NULs and all; its form's
			// text fields are checked by the upload itself.
			// The body is read here, before huma sets its own deadline, so
			// set the same one: a slow client gets 408, not a held
			// connection.
			rc := http.NewResponseController(w)
			_ = rc.SetReadDeadline(time.Now().Add(bodyReadTimeout))
			head, err := io.ReadAll(io.LimitReader(r.Body, maxInspectedBody))
			if err != nil {
				// Close the connection after answering: the server would
				// otherwise wait for the rest of the body to reuse it.
				w.Header().Set("Connection", "close")
				if errors.Is(err, os.ErrDeadlineExceeded) {
					writeProblem(w, http.StatusRequestTimeout, "the request body did not arrive in time")
					return
				}
				writeProblem(w, http.StatusBadRequest, "the request body could not be read")
				return
			}
			// No deadline once the body is in: a read deadline passing later
			// would cancel the request's context.
			_ = rc.SetReadDeadline(time.Time{})
			if bytes.IndexByte(head, 0) >= 0 || hasEscapedNUL(head) {
				writeProblem(w, http.StatusBadRequest, "NUL characters are not accepted in the body")
				return
			}
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
		}
		next.ServeHTTP(w, r)
	})
}

// hasEscapedNUL reports whether a JSON text holds the escape \u0000: a
// \u0000 preceded by an odd number of backslashes in all (so "\\u0000",
// an escaped backslash followed by "u0000", is ordinary text).
func hasEscapedNUL(body []byte) bool {
	for i := 0; ; {
		j := bytes.Index(body[i:], []byte(`\u0000`))
		if j < 0 {
			return false
		}
		at := i + j
		backslashes := 1
		for k := at - 1; k >= 0 && body[k] == '\\'; k-- {
			backslashes++
		}
		if backslashes%2 == 1 {
			return true
		}
		i = at + 1
	}
}
