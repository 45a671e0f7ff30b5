package api_test

import (
	"go.opentelemetry.io/otel"
	oteltrace "go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// setGlobalTracerProvider installs tp as the global provider and returns
// what puts a no-op one in its place.
func setGlobalTracerProvider(tp oteltrace.TracerProvider) func() {
	otel.SetTracerProvider(tp)
	return func() { otel.SetTracerProvider(noop.NewTracerProvider()) }
}
