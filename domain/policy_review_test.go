package domain_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func TestPolicyReviewApprovalRefusal(t *testing.T) {
	r := &domain.PolicyReview{DraftedBy: "drafter", ChangedBy: "editor"}
	for _, tc := range []struct {
		name     string
		approver *domain.Person
		ok       bool
		ja       string
	}{
		{"nobody (the system or a token without a person)", nil, false, "最高情報セキュリティ責任者"},
		{"a supervisor is not enough: the policy is the CISO's", person("sup", true, domain.SecurityRoleSupervisor), false, "最高情報セキュリティ責任者"},
		{"a manager", person("mgr", true, domain.SecurityRoleManager), false, "最高情報セキュリティ責任者"},
		{"an inactive ciso", person("old", false, domain.SecurityRoleCISO), false, "在職中"},
		{"the ciso who drafted it", person("drafter", true, domain.SecurityRoleCISO), false, "起案した"},
		{"the ciso who last changed it", person("editor", true, domain.SecurityRoleCISO), false, "最後に変更した"},
		{"another ciso", person("ciso", true, domain.SecurityRoleCISO), true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := domain.PolicyReviewApprovalRefusal(tc.approver, r)
			if tc.ok {
				require.NoError(t, err)
				require.True(t, domain.MayApprovePolicyReview(tc.approver))
				return
			}
			require.Equal(t, domain.EFORBIDDEN, domain.ErrorCodeOf(err))
			require.Contains(t, domain.MessageFor(err, domain.LocaleJa), tc.ja)
		})
	}
}

func TestPolicyReviewInputProblems(t *testing.T) {
	const id = "01900000-0000-7000-8000-000000000001"
	fields := func(in domain.PolicyReviewInput) []string {
		out := []string{}
		for _, f := range domain.PolicyReviewInputProblems(in) {
			out = append(out, f.Field)
		}
		return out
	}
	for _, tr := range []domain.PolicyReviewTrigger{domain.TriggerAuditResult, domain.TriggerSelfInspectionResult, domain.TriggerIncident} {
		require.Equal(t, []string{"trigger_id"}, fields(domain.PolicyReviewInput{Trigger: tr}), "%s names its record", tr)
		require.Empty(t, fields(domain.PolicyReviewInput{Trigger: tr, TriggerID: id}))
		require.True(t, tr.NeedsRecord())
	}
	require.Empty(t, fields(domain.PolicyReviewInput{Trigger: domain.TriggerCircumstances}))
	require.Equal(t, []string{"trigger_id"}, fields(domain.PolicyReviewInput{Trigger: domain.TriggerCircumstances, TriggerID: id}),
		"a change in circumstances names no record")
	require.Equal(t, []string{"changes[2]"}, fields(domain.PolicyReviewInput{Trigger: domain.TriggerCircumstances,
		Changes: []string{id, "01900000-0000-7000-8000-000000000002", id}}), "the second mention of an event")
}

func TestPolicyReviewApprovalProblemsAndNextDate(t *testing.T) {
	today := mustDate(t, "2026-12-01")
	p := domain.DefaultPolicySettings
	require.Equal(t, 12, p.PolicyReviewIntervalMonths)
	require.Equal(t, "2027-12-01", domain.NextPolicyReviewNominal(domain.Date{}, today, p).String(), "approval day plus the interval")
	p.PolicyReviewIntervalMonths = 6
	require.Equal(t, "2027-06-01", domain.NextPolicyReviewNominal(domain.Date{}, today, p).String())
	require.Equal(t, "2027-03-31", domain.NextPolicyReviewNominal(mustDate(t, "2027-03-31"), today, p).String(), "the date given wins")

	fe := domain.PolicyReviewApprovalProblems(&domain.PolicyReview{Decision: "  "}, today, today)
	require.Len(t, fe, 2)
	require.Equal(t, "decision", fe[0].Field)
	require.Equal(t, "next_review_due", fe[1].Field)
	require.Empty(t, domain.PolicyReviewApprovalProblems(&domain.PolicyReview{Decision: "継続"}, today.AddDays(1), today))

	var s domain.PolicySettings
	s.Normalize()
	require.Equal(t, 12, s.PolicyReviewIntervalMonths, "a request that leaves it out keeps the default")
}

func TestPolicyChangeOfSummarisesTheEvent(t *testing.T) {
	settings := &domain.AuditEvent{ID: "e1", Seq: 7, Action: domain.AuditUpdate, EntityType: "settings", EntityID: "1", ActorName: "管理者",
		Before: json.RawMessage(`{"version":3,"updated_at":"x","policy_review_interval_months":12,"reminder_lead_days":[30,7,1],"closure_days":["12-29"]}`),
		After:  json.RawMessage(`{"version":4,"updated_at":"y","policy_review_interval_months":6,"reminder_lead_days":[30, 7, 1],"closure_days":["12-29"]}`)}
	c := domain.PolicyChangeOf(settings)
	require.Equal(t, []string{"policy_review_interval_months"}, c.Fields, "bookkeeping and equal values are left out")
	require.Equal(t, "settings changed: policy_review_interval_months 12 → 6", c.Summary)
	require.Equal(t, "設定を変更：policy_review_interval_months 12 → 6", c.SummaryJa)
	require.True(t, domain.IsPolicyChange(settings))

	item := &domain.AuditEvent{ID: "e2", Action: "retire", EntityType: "catalogue_item", EntityID: "clauses/x",
		Before: json.RawMessage(`{"title_en":"X","title_ja":"エックス"}`), After: json.RawMessage(`{"title_en":"X","title_ja":"エックス","retired_at":"2026-12-01T00:00:00Z"}`)}
	require.Equal(t, `catalogue_item clauses/x (X) retired: retired_at — → "2026-12-01T00:00:00Z"`, domain.PolicyChangeOf(item).Summary)
	require.Equal(t, `一覧の項目 clauses/x「エックス」を廃止：retired_at — → "2026-12-01T00:00:00Z"`, domain.PolicyChangeOf(item).SummaryJa)
	require.True(t, domain.IsPolicyChange(item))

	require.False(t, domain.IsPolicyChange(&domain.AuditEvent{Action: domain.AuditSeed, EntityType: "settings"}), "seeding is no change")
	require.False(t, domain.IsPolicyChange(&domain.AuditEvent{Action: domain.AuditUpdate, EntityType: "contract"}))
}
