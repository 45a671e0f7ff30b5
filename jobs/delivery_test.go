package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// dueSoon sets up owners with one contract each whose confirmation falls due
// five days after the clock's day, and returns the owners.
func dueSoon(h *harness, names ...string) []*domain.Person {
	h.t.Helper()
	today := domain.DateOf(h.clock.Now(), tokyo)
	due := today.AddDays(5)
	var owners []*domain.Person
	for _, n := range names {
		owner := h.person(n, nil, nil, domain.LocaleJa)
		v := h.approvedVendor("株式会社"+n, owner)
		h.activeContract(v, n+"の保守契約", owner, due.AddMonths(-24), domain.Date{}, 0)
		owners = append(owners, owner)
	}
	return owners
}

// sentOnce checks that every ledger row was sent, each in exactly one
// message that arrived exactly once, to its recipient.
func sentOnce(h *harness, msgs []mailtest.Message) {
	h.t.Helper()
	byID := map[string]int{}
	for _, m := range msgs {
		byID[m.MessageID]++
	}
	for id, n := range byID {
		require.Equal(h.t, 1, n, "message %s arrived %d times", id, n)
	}
	rows := h.reminders(domain.ReminderFilter{})
	require.NotEmpty(h.t, rows)
	for _, r := range rows {
		require.Equal(h.t, domain.ReminderSent, r.Status, "row %s", r.ID)
		require.Equal(h.t, 1, byID["<"+r.MessageID+">"], "row %s went out in a message that arrived", r.ID)
	}
}

// summary lists recipient and Message-ID of each message, for failures.
func summary(msgs []mailtest.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = strings.Join(m.To, ",") + " " + m.MessageID
	}
	return out
}

func TestSMTPDownThenUpDeliversEveryMessageOnce(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarness(t, tg, day("2027-03-01"))
			owners := dueSoon(h, "sato", "suzuki")
			h.smtp.Down()

			rep := h.scan()
			require.Equal(t, 2, rep.ConfirmationsScheduled)
			require.Equal(t, 2, rep.Digests)
			h.waitUntil("the digests have failed twice", func() bool {
				res, err := h.runner.Client.JobList(context.Background(), river.NewJobListParams().Kinds("reminder_digest"))
				require.NoError(t, err)
				failed := 0
				for _, j := range res.Jobs {
					if len(j.Errors) >= 2 {
						failed++
					}
				}
				return failed == 2
			})
			// A retry in flight holds its row sending for a moment; none is
			// sent, failed or cancelled.
			waiting := h.unsent()
			require.Equal(t, 2, waiting, "nothing is lost while the server is down")

			h.smtp.Up()
			h.waitSettled()
			msgs := h.smtp.Messages()
			require.Equal(t, 2, len(msgs), "messages: %v", summary(msgs))
			sentOnce(h, msgs)
			got := map[string]bool{}
			for _, m := range msgs {
				got[m.To[0]] = true
				require.Contains(t, m.Subject, "期限のお知らせ")
			}
			require.Equal(t, map[string]bool{owners[0].Email: true, owners[1].Email: true}, got)

			// A second scan of the same day, and of the next, adds nothing.
			require.Zero(t, h.scan().RemindersQueued)
			require.Len(t, h.smtp.Messages(), 2)
		})
	}
}

func TestPermanentFailureIsRecordedWithTheServersAnswer(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarness(t, tg, day("2027-03-01"))
			dueSoon(h, "tanaka")
			h.smtp.RejectRecipients(550, "mailbox unavailable")
			h.scan()
			h.waitUntil("the row is marked failed", func() bool {
				return len(h.reminders(domain.ReminderFilter{Status: domain.ReminderFailed})) == 1
			})
			row := h.reminders(domain.ReminderFilter{Status: domain.ReminderFailed})[0]
			require.Contains(t, row.Error, "550")
			require.Contains(t, row.Error, "mailbox unavailable")
			require.Empty(t, h.smtp.Messages())
		})
	}
}

func TestCancelWhileSendingThenRestartLosesAndDoublesNothing(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarness(t, tg, day("2027-03-01"))
			dueSoon(h, "ito", "kato", "kimura")
			h.smtp.Hold()
			require.Equal(t, 3, h.scan().Digests)
			h.waitUntil("digests are in flight", func() bool { return h.smtp.Holding() >= 1 })

			// The process goes away with jobs in flight.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			require.NoError(t, h.runner.Client.StopAndCancel(ctx))
			require.Empty(t, h.smtp.Messages())
			h.smtp.Release()

			// It starts again.
			h.runner = h.newRunner()
			h.start(h.runner)
			h.waitSettled()
			msgs := h.smtp.Messages()
			require.Equal(t, 3, len(msgs), "messages: %v", summary(msgs))
			sentOnce(h, msgs)
		})
	}
}

func TestTwoClientsOnOnePostgresDatabaseSendEachMessageOnce(t *testing.T) {
	var pg *storetest.Target
	for _, tg := range storetest.Targets(t) {
		if tg.Name == "postgres" {
			pg = &tg
		}
	}
	if pg == nil {
		t.Skipf("set %s to run two clients on PostgreSQL", storetest.PostgresURLEnv)
	}
	h := newHarness(t, *pg, day("2027-03-01"))
	dueSoon(h, "yamamoto", "nakamura", "kobayashi", "yoshida")
	second := h.newRunner()
	h.start(second)

	// Both processes scan at the same moment, as two replicas would.
	var wg sync.WaitGroup
	reports := make([]domain.ScanReport, 2)
	for i, r := range []*jobs.Runner{h.runner, second} {
		wg.Go(func() {
			rep, err := r.RunDueScan(context.Background())
			require.NoError(t, err)
			reports[i] = rep
		})
	}
	wg.Wait()
	require.Equal(t, 4, reports[0].RemindersQueued+reports[1].RemindersQueued, "one scan's worth of reminders: %+v", reports)
	require.Equal(t, 4, reports[0].ConfirmationsScheduled+reports[1].ConfirmationsScheduled)
	h.waitSettled()
	msgs := h.smtp.Messages()
	require.Equal(t, 4, len(msgs), "messages: %v", summary(msgs))
	sentOnce(h, msgs)
}

func TestOutboxWritesOneFilePerMessage(t *testing.T) {
	dir := t.TempDir()
	o := &jobs.OutboxMailer{Dir: filepath.Join(dir, "outbox")}
	m := jobs.Message{From: "vendorwatch@example.lg.jp", To: "yamada@example.lg.jp", Subject: "【vendorwatch】期限のお知らせ（1件）",
		Text: "本文", HTML: "<p>本文</p>", MessageID: "abc@example.lg.jp"}
	require.NoError(t, o.Send(context.Background(), m))
	require.NoError(t, o.Send(context.Background(), m), "a resend overwrites the same file")
	files, err := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	raw, err := os.ReadFile(files[0])
	require.NoError(t, err)
	require.Contains(t, string(raw), "Message-ID: <abc@example.lg.jp>")
	require.Contains(t, string(raw), "multipart/alternative")

	var perm *jobs.PermanentError
	err = o.Send(context.Background(), jobs.Message{From: "x@y", To: "not an address", MessageID: "a@b"})
	require.ErrorAs(t, err, &perm)
}

func TestParseSMTPURL(t *testing.T) {
	for _, c := range []struct{ url, want, err string }{
		{"smtp://127.0.0.1:1025?tls=none", "SMTP 127.0.0.1:1025 (tls=none)", ""},
		{"smtp://user:pass@mail.example.lg.jp", "SMTP mail.example.lg.jp:587 (tls=starttls)", ""},
		{"smtp://mail.example.lg.jp?tls=tls", "SMTP mail.example.lg.jp:465 (tls=tls)", ""},
		{"smtp://mail.example.lg.jp?tls=maybe", "", "unknown SMTP TLS policy"},
		{"http://mail.example.lg.jp", "", "smtp://"},
		{"smtp://mail.example.lg.jp:99999", "", "bad SMTP port"},
	} {
		m, err := jobs.ParseSMTPURL(c.url)
		if c.err != "" {
			require.ErrorContains(t, err, c.err, c.url)
			continue
		}
		require.NoError(t, err, c.url)
		require.Equal(t, c.want, m.Describe())
		require.False(t, strings.Contains(m.Describe(), "pass"), "the password is not shown")
	}
}

func TestMessageIDIsStableForTheSameRows(t *testing.T) {
	a := domain.MessageIDFor([]string{"r2", "r1"}, "example.lg.jp")
	require.Equal(t, a, domain.MessageIDFor([]string{"r1", "r2"}, "example.lg.jp"))
	require.NotEqual(t, a, domain.MessageIDFor([]string{"r1"}, "example.lg.jp"))
	require.True(t, strings.HasSuffix(a, "@example.lg.jp"))
}

func TestAReviewCancelsWhatWasQueuedForTheOldDate(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarness(t, tg, day("2027-03-01"))
			owner := h.person("mori", nil, nil, domain.LocaleJa)
			checks, err := h.db.ListCatalogueItems(h.ctx, domain.CatalogueTermsChecks, false)
			require.NoError(t, err)
			in := domain.CloudServiceInput{Name: "会議予約", Provider: "Example", TermsURL: "https://example.com/terms", TermsVersion: "1",
				ResponsiblePersonID: owner.ID, DepartmentID: h.admin.DepartmentID, ReviewIntervalMonths: 1}
			for _, c := range checks {
				in.TermsChecks = append(in.TermsChecks, domain.TermsCheck{Code: c.Code, Answer: domain.TermsOK})
			}
			cs, err := h.db.CreateCloudService(h.ctx, in)
			require.NoError(t, err)
			supervisor := h.person("boss", []domain.SecurityRole{domain.SecurityRoleSupervisor}, nil, domain.LocaleJa)
			_, err = h.db.ApproveCloudService(domain.WithActor(context.Background(), domain.Actor{PersonID: supervisor.ID, Name: "boss"}), cs.ID, nil)
			require.NoError(t, err)

			h.smtp.Down()
			h.clock.SetDay(day("2027-03-25")) // due 04-01: the 7-day stage
			require.Equal(t, 1, h.scan().RemindersQueued)
			_, err = h.db.CreateReview(h.ctx, domain.ReviewInput{SubjectType: domain.ReviewCloudService, SubjectID: cs.ID,
				Outcome: domain.OutcomeContinue, ReviewerID: owner.ID, ReviewedOn: day("2027-03-25")})
			require.NoError(t, err)
			// A row whose attempt was in flight at the review is sending for
			// a moment; that attempt fails and the next one finds the subject
			// changed.
			h.waitUntil("the row is cancelled", func() bool {
				rows := h.reminders(domain.ReminderFilter{SubjectID: cs.ID})
				require.Len(t, rows, 1)
				return rows[0].Status == domain.ReminderCancelled
			})

			// The job finishes, with nothing to send, while the server is
			// still down: an attempt that began before the review has failed
			// by then, so bringing the server back cannot deliver it.
			h.waitUntil("the digest job has finished", func() bool {
				res, err := h.runner.Client.JobList(context.Background(), river.NewJobListParams().Kinds("reminder_digest").States(rivertype.JobStateCompleted))
				require.NoError(t, err)
				return len(res.Jobs) == 1
			})
			h.smtp.Up()
			require.Empty(t, h.smtp.Messages(), "a cancelled reminder is not sent")
		})
	}
}

func TestAPersonSetInactiveAfterTheScanReceivesNothing(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarness(t, tg, day("2027-03-01"))
			owners := dueSoon(h, "hayashi")
			h.smtp.Down()
			require.Equal(t, 1, h.scan().RemindersQueued)
			in := domain.PersonInput{Name: owners[0].Name, Email: owners[0].Email, DepartmentID: owners[0].DepartmentID, Active: new(bool)}
			_, err := h.db.ReplacePerson(h.ctx, owners[0].ID, nil, in)
			require.NoError(t, err)
			// An attempt that began before the change may still be trying
			// the server; the first attempt that begins after it cancels the
			// row. Only then may the server come back: a mail already in
			// flight when a person is set inactive cannot be called back.
			h.waitUntil("the row is cancelled", func() bool {
				return len(h.reminders(domain.ReminderFilter{Status: domain.ReminderCancelled})) == 1
			})
			h.smtp.Up()
			h.waitUntil("the digest job has finished", func() bool {
				res, err := h.runner.Client.JobList(context.Background(), river.NewJobListParams().Kinds("reminder_digest").States(rivertype.JobStateCompleted))
				require.NoError(t, err)
				return len(res.Jobs) == 1
			})
			require.Empty(t, h.smtp.Messages())
		})
	}
}
