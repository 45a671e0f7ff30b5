package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
)

// observability is the process's metrics registry, with the collectors
// that read the database at scrape time, and the audit chain's gauges.
// No metric goes to Prometheus's global registry: what /metrics shows is
// what is registered here.
type observability struct {
	registry *prometheus.Registry
	// auditOK and auditVerifiedAt are set by AuditVerified.
	auditOK, auditVerifiedAt prometheus.Gauge
	auditOnce                sync.Once
}

// newObservability builds the registry: Go, process and build collectors,
// the database pool's statistics, the ledger's and River's counts read at
// scrape time, and the audit chain's gauges. The API and the jobs register
// their own metrics in it.
func newObservability(db *store.DB, log *slog.Logger) (*observability, error) {
	reg := prometheus.NewRegistry()
	o := &observability{
		registry: reg,
		auditOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vendorwatch_audit_chain_ok",
			Help: "1 when the last verification found the audit chain and evidence files intact, 0 when it found a break; absent until one ran here.",
		}),
		auditVerifiedAt: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vendorwatch_audit_chain_verified_timestamp_seconds",
			Help: "Unix time of the last verification of the audit chain by this process.",
		}),
	}
	revision, modified := vcsRevision()
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "vendorwatch_build_info",
		Help: "Always 1; the labels say which build runs.",
	}, []string{"version", "revision", "modified"})
	build.WithLabelValues(buildVersion(), revision, modified).Set(1)
	cs := []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
		build,
		collectors.NewDBStatsCollector(db.SQL(), string(db.Kind())),
		&storeCollector{db: db, log: log},
	}
	if pool := db.PgxPool(); pool != nil {
		cs = append(cs, &pgxPoolCollector{stat: func() pgxStat { return pool.Stat() }})
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	return o, nil
}

// AuditVerified records a verification of the audit chain in the gauges;
// it fits jobs.Config.OnAuditVerified. The gauges appear with the first
// verification, so a process that never verified shows none, not "broken".
func (o *observability) AuditVerified(_ context.Context, v domain.AuditVerification) {
	o.auditOnce.Do(o.registerAudit)
	ok := 0.0
	if v.OK {
		ok = 1
	}
	o.auditOK.Set(ok)
	o.auditVerifiedAt.SetToCurrentTime()
}

// registerAudit registers the audit gauges (once: auditOnce).
func (o *observability) registerAudit() {
	o.registry.MustRegister(o.auditOK, o.auditVerifiedAt)
}

// vcsRevision is the commit the binary was built from, and whether the
// tree had changes; "unknown" outside a VCS build.
func vcsRevision() (revision, modified string) {
	revision, modified = "unknown", "false"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
	}
	return revision, modified
}

// storeScrapeTimeout bounds the counts a scrape reads from the database.
const storeScrapeTimeout = 5 * time.Second

// storeCollector reads, at each scrape, the reminder ledger by status and
// River's jobs by state: counts the database holds for every replica, so
// each replica shows the same numbers.
type storeCollector struct {
	db  *store.DB
	log *slog.Logger
}

var (
	remindersDesc = prometheus.NewDesc("vendorwatch_reminders",
		"Rows of the reminder ledger, by status (queued, sending, sent, failed, cancelled); read from the database at scrape time.",
		[]string{"status"}, nil)
	riverJobsDesc = prometheus.NewDesc("vendorwatch_river_jobs",
		"River's jobs, by state (available, scheduled, running, retryable, completed, cancelled, discarded, pending); read from the database at scrape time.",
		[]string{"state"}, nil)
	storeScrapeErrorDesc = prometheus.NewDesc("vendorwatch_store_scrape_error",
		"1 when the last scrape could not read the counts from the database.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- remindersDesc
	ch <- riverJobsDesc
	ch <- storeScrapeErrorDesc
}

// Collect implements prometheus.Collector.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), storeScrapeTimeout)
	defer cancel()
	failed := 0.0
	if counts, err := c.db.CountRemindersByStatus(ctx); err != nil {
		failed = 1
		c.log.WarnContext(ctx, "metrics: ledger not counted", "error", err.Error())
	} else {
		for s, n := range counts {
			ch <- prometheus.MustNewConstMetric(remindersDesc, prometheus.GaugeValue, float64(n), string(s))
		}
	}
	if counts, err := c.db.CountJobsByState(ctx); err != nil {
		failed = 1
		c.log.WarnContext(ctx, "metrics: River's jobs not counted", "error", err.Error())
	} else {
		for _, s := range riverJobStates {
			ch <- prometheus.MustNewConstMetric(riverJobsDesc, prometheus.GaugeValue, float64(counts[s]), s)
		}
	}
	ch <- prometheus.MustNewConstMetric(storeScrapeErrorDesc, prometheus.GaugeValue, failed)
}

// riverJobStates are River's job states, each shown even at zero.
var riverJobStates = []string{"available", "cancelled", "completed", "discarded", "pending", "retryable", "running", "scheduled"}

// pgxStat is what the pool collector reads of pgxpool.Stat.
type pgxStat interface {
	AcquiredConns() int32
	IdleConns() int32
	TotalConns() int32
	MaxConns() int32
	AcquireCount() int64
	AcquireDuration() time.Duration
	EmptyAcquireCount() int64
	CanceledAcquireCount() int64
}

// pgxPoolCollector shows the pgx pool's statistics (PostgreSQL only).
type pgxPoolCollector struct{ stat func() pgxStat }

var (
	pgxAcquiredDesc = prometheus.NewDesc("vendorwatch_pgxpool_acquired_conns", "Connections of the pgx pool in use.", nil, nil)
	pgxIdleDesc     = prometheus.NewDesc("vendorwatch_pgxpool_idle_conns", "Idle connections of the pgx pool.", nil, nil)
	pgxTotalDesc    = prometheus.NewDesc("vendorwatch_pgxpool_total_conns", "Connections of the pgx pool, open or opening.", nil, nil)
	pgxMaxDesc      = prometheus.NewDesc("vendorwatch_pgxpool_max_conns", "Most connections the pgx pool opens.", nil, nil)
	pgxAcquiresDesc = prometheus.NewDesc("vendorwatch_pgxpool_acquires_total", "Connections taken from the pgx pool.", nil, nil)
	pgxWaitDesc     = prometheus.NewDesc("vendorwatch_pgxpool_acquire_duration_seconds_total", "Time spent taking connections from the pgx pool.", nil, nil)
	pgxEmptyDesc    = prometheus.NewDesc("vendorwatch_pgxpool_empty_acquires_total", "Takes that had to wait because no connection was idle.", nil, nil)
	pgxCanceledDesc = prometheus.NewDesc("vendorwatch_pgxpool_canceled_acquires_total", "Takes cancelled by their context before a connection came.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c *pgxPoolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{pgxAcquiredDesc, pgxIdleDesc, pgxTotalDesc, pgxMaxDesc, pgxAcquiresDesc, pgxWaitDesc, pgxEmptyDesc, pgxCanceledDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *pgxPoolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stat()
	ch <- prometheus.MustNewConstMetric(pgxAcquiredDesc, prometheus.GaugeValue, float64(s.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(pgxIdleDesc, prometheus.GaugeValue, float64(s.IdleConns()))
	ch <- prometheus.MustNewConstMetric(pgxTotalDesc, prometheus.GaugeValue, float64(s.TotalConns()))
	ch <- prometheus.MustNewConstMetric(pgxMaxDesc, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(pgxAcquiresDesc, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(pgxWaitDesc, prometheus.CounterValue, s.AcquireDuration().Seconds())
	ch <- prometheus.MustNewConstMetric(pgxEmptyDesc, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(pgxCanceledDesc, prometheus.CounterValue, float64(s.CanceledAcquireCount()))
}

// handler serves the registry's metrics (and promhttp's own).
func (o *observability) handler() http.Handler {
	return promhttp.HandlerFor(o.registry, promhttp.HandlerOpts{Registry: o.registry, MaxRequestsInFlight: 4, Timeout: 30 * time.Second})
}

// serveMetrics serves /metrics on addr, a listener of its own: the public
// listener never shows them. It returns the address it listens on and
// what stops it.
func (o *observability) serveMetrics(addr string, log *slog.Logger) (string, func(ctx context.Context) error, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("--metrics-addr: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", o.handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "error", err.Error())
		}
	}()
	return ln.Addr().String(), srv.Shutdown, nil
}

// setUpTracing installs a tracer provider that exports spans over OTLP
// (HTTP/protobuf) when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, honouring the standard OTEL_*
// variables (headers, sampler, service name, resource attributes). Without
// them it installs nothing: the global provider stays OpenTelemetry's
// no-op, and spans cost next to nothing. The returned function flushes and
// stops the exporter.
func setUpTracing(ctx context.Context, log *slog.Logger) (func(context.Context) error, error) {
	none := func(context.Context) error { return nil }
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return none, nil
	}
	if strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true") {
		return none, nil
	}
	proto := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if proto == "" {
		proto = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	if proto != "" && proto != "http/protobuf" {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%s: only http/protobuf is supported", proto)
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "vendorwatch"), attribute.String("service.version", buildVersion())),
		resource.WithFromEnv(), resource.WithHost(), resource.WithProcessPID(), resource.WithTelemetrySDK())
	if err != nil && res == nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { log.Warn("tracing", "error", err.Error()) }))
	log.Info("traces are exported over OTLP")
	return tp.Shutdown, nil
}
