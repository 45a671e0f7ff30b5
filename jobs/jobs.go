// Package jobs runs vendorwatch's background work on River: the periodic
// due-scan, the reminder e-mails it queues, and the audit-chain check. Jobs
// call the domain services; they write no SQL of their own.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
	"github.com/riverqueue/rivercontrib/otelriver"

	"github.com/vendorwatch/vendorwatch/domain"
)

// Client is the River client type on both databases: database/sql
// transactions, so that InsertTx joins the store's transaction.
type Client = river.Client[*sql.Tx]

// Store is what the jobs need of the domain services.
type Store interface {
	domain.AuditService
	domain.AuditCheckpointer
	domain.AuditSealer
	// ListPeople finds the cisos told of checkpoints and breaks.
	ListPeople(ctx context.Context, f domain.PersonFilter, p domain.PageRequest) (domain.Page[*domain.Person], error)
	domain.ReminderService
	domain.ReminderCatchUp
	// GetSettings gives the settings that shape e-mails (era dates).
	GetSettings(ctx context.Context) (*domain.Settings, error)
}

// Config configures the River client and its workers.
type Config struct {
	// Postgres selects River's PostgreSQL driver; otherwise SQLite.
	Postgres bool
	// DB is the pool River uses, shared with the store.
	DB *sql.DB
	// ListenerPool gives River a LISTEN connection on PostgreSQL; optional.
	ListenerPool *pgxpool.Pool
	// Schema is the PostgreSQL schema of River's tables ("" for search_path).
	Schema string
	Store  Store
	// Mailer sends the reminder e-mails.
	Mailer Mailer
	// Digest renders them.
	Digest *Digest
	// MessageIDDomain is the right-hand side of every Message-ID.
	MessageIDDomain string
	Logger          *slog.Logger
	// Now is the clock of the scans; time.Now when nil.
	Now func() time.Time
	// Location is the body's time zone, in which "today" is counted.
	Location *time.Location
	// DueScanInterval is how often the due-scan runs; 15 minutes when zero.
	DueScanInterval time.Duration
	// AuditVerifyInterval is how often the chain is verified; daily when zero.
	// It is verified on every start of Runner.Start too.
	AuditVerifyInterval time.Duration
	// AuditSealInterval is how often the sealer chains the events writes
	// appended unsealed (PostgreSQL only: SQLite chains as it writes);
	// DefaultAuditSealInterval when zero.
	AuditSealInterval time.Duration
	// OnAuditVerified, when set, is called after each verification of the
	// audit chain with its result (a metrics gauge, say).
	OnAuditVerified func(ctx context.Context, v domain.AuditVerification)
	// Workers is how many jobs this replica runs at once (River's
	// MaxWorkers); DefaultWorkers when zero.
	Workers int
	// FetchCooldown is the least time between two fetches of jobs:
	// DefaultFetchCooldown when zero, at most FetchPollInterval. Under a
	// burst, workers run at most Workers jobs per cooldown.
	FetchCooldown time.Duration
	// FetchPollInterval is how often workers look for jobs when no
	// notification arrives (SQLite has none, and jobs queued in a
	// transaction are not announced to it); DefaultFetchPollInterval
	// when zero.
	FetchPollInterval time.Duration
	// NoPeriodic leaves out the periodic jobs, for tests that drive scans.
	NoPeriodic bool
	// RetryPolicy decides when a failed job runs again; River's default
	// (exponential backoff) when nil.
	RetryPolicy river.ClientRetryPolicy
	// DigestRetryCap bounds the retry delay of a reminder digest, so that
	// mail resumes within that long of the SMTP server coming back; one
	// minute when zero.
	DigestRetryCap time.Duration
	// DigestMaxAttempts is how many times a digest is tried before its rows
	// are marked failed; DefaultDigestMaxAttempts when zero. At the capped
	// delay, the default keeps trying through a week of SMTP outage.
	DigestMaxAttempts int
	// JobTimeout is how long a job may run before River cancels it. Zero:
	// jobSlack more than the longest send of the Mailer (for SMTP, the sum
	// of its timeouts), so a slow server is waited for as RFC 5321 says. A
	// shorter one is refused.
	JobTimeout time.Duration
	// RescueStuckJobsAfter is how long a job may stay running before River
	// takes its worker for dead (a replica killed mid-send) and runs it
	// again. Zero: rescueSlack more than the longest a job may run (the
	// JobTimeout, or the due scan's dueScanTimeout). It must be longer than
	// JobTimeout, or a slow send would be run twice.
	RescueStuckJobsAfter time.Duration
	// DigestLease is how long a digest job's hold on its ledger rows lasts
	// unless renewed; DefaultDigestLease when zero. A running job renews it
	// every quarter of it, and the catch-up runs every half of it, so the
	// rows of a worker that died (a replica killed mid-send) are sent again
	// within about 1.5 leases, by whichever replica is up.
	DigestLease time.Duration
	// OnEmailChange, when set, receives the hook that queues the notice of
	// a changed e-mail address in the change's transaction: pass the
	// store's OnEmailChange.
	OnEmailChange func(domain.EnqueueEmailChangeNotice)
	// OnUrgentReminders, when set, receives the hook that queues the digests
	// of ledger rows written outside a scan (an incident's notice to every
	// ciso) in their transaction, the same way the scan queues its own:
	// pass the store's OnUrgentReminders.
	OnUrgentReminders func(domain.EnqueueDigests)
	// Webhooks, when set, sends webhook deliveries (the store).
	Webhooks domain.WebhookSender
	// OnWebhookDeliveries, when set with Webhooks, receives the hook that
	// queues a change's deliveries in its transaction: pass the store's
	// OnWebhookDeliveries.
	OnWebhookDeliveries func(domain.EnqueueWebhookDeliveries)
	// WebhookRetryDelays are the waits before each retry of a delivery;
	// DefaultWebhookRetryDelays when empty.
	WebhookRetryDelays []time.Duration
	// Imports, when set, plans large import files in a job; OnImportPlan
	// receives the hook that queues it: pass the store and its OnImportPlan.
	Imports      domain.ImportPlanner
	OnImportPlan func(domain.EnqueueImportPlan)
	// Metrics receives the jobs' metrics (jobs/metrics.go); nil shows none.
	Metrics prometheus.Registerer
}

// jobSlack is what a sending job needs beyond its send: reading and
// rendering the digest, and recording what the server answered.
const jobSlack = 2 * time.Minute

// rescueSlack is how much longer than the longest job River waits before it
// rescues a job still marked running.
const rescueSlack = time.Minute

// dueScanTimeout is how long a due-scan may run: the first scan over a
// large register (every confirmation of a month to schedule) takes far
// longer than a send.
const dueScanTimeout = 30 * time.Minute

// DefaultDigestLease is the digest jobs' lease on their rows by default:
// long enough that a loaded database does not make a live job look dead,
// short enough that a dead replica's mail is sent again within 5 minutes.
const DefaultDigestLease = 2 * time.Minute

// boundedMailer is a Mailer that knows the longest one send may take.
type boundedMailer interface {
	MaxSendDuration() time.Duration
}

// timeouts works out the job timeout and the rescue of stuck jobs from cfg.
func timeouts(cfg Config) (job, rescue time.Duration, err error) {
	var send time.Duration
	if m, ok := cfg.Mailer.(boundedMailer); ok {
		send = m.MaxSendDuration()
	}
	job = cfg.JobTimeout
	if job <= 0 {
		job = send + jobSlack
	}
	if job <= send {
		return 0, 0, fmt.Errorf("jobs: the job timeout %s must be longer than the longest send %s", job, send)
	}
	rescue = cfg.RescueStuckJobsAfter
	if rescue <= 0 {
		rescue = max(job, dueScanTimeout) + rescueSlack
	}
	if rescue <= job {
		return 0, 0, fmt.Errorf("jobs: the rescue of stuck jobs after %s must come after the job timeout %s", rescue, job)
	}
	return job, rescue, nil
}

// riverDriver is River's driver for the configured database.
func riverDriver(cfg Config) riverdriver.Driver[*sql.Tx] {
	switch {
	case cfg.Postgres && cfg.ListenerPool != nil:
		return riverdatabasesql.NewWithPgxListener(cfg.DB, cfg.ListenerPool)
	case cfg.Postgres:
		return riverdatabasesql.New(cfg.DB)
	default:
		return riversqlite.New(cfg.DB)
	}
}

// Defaults of the pace of the queue (Config.Workers, FetchCooldown,
// FetchPollInterval). River's own defaults (100 ms cooldown) with 4 workers
// held delivery at 40 e-mails a second, whatever the database and the mail
// server could do: a burst of digests ran 4 jobs per cooldown.
const (
	// DefaultWorkersPostgres: digests spend most of their time waiting on
	// the SMTP server and the database, so many run at once on few cores.
	DefaultWorkersPostgres = 32
	// DefaultWorkersSQLite: SQLite has one connection, which every job's
	// ledger marks queue on; more workers only wait longer for it.
	DefaultWorkersSQLite = 16
	// DefaultFetchCooldown lets a worker that finishes take the next job
	// within 10 ms, so that the queue, not the cooldown, sets the pace
	// (Workers per cooldown: 3,200 jobs a second at 32 workers). An idle
	// queue fetches only on notification or poll, so it costs nothing then.
	DefaultFetchCooldown = 10 * time.Millisecond
	// DefaultFetchPollIntervalPostgres: LISTEN/NOTIFY announces new jobs at
	// once; the poll is the fallback.
	DefaultFetchPollIntervalPostgres = time.Second
	// DefaultFetchPollIntervalSQLite: jobs queued in a transaction (a scan,
	// an incident's notice) are found by the poll alone, so it is the delay
	// before the first e-mail of a scan; a poll of an idle queue is one
	// query on a local file.
	DefaultFetchPollIntervalSQLite = 200 * time.Millisecond
)

// DefaultWorkers is Config.Workers' default for the database.
func DefaultWorkers(postgres bool) int {
	if postgres {
		return DefaultWorkersPostgres
	}
	return DefaultWorkersSQLite
}

// fetchSettings is the part of River's configuration that sets the pace
// of the queue: its workers and how often they fetch.
func fetchSettings(cfg Config) river.Config {
	workers := cmp.Or(cfg.Workers, DefaultWorkers(cfg.Postgres)) // River refuses a negative number
	poll := cfg.FetchPollInterval
	if poll <= 0 {
		poll = DefaultFetchPollIntervalSQLite
		if cfg.Postgres {
			poll = DefaultFetchPollIntervalPostgres
		}
	}
	cooldown := cmp.Or(cfg.FetchCooldown, DefaultFetchCooldown)
	return river.Config{Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: workers}},
		FetchCooldown: min(cooldown, poll), FetchPollInterval: poll}
}

// Runner owns the River client and runs scans on demand.
type Runner struct {
	Client *Client
	// JobTimeout and RescueStuckJobsAfter are the ones River was given.
	JobTimeout, RescueStuckJobsAfter time.Duration
	scanner                          *scanner
	mailer                           Mailer
}

// Mailer is the jobs' mailer with its sends counted in the metrics, for
// the other senders of mail (sign-in links) to share.
func (r *Runner) Mailer() Mailer { return r.mailer }

// New builds the River client with every worker and periodic job.
func New(cfg Config) (*Runner, error) {
	if cfg.Store == nil || cfg.Mailer == nil || cfg.Digest == nil {
		return nil, errors.New("jobs: Store, Mailer and Digest are required")
	}
	driver := riverDriver(cfg)
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.DueScanInterval <= 0 {
		cfg.DueScanInterval = 15 * time.Minute
	}
	if cfg.AuditVerifyInterval <= 0 {
		cfg.AuditVerifyInterval = 24 * time.Hour
	}
	if cfg.AuditSealInterval <= 0 {
		cfg.AuditSealInterval = DefaultAuditSealInterval
	}
	if cfg.DigestRetryCap <= 0 {
		cfg.DigestRetryCap = time.Minute
	}
	if cfg.DigestMaxAttempts <= 0 {
		cfg.DigestMaxAttempts = DefaultDigestMaxAttempts
	}
	retry := cfg.RetryPolicy
	if retry == nil {
		retry = &river.DefaultClientRetryPolicy{}
	}
	if cfg.DigestLease <= 0 {
		cfg.DigestLease = DefaultDigestLease
	}
	if cfg.MessageIDDomain == "" {
		cfg.MessageIDDomain = "vendorwatch.invalid"
	}
	m, err := newMetrics(cfg.Metrics)
	if err != nil {
		return nil, fmt.Errorf("jobs: metrics: %w", err)
	}
	cfg.Mailer = &countingMailer{Mailer: cfg.Mailer, m: m}
	if cfg.Workers < 0 {
		return nil, fmt.Errorf("jobs: the number of workers must be positive, not %d", cfg.Workers)
	}
	jobTimeout, rescueAfter, err := timeouts(cfg)
	if err != nil {
		return nil, err
	}
	sc := &scanner{store: cfg.Store, catchUp: cfg.Store, now: cfg.Now, location: cfg.Location, interval: cfg.DueScanInterval,
		digestMaxAttempts: cfg.DigestMaxAttempts, lease: cfg.DigestLease, metrics: m}
	workers := river.NewWorkers()
	auditVerify := &AuditVerifyWorker{Audit: cfg.Store, Checkpoints: cfg.Store, People: cfg.Store, Logger: logger,
		OnVerified: cfg.OnAuditVerified}
	for _, add := range []func() error{
		func() error {
			return river.AddWorkerSafely(workers, auditVerify)
		},
		func() error {
			return river.AddWorkerSafely(workers, &AuditSealWorker{Sealer: cfg.Store, Logger: logger})
		},
		func() error { return river.AddWorkerSafely(workers, &DueScanWorker{scanner: sc, logger: logger}) },
		func() error { return river.AddWorkerSafely(workers, &CatchUpWorker{scanner: sc, logger: logger}) },
		func() error {
			return river.AddWorkerSafely(workers, &ReminderDigestWorker{Store: cfg.Store, Mailer: cfg.Mailer, Digest: cfg.Digest,
				MessageIDDomain: cfg.MessageIDDomain, Now: cfg.Now, Location: cfg.Location, Logger: logger,
				RetryPolicy: retry, RetryCap: cfg.DigestRetryCap, Lease: cfg.DigestLease})
		},
		func() error {
			return river.AddWorkerSafely(workers, &EmailChangeNoticeWorker{Settings: cfg.Store, Mailer: cfg.Mailer, Digest: cfg.Digest,
				MessageIDDomain: cfg.MessageIDDomain, Location: cfg.Location, Logger: logger})
		},
		func() error {
			if cfg.Imports == nil {
				return nil
			}
			return river.AddWorkerSafely(workers, &ImportPlanWorker{Imports: cfg.Imports})
		},
	} {
		if err := add(); err != nil {
			return nil, fmt.Errorf("jobs: add worker: %w", err)
		}
	}
	webhooks := &WebhookWorker{Store: cfg.Webhooks, Settings: cfg.Store, Delays: cfg.WebhookRetryDelays, Now: time.Now, Logger: logger, metrics: m}
	if cfg.Webhooks != nil {
		if err := river.AddWorkerSafely(workers, webhooks); err != nil {
			return nil, fmt.Errorf("jobs: add worker: %w", err)
		}
	}
	for _, add := range []func() error{
		func() error {
			return river.AddWorkerSafely(workers, &AuditNoticeWorker{Settings: cfg.Store, Mailer: cfg.Mailer, Digest: cfg.Digest,
				MessageIDDomain: cfg.MessageIDDomain, Location: cfg.Location, Logger: logger})
		},
		func() error {
			return river.AddWorkerSafely(workers, &WebhookDisabledNoticeWorker{Settings: cfg.Store, Mailer: cfg.Mailer, Digest: cfg.Digest,
				MessageIDDomain: cfg.MessageIDDomain, Location: cfg.Location, Logger: logger})
		},
	} {
		if err := add(); err != nil {
			return nil, fmt.Errorf("jobs: add worker: %w", err)
		}
	}
	fetch := fetchSettings(cfg)
	rc := &river.Config{
		Logger:            logger.With("component", "river"),
		Schema:            cfg.Schema,
		Queues:            fetch.Queues,
		Workers:           workers,
		FetchCooldown:     fetch.FetchCooldown,
		FetchPollInterval: fetch.FetchPollInterval,
		RetryPolicy:       cfg.RetryPolicy,
		// Every job that sends mail (digests, e-mail change notices) may
		// wait for a slow server to its end; a job that dies is run again
		// soon after, not after River's default hour.
		JobTimeout:           jobTimeout,
		RescueStuckJobsAfter: rescueAfter,
		// Spans of each job through the global tracer provider (a no-op
		// unless tracing is set up), then the metrics.
		Middleware: []rivertype.Middleware{otelriver.NewMiddleware(nil), &jobMetricsMiddleware{m: m}},
	}
	if !cfg.NoPeriodic {
		rc.PeriodicJobs = []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(cfg.DueScanInterval),
				func() (river.JobArgs, *river.InsertOpts) {
					return DueScanArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: cfg.DueScanInterval}}
				},
				&river.PeriodicJobOpts{ID: "due_scan"}),
			// The leader looks for dead workers' rows every half lease,
			// from the start on: a replica killed mid-send is taken over
			// by another (or by itself restarted) within minutes.
			river.NewPeriodicJob(river.PeriodicInterval(catchUpInterval(cfg.DigestLease)),
				func() (river.JobArgs, *river.InsertOpts) {
					return CatchUpArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: catchUpInterval(cfg.DigestLease)}}
				},
				&river.PeriodicJobOpts{RunOnStart: true, ID: "reminder_catch_up"}),
			river.NewPeriodicJob(river.PeriodicInterval(cfg.AuditVerifyInterval),
				func() (river.JobArgs, *river.InsertOpts) {
					return AuditVerifyArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: cfg.AuditVerifyInterval}}
				},
				// Runner.Start verifies on every start; this is the daily one.
				&river.PeriodicJobOpts{ID: "audit_verify"}),
		}
		if cfg.Postgres {
			rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(cfg.AuditSealInterval),
				func() (river.JobArgs, *river.InsertOpts) {
					return AuditSealArgs{}, &river.InsertOpts{MaxAttempts: 1,
						UniqueOpts: river.UniqueOpts{ByPeriod: cfg.AuditSealInterval}}
				},
				&river.PeriodicJobOpts{RunOnStart: true, ID: "audit_seal"}))
		}
	}
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: river client: %w", err)
	}
	sc.client = client
	if cfg.OnEmailChange != nil {
		cfg.OnEmailChange(enqueueEmailChangeNotice(client))
	}
	if cfg.OnUrgentReminders != nil {
		cfg.OnUrgentReminders(sc.enqueueDigests)
	}
	webhooks.notice = enqueueWebhookDisabledNotice(client)
	auditVerify.notify = enqueueAuditNotices(client)
	if cfg.Webhooks != nil && cfg.OnWebhookDeliveries != nil {
		cfg.OnWebhookDeliveries(enqueueWebhookDeliveries(client, webhooks.MaxAttempts()))
	}
	if cfg.OnImportPlan != nil && cfg.Imports != nil {
		cfg.OnImportPlan(enqueueImportPlan(client))
	}
	return &Runner{Client: client, JobTimeout: jobTimeout, RescueStuckJobsAfter: rescueAfter, scanner: sc, mailer: cfg.Mailer}, nil
}

// Start starts the River client and queues one due-scan and one audit
// verification for this start, so that a restart catches up at once instead
// of at the next period. Scans are idempotent, so replicas starting together
// cost a little work, no e-mail; verifications queued while one waits or
// runs are left out (startAuditVerify).
// The jobs run until Stop: the end of ctx does not cancel them, because a
// send cut short after its message has gone is sent again.
func (r *Runner) Start(ctx context.Context) error {
	if err := r.Client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("jobs: start River: %w", err)
	}
	if _, err := r.Client.Insert(ctx, DueScanArgs{}, nil); err != nil {
		return fmt.Errorf("jobs: queue the start-up due scan: %w", err)
	}
	if _, err := r.Client.Insert(ctx, AuditVerifyArgs{}, startAuditVerify); err != nil {
		return fmt.Errorf("jobs: queue the start-up audit verification: %w", err)
	}
	return nil
}

// hardStopGrace is how long jobs cancelled at the shutdown deadline get to
// return and record what became of their sends.
const hardStopGrace = 5 * time.Second

// Stop stops fetching new jobs at once (River's soft stop) and lets the jobs
// in flight finish and be marked until ctx ends. Only then are they
// cancelled (the hard stop), and given hardStopGrace to return; the error
// says so.
func (r *Runner) Stop(ctx context.Context) error {
	err := r.Client.Stop(ctx)
	if err == nil || ctx.Err() == nil {
		return err
	}
	hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), hardStopGrace)
	defer cancel()
	if err := r.Client.StopAndCancel(hard); err != nil {
		return fmt.Errorf("jobs: cancelled at the shutdown deadline, and still running after %s: %w", hardStopGrace, err)
	}
	return errors.New("jobs: jobs in flight were cancelled at the shutdown deadline")
}

// RunDueScan implements domain.DueScanRunner: one scan now, outside the
// schedule (the admin's "run a scan now").
func (r *Runner) RunDueScan(ctx context.Context) (domain.ScanReport, error) {
	return r.scanner.scan(ctx)
}

// CatchUp queues a digest again for the ledger rows still queued that no
// job will send (see scanner.requeue), and says how many it queued. Every
// due-scan job, the one of each start first of all, runs it.
func (r *Runner) CatchUp(ctx context.Context) (int, error) {
	return r.scanner.requeue(ctx)
}

// scanner runs due-scans and queues the digests they produce.
type scanner struct {
	store    domain.ReminderService
	catchUp  domain.ReminderCatchUp
	client   *Client
	now      func() time.Time
	location *time.Location
	interval time.Duration
	// digestMaxAttempts is the MaxAttempts of each digest job.
	digestMaxAttempts int
	// lease is the digest jobs' lease on their rows (Config.DigestLease).
	lease   time.Duration
	metrics *metrics
}

// catchUpInterval is how often the leader catches up: every half lease.
func catchUpInterval(lease time.Duration) time.Duration { return lease / 2 }

// scan runs one due-scan for today and queues one digest job per recipient
// with new reminders, in the scan's transaction.
func (s *scanner) scan(ctx context.Context) (domain.ScanReport, error) {
	today := domain.DateOf(s.now(), s.location)
	start := time.Now()
	rep, err := s.store.ScanDue(ctx, today, s.enqueueDigests)
	if err == nil && s.metrics != nil {
		s.metrics.countScan(time.Since(start), rep)
	}
	return rep, err
}

// enqueueDigests queues one digest job per digest in the transaction that
// wrote their ledger rows: the scan's, or an incident's (the notice to
// every ciso, through the store's OnUrgentReminders).
func (s *scanner) enqueueDigests(ctx context.Context, tx *sql.Tx, digests []domain.Digest) error {
	params := make([]river.InsertManyParams, len(digests))
	for i, d := range digests {
		params[i] = river.InsertManyParams{Args: ReminderDigestArgs{RecipientID: d.RecipientID, ReminderIDs: d.ReminderIDs},
			InsertOpts: &river.InsertOpts{MaxAttempts: s.digestMaxAttempts}}
	}
	if _, err := s.client.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("jobs: queue digests: %w", err)
	}
	return nil
}

// catchUpAfter is how old a queued row must be before the catch-up may take
// its job for gone. A scan commits its rows and their jobs together, so the
// job of a row this old is long visible, unless it is gone.
const catchUpAfter = time.Minute

// liveJobStates are the states of a job that has yet to run or to end.
var liveJobStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}

// requeue queues a digest again for the rows that no live digest job will
// send: rows queued for over catchUpAfter whose enqueue was lost or whose
// job was cancelled or discarded, and rows whose lease ran out while their
// job is still marked running: its worker died (a replica killed mid-send),
// since a live one renews the lease every quarter of it. Such a job stays
// running in River until RescueStuckJobsAfter, the slow safety net; when
// River runs it again, its rows are sent, or leased by the new job. Rows
// left sending keep their message, so the resend carries the same
// Message-ID and is flagged possible_duplicate. Replicas doing this
// together queue each digest once (River's uniqueness by arguments, per
// catch-up period, so that a requeued job that died too is followed by
// another), and a second run finds every row carried by the first one's
// jobs.
func (s *scanner) requeue(ctx context.Context) (int, error) {
	queued := 0
	err := s.catchUp.CatchUpQueuedReminders(ctx, s.now().Add(-catchUpAfter), func(ctx context.Context, tx *sql.Tx, digests []domain.Digest) error {
		carried, err := s.carriedReminders(ctx, tx)
		if err != nil {
			return err
		}
		var params []river.InsertManyParams
		for _, d := range digests {
			var ids []string
			for _, id := range d.ReminderIDs {
				if !carried[id] {
					ids = append(ids, id)
				}
			}
			if len(ids) > 0 {
				params = append(params, river.InsertManyParams{Args: ReminderDigestArgs{RecipientID: d.RecipientID, ReminderIDs: ids},
					InsertOpts: &river.InsertOpts{MaxAttempts: s.digestMaxAttempts,
						UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: catchUpInterval(s.lease)}}})
			}
		}
		if len(params) == 0 {
			return nil
		}
		res, err := s.client.InsertManyTx(ctx, tx, params)
		if err != nil {
			return fmt.Errorf("jobs: queue digests again: %w", err)
		}
		for _, r := range res {
			if !r.UniqueSkippedAsDuplicate {
				queued++
			}
		}
		return nil
	})
	return queued, err
}

// carriedReminders returns the ledger rows that live digest jobs carry,
// among those the catch-up was handed (none under a live lease).
func (s *scanner) carriedReminders(ctx context.Context, tx *sql.Tx) (map[string]bool, error) {
	now := time.Now() // River's attempted_at and the leases run on the wall clock, not s.now
	const page = 1000
	carried := map[string]bool{}
	params := river.NewJobListParams().Kinds(ReminderDigestArgs{}.Kind()).States(liveJobStates...).First(page)
	for {
		res, err := s.client.JobListTx(ctx, tx, params)
		if err != nil {
			return nil, fmt.Errorf("jobs: list digest jobs: %w", err)
		}
		for _, j := range res.Jobs {
			if !carries(j, now, s.lease) {
				continue
			}
			var args ReminderDigestArgs
			if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
				return nil, fmt.Errorf("jobs: digest job %d: %w", j.ID, err)
			}
			for _, id := range args.ReminderIDs {
				carried[id] = true
			}
		}
		if len(res.Jobs) < page {
			return carried, nil
		}
		params = params.After(res.LastCursor)
	}
}

// carries reports whether a live digest job will still send those of its
// rows that no live lease holds. One waiting to run or to be retried will.
// One running takes its lease as its first step and renews it until it
// returns, so if it started over a lease ago and holds no live lease on
// them, its worker is dead (or, for the moment between the end of its lease
// and River recording its outcome, done: a second job then finds its rows
// sent, or waits for it). Taking a live but stalled job for dead costs at
// most a resend with the same Message-ID, flagged possible_duplicate: the
// lease keeps the two from sending at once.
func carries(j *rivertype.JobRow, now time.Time, lease time.Duration) bool {
	if j.State != rivertype.JobStateRunning || j.AttemptedAt == nil {
		return true
	}
	return j.AttemptedAt.After(now.Add(-lease))
}

// CatchUpArgs asks for one catch-up of reminders that no live job sends.
type CatchUpArgs struct{}

// Kind implements river.JobArgs.
func (CatchUpArgs) Kind() string { return "reminder_catch_up" }

// CatchUpWorker runs the catch-up between due-scans (scanner.requeue).
type CatchUpWorker struct {
	river.WorkerDefaults[CatchUpArgs]
	scanner *scanner
	logger  *slog.Logger
}

// Work implements river.Worker.
func (w *CatchUpWorker) Work(ctx context.Context, _ *river.Job[CatchUpArgs]) error {
	requeued, err := w.scanner.requeue(ctx)
	if err != nil {
		return fmt.Errorf("jobs: catch up reminders: %w", err)
	}
	if requeued > 0 {
		w.logger.WarnContext(ctx, "reminders had no live job to send them; digests queued again", "digests", requeued)
	}
	return nil
}

// DueScanArgs asks for one due-scan.
type DueScanArgs struct{}

// Kind implements river.JobArgs.
func (DueScanArgs) Kind() string { return "due_scan" }

// DueScanWorker runs the due-scan.
type DueScanWorker struct {
	river.WorkerDefaults[DueScanArgs]
	scanner *scanner
	logger  *slog.Logger
}

// Timeout implements river.Worker: dueScanTimeout, longer than a send.
func (w *DueScanWorker) Timeout(*river.Job[DueScanArgs]) time.Duration { return dueScanTimeout }

// Work implements river.Worker: first the catch-up of rows left without a
// job, so that a scan that fails does not hold it up, then the scan.
func (w *DueScanWorker) Work(ctx context.Context, _ *river.Job[DueScanArgs]) error {
	requeued, err := w.scanner.requeue(ctx)
	if err != nil {
		return fmt.Errorf("jobs: catch up queued reminders: %w", err)
	}
	if requeued > 0 {
		w.logger.WarnContext(ctx, "queued reminders had no job to send them; digests queued again", "digests", requeued)
	}
	rep, err := w.scanner.scan(ctx)
	if err != nil {
		return fmt.Errorf("jobs: due scan: %w", err)
	}
	w.logger.InfoContext(ctx, "due scan done", "requeued", requeued, "today", rep.Today.String(),
		"confirmations_scheduled", rep.ConfirmationsScheduled, "contracts_expired", rep.ContractsExpired,
		"reminders", rep.RemindersQueued, "digests", rep.Digests)
	return nil
}

// ReminderDigestArgs asks for one digest e-mail.
type ReminderDigestArgs struct {
	RecipientID string   `json:"recipient_id"`
	ReminderIDs []string `json:"reminder_ids"`
}

// Kind implements river.JobArgs.
func (ReminderDigestArgs) Kind() string { return "reminder_digest" }

// DefaultDigestMaxAttempts is how many times a digest is tried by default:
// a week at the one-minute retry cap.
const DefaultDigestMaxAttempts = 7 * 24 * 60

// ReminderDigestWorker renders and sends one digest, recording each step in
// the ledger: the rows are claimed as sending before the message goes to the
// server and marked sent after its 250. Rows no longer to send (cancelled,
// sent, failed) are left out, so a retry never sends a row that is sent; a
// row still sending from an attempt whose outcome is unknown is sent again
// with the same Message-ID and flagged possible_duplicate.
type ReminderDigestWorker struct {
	river.WorkerDefaults[ReminderDigestArgs]
	Store           domain.ReminderService
	Mailer          Mailer
	Digest          *Digest
	MessageIDDomain string
	Now             func() time.Time
	Location        *time.Location
	Logger          *slog.Logger
	// RetryPolicy gives the delay before a retry, capped at RetryCap.
	RetryPolicy river.ClientRetryPolicy
	RetryCap    time.Duration
	// Lease is how long the job's hold on its rows lasts unless renewed
	// (Config.DigestLease); it is renewed every quarter of it.
	Lease time.Duration
}

// NextRetry implements river.Worker: the policy's delay, at most RetryCap,
// so that mail resumes promptly after an SMTP outage however long it was.
func (w *ReminderDigestWorker) NextRetry(job *river.Job[ReminderDigestArgs]) time.Time {
	limit := time.Now().Add(w.RetryCap)
	if w.RetryPolicy == nil {
		return limit
	}
	if next := w.RetryPolicy.NextRetry(job.JobRow); next.Before(limit) {
		return next
	}
	return limit
}

// Work implements river.Worker. Its first step takes the lease of the rows,
// and it renews the lease until it returns, then ends it, so that the
// catch-up tells a dead worker's rows from those of a live one.
func (w *ReminderDigestWorker) Work(ctx context.Context, job *river.Job[ReminderDigestArgs]) error {
	holder := strconv.FormatInt(job.ID, 10)
	lease := w.Lease
	if lease <= 0 {
		lease = DefaultDigestLease
	}
	ok, err := w.Store.LeaseReminders(ctx, job.Args.ReminderIDs, holder, lease)
	if err != nil {
		return err
	}
	if !ok {
		// Another job sends these rows (this one was taken for dead, or
		// rescued by River while a catch-up's job sends): wait for it.
		return river.JobSnooze(lease)
	}
	stop := w.renew(ctx, job.Args.ReminderIDs, holder, lease)
	// ended: the rows were marked sent or failed, which ends their lease
	// in the same statement (every row of the job is then sent, failed or
	// cancelled, and no lease covers such rows), so no statement of its
	// own is needed.
	ended := false
	defer func() {
		// The attempt is over: what becomes of the rows is River's job
		// state now (retryable, or cancelled and so for the catch-up).
		stop()
		if ended {
			return
		}
		end, cancel := context.WithTimeout(context.WithoutCancel(ctx), lease/4)
		defer cancel()
		if _, err := w.Store.LeaseReminders(end, job.Args.ReminderIDs, holder, 0); err != nil {
			w.logger().WarnContext(ctx, "reminder lease not ended; it runs out by itself", "job", holder, "error", err.Error())
		}
	}()
	today := domain.DateOf(w.Now(), w.Location)
	mail, err := w.Store.DigestToSend(ctx, job.Args.RecipientID, job.Args.ReminderIDs, today)
	if domain.ErrorCodeOf(err) == domain.ENOTFOUND {
		return river.JobCancel(fmt.Errorf("jobs: recipient %s no longer exists", job.Args.RecipientID))
	}
	if err != nil {
		return err
	}
	if len(mail.Items) == 0 {
		return nil // everything was cancelled or sent meanwhile
	}
	ids := make([]string, len(mail.Items))
	for i, it := range mail.Items {
		ids[i] = it.ID
	}
	// A resend after an attempt that may have been delivered carries the
	// same Message-ID, so the recipient's mail client shows one message.
	messageID := mail.MessageID
	if messageID == "" {
		messageID = domain.MessageIDFor(ids, w.MessageIDDomain)
	}
	msg, err := w.Digest.Render(mail, messageID)
	if err != nil {
		return err
	}
	// The lease is renewed with the claim, committed before the first
	// byte: a job whose lease another has taken over meanwhile does not
	// send a second copy.
	if ok, err := w.Store.ClaimRemindersLeased(ctx, ids, messageID, holder, lease); err != nil || !ok {
		if err != nil {
			return err
		}
		return river.JobSnooze(lease)
	}
	err = w.Mailer.Send(ctx, msg)
	// Once the server has answered, record it even if the job is being
	// cancelled (shutdown), and through a database blip: a lost mark would
	// send the message again.
	rec, cancel := recordContext(ctx)
	defer cancel()
	log := w.Logger.With("recipient", job.Args.RecipientID, "message_id", messageID, "attempt", job.Attempt)
	var perm *PermanentError
	switch {
	case errors.As(err, &perm):
		log.WarnContext(ctx, "reminder e-mail refused for good", "answer", perm.Answer)
		err := record(rec, log, "failed", func(ctx context.Context) error { return w.Store.MarkRemindersFailed(ctx, ids, perm.Answer) })
		ended = err == nil
		return err
	case err != nil && job.Attempt >= job.MaxAttempts:
		// River discards the job after this attempt: record the failure so
		// that the rows do not stay queued for ever.
		log.ErrorContext(ctx, "reminder e-mail given up", "answer", err.Error())
		rerr := record(rec, log, "failed", func(ctx context.Context) error {
			return w.Store.MarkRemindersFailed(ctx, ids, fmt.Sprintf("gave up after %d attempts: %v", job.Attempt, err))
		})
		ended = rerr == nil
		return rerr
	case err != nil:
		maybe := mayHaveBeenDelivered(err)
		log.WarnContext(ctx, "reminder e-mail not sent; will retry", "answer", err.Error(), "may_have_been_delivered", maybe)
		if rerr := record(rec, log, "for retry", func(ctx context.Context) error {
			return w.Store.MarkRemindersRetry(ctx, ids, err.Error(), maybe)
		}); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err // temporary: River retries with capped backoff
	}
	err = record(rec, log, "sent", func(ctx context.Context) error { return w.Store.MarkRemindersSent(ctx, ids, messageID) })
	ended = err == nil
	return err
}

// logger is the Logger, or slog's default.
func (w *ReminderDigestWorker) logger() *slog.Logger {
	if w.Logger == nil {
		return slog.Default()
	}
	return w.Logger
}

// renew renews the lease every quarter of it until the returned stop is
// called, which waits for it to end. It goes on while the job is being
// cancelled, since the job still records its send then. A renewal that
// fails is logged; a lease that runs out while the job is alive costs at
// most a resend with the same Message-ID.
func (w *ReminderDigestWorker) renew(ctx context.Context, ids []string, holder string, lease time.Duration) (stop func()) {
	done := make(chan struct{})
	ended := make(chan struct{})
	ctx = context.WithoutCancel(ctx)
	log := w.logger()
	go func() {
		defer close(ended)
		warned := false // once a job: a database outage is logged elsewhere
		tick := time.NewTicker(lease / 4)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			rctx, cancel := context.WithTimeout(ctx, lease/4)
			ok, err := w.Store.LeaseReminders(rctx, ids, holder, lease)
			cancel()
			switch {
			case err != nil && !warned:
				warned = true
				log.WarnContext(ctx, "reminder lease not renewed", "job", holder, "error", err.Error())
			case err == nil && !ok && !warned:
				warned = true
				log.WarnContext(ctx, "reminder lease taken over by another job", "job", holder)
			}
		}
	}()
	return func() {
		close(done)
		<-ended
	}
}
