package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/uptrace/bun"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// tracerName names the store's spans' instrumentation scope.
const tracerName = "github.com/vendorwatch/vendorwatch/domain/store"

// traceHook makes one client span of every query, through the global
// tracer provider: a no-op one unless tracing is set up, so it costs next
// to nothing then. A span carries the operation and the table, never the
// query text, in which bun has inlined the values (names, e-mail
// addresses, tokens' hashes).
type traceHook struct {
	system string
}

func newTraceHook(kind Kind) *traceHook {
	system := "sqlite"
	if kind == Postgres {
		system = "postgresql"
	}
	return &traceHook{system: system}
}

type spanStashKey struct{}

// BeforeQuery implements bun.QueryHook.
func (h *traceHook) BeforeQuery(ctx context.Context, ev *bun.QueryEvent) context.Context {
	op := ev.Operation()
	name := op
	attrs := []attribute.KeyValue{attribute.String("db.system.name", h.system), attribute.String("db.operation.name", op)}
	if q, ok := ev.IQuery.(interface{ GetTableName() string }); ok {
		if table := q.GetTableName(); table != "" {
			name += " " + table
			attrs = append(attrs, attribute.String("db.collection.name", table))
		}
	}
	// The provider is looked up each time, so that one installed after the
	// store opened (tests, tracing set up later) is used.
	ctx, span := otel.GetTracerProvider().Tracer(tracerName).Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	if ev.Stash == nil {
		ev.Stash = map[any]any{}
	}
	ev.Stash[spanStashKey{}] = span
	return ctx
}

// AfterQuery implements bun.QueryHook.
func (h *traceHook) AfterQuery(_ context.Context, ev *bun.QueryEvent) {
	span, ok := ev.Stash[spanStashKey{}].(trace.Span)
	if !ok {
		return
	}
	if ev.Err != nil && !errors.Is(ev.Err, sql.ErrNoRows) {
		span.SetStatus(codes.Error, "query failed")
		span.SetAttributes(attribute.String("error.type", errorType(ev.Err)))
	}
	span.End()
}

// errorType is a short, bounded kind of a query error for a span: its
// class, not its text (which may quote values).
func errorType(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline_exceeded"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "query_error"
}
