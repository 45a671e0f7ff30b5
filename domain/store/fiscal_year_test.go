package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// TestFiscalYearOutsideTheRegisterIsInvalid: a caller other than the API
// (which bounds the parameter) gets EINVALID naming fiscal_year, never a
// database error, for a fiscal year whose dates the register cannot hold.
func TestFiscalYearOutsideTheRegisterIsInvalid(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		ctx, p := context.Background(), domain.PageRequest{}
		for _, fy := range []int{domain.MinFiscalYear - 1, domain.MaxFiscalYear + 1, -5} {
			errs := map[string]error{}
			_, errs["contracts"] = db.ListContracts(ctx, domain.ContractFilter{FiscalYear: fy}, p)
			_, errs["confirmations"] = db.ListConfirmations(ctx, domain.ConfirmationFilter{FiscalYear: fy}, p)
			_, errs["corrective actions"] = db.ListCorrectiveActions(ctx, domain.CorrectiveActionFilter{FiscalYear: fy}, p)
			_, errs["cloud services"] = db.ListCloudServices(ctx, domain.CloudServiceFilter{FiscalYear: fy}, p)
			_, errs["social accounts"] = db.ListSocialAccounts(ctx, domain.SocialAccountFilter{FiscalYear: fy}, p)
			_, errs["reviews"] = db.ListReviews(ctx, domain.ReviewFilter{FiscalYear: fy}, p)
			_, errs["reminders"] = db.ListReminders(ctx, domain.ReminderFilter{FiscalYear: fy}, p)
			_, errs["audit events"] = db.ListAuditEvents(ctx, domain.AuditFilter{FiscalYear: fy}, p)
			for list, err := range errs {
				require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(err), "%s, fiscal year %d: %v", list, fy, err)
				var de *domain.Error
				require.ErrorAs(t, err, &de)
				require.Equal(t, "fiscal_year", de.Fields[0].Field)
			}
		}
		for _, fy := range []int{domain.MinFiscalYear, domain.MaxFiscalYear} {
			_, err := db.ListContracts(ctx, domain.ContractFilter{FiscalYear: fy}, p)
			require.NoError(t, err, "fiscal year %d", fy)
			_, err = db.ListAuditEvents(ctx, domain.AuditFilter{FiscalYear: fy}, p)
			require.NoError(t, err, "fiscal year %d", fy)
		}
	})
}
