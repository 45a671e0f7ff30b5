package domain_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func TestCompletionProblems(t *testing.T) {
	checklist := []domain.ChecklistItem{
		{Code: "confidentiality", ArticleRef: "第10条"},
		{Code: "staff_training", ArticleRef: "第12条"},
	}
	today := mustDate(t, "2026-11-20")
	ok := func(code string) domain.ItemResultInput {
		return domain.ItemResultInput{Code: code, Result: domain.ItemOK, Note: "報告書で確認"}
	}
	finding := func(code string) domain.ItemResultInput {
		return domain.ItemResultInput{
			Code: code, Result: domain.ItemFinding, Note: "委託先従業員への年次研修が未実施",
			Severity: domain.SeverityMedium, ActionDueDate: mustDate(t, "2027-01-31"),
		}
	}
	with := func(r domain.ItemResultInput, edit func(*domain.ItemResultInput)) domain.ItemResultInput {
		edit(&r)
		return r
	}
	completion := func(performedOn string, results ...domain.ItemResultInput) domain.ConfirmationCompletion {
		return domain.ConfirmationCompletion{
			PerformedBy: "0196a000-0000-7000-8000-000000000001",
			PerformedOn: mustDate(t, performedOn),
			Results:     results,
		}
	}
	type problem struct {
		field string
		value any
	}
	cases := []struct {
		name string
		in   domain.ConfirmationCompletion
		want []problem
	}{
		{"complete and valid", completion("2026-11-20", ok("confidentiality"), finding("staff_training")), nil},
		{"all ok, performed earlier", completion("2026-11-01", ok("confidentiality"), ok("staff_training")), nil},
		{"not applicable needs no note", completion("2026-11-20",
			ok("confidentiality"),
			domain.ItemResultInput{Code: "staff_training", Result: domain.ItemNotApplicable},
		), nil},
		{"action due on the day performed is fine", completion("2026-11-20",
			ok("confidentiality"),
			with(finding("staff_training"), func(r *domain.ItemResultInput) { r.ActionDueDate = mustDate(t, "2026-11-20") }),
		), nil},
		{"missing item named", completion("2026-11-20", ok("confidentiality")), []problem{{"results", "staff_training"}}},
		{"no results names every item", completion("2026-11-20"), []problem{{"results", "confidentiality"}, {"results", "staff_training"}}},
		{"unknown code", completion("2026-11-20", ok("confidentiality"), ok("staff_training"), ok("audit_inspection_right")), []problem{
			{"results[2].code", "audit_inspection_right"},
		}},
		{"duplicate", completion("2026-11-20", ok("confidentiality"), ok("staff_training"), ok("confidentiality")), []problem{
			{"results[2].code", "confidentiality"},
		}},
		{"finding without note", completion("2026-11-20",
			ok("confidentiality"),
			with(finding("staff_training"), func(r *domain.ItemResultInput) { r.Note = "" }),
		), []problem{{"results[1].note", nil}}},
		{"finding with a blank note", completion("2026-11-20",
			ok("confidentiality"),
			with(finding("staff_training"), func(r *domain.ItemResultInput) { r.Note = "  \n" }),
		), []problem{{"results[1].note", nil}}},
		{"finding without severity", completion("2026-11-20",
			ok("confidentiality"),
			with(finding("staff_training"), func(r *domain.ItemResultInput) { r.Severity = "" }),
		), []problem{{"results[1].severity", nil}}},
		{"finding without action due date", completion("2026-11-20",
			ok("confidentiality"),
			with(finding("staff_training"), func(r *domain.ItemResultInput) { r.ActionDueDate = domain.Date{} }),
		), []problem{{"results[1].action_due_date", nil}}},
		{"finding missing all three", completion("2026-11-20",
			with(finding("confidentiality"), func(r *domain.ItemResultInput) {
				r.Note, r.Severity, r.ActionDueDate = "", "", domain.Date{}
			}),
			ok("staff_training"),
		), []problem{{"results[0].note", nil}, {"results[0].severity", nil}, {"results[0].action_due_date", nil}}},
		{"action due before performed_on", completion("2026-11-20",
			ok("confidentiality"),
			with(finding("staff_training"), func(r *domain.ItemResultInput) { r.ActionDueDate = mustDate(t, "2026-11-19") }),
		), []problem{{"results[1].action_due_date", "2026-11-19"}}},
		{"performed_on in the future", completion("2026-11-21", ok("confidentiality"), ok("staff_training")), []problem{
			{"performed_on", "2026-11-21"},
		}},
		{"performed_on missing", completion("", ok("confidentiality"), ok("staff_training")), []problem{{"performed_on", nil}}},
		{"performed_on missing does not also blame a finding's due date", completion("",
			ok("confidentiality"),
			finding("staff_training"),
		), []problem{{"performed_on", nil}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := domain.CompletionProblems(checklist, c.in, today)
			var wantFields []string
			for _, w := range c.want {
				wantFields = append(wantFields, w.field)
			}
			require.Equal(t, wantFields, fieldsOf(got), "CompletionProblems fields: %+v", got)
			for i, w := range c.want {
				require.NotEmpty(t, got[i].Message, "problem on %s should say what is wrong", got[i].Field)
				if w.value != nil {
					require.Equal(t, w.value, got[i].Value, "problem on %s should echo the offending value", got[i].Field)
				}
				if code, isCode := w.value.(string); isCode && w.field == "results" {
					require.Contains(t, got[i].Message, code, "the missing-item message should name %s", code)
				}
			}
		})
	}
}

func TestResultOf(t *testing.T) {
	cases := []struct {
		name    string
		results []domain.ItemResult
		want    domain.ConfirmationResult
	}{
		{"no answers", nil, domain.ResultSatisfactory},
		{"all ok", []domain.ItemResult{domain.ItemOK, domain.ItemOK}, domain.ResultSatisfactory},
		{"ok and not applicable", []domain.ItemResult{domain.ItemOK, domain.ItemNotApplicable}, domain.ResultSatisfactory},
		{"one finding", []domain.ItemResult{domain.ItemOK, domain.ItemFinding, domain.ItemNotApplicable}, domain.ResultFindings},
		{"only findings", []domain.ItemResult{domain.ItemFinding, domain.ItemFinding}, domain.ResultFindings},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var in []domain.ItemResultInput
			for i, r := range c.results {
				in = append(in, domain.ItemResultInput{Code: string(rune('a' + i)), Result: r})
			}
			require.Equal(t, c.want, domain.ResultOf(in), "ResultOf(%v)", c.results)
		})
	}
}

func TestConfirmationStatusOn(t *testing.T) {
	cases := []struct {
		name   string
		status domain.ConfirmationStatus
		due    string
		today  string
		want   domain.ConfirmationStatus
	}{
		{"scheduled before the due date", domain.ConfirmationScheduled, "2026-11-20", "2026-11-19", domain.ConfirmationScheduled},
		{"scheduled on the due date", domain.ConfirmationScheduled, "2026-11-20", "2026-11-20", domain.ConfirmationScheduled},
		{"scheduled past the due date", domain.ConfirmationScheduled, "2026-11-20", "2026-11-21", domain.ConfirmationOverdue},
		{"scheduled long past the due date", domain.ConfirmationScheduled, "2026-11-20", "2027-11-20", domain.ConfirmationOverdue},
		{"completed before the due date", domain.ConfirmationCompleted, "2026-11-20", "2026-11-01", domain.ConfirmationCompleted},
		{"completed stays completed past the due date", domain.ConfirmationCompleted, "2026-11-20", "2027-01-01", domain.ConfirmationCompleted},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conf := &domain.Confirmation{Status: c.status, DueDate: mustDate(t, c.due)}
			require.Equal(t, c.want, conf.StatusOn(mustDate(t, c.today)), "%s confirmation due %s seen on %s", c.status, c.due, c.today)
		})
	}
}

func TestMayAcceptRisk(t *testing.T) {
	person := func(active bool, roles ...domain.SecurityRole) *domain.Person {
		return &domain.Person{Name: "山田 太郎", Active: active, SecurityRoles: roles}
	}
	cases := []struct {
		name   string
		person *domain.Person
		want   bool
	}{
		{"supervisor", person(true, domain.SecurityRoleSupervisor), true},
		{"ciso", person(true, domain.SecurityRoleCISO), true},
		{"manager and supervisor", person(true, domain.SecurityRoleManager, domain.SecurityRoleSupervisor), true},
		{"manager", person(true, domain.SecurityRoleManager), false},
		{"no security role", person(true), false},
		{"inactive supervisor", person(false, domain.SecurityRoleSupervisor), false},
		{"inactive ciso", person(false, domain.SecurityRoleCISO), false},
		{"nil person", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, domain.MayAcceptRisk(c.person), "MayAcceptRisk(%+v)", c.person)
		})
	}
}
