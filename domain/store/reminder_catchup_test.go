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

// TestCatchUpHandsOverTheQueuedRowsWrittenBefore: only rows still queued
// and written before the given time, one digest per recipient with its
// rows in id order, in an open transaction.
func TestCatchUpHandsOverTheQueuedRowsWrittenBefore(t *testing.T) {
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

		catchUp := func(before time.Time) map[string][]string {
			t.Helper()
			var got map[string][]string
			require.NoError(t, db.CatchUpQueuedReminders(context.Background(), before, func(_ context.Context, tx *sql.Tx, ds []domain.Digest) error {
				require.NotNil(t, tx)
				require.True(t, sort.SliceIsSorted(ds, func(i, j int) bool { return ds[i].RecipientID < ds[j].RecipientID }))
				got = map[string][]string{}
				for _, d := range ds {
					require.True(t, sort.StringsAreSorted(d.ReminderIDs))
					got[d.RecipientID] = d.ReminderIDs
				}
				return nil
			}))
			return got
		}
		queued := func(person string) []string {
			t.Helper()
			page, err := db.ListReminders(ctx, domain.ReminderFilter{RecipientID: person, Status: domain.ReminderQueued},
				domain.PageRequest{Limit: domain.MaxPageSize})
			require.NoError(t, err)
			var ids []string
			for _, r := range page.Items {
				ids = append(ids, r.ID)
			}
			sort.Strings(ids)
			return ids
		}

		written := clock.Now()
		require.Nil(t, catchUp(written), "rows written at that time are not before it")
		require.Equal(t, map[string][]string{owner.ID: queued(owner.ID), boss.ID: queued(boss.ID)}, catchUp(written.Add(time.Second)))
		require.Len(t, queued(owner.ID), 1)

		// A sent row is not handed over; a later scan's rows join their recipient's digest.
		require.NoError(t, db.MarkRemindersSent(ctx, queued(owner.ID), "m@example.lg.jp"))
		require.Equal(t, map[string][]string{boss.ID: queued(boss.ID)}, catchUp(written.Add(time.Second)))
		clock.Set(outTokyo(t, 2027, time.January, 17, 9, 0, 0))
		_, err = db.ScanDue(ctx, outDate(t, "2027-01-17"), nil)
		require.NoError(t, err)
		require.Len(t, queued(boss.ID), 2)
		require.Equal(t, map[string][]string{owner.ID: queued(owner.ID), boss.ID: queued(boss.ID)}, catchUp(clock.Now().Add(time.Minute)))
	})
}
