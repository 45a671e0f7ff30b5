package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// The due-scan's own changes: an auto-renewing contract rolls forward when
// its end passes, and a risk acceptance that ran out reopens its action.

func TestTheScanRenewsAnAutoRenewingContract(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2026, time.April, 1, 9, 0, 0))
		ctx, admin := outSeed(t, db)
		v := outApprovedVendor(t, ctx, db, admin, "自動更新株式会社", nil)
		c := outActiveContract(t, ctx, db, domain.ContractInput{VendorID: v.ID, Title: "自動更新の保守契約", OwnerID: admin.ID,
			StartDate: outDate(t, "2026-04-01"), EndDate: outDate(t, "2027-03-31"), NoticePeriodDays: 30, AutoRenew: true,
			RenewalTermMonths: 6, InformationAssets: outAssets(domain.Confidentiality2)})
		require.Equal(t, 6, c.RenewalTermMonths)
		plain := outActiveContract(t, ctx, db, domain.ContractInput{VendorID: v.ID, Title: "更新しない契約", OwnerID: admin.ID,
			StartDate: outDate(t, "2026-04-01"), EndDate: outDate(t, "2027-03-31"), NoticePeriodDays: 30, InformationAssets: outAssets(domain.Confidentiality1)})

		// On the last day nothing renews or expires. The confirmation due
		// 30 days before the end (2027-03-01) was scheduled and never done.
		clock.Set(outTokyo(t, 2027, time.March, 31, 9, 0, 0))
		rep, err := db.ScanDue(ctx, outDate(t, "2027-03-31"), nil)
		require.NoError(t, err)
		require.Zero(t, rep.ContractsRenewed)
		require.Zero(t, rep.ContractsExpired)
		overdue := outConfirmationIDs(t, ctx, db, domain.ConfirmationFilter{ContractID: c.ID, Status: domain.ConfirmationOverdue})
		require.Len(t, overdue, 1)
		plainDue := outConfirmationIDs(t, ctx, db, domain.ConfirmationFilter{ContractID: plain.ID})
		require.Len(t, plainDue, 1, "the contract that expires has its confirmation scheduled too")
		plainReminders, err := db.ListReminders(ctx, domain.ReminderFilter{SubjectID: plainDue[0], Status: domain.ReminderQueued}, domain.PageRequest{Limit: domain.MaxPageSize})
		require.NoError(t, err)
		require.NotEmpty(t, plainReminders.Items)

		// The day after: the auto-renewing one gains a term, the other expires.
		clock.Set(outTokyo(t, 2027, time.April, 1, 9, 0, 0))
		rep, err = db.ScanDue(ctx, outDate(t, "2027-04-01"), nil)
		require.NoError(t, err)
		require.Equal(t, 1, rep.ContractsRenewed)
		require.Equal(t, 1, rep.ContractsExpired)
		c, err = db.FindContract(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, domain.ContractActive, c.Status)
		require.Equal(t, "2027-09-30", c.EndDate.String(), "one term of 6 months")
		require.Equal(t, "2027-07-02", c.RenewalReviewDueNominal.String(), "the next renewal review: 09-30 − 30 − 60")
		require.Equal(t, "2027-07-02", c.RenewalReviewDue.String(), "a Friday")
		// Its confirmation falls due inside the new term.
		require.False(t, c.NextConfirmationDue.After(c.EndDate), "next confirmation %s inside the term ending %s", c.NextConfirmationDue, c.EndDate)
		// The renewal does not silence the overdue confirmation of the old term.
		stillDue, err := db.FindConfirmation(ctx, overdue[0])
		require.NoError(t, err)
		require.Equal(t, domain.ConfirmationOverdue, stillDue.Status)
		require.Equal(t, "2027-03-01", stillDue.DueDate.String())
		plain, err = db.FindContract(ctx, plain.ID)
		require.NoError(t, err)
		require.Equal(t, domain.ContractExpired, plain.Status)
		// An expired contract has nothing left to confirm: its scheduled
		// confirmation is gone, with an audit event, and what was queued
		// about it is cancelled.
		require.Empty(t, outConfirmationIDs(t, ctx, db, domain.ConfirmationFilter{ContractID: plain.ID}))
		gone, err := db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "confirmation", EntityID: plainDue[0]}, domain.PageRequest{Limit: domain.MaxPageSize})
		require.NoError(t, err)
		require.Equal(t, domain.AuditDelete, gone.Items[len(gone.Items)-1].Action)
		require.Equal(t, "its contract ended", gone.Items[len(gone.Items)-1].Reason)
		after, err := db.ListReminders(ctx, domain.ReminderFilter{SubjectID: plainDue[0]}, domain.PageRequest{Limit: domain.MaxPageSize})
		require.NoError(t, err)
		cancelled := map[string]string{}
		for _, r := range after.Items {
			if r.Status == domain.ReminderCancelled {
				cancelled[r.ID] = r.CancelReason
			}
		}
		for _, r := range plainReminders.Items {
			require.Equal(t, domain.CancelSubjectChanged, cancelled[r.ID], "reminder %s cancelled", r.ID)
		}
		plainEvents, err := db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "contract", EntityID: plain.ID}, domain.PageRequest{Limit: domain.MaxPageSize})
		require.NoError(t, err)
		expired := plainEvents.Items[len(plainEvents.Items)-1]
		require.Equal(t, "expire", expired.Action)
		require.Equal(t, "end date 2027-03-31 passed without auto-renewal", expired.Reason)
		require.Contains(t, string(expired.Before), `"status":"active"`)
		require.Contains(t, string(expired.After), `"status":"expired"`)

		events, err := db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "contract", EntityID: c.ID}, domain.PageRequest{Limit: domain.MaxPageSize})
		require.NoError(t, err)
		last := events.Items[len(events.Items)-1]
		require.Equal(t, "renew", last.Action)
		require.Contains(t, last.Reason, "2027-09-30")
		require.Nil(t, last.ActorID, "the scan renews as the system")

		// A second scan of the day renews nothing more.
		rep, err = db.ScanDue(ctx, outDate(t, "2027-04-01"), nil)
		require.NoError(t, err)
		require.Zero(t, rep.ContractsRenewed)

		// After a long outage it catches up whole terms at once.
		clock.Set(outTokyo(t, 2028, time.May, 1, 9, 0, 0))
		rep, err = db.ScanDue(ctx, outDate(t, "2028-05-01"), nil)
		require.NoError(t, err)
		require.Equal(t, 1, rep.ContractsRenewed)
		c, err = db.FindContract(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, "2028-09-30", c.EndDate.String())
	})
}

func TestAnExpiredRiskAcceptanceReopensTheAction(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2026, time.June, 1, 9, 0, 0))
		ctx, admin := outSeed(t, db)
		v := outApprovedVendor(t, ctx, db, admin, "受容株式会社", nil)
		c := outActiveContract(t, ctx, db, domain.ContractInput{VendorID: v.ID, Title: "受容の契約", OwnerID: admin.ID,
			StartDate: outDate(t, "2026-04-01"), InformationAssets: outAssets(domain.Confidentiality1)})
		conf, err := db.CreateConfirmation(ctx, domain.ConfirmationInput{ContractID: c.ID, DueDate: outDate(t, "2026-06-30")})
		require.NoError(t, err)
		actionID := outCompleteWithFinding(t, ctx, db, conf, admin, outDate(t, "2026-06-01"), outDate(t, "2026-07-31"))

		sup, err := db.CreatePerson(ctx, domain.PersonInput{Name: "統括 責任者", Email: "sup@example.lg.jp", DepartmentID: admin.DepartmentID,
			SecurityRoles: []domain.SecurityRole{domain.SecurityRoleSupervisor}})
		require.NoError(t, err)
		asSup := domain.WithActor(ctx, domain.Actor{PersonID: sup.ID, Role: domain.RoleEditor, Name: sup.Name})
		a, err := db.AcceptCorrectiveActionRisk(asSup, actionID, nil, domain.RiskAcceptance{Resolution: "次期契約で是正", AcceptedUntil: outDate(t, "2026-09-30")})
		require.NoError(t, err)
		require.Equal(t, domain.ActionRiskAccepted, a.Status)
		require.Equal(t, sup.ID, a.ClosedBy)
		require.Equal(t, "2026-09-30", a.AcceptedUntil.String())

		// The acceptance holds through its last day.
		rep, err := db.ScanDue(ctx, outDate(t, "2026-09-30"), nil)
		require.NoError(t, err)
		require.Zero(t, rep.RiskAcceptancesExpired)

		// The day after, the action is open again, due on that last day, and reminded.
		clock.Set(outTokyo(t, 2026, time.October, 1, 9, 0, 0))
		rep, err = db.ScanDue(ctx, outDate(t, "2026-10-01"), nil)
		require.NoError(t, err)
		require.Equal(t, 1, rep.RiskAcceptancesExpired)
		a, err = db.FindCorrectiveAction(ctx, actionID)
		require.NoError(t, err)
		require.Equal(t, domain.ActionOpen, a.Status)
		require.Equal(t, "2026-09-30", a.DueDate.String())
		require.True(t, a.Overdue)
		require.Empty(t, a.ClosedBy)
		events, err := db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "corrective_action", EntityID: actionID}, domain.PageRequest{Limit: domain.MaxPageSize})
		require.NoError(t, err)
		require.Equal(t, "risk_acceptance_expired", events.Items[len(events.Items)-1].Action)
		rows, err := db.ListReminders(ctx, domain.ReminderFilter{SubjectID: actionID}, domain.PageRequest{Limit: domain.MaxPageSize})
		require.NoError(t, err)
		require.NotEmpty(t, rows.Items, "the reopened action is reminded by the same scan")
		require.Equal(t, "due", rows.Items[0].Stage)
	})
}
