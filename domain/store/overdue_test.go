package store_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// TestAnOverdueItemIsRemindedUntilResolved: a certification that expired a
// year and a half before it was entered is reminded on the first scan, then
// every overdue_repeat_days after the previous reminder (not in a burst
// after a gap), to the supervisor from the first and to the ciso from the
// second repeat, each row once, and never again once renewed.
func TestAnOverdueItemIsRemindedUntilResolved(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2027, time.January, 10, 9, 0, 0))
		ctx, admin := outSeed(t, db)
		person := func(name string, roles []domain.SecurityRole, sup *string, l domain.Locale) *domain.Person {
			p, err := db.CreatePerson(ctx, domain.PersonInput{Name: name, Email: name + "@example.lg.jp", DepartmentID: admin.DepartmentID,
				SecurityRoles: roles, SupervisorID: sup, Locale: l})
			require.NoError(t, err)
			return p
		}
		boss := person("boss", nil, nil, domain.LocaleEn)
		owner := person("owner", nil, &boss.ID, domain.LocaleJa)
		ciso := person("ciso", []domain.SecurityRole{domain.SecurityRoleCISO}, nil, domain.LocaleJa)
		pmark := domain.Certification{Kind: domain.CertPrivacyMark, Number: "PM 1", ValidUntil: outDate(t, "2025-06-30")}
		v := outApprovedVendor(t, ctx, db, owner, "期限切れ株式会社", []domain.Certification{pmark})

		name := map[string]string{owner.ID: "owner", boss.ID: "boss", ciso.ID: "ciso"}
		seen := 0
		scan := func(day string) []string {
			t.Helper()
			d := outDate(t, day)
			clock.Set(outTokyo(t, d.Year(), time.Month(d.Month()), d.Day(), 9, 0, 0))
			_, err := db.ScanDue(ctx, d, nil)
			require.NoError(t, err)
			page, err := db.ListReminders(ctx, domain.ReminderFilter{SubjectID: v.ID}, domain.PageRequest{Limit: domain.MaxPageSize})
			require.NoError(t, err)
			var fresh []string
			for _, r := range page.Items[seen:] {
				require.Equal(t, d, r.ReachedOn)
				fresh = append(fresh, fmt.Sprintf("%s %s#%d %s", name[r.RecipientID], r.Stage, r.Repeat, r.EscalatedAs))
			}
			seen = len(page.Items)
			sort.Strings(fresh)
			return fresh
		}

		require.Equal(t, []string{"boss overdue#0 supervisor", "owner overdue#0 "}, scan("2027-01-10"),
			"a date long past is reminded on the first scan, escalated at once")
		require.Empty(t, scan("2027-01-10"), "a second scan of the day adds nothing")
		require.Empty(t, scan("2027-01-16"), "the repeat is a week after the first")
		require.Equal(t, []string{"boss overdue#1 supervisor", "owner overdue#1 "}, scan("2027-01-17"))
		require.Equal(t, []string{"boss overdue#2 supervisor", "ciso overdue#2 ciso", "owner overdue#2 "}, scan("2027-01-30"),
			"after a gap of 13 days one repeat, and the ciso from the second")
		require.Empty(t, scan("2027-02-05"), "the next repeat follows the day the last one went out")
		require.Len(t, scan("2027-02-06"), 3)

		page, err := db.ListReminders(ctx, domain.ReminderFilter{SubjectID: v.ID, RecipientID: owner.ID}, domain.PageRequest{Limit: 1})
		require.NoError(t, err)
		require.Equal(t, "期限切れ株式会社 プライバシーマーク PM 1", page.Items[0].Title, "the display name, not privacy_mark")
		page, err = db.ListReminders(ctx, domain.ReminderFilter{SubjectID: v.ID, RecipientID: boss.ID}, domain.PageRequest{Limit: 1})
		require.NoError(t, err)
		require.Equal(t, "期限切れ株式会社 Privacy Mark PM 1", page.Items[0].Title, "titled in the recipient's locale")

		renewed := pmark
		renewed.ValidUntil = outDate(t, "2029-06-30")
		_, err = db.ReplaceVendor(ctx, v.ID, nil, domain.VendorInput{Name: v.Name, OwnerID: owner.ID, Certifications: []domain.Certification{renewed}})
		require.NoError(t, err)
		require.Empty(t, scan("2027-02-13"), "resolved: no more repeats")
	})
}

// TestEveryLongOverdueItemIsFound: dates far before the old look-back
// window, of every register, are reminded on the next scan.
func TestEveryLongOverdueItemIsFound(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2027, time.July, 1, 9, 0, 0))
		ctx, admin := outSeed(t, db)
		v := outApprovedVendor(t, ctx, db, admin, "長期超過株式会社", nil)
		c := outActiveContract(t, ctx, db, domain.ContractInput{VendorID: v.ID, Title: "長期超過の委託", OwnerID: admin.ID,
			StartDate: outDate(t, "2025-04-01"), EndDate: outDate(t, "2029-03-31"), InformationAssets: outAssets(domain.Confidentiality1)})
		conf, err := db.CreateConfirmation(ctx, domain.ConfirmationInput{ContractID: c.ID, DueDate: outDate(t, "2026-01-15")})
		require.NoError(t, err)
		_, err = db.ScanDue(ctx, outDate(t, "2027-07-01"), nil)
		require.NoError(t, err)
		page, err := db.ListReminders(ctx, domain.ReminderFilter{SubjectID: conf.ID}, domain.PageRequest{Limit: domain.MaxPageSize})
		require.NoError(t, err)
		require.Len(t, page.Items, 1, "the admin has no supervisor and nobody holds the role: the owner alone")
		require.Equal(t, domain.StageOverdue, page.Items[0].Stage)
		require.Equal(t, outDate(t, "2026-01-15"), page.Items[0].DueDate)
	})
}
