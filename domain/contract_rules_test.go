package domain_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func TestMissingClauses(t *testing.T) {
	clause := func(code string, mandatory, retired bool, status domain.ClauseStatus, waiver string) domain.ClauseCoverage {
		c := domain.ClauseCoverage{Code: code, Mandatory: mandatory, Retired: retired, Status: status, WaiverReason: waiver}
		if status == domain.ClauseIncluded {
			c.ArticleRef = "第12条"
		}
		if status == domain.ClauseWaived {
			c.Waiver = approvedWaiver(waiver)
		}
		return c
	}
	pending := clause("service_level_guarantee", true, false, domain.ClauseWaived, "SLAは別途覚書で定める")
	pending.Waiver = &domain.ClauseWaiver{Reason: pending.WaiverReason, RequestedBy: "p1", Pending: true}
	noWaiver := clause("service_level_guarantee", true, false, domain.ClauseWaived, "SLAは別途覚書で定める")
	noWaiver.Waiver = nil
	cases := []struct {
		name     string
		coverage []domain.ClauseCoverage
		want     []string
	}{
		{"no clauses", nil, nil},
		{"all mandatory included", []domain.ClauseCoverage{
			clause("confidentiality", true, false, domain.ClauseIncluded, ""),
			clause("staff_training", true, false, domain.ClauseIncluded, ""),
		}, nil},
		{"mandatory missing", []domain.ClauseCoverage{
			clause("confidentiality", true, false, domain.ClauseIncluded, ""),
			clause("staff_training", true, false, domain.ClauseMissing, ""),
		}, []string{"staff_training"}},
		{"mandatory with no status counts as missing", []domain.ClauseCoverage{
			clause("staff_training", true, false, "", ""),
		}, []string{"staff_training"}},
		{"waived with a reason is fine", []domain.ClauseCoverage{
			clause("service_level_guarantee", true, false, domain.ClauseWaived, "SLAは別途覚書で定める"),
		}, nil},
		{"waived but waiting for the second person counts as missing", []domain.ClauseCoverage{pending}, []string{"service_level_guarantee"}},
		{"waived with no waiver record counts as missing", []domain.ClauseCoverage{noWaiver}, []string{"service_level_guarantee"}},
		{"waived with an empty reason counts as missing", []domain.ClauseCoverage{
			clause("service_level_guarantee", true, false, domain.ClauseWaived, ""),
		}, []string{"service_level_guarantee"}},
		{"waived with a blank reason counts as missing", []domain.ClauseCoverage{
			clause("service_level_guarantee", true, false, domain.ClauseWaived, " \u3000\t"),
		}, []string{"service_level_guarantee"}},
		{"non-mandatory missing is ignored", []domain.ClauseCoverage{
			clause("local_extra", false, false, domain.ClauseMissing, ""),
		}, nil},
		{"non-mandatory waived without reason is ignored", []domain.ClauseCoverage{
			clause("local_extra", false, false, domain.ClauseWaived, ""),
		}, nil},
		{"retired mandatory missing is ignored", []domain.ClauseCoverage{
			clause("old_clause", true, true, domain.ClauseMissing, ""),
		}, nil},
		{"several missing, in catalogue order", []domain.ClauseCoverage{
			clause("policy_compliance", true, false, domain.ClauseMissing, ""),
			clause("confidentiality", true, false, domain.ClauseIncluded, ""),
			clause("old_clause", true, true, domain.ClauseMissing, ""),
			clause("breach_remedies", true, false, domain.ClauseWaived, ""),
			clause("local_extra", false, false, domain.ClauseMissing, ""),
		}, []string{"policy_compliance", "breach_remedies"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := domain.MissingClauses(c.coverage)
			if len(c.want) == 0 {
				require.Empty(t, got, "no clause should keep the contract from activation")
				return
			}
			require.Equal(t, c.want, got, "the missing mandatory clauses")
		})
	}
}

func approvedWaiver(reason string) *domain.ClauseWaiver {
	at := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	return &domain.ClauseWaiver{Reason: reason, RequestedBy: "p1", RequestedAt: &at, ApprovedBy: "p2", ApprovedAt: &at}
}

func TestActivationRefusal(t *testing.T) {
	missing := func(codes []string) []domain.ClauseCoverage {
		out := []domain.ClauseCoverage{{Code: "confidentiality", Mandatory: true, Status: domain.ClauseIncluded}}
		for _, c := range codes {
			out = append(out, domain.ClauseCoverage{Code: c, Mandatory: true, Status: domain.ClauseMissing})
		}
		return out
	}
	cases := []struct {
		name    string
		missing []string
	}{
		{"nil", nil},
		{"empty", []string{}},
		{"one", []string{"staff_training"}},
		{"three", []string{"policy_compliance", "staff_training", "breach_remedies"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := domain.ActivationRefusal(missing(c.missing))
			if len(c.missing) == 0 {
				require.NoError(t, err, "nothing missing means no refusal")
				return
			}
			require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(err), "a refusal should be EINVALID: %v", err)
			de, ok := err.(*domain.Error)
			require.True(t, ok, "the refusal should be a *domain.Error, got %T", err)
			require.Len(t, de.Fields, len(c.missing), "one field error per missing clause: %+v", de.Fields)
			for i, code := range c.missing {
				require.Equal(t, "clauses."+code, de.Fields[i].Field, "field error %d should point at the clause", i)
				require.Equal(t, code, de.Fields[i].Value, "field error %d should echo the code", i)
				require.NotEmpty(t, de.Fields[i].Message, "field error %d should say what to do", i)
				require.Contains(t, de.Message, code, "the message should name %s", code)
			}
		})
	}
}

func TestClauseCoverageInputCheck(t *testing.T) {
	cases := []struct {
		name string
		in   domain.ClauseCoverageInput
		want []string
	}{
		{"included with its article", domain.ClauseCoverageInput{Status: domain.ClauseIncluded, ArticleRef: "第12条"}, nil},
		{"included without article", domain.ClauseCoverageInput{Status: domain.ClauseIncluded}, []string{"article_ref"}},
		{"included with a blank article", domain.ClauseCoverageInput{Status: domain.ClauseIncluded, ArticleRef: "   "}, []string{"article_ref"}},
		{"included with only a waiver reason", domain.ClauseCoverageInput{Status: domain.ClauseIncluded, WaiverReason: "不要"}, []string{"article_ref"}},
		{"waived with a reason", domain.ClauseCoverageInput{Status: domain.ClauseWaived, WaiverReason: "クラウド利用のため該当なし"}, nil},
		{"waived without reason", domain.ClauseCoverageInput{Status: domain.ClauseWaived}, []string{"waiver_reason"}},
		{"waived with a blank reason", domain.ClauseCoverageInput{Status: domain.ClauseWaived, WaiverReason: "\n\t"}, []string{"waiver_reason"}},
		{"waived with only an article", domain.ClauseCoverageInput{Status: domain.ClauseWaived, ArticleRef: "第12条"}, []string{"waiver_reason"}},
		{"missing needs nothing", domain.ClauseCoverageInput{Status: domain.ClauseMissing}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.in.Check()
			require.Equal(t, c.want, fieldsOf(got), "Check(%+v) problems: %+v", c.in, got)
			for _, f := range got {
				require.NotEmpty(t, f.Message, "problem on %s should say what is wrong", f.Field)
			}
		})
	}
}

func TestContractInputCheck(t *testing.T) {
	cases := []struct {
		name                  string
		start, end            string
		subcontractingAllowed bool
		subcontractors        []string
		want                  []string
	}{
		{"start only (open-ended)", "2026-04-01", "", false, nil, nil},
		{"start and end", "2026-04-01", "2027-03-31", false, nil, nil},
		{"one-day contract", "2026-04-01", "2026-04-01", false, nil, nil},
		{"end before start", "2026-04-01", "2026-03-31", false, nil, []string{"end_date"}},
		{"missing start date", "", "", false, nil, []string{"start_date"}},
		{"missing start date with an end date", "", "2027-03-31", false, nil, []string{"start_date"}},
		{"subcontractors without subcontracting_allowed", "2026-04-01", "", false, []string{"株式会社下請"}, []string{"subcontractors"}},
		{"subcontractors with subcontracting_allowed", "2026-04-01", "", true, []string{"株式会社下請"}, nil},
		{"subcontracting allowed without names", "2026-04-01", "", true, nil, nil},
		{"every problem at once", "", "2027-03-31", false, []string{"株式会社下請"}, []string{"start_date", "subcontractors"}},
		{"end before start and subcontractors", "2026-04-01", "2025-04-01", false, []string{"株式会社下請"}, []string{"end_date", "subcontractors"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := domain.ContractInput{
				VendorID:              "0196a000-0000-7000-8000-000000000001",
				Title:                 "粗大ごみ受付システム運用保守業務委託",
				StartDate:             mustDate(t, c.start),
				EndDate:               mustDate(t, c.end),
				SubcontractingAllowed: c.subcontractingAllowed,
				Subcontractors:        c.subcontractors,
				OwnerID:               "0196a000-0000-7000-8000-000000000002",
			}
			got := in.Check()
			require.Equal(t, c.want, fieldsOf(got), "Check problems: %+v", got)
			for _, f := range got {
				require.NotEmpty(t, f.Message, "problem on %s should say what is wrong", f.Field)
			}
			require.NotNil(t, in.Subcontractors, "Check should turn nil subcontractors into an empty list")
			require.NotNil(t, in.InformationAssets, "Check should turn nil information assets into an empty list")
		})
	}
}

func TestContractScheduleNextConfirmationDue(t *testing.T) {
	p := domain.DefaultPolicySettings
	require.Equal(t, domain.TierIntervals{High: 6, Medium: 12, Low: 24}, p.ConfirmationIntervalMonths, "default intervals this test relies on")

	custom := domain.DefaultPolicySettings
	custom.ConfirmationIntervalMonths = domain.TierIntervals{High: 3, Medium: 9, Low: 18}

	cases := []struct {
		name      string
		status    domain.ContractStatus
		tier      domain.RiskTier
		start     string
		last      string
		settings  domain.PolicySettings
		want      string
		rationale string
	}{
		{"high from start", domain.ContractActive, domain.RiskHigh, "2026-04-01", "", p, "2026-10-01", "start + 6 months"},
		{"medium from start", domain.ContractActive, domain.RiskMedium, "2026-04-01", "", p, "2027-04-01", "start + 12 months"},
		{"low from start", domain.ContractActive, domain.RiskLow, "2026-04-01", "", p, "2028-04-01", "start + 24 months"},
		{"high from last confirmation", domain.ContractActive, domain.RiskHigh, "2026-04-01", "2026-11-20", p, "2027-05-20", "last confirmed + 6 months"},
		{"medium from last confirmation", domain.ContractActive, domain.RiskMedium, "2026-04-01", "2026-11-20", p, "2027-11-20", "last confirmed + 12 months"},
		{"low from last confirmation", domain.ContractActive, domain.RiskLow, "2026-04-01", "2026-11-20", p, "2028-11-20", "last confirmed + 24 months"},
		{"month end clamps", domain.ContractActive, domain.RiskHigh, "2026-08-31", "", p, "2027-02-28", "31 August + 6 months is 28 February"},
		{"month end clamps into a leap February", domain.ContractActive, domain.RiskHigh, "2026-04-01", "2027-08-31", p, "2028-02-29", "31 August 2027 + 6 months is 29 February 2028"},
		{"intervals come from the settings", domain.ContractActive, domain.RiskHigh, "2026-04-01", "", custom, "2026-07-01", "start + custom 3 months"},
		{"custom medium interval", domain.ContractActive, domain.RiskMedium, "2026-04-01", "2026-05-31", custom, "2027-02-28", "31 May + 9 months, clamped"},
		{"draft has none", domain.ContractDraft, domain.RiskHigh, "2026-04-01", "", p, "", "only active contracts are confirmed"},
		{"expired has none", domain.ContractExpired, domain.RiskHigh, "2026-04-01", "2026-11-20", p, "", "only active contracts are confirmed"},
		{"terminated has none", domain.ContractTerminated, domain.RiskMedium, "2026-04-01", "2026-11-20", p, "", "only active contracts are confirmed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := domain.ContractSchedule{Status: c.status, StartDate: mustDate(t, c.start), LastConfirmedOn: mustDate(t, c.last), Tier: c.tier}
			got := s.NextConfirmationDue(c.settings)
			require.Equal(t, c.want, got.String(), "NextConfirmationDue of %+v: %s", s, c.rationale)
		})
	}
}

func TestContractScheduleRenewalReviewDue(t *testing.T) {
	p := domain.DefaultPolicySettings
	require.Equal(t, 60, p.RenewalReviewLeadDays, "default review lead this test relies on")

	noLead := domain.DefaultPolicySettings
	noLead.RenewalReviewLeadDays = 0

	cases := []struct {
		name     string
		status   domain.ContractStatus
		end      string
		notice   int
		settings domain.PolicySettings
		want     string
	}{
		{"end minus notice minus lead", domain.ContractActive, "2027-03-31", 30, p, "2026-12-31"},
		{"no notice period", domain.ContractActive, "2027-03-31", 0, p, "2027-01-30"},
		{"across a leap February", domain.ContractActive, "2028-03-31", 30, p, "2028-01-01"},
		{"lead comes from the settings", domain.ContractActive, "2027-03-31", 30, noLead, "2027-03-01"},
		{"no notice and no lead is the end date", domain.ContractActive, "2027-03-31", 0, noLead, "2027-03-31"},
		{"open-ended has none", domain.ContractActive, "", 30, p, ""},
		{"draft has none", domain.ContractDraft, "2027-03-31", 30, p, ""},
		{"expired has none", domain.ContractExpired, "2027-03-31", 30, p, ""},
		{"terminated has none", domain.ContractTerminated, "2027-03-31", 30, p, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := domain.ContractSchedule{Status: c.status, StartDate: mustDate(t, "2026-04-01"), EndDate: mustDate(t, c.end), NoticePeriodDays: c.notice, Tier: domain.RiskHigh}
			got := s.RenewalReviewDue(c.settings)
			require.Equal(t, c.want, got.String(), "RenewalReviewDue of %+v with lead %d days", s, c.settings.RenewalReviewLeadDays)
		})
	}
}

func TestActivationRefusalNamesPendingWaivers(t *testing.T) {
	err := domain.ActivationRefusal([]domain.ClauseCoverage{{Code: "incident_publication", Mandatory: true, Status: domain.ClauseWaived,
		WaiverReason: "公表は組合の規程による", Waiver: &domain.ClauseWaiver{Reason: "公表は組合の規程による", RequestedBy: "p1", Pending: true}}})
	var de *domain.Error
	require.ErrorAs(t, err, &de)
	require.Len(t, de.Fields, 1)
	require.Equal(t, "clauses.incident_publication", de.Fields[0].Field)
	require.Contains(t, de.Fields[0].Message, "waits for approval by a second person")
}

func TestActiveCoverageRefusal(t *testing.T) {
	inc := func(code string) domain.ClauseCoverage {
		return domain.ClauseCoverage{Code: code, Mandatory: true, Status: domain.ClauseIncluded, ArticleRef: "第1条"}
	}
	miss := func(code string) domain.ClauseCoverage {
		return domain.ClauseCoverage{Code: code, Mandatory: true, Status: domain.ClauseMissing}
	}
	waived := func(code string, w *domain.ClauseWaiver) domain.ClauseCoverage {
		return domain.ClauseCoverage{Code: code, Mandatory: true, Status: domain.ClauseWaived, WaiverReason: "理由", Waiver: w}
	}
	cases := []struct {
		name          string
		before, after []domain.ClauseCoverage
		refused       bool
	}{
		{"included to missing falls below the gate", []domain.ClauseCoverage{inc("a"), inc("b")}, []domain.ClauseCoverage{inc("a"), miss("b")}, true},
		{"approved waiver withdrawn to missing", []domain.ClauseCoverage{waived("a", approvedWaiver("理由"))}, []domain.ClauseCoverage{miss("a")}, true},
		{"approved waiver replaced by a pending one", []domain.ClauseCoverage{waived("a", approvedWaiver("理由"))},
			[]domain.ClauseCoverage{waived("a", &domain.ClauseWaiver{Reason: "別", Pending: true})}, true},
		{"waived to included keeps the gate", []domain.ClauseCoverage{waived("a", approvedWaiver("理由"))}, []domain.ClauseCoverage{inc("a")}, false},
		{"a clause missing already may stay missing", []domain.ClauseCoverage{inc("a"), miss("new")}, []domain.ClauseCoverage{inc("a"), miss("new")}, false},
		{"a clause missing already may be covered", []domain.ClauseCoverage{miss("new")}, []domain.ClauseCoverage{inc("new")}, false},
		{"non-mandatory may go", []domain.ClauseCoverage{{Code: "x", Status: domain.ClauseIncluded}}, []domain.ClauseCoverage{{Code: "x", Status: domain.ClauseMissing}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := domain.ActiveCoverageRefusal(c.before, c.after)
			if !c.refused {
				require.NoError(t, err)
				return
			}
			require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(err), "%v", err)
			require.Contains(t, err.Error(), "amend")
			require.Contains(t, err.Error(), "terminate")
		})
	}
}

func TestMayApproveWaiver(t *testing.T) {
	manager := &domain.Person{ID: "m", Name: "課長", Active: true, SecurityRoles: []domain.SecurityRole{domain.SecurityRoleManager}}
	ciso := &domain.Person{ID: "c", Name: "CISO", Active: true, SecurityRoles: []domain.SecurityRole{domain.SecurityRoleCISO}}
	plain := &domain.Person{ID: "e", Name: "担当", Active: true, SecurityRoles: []domain.SecurityRole{}}
	gone := &domain.Person{ID: "g", Name: "退職", Active: false, SecurityRoles: []domain.SecurityRole{domain.SecurityRoleSupervisor}}
	require.NoError(t, domain.MayApproveWaiver(manager, "e"), "a manager approves an editor's request")
	require.NoError(t, domain.MayApproveWaiver(ciso, ""), "a ciso approves a request of the system")
	for name, c := range map[string]struct {
		p  *domain.Person
		by string
	}{
		"no person":          {nil, "e"},
		"no security role":   {plain, "m"},
		"inactive":           {gone, "e"},
		"the requester self": {manager, "m"},
	} {
		err := domain.MayApproveWaiver(c.p, c.by)
		require.Equal(t, domain.EFORBIDDEN, domain.ErrorCodeOf(err), "%s: %v", name, err)
	}
}
