package store_test

import (
	"context"
	"database/sql"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// TestLeasesKeepTwoJobsFromSendingTheSameRows: a lease is all or nothing,
// renewed by its holder, taken over once it runs out, and ignores rows no
// longer to send; the catch-up leaves rows under a live lease alone and
// hands over those whose lease ran out, however young.
func TestLeasesKeepTwoJobsFromSendingTheSameRows(t *testing.T) {
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
		lease := func(ids []string, holder string, ttl time.Duration) bool {
			t.Helper()
			ok, err := db.LeaseReminders(context.Background(), ids, holder, ttl)
			require.NoError(t, err)
			return ok
		}
		handed := func(before time.Time) []string {
			t.Helper()
			var got []string
			require.NoError(t, db.CatchUpQueuedReminders(context.Background(), before, func(_ context.Context, _ *sql.Tx, ds []domain.Digest) error {
				for _, d := range ds {
					got = append(got, d.ReminderIDs...)
				}
				return nil
			}))
			sort.Strings(got)
			return got
		}
		later := clock.Now().Add(time.Hour)

		require.True(t, lease([]string{a}, "1", time.Hour))
		require.False(t, lease(both, "2", time.Hour), "a is held by job 1")
		require.True(t, lease([]string{b}, "3", time.Hour), "the refused lease took nothing: b was free")
		require.True(t, lease([]string{a}, "1", time.Hour), "the holder renews")
		require.Empty(t, handed(later), "rows under a live lease are left to their holder, however old")

		// Leases that ran out: handed over at once, and taken over.
		require.True(t, lease([]string{a}, "1", -time.Second))
		require.True(t, lease([]string{b}, "3", -time.Second))
		require.Equal(t, sortedIDs(both), handed(clock.Now()), "rows of dead holders, though written just now")
		require.True(t, lease(both, "4", time.Hour))
		require.False(t, lease([]string{a}, "1", time.Hour), "job 1 lost its lease")

		// A sent row is no longer leased or held.
		require.NoError(t, db.MarkRemindersSent(ctx, []string{a}, "m@example.lg.jp"))
		require.True(t, lease([]string{a}, "5", time.Hour))
		require.False(t, lease(both, "5", time.Hour), "b is still job 4's")
		require.True(t, lease(both, "4", 0), "job 4 ends its lease")
		require.Equal(t, []string{b}, handed(clock.Now()), "an ended lease is handed over at once")
		require.True(t, lease(both, "5", time.Hour), "and free")
	})
}

func sortedIDs(ids []string) []string {
	out := append([]string(nil), ids...)
	sort.Strings(out)
	return out
}
