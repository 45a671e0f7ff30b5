package domain_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func saAsset(name string, c domain.Confidentiality) domain.InformationAsset {
	return domain.InformationAsset{Name: name, Classification: domain.Classification{Confidentiality: c, Integrity: 1, Availability: 1}}
}

func TestCloudConfidentialityProblems(t *testing.T) {
	cases := []struct {
		name    string
		assets  []domain.InformationAsset
		refused []int // indexes of the refused assets
	}{
		{"none", nil, nil},
		{"confidentiality 1 is fine", []domain.InformationAsset{saAsset("公開済みの収集日程", domain.Confidentiality1)}, nil},
		{"confidentiality 2 refused", []domain.InformationAsset{saAsset("粗大ごみ申込者の氏名", domain.Confidentiality2)}, []int{0}},
		{"confidentiality 3 refused", []domain.InformationAsset{saAsset("職員の人事情報", domain.Confidentiality3)}, []int{0}},
		{"confidentiality 3C refused", []domain.InformationAsset{saAsset("内部文書", domain.Confidentiality3C)}, []int{0}},
		{"confidentiality 3A refused", []domain.InformationAsset{saAsset("住民の個人番号", domain.Confidentiality3A)}, []int{0}},
		{"only the offending ones, by index", []domain.InformationAsset{
			saAsset("公開資料", domain.Confidentiality1),
			saAsset("申込者の連絡先", domain.Confidentiality2),
			saAsset("広報原稿", domain.Confidentiality1),
			saAsset("住民の個人番号", domain.Confidentiality3A),
		}, []int{1, 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fe := domain.CloudConfidentialityProblems(c.assets)
			require.Len(t, fe, len(c.refused), "problems: %+v", fe)
			for k, i := range c.refused {
				a := c.assets[i]
				require.Equal(t, fmt.Sprintf("information_assets[%d].classification.confidentiality", i), fe[k].Field)
				require.Contains(t, fe[k].Message, "must not handle information of confidentiality 2 or above", "the message states the rule")
				require.Contains(t, fe[k].Message, "約款による外部サービス")
				require.Contains(t, fe[k].Message, a.Name, "the message names the asset")
				require.Contains(t, fe[k].Message, "confidentiality "+string(a.Classification.Confidentiality))
				require.Equal(t, a.Classification.Confidentiality, fe[k].Value)
			}
			if len(c.refused) == 0 {
				require.NoError(t, fe.Err("x"))
			} else {
				require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(fe.Err("x")))
			}
		})
	}
	t.Run("the rule's ceiling is confidentiality 1", func(t *testing.T) {
		require.Equal(t, domain.Confidentiality1, domain.MaxCloudConfidentiality)
	})
}

func saTermsItems() []*domain.CatalogueItem {
	retired := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	return []*domain.CatalogueItem{
		{Catalogue: domain.CatalogueTermsChecks, Code: "tos_data_handling_duties", Mandatory: true},
		{Catalogue: domain.CatalogueTermsChecks, Code: "tos_usage_rights", Mandatory: true},
		{Catalogue: domain.CatalogueTermsChecks, Code: "tos_old_item", Mandatory: true, RetiredAt: &retired},
	}
}

func saCheck(code string, a domain.TermsAnswer) domain.TermsCheck {
	return domain.TermsCheck{Code: code, Answer: a, Note: "規約第5条"}
}

func TestTermsCheckProblems(t *testing.T) {
	type problem struct{ field, value string }
	cases := []struct {
		name   string
		checks []domain.TermsCheck
		want   []problem
	}{
		{"all answered", []domain.TermsCheck{saCheck("tos_data_handling_duties", domain.TermsOK), saCheck("tos_usage_rights", domain.TermsOK)}, nil},
		{"a concern is an answer", []domain.TermsCheck{saCheck("tos_data_handling_duties", domain.TermsConcern), saCheck("tos_usage_rights", domain.TermsOK)}, nil},
		{"retired item not required but still known", []domain.TermsCheck{
			saCheck("tos_data_handling_duties", domain.TermsOK), saCheck("tos_usage_rights", domain.TermsOK), saCheck("tos_old_item", domain.TermsOK)}, nil},
		{"nothing answered", nil, []problem{{"terms_checks", "tos_data_handling_duties"}, {"terms_checks", "tos_usage_rights"}}},
		{"one missing", []domain.TermsCheck{saCheck("tos_usage_rights", domain.TermsOK)}, []problem{{"terms_checks", "tos_data_handling_duties"}}},
		{"unknown code", []domain.TermsCheck{
			saCheck("tos_data_handling_duties", domain.TermsOK), saCheck("tos_usage_rights", domain.TermsOK), saCheck("tos_made_up", domain.TermsOK),
		}, []problem{{"terms_checks[2].code", "tos_made_up"}}},
		{"duplicate", []domain.TermsCheck{
			saCheck("tos_data_handling_duties", domain.TermsOK), saCheck("tos_usage_rights", domain.TermsOK), saCheck("tos_usage_rights", domain.TermsConcern),
		}, []problem{{"terms_checks[2].code", "tos_usage_rights"}}},
		{"unknown, duplicate and missing together", []domain.TermsCheck{
			saCheck("tos_made_up", domain.TermsOK), saCheck("tos_usage_rights", domain.TermsOK), saCheck("tos_usage_rights", domain.TermsOK),
		}, []problem{{"terms_checks[0].code", "tos_made_up"}, {"terms_checks[2].code", "tos_usage_rights"}, {"terms_checks", "tos_data_handling_duties"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fe := domain.TermsCheckProblems(c.checks, saTermsItems())
			var got []problem
			for _, f := range fe {
				require.NotEmpty(t, f.Message)
				got = append(got, problem{f.Field, fmt.Sprint(f.Value)})
				if f.Field == "terms_checks" {
					require.Contains(t, f.Message, fmt.Sprint(f.Value), "the message names the unanswered item")
				}
			}
			require.Equal(t, c.want, got, "problems: %+v", fe)
		})
	}
	t.Run("no catalogue, no requirement", func(t *testing.T) {
		require.Empty(t, domain.TermsCheckProblems(nil, nil))
	})
}

func TestNextReviewDue(t *testing.T) {
	d := domain.NewDate
	cases := []struct {
		name         string
		approved     bool
		approvedOn   domain.Date
		lastReviewed domain.Date
		months       int
		want         domain.Date
	}{
		{"not approved: none", false, d(2026, 4, 1), domain.Date{}, 12, domain.Date{}},
		{"not approved even with a review: none", false, d(2026, 4, 1), d(2026, 10, 1), 12, domain.Date{}},
		{"approved without dates: none", true, domain.Date{}, domain.Date{}, 12, domain.Date{}},
		{"from approval", true, d(2026, 4, 1), domain.Date{}, 12, d(2027, 4, 1)},
		{"from approval, six months", true, d(2026, 4, 1), domain.Date{}, 6, d(2026, 10, 1)},
		{"from a later review", true, d(2026, 4, 1), d(2026, 11, 20), 12, d(2027, 11, 20)},
		{"an earlier review does not count", true, d(2026, 4, 1), d(2025, 11, 20), 12, d(2027, 4, 1)},
		{"review on the approval day", true, d(2026, 4, 1), d(2026, 4, 1), 12, d(2027, 4, 1)},
		{"review without approval date", true, domain.Date{}, d(2026, 6, 15), 12, d(2027, 6, 15)},
		{"month end clamped", true, d(2026, 1, 31), domain.Date{}, 1, d(2026, 2, 28)},
		{"month end clamped in a leap year", true, d(2027, 8, 31), domain.Date{}, 6, d(2028, 2, 29)},
		{"29 February plus a year", true, d(2028, 2, 29), domain.Date{}, 12, d(2029, 2, 28)},
		{"31 May plus one month", true, d(2026, 5, 31), domain.Date{}, 1, d(2026, 6, 30)},
		{"across the year end", true, d(2026, 12, 15), domain.Date{}, 3, d(2027, 3, 15)},
		{"five years", true, d(2026, 4, 1), domain.Date{}, 60, d(2031, 4, 1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := domain.NextReviewDue(c.approved, c.approvedOn, c.lastReviewed, c.months)
			require.Equal(t, c.want.String(), got.String())
			require.Equal(t, c.want.IsZero(), got.IsZero())
		})
	}
}

func TestCloudServiceInputNormalize(t *testing.T) {
	in := domain.CloudServiceInput{Name: "ファイル転送サービス", TermsVersion: "  2026-04-01版 "}
	in.Normalize(domain.DefaultPolicySettings)
	require.Equal(t, 12, in.ReviewIntervalMonths, "the settings' default")
	require.Equal(t, "2026-04-01版", in.TermsVersion, "trimmed, so spaces alone are not a new version")
	require.NotNil(t, in.PermittedUses)
	require.NotNil(t, in.InformationAssets)
	require.NotNil(t, in.TermsChecks)

	kept := domain.CloudServiceInput{ReviewIntervalMonths: 24}
	kept.Normalize(domain.DefaultPolicySettings)
	require.Equal(t, 24, kept.ReviewIntervalMonths)
}

func TestMayApproveCloudService(t *testing.T) {
	person := func(active bool, roles ...domain.SecurityRole) *domain.Person {
		return &domain.Person{Name: "田中 一郎", Active: active, SecurityRoles: roles}
	}
	cases := []struct {
		name   string
		person *domain.Person
		want   bool
	}{
		{"supervisor", person(true, domain.SecurityRoleSupervisor), true},
		{"ciso", person(true, domain.SecurityRoleCISO), true},
		{"manager only", person(true, domain.SecurityRoleManager), false},
		{"no role (an editor)", person(true), false},
		{"inactive supervisor", person(false, domain.SecurityRoleSupervisor), false},
		{"the system", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, domain.MayApproveCloudService(c.person))
		})
	}
}

func TestTermsRefChanged(t *testing.T) {
	cur := domain.TermsRef{Version: "2026-04-01版", URL: "https://example.com/terms"}
	require.False(t, cur.Changed(cur))
	require.False(t, domain.TermsRef{Version: " 2026-04-01版 ", URL: "https://example.com/terms "}.Changed(cur), "spaces are not a change")
	require.True(t, domain.TermsRef{Version: "2026-10-01版", URL: cur.URL}.Changed(cur), "a new version")
	require.True(t, domain.TermsRef{Version: cur.Version, URL: "https://example.com/terms/v2"}.Changed(cur), "a new address")
}

func TestStampTermsChecks(t *testing.T) {
	v1 := domain.TermsRef{Version: "v1", URL: "https://example.com/terms"}
	v2 := domain.TermsRef{Version: "v2", URL: "https://example.com/terms"}
	moved := domain.TermsRef{Version: "v1", URL: "https://example.com/new-terms"}
	answer := func(ref domain.TermsRef) domain.TermsCheck {
		return domain.TermsCheck{Code: "tos_usage_rights", Answer: domain.TermsOK, TermsVersion: ref.Version, TermsURL: ref.URL}
	}
	type want struct {
		ref   domain.TermsRef
		stale bool
	}
	cases := []struct {
		name      string
		prev, cur domain.TermsRef
		in        domain.TermsCheck
		want      want
	}{
		{"registration: an answer without terms is for the current ones", domain.TermsRef{}, v1, answer(domain.TermsRef{}), want{v1, false}},
		{"registration: an answer for other terms is stale", domain.TermsRef{}, v2, answer(v1), want{v1, true}},
		{"same terms: an answer without terms is for the current ones", v1, v1, answer(domain.TermsRef{}), want{v1, false}},
		{"same terms: an answer sent back as read keeps its terms", v2, v2, answer(v1), want{v1, true}},
		{"same terms: an answer naming the current terms is fresh", v2, v2, answer(v2), want{v2, false}},
		{"same terms: a half-named answer takes the rest from the current terms", v2, v2, answer(domain.TermsRef{Version: "v2"}), want{v2, false}},
		{"new version: an answer without terms was for the previous ones", v1, v2, answer(domain.TermsRef{}), want{v1, true}},
		{"new version: an answer naming the new terms still was not read for them", v1, v2, answer(v2), want{v1, true}},
		{"new version: an older answer keeps its terms", v1, v2, answer(domain.TermsRef{Version: "v0", URL: v1.URL}), want{domain.TermsRef{Version: "v0", URL: v1.URL}, true}},
		{"new address: every answer is stale", v1, moved, answer(domain.TermsRef{}), want{v1, true}},
		{"new address: an answer naming the new address too", v1, moved, answer(moved), want{v1, true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := domain.StampTermsChecks([]domain.TermsCheck{c.in}, c.prev, c.cur)
			require.Len(t, got, 1)
			require.Equal(t, c.want.ref, domain.TermsRef{Version: got[0].TermsVersion, URL: got[0].TermsURL})
			require.Equal(t, c.want.stale, got[0].Stale)
			require.Equal(t, c.in.Answer, got[0].Answer, "the answer itself is kept")
			problems := domain.StaleTermsCheckProblems(got, c.cur)
			if c.want.stale {
				require.Len(t, problems, 1)
				require.Equal(t, "terms_checks[0]", problems[0].Field)
				require.Equal(t, "tos_usage_rights", problems[0].Value)
				require.Contains(t, problems[0].Message, c.cur.Version, "the message names the current terms")
			} else {
				require.Empty(t, problems)
			}
		})
	}
}

func TestMarkStaleTermsChecks(t *testing.T) {
	cur := domain.TermsRef{Version: "v2", URL: "https://example.com/terms"}
	checks := []domain.TermsCheck{
		{Code: "legacy"}, // stored before answers carried their terms
		{Code: "fresh", TermsVersion: "v2", TermsURL: cur.URL},
		{Code: "old", TermsVersion: "v1", TermsURL: cur.URL},
	}
	domain.MarkStaleTermsChecks(checks, cur)
	require.Equal(t, []bool{false, false, true}, []bool{checks[0].Stale, checks[1].Stale, checks[2].Stale})
	require.Equal(t, "v2", checks[0].TermsVersion, "a legacy answer counts as given for the current terms")
}

func TestCloudApprovalRefusal(t *testing.T) {
	supervisor := &domain.Person{ID: "p-sup", Name: "統括 責任者", Active: true, SecurityRoles: []domain.SecurityRole{domain.SecurityRoleSupervisor}}
	ciso := &domain.Person{ID: "p-ciso", Name: "最高 責任者", Active: true, SecurityRoles: []domain.SecurityRole{domain.SecurityRoleCISO}}
	clerk := &domain.Person{ID: "p-clerk", Name: "担当", Active: true}
	as := func(p *domain.Person) domain.Actor {
		return domain.Actor{PersonID: p.ID, Name: p.Name, Role: domain.RoleEditor}
	}
	cases := []struct {
		name      string
		actor     domain.Actor
		approver  *domain.Person
		requester string
		refused   string // part of the message, "" when allowed
	}{
		{"a supervisor approves what a clerk asked for", as(supervisor), supervisor, clerk.ID, ""},
		{"a ciso approves what a supervisor asked for", as(ciso), ciso, supervisor.ID, ""},
		{"nobody recorded as requester (the system asked)", as(supervisor), supervisor, "", ""},
		{"a supervisor approves what they asked for", as(supervisor), supervisor, supervisor.ID, "separation of duties"},
		{"a ciso approves what they asked for", as(ciso), ciso, ciso.ID, "separation of duties"},
		{"a clerk approves what another asked for", as(clerk), clerk, supervisor.ID, "supervisor"},
		{"a clerk approves what they asked for", as(clerk), clerk, clerk.ID, "supervisor"},
		{"the system", domain.SystemActor, nil, clerk.ID, "supervisor"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := domain.CloudApprovalRefusal(c.actor, c.approver, c.requester)
			if c.refused == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			require.Equal(t, domain.EFORBIDDEN, domain.ErrorCodeOf(err))
			require.Contains(t, domain.ErrorMessageOf(err), c.refused)
		})
	}
}
