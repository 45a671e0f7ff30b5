package jobs

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/jobs/mailtest"
)

// deliveryBenchRecipients is how many people each round e-mails.
const deliveryBenchRecipients = 2_000

// BenchmarkReminderDelivery measures how fast queued reminder digests reach
// a loopback SMTP server: each round records one high-severity incident,
// whose transaction writes a notice ledger row for each of 2,000 cisos and
// queues their 2,000 digest jobs the way a due-scan does (the scanner's
// enqueueDigests); the round lasts until every row is marked sent. The
// runner has serve's settings (Config's defaults: workers, fetch pace,
// SMTP timeouts; the PostgreSQL pool sized for the workers).
//
// Side by side, on the same database and with the same workers and fetch
// settings, River's own throughput: 2,000 jobs of a worker that does
// nothing, on a client of their own (in a queue of their own, so neither
// client takes the other's jobs).
//
// It reports emails/s, noop-jobs/s and their ratio (emails/noop), and checks
// after each round that nothing was doubled: each ledger row sent, under a
// Message-ID that arrived exactly once, each ciso e-mailed once.
//
// Run: go test ./jobs -run '^$' -bench BenchmarkReminderDelivery -benchtime 1x -count 5
// (with VENDORWATCH_TEST_POSTGRES_URL set for PostgreSQL too). To try other
// paces, VENDORWATCH_BENCH_WORKERS and VENDORWATCH_BENCH_FETCH_COOLDOWN (a
// Go duration) replace the defaults.
func BenchmarkReminderDelivery(b *testing.B) {
	if testing.Short() {
		b.Skip("e-mails 2,000 people a round")
	}
	for _, tg := range storetest.Targets(b) {
		b.Run(tg.Name, func(b *testing.B) {
			b.StopTimer()
			env := newDeliveryBench(b, tg)
			var mails, noops time.Duration
			for range b.N {
				noops += env.noopRound(b)
				mails += env.mailRound(b)
			}
			n := float64(b.N * deliveryBenchRecipients)
			emails, noop := n/mails.Seconds(), n/noops.Seconds()
			b.ReportMetric(emails, "emails/s")
			b.ReportMetric(noop, "noop-jobs/s")
			b.ReportMetric(emails/noop, "emails/noop")
			b.ReportMetric(float64(env.workers), "workers")
		})
	}
}

// deliveryBench is one database with 2,000 cisos, a loopback SMTP server,
// the job runner that e-mails them, and a River client for no-op jobs.
type deliveryBench struct {
	cfg     Config
	workers int
	db      *store.DB
	smtp    *mailtest.Server
	store   *sentCounter
	noop    *Client
	noops   atomic.Int64
	ctx     context.Context // the administrator
	admin   *domain.Person
	vendor  *domain.Vendor
}

// sentCounter counts the ledger rows marked sent, so that a round ends when
// its last row is recorded, without polling the database.
type sentCounter struct {
	Store
	sent atomic.Int64
}

// MarkRemindersSent implements domain.ReminderService, counting.
func (s *sentCounter) MarkRemindersSent(ctx context.Context, ids []string, messageID string) error {
	err := s.Store.MarkRemindersSent(ctx, ids, messageID)
	if err == nil {
		s.sent.Add(int64(len(ids)))
	}
	return err
}

// benchNoopArgs is a job that does nothing, in a queue of its own.
type benchNoopArgs struct{}

// Kind implements river.JobArgs.
func (benchNoopArgs) Kind() string { return "bench_noop" }

// benchNoopQueue is the no-op jobs' queue.
const benchNoopQueue = "bench_noop"

// benchNoopWorker counts its jobs and does nothing else.
type benchNoopWorker struct {
	river.WorkerDefaults[benchNoopArgs]
	done *atomic.Int64
}

// Work implements river.Worker.
func (w *benchNoopWorker) Work(context.Context, *river.Job[benchNoopArgs]) error {
	w.done.Add(1)
	return nil
}

func newDeliveryBench(b *testing.B, tg storetest.Target) *deliveryBench {
	b.Helper()
	ctx := context.Background()
	// A database of its own: -count runs the benchmark again in this process.
	if tg.Schema == "" {
		tg.URL = filepath.Join(b.TempDir(), "delivery.db")
	} else {
		tg.Schema = storetest.NewSchema(b, tg.URL)
	}
	var nworkers int
	if w := os.Getenv("VENDORWATCH_BENCH_WORKERS"); w != "" {
		var err error
		nworkers, err = strconv.Atoi(w)
		require.NoError(b, err)
	}
	// The pool sized for the workers, as serve sizes it.
	pool := storetest.Options{JobWorkers: cmp.Or(nworkers, DefaultWorkers(tg.Schema != ""))}
	env := &deliveryBench{db: storetest.Open(b, tg, pool), smtp: mailtest.Start(b)}
	first, err := env.db.SeedIfEmpty(ctx)
	require.NoError(b, err)
	env.admin = first.Person
	env.ctx = domain.WithActor(ctx, domain.Actor{PersonID: first.Person.ID, Role: domain.RoleAdmin, Name: first.Person.Name})
	for i := range deliveryBenchRecipients {
		_, err := env.db.CreatePerson(env.ctx, domain.PersonInput{Name: fmt.Sprintf("ciso %d", i), Email: fmt.Sprintf("ciso%d@example.lg.jp", i),
			DepartmentID: first.Person.DepartmentID, SecurityRoles: []domain.SecurityRole{domain.SecurityRoleCISO}})
		require.NoError(b, err)
	}
	env.vendor, err = env.db.CreateVendor(env.ctx, domain.VendorInput{Name: "株式会社ベンチ", OwnerID: first.Person.ID})
	require.NoError(b, err)

	mailer, err := ParseSMTPURL("smtp://" + env.smtp.Addr + "?tls=none")
	require.NoError(b, err)
	digest, err := NewDigest("vendorwatch@example.lg.jp", "https://vendorwatch.example")
	require.NoError(b, err)
	logger := slog.New(slog.DiscardHandler)
	env.store = &sentCounter{Store: env.db}
	env.cfg = Config{Postgres: env.db.Kind() == store.Postgres, DB: env.db.SQL(), ListenerPool: env.db.PgxPool(), Schema: env.db.Schema(),
		Store: env.store, Mailer: mailer, Digest: digest, MessageIDDomain: "example.lg.jp", Logger: logger, NoPeriodic: true,
		OnUrgentReminders: env.db.OnUrgentReminders}
	env.cfg.Workers = nworkers
	if c := os.Getenv("VENDORWATCH_BENCH_FETCH_COOLDOWN"); c != "" {
		env.cfg.FetchCooldown, err = time.ParseDuration(c)
		require.NoError(b, err)
	}
	runner, err := New(env.cfg)
	require.NoError(b, err)
	require.NoError(b, runner.Client.Start(ctx))
	b.Cleanup(func() {
		stop, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		_ = runner.Client.Stop(stop)
	})

	// The no-op client: the runner's workers and fetch pace, its own queue.
	fetch := fetchSettings(env.cfg)
	env.workers = fetch.Queues[river.QueueDefault].MaxWorkers
	workers := river.NewWorkers()
	river.AddWorker(workers, &benchNoopWorker{done: &env.noops})
	noop, err := river.NewClient(riverDriver(env.cfg), &river.Config{Logger: logger, Schema: env.cfg.Schema, Workers: workers,
		Queues:        map[string]river.QueueConfig{benchNoopQueue: fetch.Queues[river.QueueDefault]},
		FetchCooldown: fetch.FetchCooldown, FetchPollInterval: fetch.FetchPollInterval})
	require.NoError(b, err)
	env.noop = noop
	require.NoError(b, noop.Start(ctx))
	b.Cleanup(func() {
		stop, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		_ = noop.Stop(stop)
	})
	return env
}

// waitFor polls a counter in memory until it reaches want.
func waitFor(b *testing.B, what string, c *atomic.Int64, want int64) {
	b.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	for c.Load() < want {
		if time.Now().After(deadline) {
			b.Fatalf("timed out waiting for %s: %d of %d", what, c.Load(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// noopRound queues 2,000 no-op jobs and returns how long the client took
// to run them, from their commit.
func (env *deliveryBench) noopRound(b *testing.B) time.Duration {
	b.Helper()
	params := make([]river.InsertManyParams, deliveryBenchRecipients)
	for i := range params {
		params[i] = river.InsertManyParams{Args: benchNoopArgs{}, InsertOpts: &river.InsertOpts{Queue: benchNoopQueue}}
	}
	want := env.noops.Load() + deliveryBenchRecipients
	_, err := env.noop.InsertMany(context.Background(), params)
	require.NoError(b, err)
	start := time.Now()
	waitFor(b, "no-op jobs", &env.noops, want)
	return time.Since(start)
}

// mailRound records a high-severity incident, which queues a digest for
// each ciso, and returns how long it took, from the incident's commit,
// until every row was marked sent. Then it checks that each message arrived
// once and each row is sent, and waits for the digest jobs to end.
func (env *deliveryBench) mailRound(b *testing.B) time.Duration {
	b.Helper()
	before := len(env.smtp.Messages())
	want := env.store.sent.Load() + deliveryBenchRecipients

	inc, err := env.db.CreateIncident(env.ctx, domain.IncidentInput{Title: "不正アクセス", Description: "ベンチマーク",
		DetectedAt: time.Now().Add(-time.Minute), ReportedBy: domain.ReportedByStaff, ReporterID: env.admin.ID, Severity: "high",
		Records: []domain.IncidentRecord{{Type: domain.RecordVendor, ID: env.vendor.ID}}, OwnerID: env.admin.ID})
	require.NoError(b, err)
	start := time.Now()
	b.StartTimer()
	waitFor(b, "rows marked sent", &env.store.sent, want)
	b.StopTimer()
	elapsed := time.Since(start)

	msgs := env.smtp.Messages()[before:]
	require.Len(b, msgs, deliveryBenchRecipients, "one message per ciso, none doubled")
	copies := map[string]int{}
	to := map[string]int{}
	for _, m := range msgs {
		copies[m.MessageID]++
		to[m.To[0]]++
	}
	require.Len(b, copies, deliveryBenchRecipients, "each message has a Message-ID of its own")
	require.Len(b, to, deliveryBenchRecipients, "each ciso is e-mailed once")
	rows := 0
	p := domain.PageRequest{Limit: domain.MaxPageSize}
	for {
		page, err := env.db.ListReminders(env.ctx, domain.ReminderFilter{SubjectID: inc.Step(domain.StepReportedToCISO).ReminderSubjectID}, p)
		require.NoError(b, err)
		for _, r := range page.Items {
			rows++
			require.Equal(b, domain.ReminderSent, r.Status, "row %s", r.ID)
			require.Equal(b, 1, copies["<"+r.MessageID+">"], "row %s went out in one message that arrived once", r.ID)
		}
		if page.NextCursor == "" {
			break
		}
		p.Cursor = page.NextCursor
	}
	require.Equal(b, deliveryBenchRecipients, rows)

	// The jobs record their end after the last mark; the next round starts
	// with none left running.
	deadline := time.Now().Add(time.Minute)
	for {
		res, err := env.noop.JobList(context.Background(), river.NewJobListParams().Kinds(ReminderDigestArgs{}.Kind()).
			States(rivertype.JobStateAvailable, rivertype.JobStateRunning).First(1))
		require.NoError(b, err)
		if len(res.Jobs) == 0 {
			break
		}
		require.False(b, time.Now().After(deadline), "digest jobs still running a minute after their last mark")
		time.Sleep(10 * time.Millisecond)
	}
	return elapsed
}
