package jobs_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/jobs"
	"github.com/vendorwatch/vendorwatch/jobs/mailtest"
)

// clock is the injected clock the store and the jobs share.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// SetDay moves the clock to 09:00 in Tokyo on day d.
func (c *clock) SetDay(d domain.Date) { c.SetTime(d, "09:00") }

// SetTime moves the clock to hhmm ("23:50") in Tokyo on day d.
func (c *clock) SetTime(d domain.Date, hhmm string) {
	t, err := time.ParseInLocation("2006-01-02 15:04", d.String()+" "+hhmm, tokyo)
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var tokyo, _ = time.LoadLocation("Asia/Tokyo")

// fastRetry retries failed jobs after 100ms, so tests do not wait for
// River's exponential backoff.
type fastRetry struct{}

func (fastRetry) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(100 * time.Millisecond)
}

// harness is one database, one loopback SMTP server and one job runner.
type harness struct {
	t      *testing.T
	db     *store.DB
	target storetest.Target
	// proxy stands between the store and River and PostgreSQL when
	// harnessOptions.proxy is set; ledger then reads the database directly,
	// so that the test sees it while the proxy is cut.
	proxy  *storetest.Proxy
	ledger *store.DB
	smtp   *mailtest.Server
	clock  *clock
	ctx    context.Context // carries the administrator as actor
	admin  *domain.Person
	runner *jobs.Runner
	// approverCtx acts as a manager who approves the vendors others select.
	approverCtx context.Context
	opts        harnessOptions
	// logs collects what the runners log, at every level.
	logs *storetest.LogBuffer
}

// harnessOptions change how the harness's runners are built.
type harnessOptions struct {
	// wrapMailer and wrapStore, when set, stand between the worker and the
	// SMTP mailer or the store (a client that gives up early, a flaky
	// database).
	wrapMailer func(jobs.Mailer) jobs.Mailer
	wrapStore  func(jobs.Store) jobs.Store
	// retryPolicy replaces fastRetry; retryCap is jobs.Config.DigestRetryCap.
	retryPolicy river.ClientRetryPolicy
	retryCap    time.Duration
	// proxy opens the PostgreSQL database through a storetest.Proxy the
	// test can cut (h.proxy); ignored on SQLite.
	proxy bool
	// webhookDelays are the webhook retry delays (jobs' default when nil).
	webhookDelays []time.Duration
	// wrapWebhooks, when set, stands between the store and the hook that
	// queues webhook deliveries.
	wrapWebhooks func(domain.EnqueueWebhookDeliveries) domain.EnqueueWebhookDeliveries
}

func newHarness(t *testing.T, tg storetest.Target, start domain.Date) *harness {
	return newHarnessWith(t, tg, start, harnessOptions{})
}

// newHarnessWith is newHarness with options for the runners.
func newHarnessWith(t *testing.T, tg storetest.Target, start domain.Date, opts harnessOptions) *harness {
	t.Helper()
	h := &harness{t: t, target: tg, clock: &clock{}, smtp: mailtest.Start(t), opts: opts, logs: &storetest.LogBuffer{}}
	h.clock.SetDay(start)
	h.db = storetest.Open(t, tg, storetest.Options{Now: h.clock.Now})
	h.ledger = h.db
	if opts.proxy && tg.Name == "postgres" {
		h.proxy = storetest.NewProxy(t, tg.URL)
		h.db = storetest.Open(t, storetest.Target{Name: tg.Name, URL: h.proxy.URL(tg.URL), Schema: tg.Schema},
			storetest.Options{Now: h.clock.Now, NoMigrate: true})
	}
	first, err := h.db.SeedIfEmpty(context.Background())
	require.NoError(t, err)
	h.admin = first.Person
	h.ctx = domain.WithActor(context.Background(), domain.Actor{PersonID: first.Person.ID, Role: domain.RoleAdmin, Name: first.Person.Name})
	h.runner = h.newRunner()
	h.start(h.runner)
	return h
}

// newRunner builds another job runner on the same database, as a second
// process (or a restarted one) would.
func (h *harness) newRunner() *jobs.Runner {
	h.t.Helper()
	return h.newRunnerWith(h.smtpMailer(jobs.DefaultSMTPTimeouts), jobs.Config{})
}

// smtpMailer sends to the test's SMTP server with the given timeouts.
func (h *harness) smtpMailer(t jobs.SMTPTimeouts) *jobs.SMTPMailer {
	h.t.Helper()
	mailer, err := jobs.ParseSMTPURL("smtp://" + h.smtp.Addr + "?tls=none")
	require.NoError(h.t, err)
	mailer.Timeouts = t
	return mailer
}

// newRunnerWith builds a job runner that sends with mailer (wrapped as the
// harness's options say), taking the job timeouts from extra.
func (h *harness) newRunnerWith(smtpMailer jobs.Mailer, extra jobs.Config) *jobs.Runner {
	h.t.Helper()
	mailer := smtpMailer
	if h.opts.wrapMailer != nil {
		mailer = h.opts.wrapMailer(mailer)
	}
	var st jobs.Store = h.db
	if h.opts.wrapStore != nil {
		st = h.opts.wrapStore(st)
	}
	var retry river.ClientRetryPolicy = fastRetry{}
	if h.opts.retryPolicy != nil {
		retry = h.opts.retryPolicy
	}
	digest, err := jobs.NewDigest("vendorwatch@example.lg.jp", "https://vendorwatch.example")
	require.NoError(h.t, err)
	r, err := jobs.New(jobs.Config{
		Postgres: h.db.Kind() == store.Postgres, DB: h.db.SQL(), ListenerPool: h.db.PgxPool(), Schema: h.db.Schema(),
		Store: st, Mailer: mailer, Digest: digest, MessageIDDomain: "example.lg.jp", Now: h.clock.Now, Location: tokyo,
		NoPeriodic: true, FetchPollInterval: 20 * time.Millisecond, RetryPolicy: retry, DigestRetryCap: h.opts.retryCap,
		OnEmailChange: h.db.OnEmailChange, OnUrgentReminders: h.db.OnUrgentReminders,
		Webhooks: h.db, OnWebhookDeliveries: h.onWebhookDeliveries, WebhookRetryDelays: h.opts.webhookDelays,
		Imports: h.db, OnImportPlan: h.db.OnImportPlan,
		Logger:     slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		JobTimeout: extra.JobTimeout, RescueStuckJobsAfter: extra.RescueStuckJobsAfter,
		OnAuditVerified: extra.OnAuditVerified,
	})
	require.NoError(h.t, err)
	return r
}

// onWebhookDeliveries hands the runner's delivery hook to the store,
// wrapped as the options say.
func (h *harness) onWebhookDeliveries(f domain.EnqueueWebhookDeliveries) {
	if h.opts.wrapWebhooks != nil {
		f = h.opts.wrapWebhooks(f)
	}
	h.db.OnWebhookDeliveries(f)
}

func (h *harness) start(r *jobs.Runner) {
	h.t.Helper()
	require.NoError(h.t, r.Client.Start(context.Background()))
	h.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Client.Stop(ctx)
	})
}

// scan runs one due-scan for the clock's day.
func (h *harness) scan() domain.ScanReport {
	h.t.Helper()
	rep, err := h.runner.RunDueScan(context.Background())
	require.NoError(h.t, err)
	return rep
}

// reminders returns the whole ledger, optionally filtered.
func (h *harness) reminders(f domain.ReminderFilter) []*domain.Reminder {
	h.t.Helper()
	var out []*domain.Reminder
	p := domain.PageRequest{Limit: domain.MaxPageSize}
	for {
		page, err := h.ledger.ListReminders(context.Background(), f, p)
		require.NoError(h.t, err)
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		p.Cursor = page.NextCursor
	}
}

// unsent counts the ledger rows still to be sent, queued or sending, read
// at one instant (a row moves between the two while an attempt runs).
func (h *harness) unsent() int {
	h.t.Helper()
	n := 0
	for _, r := range h.reminders(domain.ReminderFilter{}) {
		if r.Status == domain.ReminderQueued || r.Status == domain.ReminderSending {
			n++
		}
	}
	return n
}

// waitUntil polls cond until it holds, failing after the deadline.
func (h *harness) waitUntil(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitSettled waits until no ledger row is queued or sending any more.
func (h *harness) waitSettled() {
	h.t.Helper()
	h.waitUntil("every queued reminder is sent", func() bool {
		return len(h.reminders(domain.ReminderFilter{Status: domain.ReminderQueued})) == 0 &&
			len(h.reminders(domain.ReminderFilter{Status: domain.ReminderSending})) == 0
	})
}

// person creates a person.
func (h *harness) person(name string, roles []domain.SecurityRole, supervisor *domain.Person, locale domain.Locale) *domain.Person {
	h.t.Helper()
	in := domain.PersonInput{Name: name, Email: fmt.Sprintf("%s@example.lg.jp", name), DepartmentID: h.admin.DepartmentID,
		SecurityRoles: roles, Locale: locale}
	if supervisor != nil {
		in.SupervisorID = &supervisor.ID
	}
	p, err := h.db.CreatePerson(h.ctx, in)
	require.NoError(h.t, err)
	return p
}

// approvedVendor registers and approves a vendor owned by owner.
func (h *harness) approvedVendor(name string, owner *domain.Person, certs ...domain.Certification) *domain.Vendor {
	h.t.Helper()
	v, err := h.db.CreateVendor(h.ctx, domain.VendorInput{Name: name, OwnerID: owner.ID, Certifications: certs})
	require.NoError(h.t, err)
	criteria, err := h.db.ListCatalogueItems(h.ctx, domain.CatalogueSelectionCriteria, false)
	require.NoError(h.t, err)
	rec := domain.SelectionRecord{SelectedBy: owner.ID, SelectedOn: domain.DateOf(h.clock.Now(), tokyo)}
	for _, c := range criteria {
		rec.Results = append(rec.Results, domain.SelectionResult{Criterion: c.Code, Result: domain.SelectionMet})
	}
	_, err = h.db.RecordSelection(h.ctx, v.ID, nil, rec)
	require.NoError(h.t, err)
	v, err = h.db.ChangeVendorStatus(h.approver(), v.ID, nil, domain.VendorApproved, "")
	require.NoError(h.t, err)
	return v
}

// approver returns a context acting as a person with the manager security
// role, created on first use: the second person a vendor approval needs.
func (h *harness) approver() context.Context {
	h.t.Helper()
	if h.approverCtx == nil {
		p := h.person("approver", []domain.SecurityRole{domain.SecurityRoleManager}, nil, domain.LocaleJa)
		h.approverCtx = domain.WithActor(context.Background(), domain.Actor{PersonID: p.ID, Role: domain.RoleEditor, Name: p.Name})
	}
	return h.approverCtx
}

// activeContract creates a contract with every clause included and activates it.
func (h *harness) activeContract(v *domain.Vendor, title string, owner *domain.Person, start, end domain.Date, notice int) *domain.Contract {
	h.t.Helper()
	c, err := h.db.CreateContract(h.ctx, domain.ContractInput{VendorID: v.ID, Title: title, StartDate: start, EndDate: end,
		NoticePeriodDays: notice, OwnerID: owner.ID,
		InformationAssets: []domain.InformationAsset{{Name: "業務情報", Classification: domain.Classification{Confidentiality: "1", Integrity: 1, Availability: 1}}}})
	require.NoError(h.t, err)
	clauses, err := h.db.ListCatalogueItems(h.ctx, domain.CatalogueClauses, false)
	require.NoError(h.t, err)
	for _, cl := range clauses {
		_, err := h.db.SetContractClause(h.ctx, c.ID, cl.Code, domain.ClauseCoverageInput{Status: domain.ClauseIncluded, ArticleRef: "第1条"})
		require.NoError(h.t, err)
	}
	c, err = h.db.ActivateContract(h.ctx, c.ID, nil)
	require.NoError(h.t, err)
	return c
}

func day(s string) domain.Date {
	d, err := domain.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}
