package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/jobs"
)

// A digest whose rows another job leases (a job taken for dead that turns
// out alive, or one River rescued while the catch-up's job sends) sends
// nothing and waits a lease: two jobs never send the same rows at once.
func TestADigestWhoseRowsAnotherJobLeasesWaits(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarness(t, tg, day("2027-03-01"))
			owner := dueSoon(h, "sato")[0]
			ctx := context.Background()
			_, err := h.db.ScanDue(ctx, domain.DateOf(h.clock.Now(), tokyo), nil) // rows without a job
			require.NoError(t, err)
			var ids []string
			for _, r := range h.reminders(domain.ReminderFilter{}) {
				ids = append(ids, r.ID)
			}
			require.NotEmpty(t, ids)
			ok, err := h.db.LeaseReminders(ctx, ids, "other", time.Hour)
			require.NoError(t, err)
			require.True(t, ok)

			w := &jobs.ReminderDigestWorker{Store: h.db, Lease: time.Minute}
			err = w.Work(ctx, &river.Job[jobs.ReminderDigestArgs]{JobRow: &rivertype.JobRow{ID: 7, Attempt: 1, MaxAttempts: 5},
				Args: jobs.ReminderDigestArgs{RecipientID: owner.ID, ReminderIDs: ids}})
			var snooze *rivertype.JobSnoozeError
			require.ErrorAs(t, err, &snooze)
			require.Equal(t, time.Minute, snooze.Duration)
			require.Empty(t, h.smtp.Messages())
			for _, r := range h.reminders(domain.ReminderFilter{}) {
				require.Equal(t, domain.ReminderQueued, r.Status)
				require.Zero(t, r.Attempts)
			}
		})
	}
}
