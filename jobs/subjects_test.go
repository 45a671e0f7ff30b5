package jobs_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

func TestCertificationsExpiringTogetherShareOneReminder(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarness(t, tg, day("2027-03-01"))
			owner := h.person("ishii", nil, nil, domain.LocaleJa)
			v := h.approvedVendor("北斗データ", owner,
				domain.Certification{Kind: domain.CertISO27001, Number: "IS 111", ValidUntil: day("2027-03-31")},
				domain.Certification{Kind: domain.CertPrivacyMark, Number: "PM 222", ValidUntil: day("2027-03-31")})

			h.clock.SetDay(day("2027-03-24")) // the 7-day stage of both
			require.Equal(t, 1, h.scan().RemindersQueued, "one ledger row: the key is the vendor, the day, the stage, the person")
			rows := h.reminders(domain.ReminderFilter{SubjectID: v.ID})
			require.Len(t, rows, 1)
			require.Contains(t, rows[0].Title, "IS 111")
			require.Contains(t, rows[0].Title, "PM 222")

			h.waitSettled()
			msgs := h.smtp.Messages()
			require.Len(t, msgs, 1)
			require.Equal(t, []string{owner.Email}, msgs[0].To)
		})
	}
}

func TestALongFindingIsRemindedWithAShortenedTitle(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarness(t, tg, day("2027-01-04"))
			owner := h.person("sakai", nil, nil, domain.LocaleJa)
			v := h.approvedVendor("長文システム", owner)
			c := h.activeContract(v, "保守委託", owner, day("2026-01-05"), day("2029-03-31"), 90)

			h.clock.SetDay(c.NextConfirmationDue.AddDays(-7))
			h.scan()
			note := strings.Repeat("委託先管理記録の不備", 400) // 4,000 characters, the longest note
			due := c.NextConfirmationDue.AddDays(30)
			actionID := completeConfirmation(h, c.ID, owner, &domain.ItemResultInput{Result: domain.ItemFinding, Note: note, Severity: domain.SeverityMedium, ActionDueDate: due})
			require.NotEmpty(t, actionID)

			h.clock.SetDay(due.AddDays(-1))
			rep := h.scan()
			require.GreaterOrEqual(t, rep.RemindersQueued, 1)
			rows := h.reminders(domain.ReminderFilter{SubjectID: actionID})
			require.Len(t, rows, 1)
			require.Equal(t, 500, len([]rune(rows[0].Title)))
			require.True(t, strings.HasSuffix(rows[0].Title, "…"))
			h.waitSettled()
		})
	}
}
