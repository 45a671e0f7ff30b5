package jobs_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/jobs"
	"github.com/vendorwatch/vendorwatch/jobs/mailtest"
)

// shortTimeouts wait 2 s at every step but the final ".", which gets dataEnd:
// a send that used any other step's timeout for that answer would fail.
func shortTimeouts(dataEnd time.Duration) jobs.SMTPTimeouts {
	return jobs.SMTPTimeouts{Connect: 2 * time.Second, Mail: 2 * time.Second, Rcpt: 2 * time.Second,
		DataInit: 2 * time.Second, DataBlock: 2 * time.Second, DataEnd: dataEnd}
}

// digestJobs lists the reminder_digest jobs.
func digestJobs(h *harness) []*rivertype.JobRow {
	h.t.Helper()
	res, err := h.runner.Client.JobList(context.Background(), river.NewJobListParams().Kinds("reminder_digest"))
	require.NoError(h.t, err)
	return res.Jobs
}

func TestASlowAnswerToTheFinalDotIsWaitedFor(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarness(t, tg, day("2027-03-01"))
			require.NoError(t, h.runner.Client.Stop(context.Background()))
			h.runner = h.newRunnerWith(h.smtpMailer(shortTimeouts(10*time.Second)), jobs.Config{})
			h.start(h.runner)
			dueSoon(h, "sato")
			h.smtp.DelayEveryDataReply(3 * time.Second)

			require.Equal(t, 1, h.scan().Digests)
			h.waitSettled()
			msgs := h.smtp.Messages()
			require.Len(t, msgs, 1, "one copy: %v", summary(msgs))
			sentOnce(h, msgs)
			h.waitUntil("the digest job is completed", func() bool {
				js := digestJobs(h)
				return len(js) == 1 && js[0].State == rivertype.JobStateCompleted
			})
			job := digestJobs(h)[0]
			require.Equal(t, 1, job.Attempt, "no retry")
			require.Empty(t, job.Errors)
		})
	}
}

func TestTheDataTimeoutBoundsTheWaitForTheFinalDot(t *testing.T) {
	smtp := mailtest.Start(t)
	smtp.DelayEveryDataReply(3 * time.Second)
	m, err := jobs.ParseSMTPURL("smtp://" + smtp.Addr + "?tls=none")
	require.NoError(t, err)
	require.Equal(t, jobs.DefaultSMTPTimeouts, m.Timeouts, "RFC 5321's timeouts unless told otherwise")
	m.Timeouts = shortTimeouts(time.Second)
	err = m.Send(context.Background(), jobs.Message{From: "a@example.lg.jp", To: "b@example.lg.jp", Subject: "s",
		Text: "t", HTML: "<p>t</p>", MessageID: "x@example.lg.jp"})
	require.Error(t, err)
	var perm *jobs.PermanentError
	require.False(t, errors.As(err, &perm), "a timeout is temporary: %v", err)
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "a timeout: %v", err)
	require.Contains(t, err.Error(), `the final "."`)
}

func TestTheJobTimeoutIsLongerThanTheSMTPTimeouts(t *testing.T) {
	require.Equal(t, 30*time.Minute+10*time.Second, jobs.DefaultSMTPTimeouts.Total(),
		"5 (connect) + 5 (MAIL) + 5 (RCPT) + 2 (DATA) + 3 (message) + 10 (final .) minutes, and QUIT")
	tg := storetest.Targets(t)[0]
	h := newHarness(t, tg, day("2027-03-01"))
	r := h.runner
	require.Greater(t, r.JobTimeout, jobs.DefaultSMTPTimeouts.Total())
	require.Less(t, r.JobTimeout, jobs.DefaultSMTPTimeouts.Total()+5*time.Minute, "a little above the sum")
	require.Greater(t, r.RescueStuckJobsAfter, r.JobTimeout)
	require.Less(t, r.RescueStuckJobsAfter, r.JobTimeout+5*time.Minute, "a dead worker's job is run again soon after")

	// A longer data timeout makes the job timeout longer too.
	slow := h.smtpMailer(jobs.SMTPTimeouts{DataEnd: time.Hour})
	r = h.newRunnerWith(slow, jobs.Config{})
	require.Greater(t, r.JobTimeout, slow.MaxSendDuration())
	require.Greater(t, r.RescueStuckJobsAfter, r.JobTimeout)

	// Configured ones are taken, but never shorter than a send, nor a rescue before the timeout.
	r = h.newRunnerWith(h.smtpMailer(shortTimeouts(time.Second)), jobs.Config{JobTimeout: time.Minute, RescueStuckJobsAfter: 2 * time.Minute})
	require.Equal(t, time.Minute, r.JobTimeout)
	require.Equal(t, 2*time.Minute, r.RescueStuckJobsAfter)
	for _, cfg := range []jobs.Config{{JobTimeout: 10 * time.Minute}, {JobTimeout: 40 * time.Minute, RescueStuckJobsAfter: 40 * time.Minute}} {
		_, err := jobs.New(jobs.Config{Store: h.db, Mailer: h.smtpMailer(jobs.DefaultSMTPTimeouts), Digest: &jobs.Digest{},
			DB: h.db.SQL(), Postgres: tg.Name == "postgres", JobTimeout: cfg.JobTimeout, RescueStuckJobsAfter: cfg.RescueStuckJobsAfter})
		require.Error(t, err, "%+v", cfg)
	}
}

func TestStopWaitsForTheSendInFlightThenCancelsAtTheDeadline(t *testing.T) {
	tg := storetest.Targets(t)[0]
	h := newHarness(t, tg, day("2027-03-01"))
	dueSoon(h, "ito")

	// A soft stop lets the send in flight finish and be marked.
	h.smtp.DelayEveryDataReply(time.Second)
	require.Equal(t, 1, h.scan().Digests)
	h.waitUntil("the message waits for its answer", func() bool { return h.smtp.Replying() == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, h.runner.Stop(ctx))
	require.Len(t, h.reminders(domain.ReminderFilter{Status: domain.ReminderSent}), 1, "sent and marked before Stop returned")
	require.Len(t, h.smtp.Messages(), 1)

	// At the deadline, a send still in flight (here before its DATA) is cancelled.
	h.smtp.DelayEveryDataReply(0)
	h.smtp.Hold()
	h.runner = h.newRunner()
	h.start(h.runner)
	dueSoon(h, "kato")
	require.Equal(t, 1, h.scan().Digests)
	h.waitUntil("the send is held", func() bool { return h.smtp.Holding() == 1 })
	short, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	require.ErrorContains(t, h.runner.Stop(short), "cancelled at the shutdown deadline")
	// Claimed before the send began, the row stays sending: the ledger
	// cannot tell how far the cancelled attempt got.
	left := h.unsent()
	require.Equal(t, 1, left, "left for the next start")
	h.smtp.Release()

	// The next start sends what was left, once.
	h.runner = h.newRunner()
	h.start(h.runner)
	h.waitSettled()
	msgs := h.smtp.Messages()
	require.Len(t, msgs, 2, "messages: %v", summary(msgs))
	sentOnce(h, msgs)
}

// later moves the shared clock on by d.
func (c *clock) later(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// startUp starts r as serve does, with its start-up due-scan.
func (h *harness) startUp(r *jobs.Runner) {
	h.t.Helper()
	require.NoError(h.t, r.Start(context.Background()))
	h.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
	})
}

// dueScansCompleted counts the due-scan jobs that have run.
func dueScansCompleted(h *harness) int {
	h.t.Helper()
	res, err := h.runner.Client.JobList(context.Background(), river.NewJobListParams().Kinds("due_scan").States(rivertype.JobStateCompleted))
	require.NoError(h.t, err)
	return len(res.Jobs)
}

func TestQueuedRowsWhoseJobIsGoneAreSentOnceAfterTheNextStart(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarness(t, tg, day("2027-03-01"))
			owners := dueSoon(h, "sato", "suzuki")
			// A crashed enqueue: the ledger rows are written, their jobs are not.
			rep, err := h.db.ScanDue(context.Background(), domain.DateOf(h.clock.Now(), tokyo), nil)
			require.NoError(t, err)
			require.Equal(t, 2, rep.Digests)
			require.NoError(t, h.runner.Client.Stop(context.Background()))

			// Rows younger than a minute may have a job not yet visible: left alone.
			n, err := h.runner.CatchUp(context.Background())
			require.NoError(t, err)
			require.Zero(t, n)
			require.Empty(t, digestJobs(h))

			// A start two minutes later queues one digest per recipient.
			h.clock.later(2 * time.Minute)
			h.runner = h.newRunner()
			h.startUp(h.runner)
			h.waitSettled()
			msgs := h.smtp.Messages()
			require.Len(t, msgs, 2, "messages: %v", summary(msgs))
			sentOnce(h, msgs)
			require.ElementsMatch(t, []string{owners[0].Email, owners[1].Email}, []string{msgs[0].To[0], msgs[1].To[0]})
			h.waitUntil("the start-up scan is done", func() bool { return dueScansCompleted(h) == 1 })

			// Idempotent: another replica's start, and another run, queue nothing.
			other := h.newRunner()
			h.startUp(other)
			h.waitUntil("the other start-up scan is done", func() bool { return dueScansCompleted(h) == 2 })
			n, err = h.runner.CatchUp(context.Background())
			require.NoError(t, err)
			require.Zero(t, n)
			require.Len(t, digestJobs(h), 2)
			require.Len(t, h.smtp.Messages(), 2)
		})
	}
}

func TestTheCatchUpLeavesRowsWhoseJobIsAlive(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarness(t, tg, day("2027-03-01"))
			dueSoon(h, "ito")
			h.smtp.Hold()
			require.Equal(t, 1, h.scan().Digests)
			h.waitUntil("the send is held", func() bool { return h.smtp.Holding() == 1 })

			// Its job is running: the row is not queued again, however old.
			h.clock.later(10 * time.Minute)
			n, err := h.runner.CatchUp(context.Background())
			require.NoError(t, err)
			require.Zero(t, n)
			require.Len(t, digestJobs(h), 1)

			h.smtp.Release()
			h.waitSettled()
			sentOnce(h, h.smtp.Messages())
			require.Len(t, h.smtp.Messages(), 1)
		})
	}
}

func TestACancelledDigestJobIsQueuedAgain(t *testing.T) {
	tg := storetest.Targets(t)[0]
	h := newHarness(t, tg, day("2027-03-01"))
	dueSoon(h, "kato")
	h.smtp.Down()
	require.Equal(t, 1, h.scan().Digests)
	job := digestJobs(h)[0]
	// An operator cancels the job in River's UI while SMTP is down.
	_, err := h.runner.Client.JobCancel(context.Background(), job.ID)
	require.NoError(t, err)
	h.waitUntil("the job is cancelled", func() bool { return digestJobs(h)[0].State == rivertype.JobStateCancelled })
	h.smtp.Up()

	h.clock.later(2 * time.Minute)
	n, err := h.runner.CatchUp(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	h.waitSettled()
	sentOnce(h, h.smtp.Messages())
	require.Len(t, h.smtp.Messages(), 1)
}
