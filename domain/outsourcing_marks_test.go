package domain_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func TestNoticeDeadline(t *testing.T) {
	c := &domain.Contract{EndDate: domain.NewDate(2027, 3, 31), NoticePeriodDays: 30}
	require.Equal(t, domain.NewDate(2027, 3, 1), c.NoticeDeadline())
	require.True(t, (&domain.Contract{}).NoticeDeadline().IsZero(), "open-ended")
}

func TestCertificationExpiringOn(t *testing.T) {
	p := domain.PolicySettings{ReminderLeadDays: []int{30, 7}, EscalationDelayDays: 3}
	today := domain.NewDate(2027, 1, 10)
	for _, tc := range []struct {
		until domain.Date
		want  bool
	}{
		{today.AddDays(-1), false}, // expired, not expiring
		{today, true},
		{today.AddDays(30), true},
		{today.AddDays(31), false},
	} {
		require.Equal(t, tc.want, domain.Certification{ValidUntil: tc.until}.ExpiringOn(today, p), tc.until.String())
	}
}
