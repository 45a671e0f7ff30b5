package domain_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func date(t *testing.T, s string) domain.Date {
	t.Helper()
	d, err := domain.ParseDate(s)
	require.NoError(t, err)
	return d
}

func TestNextConfirmationDueWithinTheTerm(t *testing.T) {
	p := domain.DefaultPolicySettings
	active := func(start, end, last string, tier domain.RiskTier, lastDue ...string) domain.ContractSchedule {
		s := domain.ContractSchedule{Status: domain.ContractActive, StartDate: date(t, start), Tier: tier}
		if len(lastDue) > 0 {
			s.LastConfirmationDue = date(t, lastDue[0])
		}
		if end != "" {
			s.EndDate = date(t, end)
		}
		if last != "" {
			s.LastConfirmedOn = date(t, last)
		}
		return s
	}
	cases := []struct {
		name string
		s    domain.ContractSchedule
		want string
	}{
		// The example: a medium one-year contract used to be due on 2027-04-01, after it ended.
		{"one-year medium: 30 days before the end", active("2026-04-01", "2027-03-31", "", domain.RiskMedium), "2027-03-01"},
		{"one-year low: 30 days before the end", active("2026-04-01", "2027-03-31", "", domain.RiskLow), "2027-03-01"},
		{"one-year high: the interval comes first", active("2026-04-01", "2027-03-31", "", domain.RiskHigh), "2026-10-01"},
		{"one-year high after the first: before the end", active("2026-04-01", "2027-03-31", "2026-10-01", domain.RiskHigh), "2027-03-01"},
		{"interval exactly on the end date stays", active("2026-04-01", "2027-04-01", "", domain.RiskMedium), "2027-04-01"},
		{"multi-year: the interval", active("2026-04-01", "2029-03-31", "", domain.RiskMedium), "2027-04-01"},
		{"open-ended: the interval", active("2026-04-01", "", "", domain.RiskLow), "2028-04-01"},
		{"the one before the end, completed: nothing more due", active("2026-04-01", "2027-03-31", "2027-02-20", domain.RiskMedium, "2027-03-01"), ""},
		{"the one before the end, completed early: nothing more due", active("2026-04-01", "2027-03-31", "2026-12-01", domain.RiskMedium, "2027-03-01"), ""},
		{"one due later than that, completed: nothing more due", active("2026-04-01", "2027-03-31", "2027-03-10", domain.RiskMedium, "2027-03-20"), ""},
		{"one due earlier, completed late: once more before the end", active("2026-04-01", "2027-03-31", "2027-02-20", domain.RiskMedium, "2026-12-20"), "2027-03-01"},
		{"confirmed earlier in the term: once more before the end", active("2026-04-01", "2027-03-31", "2026-06-01", domain.RiskLow), "2027-03-01"},
		{"a term shorter than the lead: due on its first day", active("2026-04-01", "2026-04-20", "", domain.RiskMedium), "2026-04-01"},
		{"a draft has none", domain.ContractSchedule{Status: domain.ContractDraft, StartDate: date(t, "2026-04-01"), EndDate: date(t, "2027-03-31")}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, c.s.NextConfirmationDue(p).String())
			if got := c.s.NextConfirmationDue(p); !got.IsZero() && !c.s.EndDate.IsZero() {
				require.False(t, got.After(c.s.EndDate), "a confirmation must fall due inside the term")
			}
		})
	}

	custom := p
	custom.ConfirmationBeforeEndDays = 60
	require.Equal(t, "2027-01-30", active("2026-04-01", "2027-03-31", "", domain.RiskMedium).NextConfirmationDue(custom).String(),
		"confirmation_before_end_days is a setting")
}

func TestAutoRenewalTerms(t *testing.T) {
	s := domain.ContractSchedule{Status: domain.ContractActive, StartDate: date(t, "2026-04-01"), EndDate: date(t, "2027-03-31"),
		AutoRenew: true, RenewalTermMonths: 12, Tier: domain.RiskMedium}
	end, n := s.RenewedEnd(date(t, "2027-03-31"))
	require.Equal(t, 0, n, "nothing to renew on the last day")
	require.Equal(t, "2027-03-31", end.String())
	end, n = s.RenewedEnd(date(t, "2027-04-01"))
	require.Equal(t, 1, n)
	require.Equal(t, "2028-03-31", end.String())
	end, n = s.RenewedEnd(date(t, "2029-06-01"))
	require.Equal(t, 3, n, "a scan missed for two years catches up whole terms")
	require.Equal(t, "2030-03-31", end.String())

	feb := domain.ContractSchedule{StartDate: date(t, "2026-03-01"), EndDate: date(t, "2027-02-28"), AutoRenew: true, RenewalTermMonths: 12}
	end, _ = feb.RenewedEnd(date(t, "2027-03-01"))
	require.Equal(t, "2028-02-29", end.String(), "a term ending on a month end keeps ending on one")

	require.Equal(t, "2026-04-01", s.TermStart().String())
	s.EndDate = date(t, "2028-03-31")
	require.Equal(t, "2027-04-01", s.TermStart().String(), "the renewed term starts the day after the previous end")
	s.LastConfirmedOn = date(t, "2027-03-01")
	require.Equal(t, "2028-03-01", s.NextConfirmationDue(domain.DefaultPolicySettings).String(),
		"a confirmation of the previous term does not count for the new one")

	none := domain.ContractSchedule{EndDate: date(t, "2027-03-31")}
	_, n = none.RenewedEnd(date(t, "2030-01-01"))
	require.Zero(t, n, "a contract without auto_renew never renews")
}

func TestNoticePeriodRefusal(t *testing.T) {
	p := domain.DefaultPolicySettings // 60 days' review lead
	in := func(start, end string, notice int) domain.ContractInput {
		c := domain.ContractInput{StartDate: date(t, start), NoticePeriodDays: notice}
		if end != "" {
			c.EndDate = date(t, end)
		}
		return c
	}
	require.Empty(t, domain.NoticePeriodRefusal(in("2026-04-01", "2027-03-31", 30), p))
	require.Empty(t, domain.NoticePeriodRefusal(in("2026-04-01", "", 400), p), "open-ended contracts have no renewal review")
	fe := domain.NoticePeriodRefusal(in("2026-04-01", "2026-06-30", 120), p)
	require.Len(t, fe, 1)
	require.Equal(t, "notice_period_days", fe[0].Field)
	require.Contains(t, fe[0].Message, "longer than the contract's term of 91 days")
	fe = domain.NoticePeriodRefusal(in("2026-04-01", "2026-07-31", 90), p)
	require.Len(t, fe, 1)
	require.Equal(t, "notice_period_days", fe[0].Field)
	require.Contains(t, fe[0].Message, "before the start date")
}
