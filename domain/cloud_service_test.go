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
