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

// auditActions lists the actions of an entity's audit events, oldest first.
func auditActions(t *testing.T, ctx context.Context, db *store.DB, entityType, id string) []string {
	t.Helper()
	page, err := db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: entityType, EntityID: id}, domain.PageRequest{Limit: domain.MaxPageSize})
	require.NoError(t, err)
	var out []string
	for _, e := range page.Items {
		out = append(out, e.Action)
	}
	return out
}

func TestAScheduledConfirmationFollowsItsContractsDate(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2026, time.April, 1, 9, 0, 0))
		ctx, admin := outSeed(t, db)
		v := outApprovedVendor(t, ctx, db, admin, "両備システム", nil)
		contract := func(title string, c domain.Confidentiality) *domain.Contract {
			return outActiveContract(t, ctx, db, domain.ContractInput{VendorID: v.ID, Title: title, OwnerID: admin.ID,
				StartDate: outDate(t, "2026-04-01"), EndDate: outDate(t, "2029-03-31"), NoticePeriodDays: 30, InformationAssets: outAssets(c)})
		}
		b := contract("B", domain.Confidentiality2)
		require.Equal(t, "2027-04-01", b.NextConfirmationDue.String())
		following, err := db.CreateConfirmation(ctx, domain.ConfirmationInput{ContractID: b.ID})
		require.NoError(t, err)
		require.Equal(t, b.NextConfirmationDue, following.DueDate)

		// A confidentiality-3 contract makes the vendor high: B's date moves
		// to six months, and its scheduled confirmation with it.
		contract("A", domain.Confidentiality3)
		moved, err := db.FindConfirmation(ctx, following.ID)
		require.NoError(t, err)
		require.Equal(t, "2026-10-01", moved.DueDate.String())
		require.Equal(t, following.Version+1, moved.Version, "a new version, so ETags held by clients go stale")
		require.Equal(t, []string{"create", "move_due_date"}, auditActions(t, ctx, db, "confirmation", following.ID))
		require.Contains(t, auditActions(t, ctx, db, "contract", b.ID), "derive_due_dates")
	})
}

func TestAConfirmationGivenItsOwnDateStaysThere(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2026, time.April, 1, 9, 0, 0))
		ctx, admin := outSeed(t, db)
		v := outApprovedVendor(t, ctx, db, admin, "手動日程株式会社", nil)
		b := outActiveContract(t, ctx, db, domain.ContractInput{VendorID: v.ID, Title: "B", OwnerID: admin.ID,
			StartDate: outDate(t, "2026-04-01"), EndDate: outDate(t, "2029-03-31"), InformationAssets: outAssets(domain.Confidentiality2)})
		chosen := outDate(t, "2026-12-15")
		own, err := db.CreateConfirmation(ctx, domain.ConfirmationInput{ContractID: b.ID, DueDate: chosen})
		require.NoError(t, err)

		settings, err := db.GetSettings(ctx)
		require.NoError(t, err)
		changed := settings.PolicySettings
		changed.ConfirmationIntervalMonths.Medium = 3
		_, err = db.ReplaceSettings(ctx, nil, changed)
		require.NoError(t, err)

		kept, err := db.FindConfirmation(ctx, own.ID)
		require.NoError(t, err)
		require.Equal(t, chosen, kept.DueDate)
		require.Equal(t, own.Version, kept.Version)
	})
}

func TestARenewalReviewMovedBySettingsStopsTheOldReminders(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2026, time.April, 1, 9, 0, 0))
		ctx, admin := outSeed(t, db)
		v := outApprovedVendor(t, ctx, db, admin, "更新審査株式会社", nil)
		c := outActiveContract(t, ctx, db, domain.ContractInput{VendorID: v.ID, Title: "更新のある委託", OwnerID: admin.ID,
			StartDate: outDate(t, "2025-07-01"), EndDate: outDate(t, "2026-06-30"), InformationAssets: outAssets(domain.Confidentiality1)})
		require.Equal(t, "2026-05-01", c.RenewalReviewDue.String())

		clock.Set(outTokyo(t, 2026, time.May, 1, 9, 0, 0))
		_, err := db.ScanDue(ctx, outDate(t, "2026-05-01"), nil)
		require.NoError(t, err)
		queued, err := db.ListReminders(ctx, domain.ReminderFilter{SubjectID: c.ID}, domain.PageRequest{Limit: domain.MaxPageSize})
		require.NoError(t, err)
		require.NotEmpty(t, queued.Items)

		settings, err := db.GetSettings(ctx)
		require.NoError(t, err)
		changed := settings.PolicySettings
		changed.RenewalReviewLeadDays = 10
		_, err = db.ReplaceSettings(ctx, nil, changed)
		require.NoError(t, err)

		after, err := db.ListReminders(ctx, domain.ReminderFilter{SubjectID: c.ID}, domain.PageRequest{Limit: domain.MaxPageSize})
		require.NoError(t, err)
		for _, r := range after.Items {
			require.Equal(t, domain.ReminderCancelled, r.Status, "%s for %s", r.Stage, r.DueDate)
		}

		// Moving the date back does not send the stopped stage again: its
		// mail may have gone out just before the cancel. Later stages will.
		settings, err = db.GetSettings(ctx)
		require.NoError(t, err)
		_, err = db.ReplaceSettings(ctx, &settings.Version, domain.DefaultPolicySettings)
		require.NoError(t, err)
		rep, err := db.ScanDue(ctx, outDate(t, "2026-05-01"), nil)
		require.NoError(t, err)
		require.Zero(t, rep.RemindersQueued)
	})
}

func TestChangingOneCertificationKeepsTheRemindersOfTheOthers(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2027, time.March, 24, 9, 0, 0))
		ctx, admin := outSeed(t, db)
		iso := domain.Certification{Kind: domain.CertISO27001, Number: "IS 111", ValidUntil: outDate(t, "2027-03-31")}
		pmark := domain.Certification{Kind: domain.CertPrivacyMark, Number: "PM 222", ValidUntil: outDate(t, "2027-09-30")}
		v := outApprovedVendor(t, ctx, db, admin, "認証更新株式会社", []domain.Certification{iso, pmark})
		_, err := db.ScanDue(ctx, outDate(t, "2027-03-24"), nil)
		require.NoError(t, err)
		status := func() []domain.ReminderStatus {
			page, err := db.ListReminders(ctx, domain.ReminderFilter{SubjectID: v.ID}, domain.PageRequest{Limit: domain.MaxPageSize})
			require.NoError(t, err)
			var out []domain.ReminderStatus
			for _, r := range page.Items {
				out = append(out, r.Status)
			}
			return out
		}
		require.Equal(t, []domain.ReminderStatus{domain.ReminderQueued}, status(), "the ISO certificate's 7-day stage")

		replace := func(certs ...domain.Certification) {
			t.Helper()
			_, err := db.ReplaceVendor(ctx, v.ID, nil, domain.VendorInput{Name: v.Name, OwnerID: admin.ID, Certifications: certs})
			require.NoError(t, err)
		}
		renewed := pmark
		renewed.ValidUntil = outDate(t, "2029-09-30")
		replace(iso, renewed)
		require.Equal(t, []domain.ReminderStatus{domain.ReminderQueued}, status(), "another certification's new date changes nothing here")

		isoRenewed := iso
		isoRenewed.ValidUntil = outDate(t, "2030-03-31")
		replace(isoRenewed, renewed)
		require.Equal(t, []domain.ReminderStatus{domain.ReminderCancelled}, status(), "the renewed certificate's reminder stops")
	})
}

func TestTerminatingAVendorStopsItsCertificationReminders(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2027, time.March, 24, 9, 0, 0))
		ctx, admin := outSeed(t, db)
		v := outApprovedVendor(t, ctx, db, admin, "契約終了株式会社",
			[]domain.Certification{{Kind: domain.CertISO27001, Number: "IS 333", ValidUntil: outDate(t, "2027-03-31")}})
		_, err := db.ScanDue(ctx, outDate(t, "2027-03-24"), nil)
		require.NoError(t, err)
		_, err = db.ChangeVendorStatus(ctx, v.ID, nil, domain.VendorTerminated, "委託終了")
		require.NoError(t, err)
		page, err := db.ListReminders(ctx, domain.ReminderFilter{SubjectID: v.ID}, domain.PageRequest{Limit: domain.MaxPageSize})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		require.Equal(t, domain.ReminderCancelled, page.Items[0].Status)
	})
}
