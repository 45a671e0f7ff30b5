package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// TestReadingSettingsLeavesTheDefaultsAlone: stored lists shorter than the
// defaults' are decoded into lists of their own, not into the defaults'
// arrays, which every database of the process shares.
func TestReadingSettingsLeavesTheDefaultsAlone(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		ctx, _ := outSeed(t, db)
		s, err := db.GetSettings(ctx)
		require.NoError(t, err)
		in := s.PolicySettings
		in.ReminderLeadDays = []int{14}
		in.ClosureDays = []string{"05-01"}
		_, err = db.ReplaceSettings(ctx, &s.Version, in)
		require.NoError(t, err)
		got, err := db.GetSettings(ctx)
		require.NoError(t, err)
		require.Equal(t, []int{14}, got.ReminderLeadDays)
		require.Equal(t, []int{30, 7, 1}, domain.DefaultPolicySettings.ReminderLeadDays)
		require.Equal(t, []string{"12-29", "12-30", "12-31", "01-01", "01-02", "01-03"}, domain.DefaultPolicySettings.ClosureDays)
	})
}
