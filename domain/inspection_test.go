package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func inspFields(err error) []string {
	var de *domain.Error
	if !errors.As(err, &de) {
		return nil
	}
	var out []string
	for _, f := range de.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestAssignments(t *testing.T) {
	people := []domain.AssignmentPerson{
		{ID: "m1", DepartmentID: "d1", Active: true, Manager: true},
		{ID: "m1b", DepartmentID: "d1", Active: true, Manager: true},
		{ID: "x", DepartmentID: "d1", Active: false, Manager: true},
		{ID: "s", DepartmentID: "d2", Active: true},
		{ID: "gone", DepartmentID: "d2", Active: false},
	}
	got, err := domain.Assignments(domain.InspectionCampaignInput{DepartmentIDs: []string{"d1"}, PersonIDs: []string{"s", "m1"}}, people)
	require.NoError(t, err)
	require.Equal(t, []domain.Assignment{{PersonID: "m1", DepartmentID: "d1"}, {PersonID: "m1b", DepartmentID: "d1"}, {PersonID: "s", DepartmentID: "d2"}}, got,
		"each active manager of d1, then s for their own department; m1 once")
	_, err = domain.Assignments(domain.InspectionCampaignInput{DepartmentIDs: []string{"d2"}, PersonIDs: []string{"gone", "nobody"}}, people)
	require.Equal(t, []string{"department_ids[0]", "person_ids[0]", "person_ids[1]"}, inspFields(err))
	_, err = domain.Assignments(domain.InspectionCampaignInput{}, people)
	require.Equal(t, []string{"department_ids"}, inspFields(err))
}

func TestPrefillSuggestion(t *testing.T) {
	at := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	day := domain.NewDate(2026, 10, 1)
	p := domain.NewPrefill(0, nil, at, day, false)
	require.Equal(t, domain.AnswerNotApplicable, p.SuggestedAnswer)
	require.NotNil(t, p.Records)
	require.Equal(t, "台帳から事前入力（2026年10月1日（木）時点）：該当する記録はありません。", p.Summary)
	p = domain.NewPrefill(3, nil, at, day, true)
	require.Equal(t, domain.AnswerCompliant, p.SuggestedAnswer)
	require.Equal(t, "台帳から事前入力（令和8年10月1日（木）時点）：3件を確認し、すべて適合しています。", p.Summary)
	p = domain.NewPrefill(3, []domain.PrefillRecord{{ID: "c"}}, at, day, false)
	require.Equal(t, domain.AnswerNotCompliant, p.SuggestedAnswer)
	require.Contains(t, p.Summary, "3件中1件が適合していません")
	require.Contains(t, p.SummaryEn, "1 of 3 records do not meet the item")
	require.True(t, domain.HasPrefill(domain.InspCloudReviewed))
	require.False(t, domain.HasPrefill(domain.InspStaffTraining))
}

func TestAnswerRefusal(t *testing.T) {
	due := domain.NewDate(2027, 1, 29)
	plain := &domain.InspectionAnswer{}
	suggested := &domain.InspectionAnswer{Prefill: &domain.InspectionPrefill{SuggestedAnswer: domain.AnswerCompliant}}
	opened := &domain.InspectionAnswer{CorrectiveActionID: "a"}
	cases := []struct {
		name string
		a    *domain.InspectionAnswer
		in   domain.InspectionAnswerInput
		want []string
	}{
		{"compliant", plain, domain.InspectionAnswerInput{Answer: domain.AnswerCompliant}, nil},
		{"as suggested", suggested, domain.InspectionAnswerInput{Answer: domain.AnswerCompliant}, nil},
		{"departs without a note", suggested, domain.InspectionAnswerInput{Answer: domain.AnswerNotApplicable}, []string{"note"}},
		{"departs with a blank note", suggested, domain.InspectionAnswerInput{Answer: domain.AnswerNotApplicable, Note: " \u3000"}, []string{"note"}},
		{"departs with a note", suggested, domain.InspectionAnswerInput{Answer: domain.AnswerNotApplicable, Note: "廃止済み"}, nil},
		{"not compliant bare", plain, domain.InspectionAnswerInput{Answer: domain.AnswerNotCompliant}, []string{"note", "action.due_date"}},
		{"not compliant, no due date", plain, domain.InspectionAnswerInput{Answer: domain.AnswerNotCompliant, Note: "n", Action: &domain.ActionRequest{}}, []string{"action.due_date"}},
		{"not compliant", plain, domain.InspectionAnswerInput{Answer: domain.AnswerNotCompliant, Note: "n", Action: &domain.ActionRequest{DueDate: due}}, nil},
		{"action already opened", opened, domain.InspectionAnswerInput{Answer: domain.AnswerNotCompliant, Note: "n"}, nil},
	}
	for _, c := range cases {
		require.Equal(t, c.want, inspFields(domain.AnswerRefusal(c.a, c.in)), c.name)
	}
}

func TestAuditAndFindingRules(t *testing.T) {
	start := domain.NewDate(2026, 11, 2)
	ok := domain.AuditInput{FiscalYear: 2026, Title: "t", Scope: "s", AuditorName: "監査法人", StartDate: start}
	require.NoError(t, domain.AuditRefusal(ok))
	both := ok
	both.AuditorPersonID = "p"
	require.Equal(t, []string{"auditor_person_id"}, inspFields(domain.AuditRefusal(both)))
	done := ok
	done.Status = domain.AuditCompleted
	require.Equal(t, []string{"end_date"}, inspFields(domain.AuditRefusal(done)))
	done.EndDate = start.AddDays(-1)
	require.Equal(t, []string{"end_date"}, inspFields(domain.AuditRefusal(done)))

	require.NoError(t, domain.FindingRefusal(domain.AuditFindingInput{Description: "d", Severity: domain.SeverityLow}))
	require.Equal(t, []string{"subject_id"}, inspFields(domain.FindingRefusal(domain.AuditFindingInput{SubjectType: domain.FindingContract})))
	require.Equal(t, []string{"action.owner_id", "action.due_date"}, inspFields(domain.FindingRefusal(domain.AuditFindingInput{Action: &domain.ActionRequest{}})))
}

func TestSeedChecklist(t *testing.T) {
	var codes []string
	for _, s := range domain.SeedCatalogue {
		if s.Catalogue == domain.CatalogueInspectionChecklist {
			codes = append(codes, s.Code)
		}
	}
	require.Len(t, codes, 10)
	for _, c := range domain.PrefilledItems {
		require.Contains(t, codes, c, "every pre-filled item is seeded")
	}
	require.Equal(t, domain.DefaultBodyName, domain.DefaultPolicySettings.BodyName)
	p := domain.PolicySettings{BodyName: "  "}
	p.Normalize()
	require.Equal(t, domain.DefaultBodyName, p.BodyName)
}
