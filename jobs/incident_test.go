package jobs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/jobs"
)

// TestAHighSeverityIncidentEmailsEveryCISOAtOnce records a high-severity
// incident: every active ciso receives one e-mail at once, queued in the
// incident's transaction, without a due-scan; then the clock walks past the
// CISO report's deadline and the due-scan reminds the owner and escalates
// to the supervisor within the same hour.
func TestAHighSeverityIncidentEmailsEveryCISOAtOnce(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarness(t, tg, day("2026-12-01"))
			h.clock.SetTime(day("2026-12-01"), "09:05")
			ciso1 := h.person("ciso1", []domain.SecurityRole{domain.SecurityRoleCISO}, nil, domain.LocaleJa)
			ciso2 := h.person("ciso2", []domain.SecurityRole{domain.SecurityRoleCISO}, nil, domain.LocaleEn)
			boss := h.person("boss", nil, nil, domain.LocaleJa)
			owner := h.person("owner", nil, boss, domain.LocaleJa)
			v := h.approvedVendor("委託先", owner)
			c := h.activeContract(v, "保守業務", owner, day("2026-04-01"), day("2027-03-31"), 30)
			h.scan()
			h.waitSettled()
			before := len(h.smtp.Messages())

			detected := time.Date(2026, 12, 1, 9, 0, 0, 0, tokyo)
			inc, err := h.db.CreateIncident(h.ctx, domain.IncidentInput{Title: "不正アクセス", Description: "保守用サーバへの不審なログイン",
				DetectedAt: detected, ReportedBy: domain.ReportedByStaff, ReporterID: owner.ID, Severity: "high",
				Records: []domain.IncidentRecord{{Type: domain.RecordContract, ID: c.ID}}, OwnerID: owner.ID})
			require.NoError(t, err)
			h.waitSettled()
			got := h.smtp.Messages()[before:]
			to := map[string]int{}
			for _, m := range got {
				for _, r := range m.To {
					to[r]++
				}
			}
			require.Equal(t, map[string]int{ciso1.Email: 1, ciso2.Email: 1}, to, "each ciso once, nobody else, without a scan")
			for _, m := range got {
				if m.To[0] == ciso2.Email {
					require.Contains(t, m.Subject, "High-severity incident")
					require.Contains(t, m.Text, "不正アクセス: Reported to the CISO")
					require.Contains(t, m.Text, "/incidents/"+inc.ID)
				} else {
					require.Contains(t, m.Subject, "重要度の高いインシデント")
					require.Contains(t, m.Text, "最高情報セキュリティ責任者として直ちにお知らせしています")
				}
			}
			notices := h.reminders(domain.ReminderFilter{Stage: domain.StageNotice})
			require.Len(t, notices, 2)
			for _, r := range notices {
				require.Equal(t, domain.ReminderSent, r.Status)
				require.Equal(t, domain.EscalatedAsCISO, r.EscalatedAs)
			}

			// 09:05: the CISO report is due today; 10:15: overdue, escalated.
			h.scan()
			h.waitSettled()
			h.clock.SetTime(day("2026-12-01"), "10:15")
			rep := h.scan()
			require.Equal(t, 2, rep.RemindersQueued, "owner and supervisor")
			h.waitSettled()
			step := inc.Step(domain.StepReportedToCISO).ReminderSubjectID
			var lines []string
			for _, r := range h.reminders(domain.ReminderFilter{SubjectID: step}) {
				require.Equal(t, domain.ReminderSent, r.Status)
				lines = append(lines, r.Stage+" "+r.RecipientID+" "+r.EscalatedAs)
			}
			require.ElementsMatch(t, []string{
				domain.StageNotice + " " + ciso1.ID + " ciso", domain.StageNotice + " " + ciso2.ID + " ciso",
				domain.StageDue + " " + owner.ID + " ",
				domain.StageOverdue + " " + owner.ID + " ", domain.StageOverdue + " " + boss.ID + " supervisor",
			}, lines)
			var toBoss int
			for _, m := range h.smtp.Messages() {
				if m.To[0] == boss.Email {
					toBoss++
					require.True(t, strings.Contains(m.Text, "上長としてお知らせしています"), m.Text)
				}
			}
			require.Equal(t, 1, toBoss)
			require.Zero(t, h.scan().RemindersQueued, "a second scan of the hour sends nothing")
			h.clock.SetTime(day("2026-12-01"), "10:30")
			require.Zero(t, h.scan().RemindersQueued, "nor does the next one")
		})
	}
}

// TestDigestGoldenIncidentNotice renders a ciso's notice of a high-severity
// incident, with an overdue step of another, in both locales; it runs under
// -run TestDigestGolden too.
func TestDigestGoldenIncidentNotice(t *testing.T) {
	d, err := jobs.NewDigest("vendorwatch@example.lg.jp", "https://vendorwatch.example.lg.jp/")
	require.NoError(t, err)
	due := domain.NewDate(2026, time.December, 1)
	for _, l := range []domain.Locale{domain.LocaleJa, domain.LocaleEn} {
		title := "委託先サーバへの不正アクセス：CISOへの報告（期限 2026-12-01 10:00）"
		if l == domain.LocaleEn {
			title = "委託先サーバへの不正アクセス: Reported to the CISO (by 2026-12-01 10:00 Asia/Tokyo)"
		}
		m := &domain.DigestMail{Recipient: &domain.Person{Name: "最高 責任者", Email: "ciso@example.lg.jp", Locale: l},
			Items: []domain.DigestItem{
				{Reminder: domain.Reminder{ID: "n1", SubjectType: domain.SubjectIncidentStep, SubjectID: "s1", Title: title,
					Path: "/v1/incidents/i1", DueDate: due, Stage: domain.StageNotice, Escalated: true, EscalatedAs: domain.EscalatedAsCISO}},
			}}
		msg, err := d.Render(m, "abc@example.lg.jp")
		require.NoError(t, err)
		for ext, body := range map[string]string{"txt": "Subject: " + msg.Subject + "\n\n" + msg.Text, "html": msg.HTML} {
			golden := filepath.Join("testdata", "digest_incident."+string(l)+"."+ext+".golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(body), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "golden file missing: run go test ./jobs -run TestDigestGolden -update")
			require.Equal(t, string(want), body, "%s differs from the rendering", golden)
		}
	}
}
