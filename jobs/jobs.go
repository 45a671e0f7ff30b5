// Package jobs runs vendorwatch's background work on River: job arguments,
// workers and the periodic schedule. Jobs call the domain services; they
// write no SQL of their own.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/vendorwatch/vendorwatch/domain"
)

// Client is the River client type on both databases: database/sql
// transactions, so that InsertTx joins the store's transaction.
type Client = river.Client[*sql.Tx]

// Config configures the River client.
type Config struct {
	// Postgres selects River's PostgreSQL driver; otherwise SQLite.
	Postgres bool
	// DB is the pool River uses, shared with the store.
	DB *sql.DB
	// ListenerPool gives River a LISTEN connection on PostgreSQL; optional.
	ListenerPool *pgxpool.Pool
	// Schema is the PostgreSQL schema of River's tables ("" for search_path).
	Schema string
	// Audit verifies the audit chain on schedule.
	Audit  domain.AuditService
	Logger *slog.Logger
	// AuditVerifyInterval is how often the chain is verified; daily when zero.
	AuditVerifyInterval time.Duration
}

// NewClient builds the River client with every worker and periodic job.
func NewClient(cfg Config) (*Client, error) {
	var driver riverdriver.Driver[*sql.Tx]
	switch {
	case cfg.Postgres && cfg.ListenerPool != nil:
		driver = riverdatabasesql.NewWithPgxListener(cfg.DB, cfg.ListenerPool)
	case cfg.Postgres:
		driver = riverdatabasesql.New(cfg.DB)
	default:
		driver = riversqlite.New(cfg.DB)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	interval := cfg.AuditVerifyInterval
	if interval <= 0 {
		interval = 24 * time.Hour
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &AuditVerifyWorker{Audit: cfg.Audit, Logger: logger}); err != nil {
		return nil, fmt.Errorf("jobs: add audit verify worker: %w", err)
	}
	client, err := river.NewClient(driver, &river.Config{
		Logger:  logger.With("component", "river"),
		Schema:  cfg.Schema,
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(interval),
				func() (river.JobArgs, *river.InsertOpts) { return AuditVerifyArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true, ID: "audit_verify"}),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: river client: %w", err)
	}
	return client, nil
}

// AuditVerifyArgs asks for a verification of the audit hash chain.
type AuditVerifyArgs struct{}

// Kind implements river.JobArgs.
func (AuditVerifyArgs) Kind() string { return "audit_verify" }

// InsertOpts makes the job unique per hour, so replicas and restarts add no
// second run.
func (AuditVerifyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}

// AuditVerifyWorker recomputes the audit chain and logs an error naming the
// first broken link, so tampering is noticed even when nobody asks.
type AuditVerifyWorker struct {
	river.WorkerDefaults[AuditVerifyArgs]
	Audit  domain.AuditService
	Logger *slog.Logger
}

// Work implements river.Worker.
func (w *AuditVerifyWorker) Work(ctx context.Context, _ *river.Job[AuditVerifyArgs]) error {
	v, err := w.Audit.VerifyAuditChain(ctx)
	if err != nil {
		return fmt.Errorf("jobs: verify audit chain: %w", err)
	}
	if !v.OK {
		w.Logger.ErrorContext(ctx, "audit chain broken", "seq", v.FirstBroken.Seq, "event_id", v.FirstBroken.ID,
			"problem", v.FirstBroken.Problem, "checked", v.Checked)
		return nil
	}
	w.Logger.InfoContext(ctx, "audit chain verified", "events", v.Checked)
	return nil
}
