package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/vendorwatch/vendorwatch/domain"
)

// metrics are the jobs' Prometheus metrics. They always exist, so the code
// that counts needs no checks; only Config.Metrics makes them visible.
type metrics struct {
	jobs         *prometheus.CounterVec
	jobDuration  *prometheus.HistogramVec
	queueLag     *prometheus.HistogramVec
	scanDuration prometheus.Histogram
	scanItems    *prometheus.CounterVec
	mail         *prometheus.CounterVec
	webhooks     *prometheus.CounterVec
}

// Outcomes of a job's attempt, as counted by vendorwatch_jobs_total.
const (
	jobCompleted = "completed"
	// jobRetried: it failed and River runs it again.
	jobRetried = "retried"
	// jobDiscarded: it failed its last attempt.
	jobDiscarded = "discarded"
	jobCancelled = "cancelled"
	jobSnoozed   = "snoozed"
)

// Results of a send, as counted by vendorwatch_mail_sends_total.
const (
	mailSent             = "sent"
	mailTemporaryFailure = "temporary_failure"
	mailPermanentFailure = "permanent_failure"
)

// Results of a webhook delivery attempt, as counted by
// vendorwatch_webhook_deliveries_total.
const (
	webhookDelivered = "delivered"
	webhookRetry     = "retry"
	webhookFailed    = "failed"
	webhookInactive  = "inactive"
)

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vendorwatch_jobs_total",
			Help: "Job attempts worked by this process, by kind and outcome (completed, retried, discarded, cancelled, snoozed).",
		}, []string{"kind", "state"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vendorwatch_job_duration_seconds",
			Help:    "Time a job's attempt took, by kind.",
			Buckets: []float64{.01, .05, .1, .5, 1, 5, 10, 30, 60, 300, 1800},
		}, []string{"kind"}),
		queueLag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vendorwatch_job_queue_lag_seconds",
			Help:    "Time from when a job was scheduled to run to when its attempt started, by kind.",
			Buckets: []float64{.01, .05, .1, .5, 1, 5, 10, 30, 60, 300, 900, 3600},
		}, []string{"kind"}),
		scanDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "vendorwatch_due_scan_duration_seconds",
			Help:    "Time a due-scan took, scheduled or run on demand.",
			Buckets: []float64{.01, .05, .1, .5, 1, 5, 10, 30, 60, 300, 1800},
		}),
		scanItems: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vendorwatch_due_scan_items_total",
			Help: "What due-scans found and did: reminders_queued, digests, confirmations_scheduled, contracts_expired, contracts_renewed, risk_acceptances_expired.",
		}, []string{"kind"}),
		mail: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vendorwatch_mail_sends_total",
			Help: "E-mails handed to the mail server (or outbox folder), by result: sent, temporary_failure, permanent_failure.",
		}, []string{"result"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vendorwatch_webhook_deliveries_total",
			Help: "Webhook delivery attempts, by result: delivered, retry, failed (given up), inactive (subscription off).",
		}, []string{"result"}),
	}
	// Every result is present from the start, so that a rate over it is
	// defined before the first failure.
	for _, r := range []string{mailSent, mailTemporaryFailure, mailPermanentFailure} {
		m.mail.WithLabelValues(r)
	}
	for _, r := range []string{webhookDelivered, webhookRetry, webhookFailed, webhookInactive} {
		m.webhooks.WithLabelValues(r)
	}
	for _, k := range []string{"reminders_queued", "digests", "confirmations_scheduled", "contracts_expired",
		"contracts_renewed", "risk_acceptances_expired"} {
		m.scanItems.WithLabelValues(k)
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.jobs, m.jobDuration, m.queueLag, m.scanDuration, m.scanItems, m.mail, m.webhooks} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// countScan records one due-scan.
func (m *metrics) countScan(took time.Duration, rep domain.ScanReport) {
	m.scanDuration.Observe(took.Seconds())
	m.scanItems.WithLabelValues("reminders_queued").Add(float64(rep.RemindersQueued))
	m.scanItems.WithLabelValues("digests").Add(float64(rep.Digests))
	m.scanItems.WithLabelValues("confirmations_scheduled").Add(float64(rep.ConfirmationsScheduled))
	m.scanItems.WithLabelValues("contracts_expired").Add(float64(rep.ContractsExpired))
	m.scanItems.WithLabelValues("contracts_renewed").Add(float64(rep.ContractsRenewed))
	m.scanItems.WithLabelValues("risk_acceptances_expired").Add(float64(rep.RiskAcceptancesExpired))
}

// countWebhook records one webhook delivery attempt.
func (m *metrics) countWebhook(result string) {
	if m != nil {
		m.webhooks.WithLabelValues(result).Inc()
	}
}

// jobMetricsMiddleware counts every job attempt by kind and outcome, and
// measures its queue lag and duration (River worker middleware).
type jobMetricsMiddleware struct {
	river.MiddlewareDefaults
	m *metrics
}

// Work implements rivertype.WorkerMiddleware.
func (mw *jobMetricsMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) (err error) {
	start := time.Now()
	mw.m.queueLag.WithLabelValues(job.Kind).Observe(max(start.Sub(job.ScheduledAt), 0).Seconds())
	panicked := true
	defer func() {
		mw.m.jobDuration.WithLabelValues(job.Kind).Observe(time.Since(start).Seconds())
		state := jobOutcome(job, err)
		if panicked {
			state = jobOutcome(job, errors.New("panic"))
		}
		mw.m.jobs.WithLabelValues(job.Kind, state).Inc()
	}()
	err = doInner(ctx)
	panicked = false
	return err
}

// jobOutcome is what River makes of an attempt that returned err.
func jobOutcome(job *rivertype.JobRow, err error) string {
	var cancel *rivertype.JobCancelError
	var snooze *rivertype.JobSnoozeError
	switch {
	case err == nil:
		return jobCompleted
	case errors.As(err, &cancel):
		return jobCancelled
	case errors.As(err, &snooze):
		return jobSnoozed
	case job.Attempt >= job.MaxAttempts:
		return jobDiscarded
	}
	return jobRetried
}

// countingMailer counts every send by result.
type countingMailer struct {
	Mailer
	m *metrics
}

// Send implements Mailer.
func (c *countingMailer) Send(ctx context.Context, msg Message) error {
	err := c.Mailer.Send(ctx, msg)
	var perm *PermanentError
	switch {
	case err == nil:
		c.m.mail.WithLabelValues(mailSent).Inc()
	case errors.As(err, &perm):
		c.m.mail.WithLabelValues(mailPermanentFailure).Inc()
	default:
		c.m.mail.WithLabelValues(mailTemporaryFailure).Inc()
	}
	return err
}

// MaxSendDuration is the wrapped mailer's, zero when it has none.
func (c *countingMailer) MaxSendDuration() time.Duration {
	if b, ok := c.Mailer.(boundedMailer); ok {
		return b.MaxSendDuration()
	}
	return 0
}
