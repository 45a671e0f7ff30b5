package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// TestClaimRemindersLeased: the claim renews its holder's lease in the same
// transaction, and claims nothing while another holder's live lease holds
// one of the rows; a second claim flags possible_duplicate; the sent mark
// ends the lease.
func TestClaimRemindersLeased(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2027, time.January, 10, 9, 0, 0))
		ctx, admin := outSeed(t, db)
		boss, err := db.CreatePerson(ctx, domain.PersonInput{Name: "boss", Email: "boss@example.lg.jp", DepartmentID: admin.DepartmentID})
		require.NoError(t, err)
		owner, err := db.CreatePerson(ctx, domain.PersonInput{Name: "owner", Email: "owner@example.lg.jp", DepartmentID: admin.DepartmentID,
			SupervisorID: &boss.ID})
		require.NoError(t, err)
		outApprovedVendor(t, ctx, db, owner, "期限切れ株式会社",
			[]domain.Certification{{Kind: domain.CertPrivacyMark, Number: "PM 1", ValidUntil: outDate(t, "2025-06-30")}})
		_, err = db.ScanDue(ctx, outDate(t, "2027-01-10"), nil)
		require.NoError(t, err)
		page, err := db.ListReminders(ctx, domain.ReminderFilter{Status: domain.ReminderQueued}, domain.PageRequest{Limit: domain.MaxPageSize})
		require.NoError(t, err)
		require.Len(t, page.Items, 2)
		a, b := page.Items[0].ID, page.Items[1].ID
		both := []string{a, b}
		bg := context.Background()
		rows := func() map[string]*domain.Reminder {
			t.Helper()
			page, err := db.ListReminders(ctx, domain.ReminderFilter{}, domain.PageRequest{Limit: domain.MaxPageSize})
			require.NoError(t, err)
			out := map[string]*domain.Reminder{}
			for _, r := range page.Items {
				out[r.ID] = r
			}
			return out
		}

		ok, err := db.LeaseReminders(bg, []string{a}, "1", time.Hour)
		require.NoError(t, err)
		require.True(t, ok)
		ok, err = db.ClaimRemindersLeased(bg, both, "m2@example.lg.jp", "2", time.Hour)
		require.NoError(t, err)
		require.False(t, ok, "a is held by job 1")
		for _, r := range rows() {
			require.Equal(t, domain.ReminderQueued, r.Status, "the refused claim claimed nothing")
			require.Zero(t, r.Attempts)
		}
		ok, err = db.LeaseReminders(bg, []string{b}, "3", time.Hour)
		require.NoError(t, err)
		require.True(t, ok, "and leased nothing: b was free")
		ok, err = db.LeaseReminders(bg, []string{b}, "3", 0)
		require.NoError(t, err)
		require.True(t, ok)

		ok, err = db.ClaimRemindersLeased(bg, both, "m1@example.lg.jp", "1", time.Hour)
		require.NoError(t, err)
		require.True(t, ok, "job 1 holds a, and b is free")
		for _, r := range rows() {
			require.Equal(t, domain.ReminderSending, r.Status)
			require.Equal(t, "m1@example.lg.jp", r.MessageID)
			require.Equal(t, 1, r.Attempts)
			require.False(t, r.PossibleDuplicate)
		}
		ok, err = db.LeaseReminders(bg, []string{b}, "4", time.Hour)
		require.NoError(t, err)
		require.False(t, ok, "the claim leased b to job 1")

		ok, err = db.ClaimRemindersLeased(bg, both, "m1@example.lg.jp", "1", time.Hour)
		require.NoError(t, err)
		require.True(t, ok)
		for _, r := range rows() {
			require.Equal(t, 2, r.Attempts)
			require.True(t, r.PossibleDuplicate, "claimed again while sending")
		}

		require.NoError(t, db.MarkRemindersSent(ctx, both, "m1@example.lg.jp"))
		ok, err = db.ClaimRemindersLeased(bg, both, "m5@example.lg.jp", "5", time.Hour)
		require.NoError(t, err)
		require.True(t, ok, "sent rows are no longer leased")
		for _, r := range rows() {
			require.Equal(t, domain.ReminderSent, r.Status, "nor claimed")
			require.Equal(t, "m1@example.lg.jp", r.MessageID)
			require.Equal(t, 2, r.Attempts)
		}
	})
}
