package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// observedEnv is an API with JSON logs in a buffer and the given
// configuration (trusted proxies, tracer provider).
func observedEnv(t *testing.T, db *store.DB, cfg api.Config) (*env, *storetest.LogBuffer) {
	t.Helper()
	first, err := db.SeedIfEmpty(context.Background())
	require.NoError(t, err)
	logs := &storetest.LogBuffer{}
	cfg.Services = api.ServicesOf(db)
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	cfg.RequestTimeout = time.Minute
	ts := httptest.NewServer(api.New(cfg))
	t.Cleanup(ts.Close)
	return &env{t: t, db: db, url: ts.URL, admin: first.Secret, person: first.Person}, logs
}

// logLines decodes the JSON log lines whose msg is msg.
func logLines(t *testing.T, logs *storetest.LogBuffer, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(logs.String(), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// requestLine is the access log line of the request with id.
func requestLine(t *testing.T, logs *storetest.LogBuffer, id string) map[string]any {
	t.Helper()
	for _, l := range logLines(t, logs, "request") {
		if l["request_id"] == id {
			return l
		}
	}
	require.Fail(t, "no access log line", "request %s in:\n%s", id, logs.String())
	return nil
}

func requireNewID(t *testing.T, r response, not string) string {
	t.Helper()
	id := r.Header.Get(api.RequestIDHeader)
	require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, id, "a new UUIDv7")
	require.NotEqual(t, not, id)
	return id
}

func TestRequestIDFromTrustedProxiesOnly(t *testing.T) {
	storetest.Run(t, storetest.Options{Now: testNow}, func(t *testing.T, db *store.DB) {
		// The test's connections come from 127.0.0.1: a trusted proxy here.
		e, _ := observedEnv(t, db, api.Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})

		// Taken from the proxy, echoed in the header and in the problem.
		r := e.do("GET", "/v1/vendors", "", nil, "X-Request-Id", "edge-42:abc_DEF.1")
		require.Equal(t, http.StatusUnauthorized, r.Status)
		require.Equal(t, "edge-42:abc_DEF.1", r.Header.Get("X-Request-Id"))
		require.Equal(t, "edge-42:abc_DEF.1", r.JSON(t)["request_id"])

		// A 422 from huma's validation, a router-level 404 and a success
		// carry it too.
		r = e.do("POST", "/v1/vendors", e.admin, map[string]any{"name": ""}, "X-Request-Id", "v-1")
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
		require.Equal(t, "v-1", r.JSON(t)["request_id"])
		r = e.do("GET", "/v1/no-such-thing", e.admin, nil, "X-Request-Id", "v-2")
		require.Equal(t, http.StatusNotFound, r.Status)
		require.Equal(t, "v-2", r.JSON(t)["request_id"])
		r = e.must(http.StatusOK, "GET", "/v1/vendors", e.admin, nil, "X-Request-Id", "v-3")
		require.Equal(t, "v-3", r.Header.Get("X-Request-Id"))

		// Invalid ones are replaced: bad characters, too long, a forged
		// log line.
		for _, bad := range []string{"has space", strings.Repeat("a", 65), "x\"} {\"level\":\"ERROR", "日本語"} {
			r := e.do("GET", "/v1/vendors", "", nil, "X-Request-Id", bad)
			id := requireNewID(t, r, bad)
			require.Equal(t, id, r.JSON(t)["request_id"])
		}
		// Without one, a new one.
		r = e.do("GET", "/v1/vendors", "", nil)
		require.Equal(t, requireNewID(t, r, ""), r.JSON(t)["request_id"])
	})
}

func TestRequestIDFromAnUntrustedClientIsReplaced(t *testing.T) {
	storetest.Run(t, storetest.Options{Now: testNow}, func(t *testing.T, db *store.DB) {
		e, logs := observedEnv(t, db, api.Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
		r := e.do("GET", "/v1/vendors", "", nil, "X-Request-Id", "chosen-by-client", "X-Forwarded-For", "10.1.2.3")
		require.Equal(t, http.StatusUnauthorized, r.Status)
		id := requireNewID(t, r, "chosen-by-client")
		require.Equal(t, id, r.JSON(t)["request_id"])
		require.Equal(t, "list-vendors", requestLine(t, logs, id)["operation"])
		require.NotContains(t, logs.String(), "chosen-by-client")
	})
}

func TestAccessLogLine(t *testing.T) {
	storetest.Run(t, storetest.Options{Now: testNow}, func(t *testing.T, db *store.DB) {
		e, logs := observedEnv(t, db, api.Config{})
		viewer := e.token("viewer")
		r := e.must(http.StatusOK, "GET", "/v1/vendors?limit=5", viewer, nil)
		line := requestLine(t, logs, r.Header.Get("X-Request-Id"))
		require.Equal(t, "INFO", line["level"])
		require.Equal(t, "GET", line["method"])
		require.Equal(t, "/v1/vendors", line["route"], "the pattern, not the path with its query")
		require.Equal(t, "list-vendors", line["operation"])
		require.EqualValues(t, 200, line["status"])
		require.EqualValues(t, len(r.Body), line["bytes"])
		require.Greater(t, line["duration_ms"], 0.0)
		require.NotEmpty(t, line["token_id"])
		require.NotContains(t, line, "trace_id", "no span without tracing")

		// A path with an id is logged by its pattern; a 404 of the router
		// as unmatched; neither the token nor the header is ever logged.
		r = e.must(http.StatusNotFound, "GET", "/v1/vendors/0190c0de-0000-7000-8000-000000000000", e.admin, nil)
		line = requestLine(t, logs, r.Header.Get("X-Request-Id"))
		require.Equal(t, "/v1/vendors/{id}", line["route"])
		require.Equal(t, "get-vendor", line["operation"])
		require.EqualValues(t, 404, line["status"])
		r = e.must(http.StatusNotFound, "GET", "/v1/nothing/here", e.admin, nil)
		line = requestLine(t, logs, r.Header.Get("X-Request-Id"))
		require.NotContains(t, line, "route")
		require.Equal(t, "", line["operation"])
		require.NotContains(t, logs.String(), viewer)
		require.NotContains(t, logs.String(), e.admin)
		require.NotContains(t, strings.ToLower(logs.String()), "authorization")
		require.NotContains(t, strings.ToLower(logs.String()), "bearer")
	})
}

func TestInternalErrorLogCarriesTheRequestIDAndRoute(t *testing.T) {
	storetest.Run(t, storetest.Options{Now: testNow}, func(t *testing.T, db *store.DB) {
		e, logs := observedEnv(t, db, api.Config{})
		// A real fault: the table the operation reads is gone.
		_, err := db.SQL().ExecContext(context.Background(), `ALTER TABLE vendors RENAME TO vendors_gone`)
		require.NoError(t, err)
		r := e.must(http.StatusInternalServerError, "GET", "/v1/vendors", e.admin, nil)
		id := r.Header.Get("X-Request-Id")
		require.Equal(t, id, r.JSON(t)["request_id"])
		lines := logLines(t, logs, "internal error")
		require.Len(t, lines, 1, logs.String())
		require.Equal(t, "ERROR", lines[0]["level"])
		require.Equal(t, id, lines[0]["request_id"])
		require.Equal(t, "/v1/vendors", lines[0]["route"])
		require.EqualValues(t, 500, requestLine(t, logs, id)["status"])
	})
}

func TestRequestMakesAServerSpanAndDatabaseSpans(t *testing.T) {
	storetest.Run(t, storetest.Options{Now: testNow}, func(t *testing.T, db *store.DB) {
		spans := tracetest.NewSpanRecorder()
		tp := trace.NewTracerProvider(trace.WithSpanProcessor(spans))
		t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		// The store's spans go through the global provider.
		restore := setGlobalTracerProvider(tp)
		t.Cleanup(restore)
		e, logs := observedEnv(t, db, api.Config{TracerProvider: tp})

		r := e.must(http.StatusOK, "GET", "/v1/vendors", e.admin, nil)
		line := requestLine(t, logs, r.Header.Get("X-Request-Id"))
		traceID, ok := line["trace_id"].(string)
		require.True(t, ok, "the access log line has the trace id: %v", line)
		require.Len(t, traceID, 32)

		var server oteltrace.SpanContext
		dbSpans := 0
		for _, s := range spans.Ended() {
			if s.SpanContext().TraceID().String() != traceID {
				continue
			}
			switch s.SpanKind() {
			case oteltrace.SpanKindServer:
				require.Equal(t, "GET /v1/vendors", s.Name())
				server = s.SpanContext()
			case oteltrace.SpanKindClient:
				dbSpans++
				for _, a := range s.Attributes() {
					require.NotEqual(t, "db.query.text", string(a.Key), "no query text: bun inlines the values")
				}
			}
		}
		require.True(t, server.IsValid(), "a server span of the request")
		require.Positive(t, dbSpans, "database spans in the request's trace")
		require.Equal(t, server.SpanID().String(), line["span_id"])
	})
}
