package api

import (
	"encoding/json"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humachi"
	"github.com/go-chi/chi/v5"
)

// HTTP details every operation shares: HEAD wherever GET, 304 for an
// If-None-Match that matches, Allow on 405, Location on 201, and the
// media type of request bodies.

// conditionalGet answers HEAD like GET without a body, and a GET or HEAD
// whose If-None-Match matches the answer's ETag with 304 Not Modified (the
// ETag, no body).
func conditionalGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		inm := r.Header.Get("If-None-Match")
		if r.Method == http.MethodGet && inm == "" {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&conditionalWriter{ResponseWriter: w, head: r.Method == http.MethodHead, ifNoneMatch: inm}, r)
	})
}

// routeHeadAsGet sends a HEAD request to the GET route of its path when
// the path has no HEAD route of its own (chi's middleware.GetHead).
func routeHeadAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			if rctx := chi.RouteContext(r.Context()); rctx != nil && rctx.Routes != nil {
				path := routePathOf(r, rctx)
				if !rctx.Routes.Match(chi.NewRouteContext(), http.MethodHead, path) {
					rctx.RouteMethod = http.MethodGet
					rctx.RoutePath = path
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

func routePathOf(r *http.Request, rctx *chi.Context) string {
	if rctx.RoutePath != "" {
		return rctx.RoutePath
	}
	if r.URL.RawPath != "" {
		return r.URL.RawPath
	}
	return r.URL.Path
}

type conditionalWriter struct {
	http.ResponseWriter
	head        bool
	ifNoneMatch string
	wrote       bool
	discard     bool
}

func (w *conditionalWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	if code == http.StatusOK && w.ifNoneMatch != "" && noneMatch(w.ifNoneMatch, w.Header().Get("ETag")) {
		h := w.Header()
		for _, name := range []string{"Content-Type", "Content-Length", "Content-Encoding", "Content-Disposition"} {
			h.Del(name)
		}
		w.discard = true
		w.ResponseWriter.WriteHeader(http.StatusNotModified)
		return
	}
	w.discard = w.head
	w.ResponseWriter.WriteHeader(code)
}

func (w *conditionalWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.discard {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

func (w *conditionalWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// methodNotAllowed answers 405 with the Allow header listing the methods
// the path has.
func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	if rctx := chi.RouteContext(r.Context()); rctx != nil && rctx.Routes != nil {
		path := r.URL.Path
		if r.URL.RawPath != "" {
			path = r.URL.RawPath
		}
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			if rctx.Routes.Match(chi.NewRouteContext(), m, path) ||
				m == http.MethodHead && rctx.Routes.Match(chi.NewRouteContext(), http.MethodGet, path) {
				allowed = append(allowed, m)
			}
		}
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
		}
	}
	writeProblem(w, http.StatusMethodNotAllowed, "this method is not allowed on this path; the Allow header lists those that are")
}

// bodyMediaType refuses a request body whose media type the operation does
// not take (415, naming header.Content-Type), and any body sent to an
// operation that takes none (415).
func (s *Server) bodyMediaType(ctx huma.Context, next func(huma.Context)) {
	r, _ := humachi.Unwrap(ctx)
	if r == nil || r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		next(ctx)
		return
	}
	op := ctx.Operation()
	ct := ctx.Header("Content-Type")
	if op.RequestBody == nil || len(op.RequestBody.Content) == 0 {
		_ = huma.WriteErr(s.api, ctx, http.StatusUnsupportedMediaType, "this operation takes no request body; send none",
			&huma.ErrorDetail{Location: "body", Message: "must be empty"})
		return
	}
	mt, _, err := mime.ParseMediaType(ct)
	if _, ok := op.RequestBody.Content[mt]; err != nil || !ok {
		takes := make([]string, 0, len(op.RequestBody.Content))
		for t := range op.RequestBody.Content {
			takes = append(takes, t)
		}
		_ = huma.WriteErr(s.api, ctx, http.StatusUnsupportedMediaType, "the request body must be "+strings.Join(takes, " or "),
			&huma.ErrorDetail{Location: "header.Content-Type", Message: "must be " + strings.Join(takes, " or "), Value: truncateRunes(ct, maxErrorValue)})
		return
	}
	next(ctx)
}

// locationExceptions give the Location of the created resource where it is
// not the POST's path followed by the new resource's id. {name} is the
// JSON field of the answer's body (a.b for field b of object a);
// {path.name} a path parameter.
var locationExceptions = map[string]string{
	"create-clause":                    "/v1/clauses/{code}",
	"create-selection-criterion":       "/v1/selection-criteria/{code}",
	"create-terms-check":               "/v1/terms-checks/{code}",
	"create-inspection-checklist-item": "/v1/inspection-checklist/{code}",
	"open-incident-corrective-action":  "/v1/corrective-actions/{corrective_action.id}",
	// Findings have no page of their own: the audit's list holds them.
	"create-audit-finding": "/v1/audits/{path.id}/findings",
}

// locationTemplate is the Location of op's 201: its exception, or the
// POST's path and "/{id}".
func locationTemplate(op *huma.Operation) string {
	if t, ok := locationExceptions[op.OperationID]; ok {
		return t
	}
	return strings.TrimSuffix(op.Path, "/") + "/{id}"
}

// setLocation is a huma transformer: every 201 answer to a POST carries
// Location, the path of what it created.
func setLocation(ctx huma.Context, status string, v any) (any, error) {
	op := ctx.Operation()
	if status != "201" || op == nil || op.Method != http.MethodPost || v == nil {
		return v, nil
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return v, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return v, nil
	}
	var fields map[string]any
	if json.Unmarshal(raw, &fields) != nil {
		return v, nil
	}
	loc := locationTemplate(op)
	for {
		i := strings.IndexByte(loc, '{')
		j := strings.IndexByte(loc, '}')
		if i < 0 || j < i {
			break
		}
		name := loc[i+1 : j]
		var val string
		if p, ok := strings.CutPrefix(name, "path."); ok {
			val = ctx.Param(p)
		} else {
			val = jsonField(fields, name)
		}
		if val == "" {
			return v, nil
		}
		loc = loc[:i] + val + loc[j+1:]
	}
	ctx.SetHeader("Location", loc)
	return v, nil
}

// jsonField returns the string at a dotted path of a decoded JSON object.
func jsonField(fields map[string]any, path string) string {
	var cur any = fields
	for _, name := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[name]
	}
	s, _ := cur.(string)
	return s
}
