package jobs_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/jobs"
	"github.com/vendorwatch/vendorwatch/jobs/mailtest"
)

// verifications counts the results OnAuditVerified receives.
type verifications struct {
	mu  sync.Mutex
	got []domain.AuditVerification
}

func (v *verifications) add(_ context.Context, r domain.AuditVerification) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.got = append(v.got, r)
}

func (v *verifications) n() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.got)
}

func (v *verifications) last() domain.AuditVerification {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.got[len(v.got)-1]
}

// startRunner starts a runner as serve does (Runner.Start: the start-up
// due scan and audit verification) and returns its stop.
func (h *harness) startRunner(v *verifications) (stop func()) {
	h.t.Helper()
	r := h.newRunnerWith(h.smtpMailer(jobs.DefaultSMTPTimeouts), jobs.Config{OnAuditVerified: v.add})
	require.NoError(h.t, r.Start(context.Background()))
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(h.t, r.Stop(ctx))
	}
	h.t.Cleanup(stop)
	return stop
}

func mailsTo(s *mailtest.Server, subject string) map[string]mailtest.Message {
	out := map[string]mailtest.Message{}
	for _, m := range s.Messages() {
		if strings.Contains(m.Subject, subject) {
			m.Text = strings.ReplaceAll(m.Text, "\r\n", "\n")
			out[m.To[0]] = m
		}
	}
	return out
}

// The audit chain is verified on every start of a runner, a restart within
// the day included, and OnAuditVerified receives each result. The day's
// first verification that holds signs a checkpoint and e-mails it to every
// active ciso (Japanese, or English by locale) with what an outsider needs
// to check it; the restart signs none (one a day). A break is logged as an
// ERROR and e-mailed to every ciso once, not again at the next start.
func TestAuditVerifiedOnEveryStartWithCheckpointsAndBreaksMailedToCISOs(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarness(t, tg, day("2027-04-01"))
			// Only the runners started below take jobs, as one process
			// restarted again and again.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			require.NoError(t, h.runner.Client.Stop(ctx))
			cancel()
			key, err := domain.NewAuditKey("the harness's audit key, 32 characters")
			require.NoError(t, err)
			h.db.UseAuditKeys(domain.AuditKeyring{Current: key})
			ja := h.person("saito", []domain.SecurityRole{domain.SecurityRoleCISO}, nil, domain.LocaleJa)
			en := h.person("brown", []domain.SecurityRole{domain.SecurityRoleCISO}, nil, domain.LocaleEn)
			h.person("clerk", nil, nil, domain.LocaleJa)
			inactive := false
			gone := h.person("retired", []domain.SecurityRole{domain.SecurityRoleCISO}, nil, domain.LocaleJa)
			_, err = h.db.ReplacePerson(h.ctx, gone.ID, nil, domain.PersonInput{Name: gone.Name, Email: gone.Email,
				DepartmentID: gone.DepartmentID, Locale: gone.Locale, SecurityRoles: gone.SecurityRoles, Active: &inactive})
			require.NoError(t, err)

			var seen verifications
			stop := h.startRunner(&seen)
			h.waitUntil("the start-up verification", func() bool { return seen.n() == 1 })
			require.True(t, seen.last().OK, "%+v", seen.last().FirstBroken)
			h.waitUntil("both cisos have the checkpoint", func() bool {
				return len(mailsTo(h.smtp, "チェックポイント"))+len(mailsTo(h.smtp, "checkpoint")) == 2
			})
			jaMail := mailsTo(h.smtp, "チェックポイント")[ja.Email]
			require.Contains(t, jaMail.Text, "鍵ID："+key.ID())
			require.Contains(t, jaMail.Text, "vendorwatch audit checkpoint v1\nseq: ")
			require.Contains(t, jaMail.Text, "-----BEGIN PUBLIC KEY-----")
			require.Contains(t, mailsTo(h.smtp, "checkpoint")[en.Email].Text, "Key id: "+key.ID())
			require.Contains(t, h.logs.String(), "audit checkpoint signed")
			stop()

			// A restart within the day verifies again, and signs nothing new.
			stop = h.startRunner(&seen)
			h.waitUntil("the restart's verification", func() bool { return seen.n() == 2 })
			require.True(t, seen.last().OK)
			require.Equal(t, 1, seen.last().CheckpointsChecked)
			stop()
			require.Len(t, h.smtp.Messages(), 2, "no second checkpoint the same day")

			// Tamper with an event: the next start finds it, logs it and
			// tells both cisos, once.
			_, err = h.db.SQL().Exec(`UPDATE audit_events SET actor_name = 'mallory' WHERE seq = 3`)
			require.NoError(t, err)
			stop = h.startRunner(&seen)
			h.waitUntil("the verification after the edit", func() bool { return seen.n() == 3 })
			require.False(t, seen.last().OK)
			require.Equal(t, int64(3), seen.last().FirstBroken.Seq)
			h.waitUntil("both cisos are told", func() bool { return len(mailsTo(h.smtp, "改ざん"))+len(mailsTo(h.smtp, "tampered")) == 2 })
			broken := mailsTo(h.smtp, "改ざん")[ja.Email]
			require.Contains(t, broken.Text, "event 3: hash_mismatch")
			require.Contains(t, mailsTo(h.smtp, "tampered")[en.Email].Text, "event 3: hash_mismatch")
			require.Contains(t, h.logs.String(), `level=ERROR msg="audit chain broken" seq=3`)
			stop()

			stop = h.startRunner(&seen)
			h.waitUntil("the next verification", func() bool { return seen.n() == 4 })
			stop()
			require.False(t, seen.last().OK)
			require.Len(t, h.smtp.Messages(), 4, "the same break is e-mailed once")
		})
	}
}
