package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// Due dates move to the previous business day: weekends, national holidays
// and the body's closure days (settings). Every stored due date does, the
// nominal date stays beside it, and a change of closure days moves them.
func TestDueDatesFallOnBusinessDays(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2026, time.December, 1, 9, 0, 0))
		ctx, admin := outSeed(t, db)
		v := outApprovedVendor(t, ctx, db, admin, "営業日株式会社", nil)
		// Renewal review: 2027-03-31 − 30 − 60 = 2026-12-31, in the year-end closure.
		c := outActiveContract(t, ctx, db, domain.ContractInput{VendorID: v.ID, Title: "年末の契約", OwnerID: admin.ID,
			StartDate: outDate(t, "2026-04-01"), EndDate: outDate(t, "2027-03-31"), NoticePeriodDays: 30, InformationAssets: outAssets(domain.Confidentiality1)})
		require.Equal(t, "2026-12-31", c.RenewalReviewDueNominal.String())
		require.Equal(t, "2026-12-28", c.RenewalReviewDue.String())
		// Confirmation 30 days before the end: 2027-03-01, a Monday, stays.
		require.Equal(t, "2027-03-01", c.NextConfirmationDue.String())
		require.Equal(t, c.NextConfirmationDue, c.NextConfirmationDueNominal)

		// A confirmation asked for on a Sunday, and the national holiday 2027-03-22
		// (春分の日の振替休日: 3-21 is a Sunday): both move back.
		conf, err := db.CreateConfirmation(ctx, domain.ConfirmationInput{ContractID: c.ID, DueDate: outDate(t, "2027-01-17")})
		require.NoError(t, err)
		require.Equal(t, "2027-01-17", conf.DueDateNominal.String())
		require.Equal(t, "2027-01-15", conf.DueDate.String(), "Sunday → Friday")

		actionID := outCompleteWithFinding(t, ctx, db, conf, admin, outDate(t, "2026-12-01"), outDate(t, "2027-03-22"))
		action, err := db.FindCorrectiveAction(ctx, actionID)
		require.NoError(t, err)
		require.Equal(t, "2027-03-22", action.DueDateNominal.String())
		require.Equal(t, "2027-03-19", action.DueDate.String(), "a substitute holiday on Monday → the Friday before")
		action, err = db.ReplaceCorrectiveAction(ctx, action.ID, nil, domain.CorrectiveActionInput{Description: action.Description,
			Severity: action.Severity, OwnerID: action.OwnerID, DueDate: outDate(t, "2027-05-05")})
		require.NoError(t, err)
		require.Equal(t, "2027-04-30", action.DueDate.String(), "golden week (5-3, 5-4, 5-5) and the weekend before it")

		// Closure days from the settings: closing 2026-12-28 and 2027-04-30 moves
		// every date that was due on them, and the settings event counts them.
		settings, err := db.GetSettings(ctx)
		require.NoError(t, err)
		p := settings.PolicySettings
		p.ClosureDays = append(append([]string{}, p.ClosureDays...), "2026-12-28", "04-30")
		_, err = db.ReplaceSettings(ctx, &settings.Version, p)
		require.NoError(t, err)
		c, err = db.FindContract(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, "2026-12-25", c.RenewalReviewDue.String())
		require.Equal(t, "2026-12-31", c.RenewalReviewDueNominal.String())
		action, err = db.FindCorrectiveAction(ctx, action.ID)
		require.NoError(t, err)
		require.Equal(t, "2027-04-28", action.DueDate.String(), "4-29 is 昭和の日")
		require.Equal(t, "2027-05-05", action.DueDateNominal.String())
		events, err := db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "settings"}, domain.PageRequest{Limit: domain.MaxPageSize})
		require.NoError(t, err)
		require.Contains(t, events.Items[len(events.Items)-1].Reason, "1 other due dates moved")

		// An empty list means no closure days at all.
		settings, err = db.GetSettings(ctx)
		require.NoError(t, err)
		p = settings.PolicySettings
		p.ClosureDays = []string{}
		_, err = db.ReplaceSettings(ctx, &settings.Version, p)
		require.NoError(t, err)
		c, err = db.FindContract(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, "2026-12-31", c.RenewalReviewDue.String(), "a Thursday, open without closure days")
		got, err := db.GetSettings(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{}, got.ClosureDays, "an empty list stays empty, not the default")

		// A malformed closure day is a 422 naming it.
		p.ClosureDays = []string{"12-32"}
		_, err = db.ReplaceSettings(ctx, &got.Version, p)
		require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(err), "%v", err)
		require.Equal(t, "closure_days[0]", err.(*domain.Error).Fields[0].Field)
	})
}

// Rows written before the nominal dates existed get them, and their dates
// move to business days, when the store starts (SeedIfEmpty).
func TestDueDatesFromBeforeTheCalendarMoveAtStart(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2026, time.December, 1, 9, 0, 0))
		ctx, admin := outSeed(t, db)
		v := outApprovedVendor(t, ctx, db, admin, "旧株式会社", nil)
		c := outActiveContract(t, ctx, db, domain.ContractInput{VendorID: v.ID, Title: "旧契約", OwnerID: admin.ID,
			StartDate: outDate(t, "2026-04-01"), EndDate: outDate(t, "2027-03-31"), NoticePeriodDays: 30, InformationAssets: outAssets(domain.Confidentiality1)})
		// As an older binary wrote it: the rule's date, no nominal date.
		_, err := db.SQL().ExecContext(ctx, rebind(db, "UPDATE contracts SET renewal_review_due = ?, renewal_review_nominal = NULL WHERE id = ?"), "2026-12-31", c.ID)
		require.NoError(t, err)

		_, err = db.SeedIfEmpty(context.Background())
		require.NoError(t, err)
		c, err = db.FindContract(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, "2026-12-28", c.RenewalReviewDue.String())
		require.Equal(t, "2026-12-31", c.RenewalReviewDueNominal.String())
		moved, err := db.FillBusinessDueDates(ctx)
		require.NoError(t, err)
		require.Zero(t, moved, "a second start has nothing to move")
	})
}

// rebind turns ? placeholders into $n on PostgreSQL.
func rebind(db *store.DB, q string) string {
	if db.Kind() != store.Postgres {
		return q
	}
	out, n := []byte{}, 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = append(out, '$')
			out = strconv.AppendInt(out, int64(n), 10)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}
