package api

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// defaultTracerProvider is otel's global provider before anything sets
// one: it makes no spans.
var defaultTracerProvider = otel.GetTracerProvider()

// tracingOn reports whether requests' server spans go anywhere: tp, or
// the global provider when tp is nil, is neither otel's default nor a
// no-op one. When tracing is off the server leaves otelhttp out, whose
// span, attributes and metrics cost a tenth of a GET's time for nothing.
// So tracing is set up (serve does it first) before New.
func tracingOn(tp trace.TracerProvider) bool {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	if any(tp) == any(defaultTracerProvider) { // a pointer: comparable
		return false
	}
	_, off := tp.(noop.TracerProvider)
	return !off
}

// RequestIDHeader carries a request's id: taken from a trusted proxy, else
// made here, and echoed in every answer.
const RequestIDHeader = "X-Request-Id"

// maxRequestIDLength bounds a request id taken from a proxy.
const maxRequestIDLength = 64

// validRequestID reports whether id may be taken as it is: 1 to
// maxRequestIDLength letters, digits and ._:- , so that it cannot forge a
// log line or bloat one.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// requestIDOf is the id of a request: the X-Request-Id a trusted proxy
// passed on, when it is valid; otherwise a new UUIDv7. A client that talks
// to the service directly cannot choose the id its requests are logged by.
func requestIDOf(r *http.Request, proxies []netip.Prefix) string {
	if id := r.Header.Get(RequestIDHeader); id != "" && validRequestID(id) {
		if peer, ok := parseHop(r.RemoteAddr); ok && inPrefixes(peer, proxies) {
			return id
		}
	}
	if id, err := uuid.NewV7(); err == nil {
		return id.String()
	}
	return uuid.NewString()
}

// inPrefixes reports whether a is in one of prefixes (the trusted proxies).
func inPrefixes(a netip.Addr, prefixes []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// httpMetrics are the request metrics: counted by operation (the huma
// operation id, or the route pattern outside huma: bounded, never the raw
// path), method and status class.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	if reg == nil {
		return nil
	}
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vendorwatch_http_requests_total",
			Help: "HTTP requests answered, by operation id (route pattern outside the API), method and status class.",
		}, []string{"operation", "method", "status_class"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vendorwatch_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by operation id (route pattern outside the API) and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"operation", "method"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// unmatchedRoute labels requests that matched no route (404s, 405s).
const unmatchedRoute = "unmatched"

// metricMethod keeps the method label bounded.
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// statusClass is 2xx, 3xx, 4xx or 5xx.
func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "5xx"
	}
	return strconv.Itoa(status/100) + "xx"
}

// observe gives each request its id (header, context), and once it is
// answered counts it, names its span after its route and writes its access
// log line. It is the outermost middleware, so the id is there for every
// answer, a 429 or a panic's 500 too.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{id: requestIDOf(r, s.proxies)}
		if rctx := chi.RouteContext(r.Context()); rctx != nil {
			info.pattern = rctx.RoutePattern
		}
		w.Header().Set(RequestIDHeader, info.id)
		rec := &accessRecorder{ResponseWriter: w}
		ctx := withRequestInfo(r.Context(), info)
		defer func() {
			// Also after a panic that recoverPanics passes on (an
			// aborted answer): the request still happened.
			s.finishRequest(ctx, r, rec, info, time.Since(start))
		}()
		next.ServeHTTP(rec, r.WithContext(ctx))
	})
}

// finishRequest counts an answered request and logs it.
func (s *Server) finishRequest(ctx context.Context, r *http.Request, rec *accessRecorder, info *requestInfo, took time.Duration) {
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	route, operation := info.routeAndOperation()
	label := operation
	if label == "" {
		label = route
	}
	if label == "" || label == "/*" {
		label = unmatchedRoute
	}
	method := metricMethod(r.Method)
	if s.metrics != nil {
		s.metrics.requests.WithLabelValues(label, method, statusClass(status)).Inc()
		s.metrics.duration.WithLabelValues(label, method).Observe(took.Seconds())
	}
	if span := trace.SpanFromContext(ctx); span.IsRecording() && route != "" {
		span.SetName(r.Method + " " + route)
		span.SetAttributes(attribute.String("http.route", route))
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("operation", operation),
		slog.Int("status", status),
		slog.Int64("bytes", rec.bytes),
		slog.Float64("duration_ms", float64(took.Microseconds())/1000),
	}
	tokenID, personID := info.actor()
	if tokenID != "" {
		attrs = append(attrs, slog.String("token_id", tokenID))
	}
	if personID != "" {
		attrs = append(attrs, slog.String("person_id", personID))
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
}

// noteOperation is the first huma middleware: it records the operation, so
// that the access log, the metrics and every log line name it, whatever
// the answer.
func noteOperation(ctx huma.Context, next func(huma.Context)) {
	if info := requestInfoFrom(ctx.Context()); info != nil {
		op := ctx.Operation()
		info.setOperation(op.Path, op.OperationID)
	}
	next(ctx)
}

// accessRecorder remembers an answer's status and size.
type accessRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

// WriteHeader implements http.ResponseWriter.
func (a *accessRecorder) WriteHeader(code int) {
	if a.status == 0 && code >= 200 {
		a.status = code
	}
	a.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (a *accessRecorder) Write(b []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	n, err := a.ResponseWriter.Write(b)
	a.bytes += int64(n)
	return n, err
}

// Flush implements http.Flusher, for streamed answers (exports).
func (a *accessRecorder) Flush() {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	_ = http.NewResponseController(a.ResponseWriter).Flush()
}

// Hijack implements http.Hijacker where the connection allows it.
func (a *accessRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(a.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (a *accessRecorder) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// ErrorModel is every problem the API answers (RFC 9457): huma's, plus the
// request's id, so that a caller who reports a problem gives the operator
// the id its log lines carry. It keeps huma's schema name, so that the
// SDKs' type keeps its name.
type ErrorModel struct {
	huma.ErrorModel
	RequestID string `json:"request_id,omitempty" maxLength:"64" pattern:"^[A-Za-z0-9._:-]+$" doc:"The id of the request, as in its X-Request-Id response header and the server's log lines: a UUID, or the id a trusted proxy passed on."`
}

// setProblemRequestID is the transformer that puts the request's id into a
// problem; a copy, since a problem value may be shared.
func setProblemRequestID(ctx huma.Context, _ string, v any) (any, error) {
	p, ok := v.(*ErrorModel)
	if !ok || p == nil {
		return v, nil
	}
	id := RequestIDFrom(ctx.Context())
	if id == "" || p.RequestID == id {
		return v, nil
	}
	cp := *p
	cp.RequestID = id
	return &cp, nil
}

// asErrorModel makes any huma status error our ErrorModel.
func asErrorModel(se huma.StatusError) huma.StatusError {
	var em *huma.ErrorModel
	if errors.As(se, &em) {
		return &ErrorModel{ErrorModel: *em}
	}
	return se
}
