package api

import (
	"context"
	"log/slog"
	"sync"

	"go.opentelemetry.io/otel/trace"

	"github.com/vendorwatch/vendorwatch/domain"
)

// requestInfo is what the service knows of a request while it runs: its id
// from the start, its route and operation once routed, its caller once
// authenticated. It travels in the context, so that every log line written
// with that context names the request, and the access log line at the end
// reads what was learnt on the way in.
type requestInfo struct {
	id string
	// pattern is chi's route pattern so far; for routes outside huma.
	pattern func() string

	mu        sync.Mutex
	route     string
	operation string
	tokenID   string
	personID  string
}

type requestInfoKey struct{}

func withRequestInfo(ctx context.Context, info *requestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, info)
}

func requestInfoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

// RequestIDFrom returns the id of the request whose context ctx is, or "".
func RequestIDFrom(ctx context.Context) string {
	if info := requestInfoFrom(ctx); info != nil {
		return info.id
	}
	return ""
}

// NoteActor records who makes the request, for its access log line: the
// token's id, or the person of a staff-page session. The pages call it
// once they have resolved the session; without a request it does nothing.
func NoteActor(ctx context.Context, a domain.Actor) {
	info := requestInfoFrom(ctx)
	if info == nil {
		return
	}
	info.mu.Lock()
	defer info.mu.Unlock()
	info.tokenID, info.personID = a.TokenID, a.PersonID
}

// setOperation records the huma operation the request was routed to.
func (i *requestInfo) setOperation(route, operation string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.route, i.operation = route, operation
}

// routeAndOperation returns the route pattern ("" before routing) and the
// operation id ("" outside huma).
func (i *requestInfo) routeAndOperation() (route, operation string) {
	i.mu.Lock()
	route, operation = i.route, i.operation
	i.mu.Unlock()
	if route == "" && i.pattern != nil {
		route = i.pattern()
	}
	return route, operation
}

func (i *requestInfo) actor() (tokenID, personID string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.tokenID, i.personID
}

// LogHandler wraps h so that every record written with a request's context
// carries request_id and route, and every record written inside a span
// carries trace_id and span_id. Wrapping twice adds nothing twice.
func LogHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(*contextLogHandler); ok {
		return h
	}
	return &contextLogHandler{inner: h}
}

type contextLogHandler struct{ inner slog.Handler }

// Enabled implements slog.Handler.
func (h *contextLogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h *contextLogHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil {
		if info := requestInfoFrom(ctx); info != nil {
			route, _ := info.routeAndOperation()
			r.AddAttrs(slog.String("request_id", info.id))
			if route != "" {
				r.AddAttrs(slog.String("route", route))
			}
		}
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
		}
	}
	return h.inner.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h *contextLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &contextLogHandler{inner: h.inner.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h *contextLogHandler) WithGroup(name string) slog.Handler {
	return &contextLogHandler{inner: h.inner.WithGroup(name)}
}
