package store_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// An overdue item that arrives by import is reminded on the next scan
// (Step 1's rule): a social-media account imported with a yearly review,
// whose review date has long passed when the next due-scan runs, gets its
// overdue reminder from that scan, through the same ledger.
func TestImportedItemIsRemindedOnTheNextScan(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2025, time.January, 10, 9, 0, 0))
		ctx, admin := outSeed(t, db)
		deps, err := db.ListDepartments(ctx, domain.DepartmentFilter{}, domain.PageRequest{})
		require.NoError(t, err)
		csv := "platform,handle,purpose,department,responsible_person_email,operating_procedure.document_ref,operating_procedure.approved_on,review_interval_months\n" +
			"x,@overdue_import,お知らせ," + deps.Items[0].Name + "," + admin.Email + ",SNS-9,2024-12-01,12\n"
		im, err := db.CreateImport(ctx, domain.ImportUpload{Register: domain.RegisterSocialAccounts, FileName: "sns.csv", Content: bytes.NewReader([]byte(csv))})
		require.NoError(t, err)
		require.Equal(t, domain.ImportSummary{Create: 1}, im.Summary)
		_, err = db.CommitImport(ctx, im.ID, &im.Version, im.SHA256)
		require.NoError(t, err)
		rows, err := db.ImportRows(ctx, im.ID, false, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, rows.Items, 1)

		page, err := db.ListSocialAccounts(ctx, domain.SocialAccountFilter{}, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		acc := page.Items[0]
		require.Equal(t, "2026-01-09", acc.NextReviewDue.String(), "a year after the import, on the business day before")

		// The next scan, long after the date: the overdue reminder is written.
		clock.Set(outTokyo(t, 2027, time.March, 1, 9, 0, 0))
		_, err = db.ScanDue(ctx, outDate(t, "2027-03-01"), nil)
		require.NoError(t, err)
		rem, err := db.ListReminders(ctx, domain.ReminderFilter{SubjectID: acc.ID}, domain.PageRequest{Limit: domain.MaxPageSize})
		require.NoError(t, err)
		require.NotEmpty(t, rem.Items)
		var overdue int
		for _, r := range rem.Items {
			require.Equal(t, domain.SubjectSocialAccountReview, r.SubjectType)
			if r.Stage == domain.StageOverdue && r.RecipientID == admin.ID {
				overdue++
			}
		}
		require.Equal(t, 1, overdue, "%+v", rem.Items)

		// The commit's audit events are chained like any other: appended
		// after, and before, other changes.
		_, err = db.CreateVendor(ctx, domain.VendorInput{Name: "後の変更", OwnerID: admin.ID})
		require.NoError(t, err)
		v, err := db.VerifyAuditChain(ctx)
		require.NoError(t, err)
		require.True(t, v.OK, "%+v", v.FirstBroken)
	})
}
