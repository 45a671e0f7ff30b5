package jobs_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/jobs"
)

// impatientMailer is an SMTP client that gives up after d, whatever the
// server is doing: shorter than the server's delay, it times out after the
// whole message, final "." included, has been written.
type impatientMailer struct {
	jobs.Mailer
	d time.Duration
}

func (m impatientMailer) Send(ctx context.Context, msg jobs.Message) error {
	ctx, cancel := context.WithTimeout(ctx, m.d)
	defer cancel()
	return m.Mailer.Send(ctx, msg)
}

// flakyMarkStore fails its first failures marks as sent, as a database that
// is briefly unreachable would.
type flakyMarkStore struct {
	jobs.Store
	mu       sync.Mutex
	failures int
	calls    int
}

func (s *flakyMarkStore) MarkRemindersSent(ctx context.Context, ids []string, messageID string) error {
	s.mu.Lock()
	s.calls++
	fail := s.calls <= s.failures
	s.mu.Unlock()
	if fail {
		return errors.New("store: mark reminders sent: connection refused")
	}
	return s.Store.MarkRemindersSent(ctx, ids, messageID)
}

// oneMessageID checks that every copy that arrived carries the Message-ID
// the ledger rows record, and returns how many copies arrived.
func oneMessageID(h *harness, row *domain.Reminder) int {
	h.t.Helper()
	copies := h.smtp.Copies()
	require.Len(h.t, copies, 1, "one Message-ID: %v", summary(h.smtp.Messages()))
	n, ok := copies["<"+row.MessageID+">"]
	require.True(h.t, ok, "the copies carry the ledger's Message-ID %s: %v", row.MessageID, copies)
	return n
}

func TestASlowAnswerToTheFinalDotIsResentWithTheSameMessageID(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			// The server answers the final "." of the first message 3 s late;
			// the client has given up after 500 ms, with the whole message
			// written. The server had kept it, so it arrives; the next
			// attempt cannot know that and sends it again, under the same
			// Message-ID, flagged in the ledger.
			h := newHarnessWith(t, tg, day("2027-03-01"), harnessOptions{
				wrapMailer: func(m jobs.Mailer) jobs.Mailer { return impatientMailer{m, 500 * time.Millisecond} }})
			dueSoon(h, "sato")
			h.smtp.DelayDataReply(3*time.Second, 1)
			require.Equal(t, 1, h.scan().Digests)
			h.waitSettled()
			rows := h.reminders(domain.ReminderFilter{})
			require.Len(t, rows, 1)
			r := rows[0]
			require.Equal(t, domain.ReminderSent, r.Status)
			require.Equal(t, 2, r.Attempts)
			require.True(t, r.PossibleDuplicate, "the first attempt's outcome was unknown")
			require.Contains(t, r.Error, "context deadline exceeded", "the ledger keeps why the first attempt failed")
			require.Equal(t, 2, oneMessageID(h, r), "two copies of one message")
		})
	}
}

func TestAnAnswerThatComesInTimeSendsOneCopy(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			// The same slow server, and a client that waits as SMTP says.
			h := newHarnessWith(t, tg, day("2027-03-01"), harnessOptions{
				wrapMailer: func(m jobs.Mailer) jobs.Mailer { return impatientMailer{m, 5 * time.Second} }})
			dueSoon(h, "suzuki")
			h.smtp.DelayDataReply(500*time.Millisecond, 1)
			h.scan()
			h.waitSettled()
			r := h.reminders(domain.ReminderFilter{})[0]
			require.Equal(t, domain.ReminderSent, r.Status)
			require.Equal(t, 1, r.Attempts)
			require.False(t, r.PossibleDuplicate)
			require.Equal(t, 1, oneMessageID(h, r))
		})
	}
}

func TestAConnectionDroppedAfterTheMessageIsResentWithTheSameMessageID(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarness(t, tg, day("2027-03-01"))
			dueSoon(h, "takahashi")
			h.smtp.DropAfterData(1)
			h.scan()
			h.waitSettled()
			r := h.reminders(domain.ReminderFilter{})[0]
			require.Equal(t, domain.ReminderSent, r.Status)
			require.Equal(t, 2, r.Attempts)
			require.True(t, r.PossibleDuplicate)
			require.Equal(t, 2, oneMessageID(h, r))
		})
	}
}

func TestAMarkThatFailsIsRetriedNotTheMessage(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			flaky := &flakyMarkStore{failures: 3}
			h := newHarnessWith(t, tg, day("2027-03-01"), harnessOptions{
				wrapStore: func(s jobs.Store) jobs.Store { flaky.Store = s; return flaky }})
			dueSoon(h, "watanabe")
			h.scan()
			h.waitSettled()
			r := h.reminders(domain.ReminderFilter{})[0]
			require.Equal(t, domain.ReminderSent, r.Status)
			require.Equal(t, 1, r.Attempts, "the message was handed over once")
			require.False(t, r.PossibleDuplicate)
			require.Equal(t, 1, oneMessageID(h, r))
			require.Equal(t, 4, flaky.calls, "the mark was tried until it held")
			require.Contains(t, h.logs.String(), "reminder ledger mark failed; retrying")
		})
	}
}

func TestARowSendingFromAnEarlierAttemptIsNeverSentOnceSent(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarness(t, tg, day("2027-03-01"))
			dueSoon(h, "ito")
			h.smtp.Down()
			h.scan()
			// A retry in flight holds the row sending for a moment, so the
			// row is read back to queued at one instant.
			h.waitUntil("an attempt has failed and the row is back to queued", func() bool {
				rows := h.reminders(domain.ReminderFilter{})
				return rows[0].Attempts >= 1 && rows[0].Error != "" && rows[0].Status == domain.ReminderQueued
			})
			r := h.reminders(domain.ReminderFilter{})[0]
			require.Equal(t, domain.ReminderQueued, r.Status, "a refused connection delivered nothing: back to queued")
			require.False(t, r.PossibleDuplicate)
			h.smtp.Up()
			h.waitSettled()
			r = h.reminders(domain.ReminderFilter{})[0]
			require.Equal(t, domain.ReminderSent, r.Status)
			require.Equal(t, 1, oneMessageID(h, r))

			// The job runs once more, as after a crash between the 250 and
			// River's record of the job: the row is sent, nothing goes out.
			_, err := h.runner.Client.Insert(context.Background(), jobs.ReminderDigestArgs{RecipientID: r.RecipientID, ReminderIDs: []string{r.ID}}, nil)
			require.NoError(t, err)
			h.waitUntil("the extra job has finished", func() bool {
				res, err := h.runner.Client.JobList(context.Background(), river.NewJobListParams().Kinds("reminder_digest").States(rivertype.JobStateCompleted))
				require.NoError(t, err)
				return len(res.Jobs) == 2
			})
			require.Equal(t, 1, oneMessageID(h, r))
			require.Equal(t, r.Attempts, h.reminders(domain.ReminderFilter{})[0].Attempts)
		})
	}
}

func TestADigestSentOnALaterDayCancelsSupersededStages(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			// 2027-03-01: sato's confirmation is due 03-05 (03-06 is a
			// Saturday; before_7 reached 02-26), kato's 03-19 (likewise;
			// before_30 reached 02-17). SMTP is down until 03-04, when sato's
			// before_1 is reached and kato is still at before_30.
			h := newHarness(t, tg, day("2027-03-01"))
			sato := dueSoon(h, "sato")[0]
			kato := h.person("kato", nil, nil, domain.LocaleJa)
			v := h.approvedVendor("株式会社kato", kato)
			h.activeContract(v, "katoの保守契約", kato, day("2027-03-20").AddMonths(-24), domain.Date{}, 0)
			h.smtp.Down()
			require.Equal(t, 2, h.scan().Digests)
			h.waitUntil("both digests have failed", func() bool {
				for _, r := range h.reminders(domain.ReminderFilter{}) {
					if r.Attempts == 0 {
						return false
					}
				}
				return true
			})

			h.clock.SetDay(day("2027-03-04"))
			h.waitUntil("sato's before_7 is cancelled as superseded", func() bool {
				return len(h.reminders(domain.ReminderFilter{Status: domain.ReminderCancelled})) == 1
			})
			stale := h.reminders(domain.ReminderFilter{Status: domain.ReminderCancelled})[0]
			require.Equal(t, sato.ID, stale.RecipientID)
			require.Equal(t, "before_7", stale.Stage)
			require.Equal(t, domain.CancelSuperseded, stale.CancelReason)
			rep := h.scan()
			require.Equal(t, 1, rep.RemindersQueued, "the scan of 03-04 queues sato's before_1")

			h.smtp.Up()
			h.waitSettled()
			msgs := h.smtp.Messages()
			require.Len(t, msgs, 2, "messages: %v", summary(msgs))
			byTo := map[string]string{}
			for _, m := range msgs {
				byTo[m.To[0]] = m.Text
			}
			require.Contains(t, byTo[sato.Email], "あと1日", "only today's stage, worded for today")
			require.NotContains(t, byTo[sato.Email], "あと4日")
			require.Contains(t, byTo[kato.Email], "あと15日", "a stage not overtaken is sent, worded with the days left on the day of sending")
			for _, r := range h.reminders(domain.ReminderFilter{}) {
				if r.ID == stale.ID {
					require.Equal(t, domain.ReminderCancelled, r.Status)
					continue
				}
				require.Equal(t, domain.ReminderSent, r.Status, "row %s %s", r.Stage, r.RecipientID)
			}
		})
	}
}

// hourRetry retries failed jobs an hour later, as a long exponential
// backoff would after a long outage.
type hourRetry struct{}

func (hourRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(time.Hour) }

func TestSMTPTroubleIsVisibleAndMailResumesWithinTheRetryCap(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			const retryCap = 300 * time.Millisecond
			h := newHarnessWith(t, tg, day("2027-03-01"), harnessOptions{retryPolicy: hourRetry{}, retryCap: retryCap})
			dueSoon(h, "yamada", "kikuchi")
			h.smtp.Down()
			require.Equal(t, 2, h.scan().Digests)

			// While the server is down, each queued row says why and how
			// often it was tried. A retry in flight holds its row sending for
			// a moment, so both rows are read queued at one instant.
			h.waitUntil("both rows were tried three times and are queued", func() bool {
				for _, r := range h.reminders(domain.ReminderFilter{}) {
					if r.Attempts < 3 || r.Status != domain.ReminderQueued {
						return false
					}
				}
				return true
			})
			for _, r := range h.reminders(domain.ReminderFilter{}) {
				require.Equal(t, domain.ReminderQueued, r.Status, "nothing reached the server")
				require.Contains(t, r.Error, "connection refused")
				require.False(t, r.PossibleDuplicate)
			}
			logs := h.logs.String()
			require.Regexp(t, `level=WARN msg="reminder e-mail not sent; will retry".*answer=".*connection refused`, logs)

			up := time.Now()
			h.smtp.Up()
			h.waitSettled()
			took := time.Since(up)
			require.Less(t, took, 10*retryCap, "mail resumes within the retry cap of the server's return, not after the policy's hour")
			t.Logf("delivered %v after SMTP returned", took)
			msgs := h.smtp.Messages()
			require.Len(t, msgs, 2)
			sentOnce(h, msgs)
			for _, r := range h.reminders(domain.ReminderFilter{}) {
				require.GreaterOrEqual(t, r.Attempts, 4)
				require.False(t, r.PossibleDuplicate)
			}
		})
	}
}

func TestTheDigestRetryDelayIsCapped(t *testing.T) {
	w := &jobs.ReminderDigestWorker{RetryPolicy: hourRetry{}, RetryCap: time.Minute}
	job := &river.Job[jobs.ReminderDigestArgs]{JobRow: &rivertype.JobRow{Attempt: 20}}
	next := w.NextRetry(job)
	require.WithinDuration(t, time.Now().Add(time.Minute), next, 5*time.Second)
	w.RetryPolicy = fastRetry{}
	require.WithinDuration(t, time.Now().Add(100*time.Millisecond), w.NextRetry(job), time.Second, "a shorter delay is kept")
}

func TestSMTPDownAcrossMidnightSendsOnlyTodaysStageOnce(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			// sato's confirmation falls due on Tuesday 2027-03-09. The scan
			// at 23:50 on 03-08 queues its before_1 stage; SMTP is down
			// from then until 00:10 on 03-09, the due day.
			h := newHarness(t, tg, day("2027-03-04"))
			sato := dueSoon(h, "sato")[0]
			h.clock.SetTime(day("2027-03-08"), "23:50")
			h.smtp.Down()
			require.Equal(t, 1, h.scan().RemindersQueued)
			h.waitUntil("the before_1 digest has failed before midnight", func() bool {
				r := h.reminders(domain.ReminderFilter{})[0]
				return r.Attempts >= 1 && r.Status == domain.ReminderQueued
			})
			yesterday := h.reminders(domain.ReminderFilter{})[0]
			require.Equal(t, "before_1", yesterday.Stage)
			require.Equal(t, day("2027-03-09"), yesterday.DueDate)
			require.Equal(t, domain.ReminderQueued, yesterday.Status)

			// Midnight passes with SMTP still down: the next attempt finds
			// the stage overtaken by the due day and cancels it.
			h.clock.SetTime(day("2027-03-09"), "00:10")
			h.waitUntil("yesterday's before_1 is cancelled as superseded", func() bool {
				return len(h.reminders(domain.ReminderFilter{Status: domain.ReminderCancelled})) == 1
			})
			require.Equal(t, 1, h.scan().RemindersQueued, "the scan of 03-09 queues the due stage")

			up := time.Now()
			h.smtp.Up()
			h.waitSettled()
			msgs := h.smtp.Messages()
			require.Len(t, msgs, 1, "messages: %v", summary(msgs))
			require.Equal(t, []string{sato.Email}, msgs[0].To)
			require.Contains(t, msgs[0].Text, "本日が期限", "worded for the day of sending")
			require.NotContains(t, msgs[0].Text, "あと1日", "yesterday's stage is not sent late")
			for _, r := range h.reminders(domain.ReminderFilter{}) {
				switch r.Stage {
				case "before_1":
					require.Equal(t, domain.ReminderCancelled, r.Status)
					require.Equal(t, domain.CancelSuperseded, r.CancelReason)
				case "due":
					require.Equal(t, domain.ReminderSent, r.Status)
					require.Equal(t, 1, oneMessageID(h, r), "one copy")
					require.False(t, r.PossibleDuplicate)
				default:
					t.Fatalf("unexpected stage %s", r.Stage)
				}
			}
			t.Logf("1 copy of today's due stage, before_1 cancelled as superseded; delivered %.2f s after SMTP returned",
				lastDelivery(msgs).Sub(up).Seconds())
		})
	}
}
