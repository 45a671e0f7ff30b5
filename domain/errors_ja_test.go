package domain_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func TestMessageForPicksJapaneseWhenThereIsOne(t *testing.T) {
	e := domain.Errorf(domain.ECONFLICT, "vendor %s is terminated", "A社").WithJa("委託事業者「%s」は取引を終了しています。", "A社")
	require.Equal(t, "vendor A社 is terminated", e.Message)
	require.Equal(t, "委託事業者「A社」は取引を終了しています。", domain.MessageFor(e, domain.LocaleJa))
	require.Equal(t, "vendor A社 is terminated", domain.MessageFor(e, domain.LocaleEn))
	require.Equal(t, "vendor A社 is terminated", domain.ErrorMessageOf(e), "the API's message stays English")
	require.NotContains(t, e.Error(), "委託事業者")

	wrapped := fmt.Errorf("store: %w", e)
	require.Equal(t, "委託事業者「A社」は取引を終了しています。", domain.MessageFor(wrapped, domain.LocaleJa))

	onlyEn := domain.Errorf(domain.ECONFLICT, "only English")
	require.Equal(t, "only English", domain.MessageFor(onlyEn, domain.LocaleJa), "falls back to English")

	internal := errors.New("pq: relation secret_table does not exist")
	require.NotContains(t, domain.MessageFor(internal, domain.LocaleJa), "secret_table")
	require.Equal(t, "internal error", domain.MessageFor(internal, domain.LocaleEn))
}

func TestFieldErrorsAddJa(t *testing.T) {
	var fe domain.FieldErrors
	fe.AddJa("start_date", "is required", "入力してください。", nil)
	fe.Add("end_date", "must not be before start_date", "2027-01-01")
	err := fe.ErrJa("the contract breaks one or more rules", "契約の内容に誤りがあります。")
	var e *domain.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, domain.EINVALID, e.Code)
	require.Equal(t, "契約の内容に誤りがあります。", domain.MessageFor(err, domain.LocaleJa))
	require.Equal(t, "入力してください。", e.Fields[0].MessageFor(domain.LocaleJa))
	require.Equal(t, "is required", e.Fields[0].MessageFor(domain.LocaleEn))
	require.Equal(t, "must not be before start_date", e.Fields[1].MessageFor(domain.LocaleJa), "falls back to English")
	require.NoError(t, domain.FieldErrors(nil).ErrJa("x", "y"))
}

type jaProbe struct {
	Name    string   `json:"name" validate:"required,max=5"`
	Email   string   `json:"email" validate:"omitempty,email"`
	Tags    []string `json:"tags" validate:"max=1"`
	Count   int      `json:"count" validate:"max=3"`
	Kind    string   `json:"kind" validate:"omitempty,oneof=a b"`
	ID      string   `json:"id" validate:"omitempty,uuid"`
	Link    string   `json:"link" validate:"omitempty,url"`
	Items   []string `json:"items" validate:"unique,min=2"`
	Comment string   `json:"comment"`
}

func TestValidateGivesEveryFieldErrorJapanese(t *testing.T) {
	err := domain.Validate(&jaProbe{Email: "nope", Tags: []string{"a", "b"}, Count: 9, Kind: "c", ID: "x", Link: "nope",
		Items: []string{"z", "z"}, Comment: "a\u202eb"})
	var e *domain.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, "入力内容に誤りがあります。", domain.MessageFor(err, domain.LocaleJa))
	got := map[string]string{}
	for _, f := range e.Fields {
		require.NotEmpty(t, f.Ja, f.Field)
		require.NotEqual(t, f.Message, f.Ja, f.Field)
		got[f.Field] = f.Ja
	}
	require.Equal(t, "入力してください。", got["name"])
	require.Equal(t, "メールアドレスの形式で入力してください。", got["email"])
	require.Equal(t, "1件以内にしてください。", got["tags"])
	require.Equal(t, "3以下の値を入力してください。", got["count"])
	require.Equal(t, "次のいずれかを選んでください：a、b", got["kind"])
	require.Equal(t, "UUIDの形式で入力してください。", got["id"])
	require.Contains(t, got["link"], "URL")
	require.Contains(t, got, "items")
	require.Contains(t, got["comment"], "U+202E")

	err = domain.Validate(&jaProbe{Name: "長すぎる名前です", Items: []string{"a", "b"}})
	require.ErrorAs(t, err, &e)
	require.Len(t, e.Fields, 1)
	require.Equal(t, "5文字以内で入力してください。", e.Fields[0].Ja)
	require.Equal(t, "must be at most 5 long", e.Fields[0].Message, "English unchanged")
}

func TestRuleRefusalsHaveJapanese(t *testing.T) {
	ja := func(err error) string {
		t.Helper()
		var e *domain.Error
		require.ErrorAs(t, err, &e)
		require.NotEmpty(t, e.Ja, e.Message)
		for _, f := range e.Fields {
			require.NotEmpty(t, f.Ja, f.Field+": "+f.Message)
		}
		return domain.MessageFor(err, domain.LocaleJa)
	}
	coverage := []domain.ClauseCoverage{
		{Code: "confidentiality", Mandatory: true, Status: domain.ClauseMissing},
		{Code: "audit", Mandatory: true, Status: domain.ClauseWaived, WaiverReason: "r", Waiver: &domain.ClauseWaiver{}},
	}
	require.Contains(t, ja(domain.ActivationRefusal(coverage)), "confidentiality、audit")
	require.Contains(t, ja(domain.ActiveCoverageRefusal(nil, coverage)), "契約")

	someone := &domain.Person{ID: "p1", Name: "山田", Active: true}
	require.Contains(t, ja(domain.MayApproveWaiver(someone, "p2")), "山田さん")
	require.Contains(t, ja(domain.MayApproveVendor(nil, nil, "")), "委託事業者")
	require.Contains(t, ja(domain.ReinstatementRefusal(nil, nil, "")), "停止")

	today := domain.NewDate(2027, time.April, 1)
	fe := domain.CompletionProblems([]domain.ChecklistItem{{Code: "c1"}}, domain.ConfirmationCompletion{
		PerformedOn: today.AddDays(1),
		Results:     []domain.ItemResultInput{{Code: "zz", Result: domain.ItemFinding}},
	}, today)
	ja(fe.ErrJa("x", "エラー"))

	_, err := domain.RiskAcceptanceRefusal(someone, &domain.CorrectiveAction{OwnerID: "p2"}, domain.RiskAcceptance{}, today, domain.DefaultPolicySettings)
	require.Contains(t, ja(err), "リスク受容")
	require.Contains(t, ja(domain.CloudApprovalRefusal(domain.Actor{}, someone, "")), "約款による外部サービス")
	ja(domain.CloudConfidentialityProblems([]domain.InformationAsset{{Name: "台帳",
		Classification: domain.Classification{Confidentiality: domain.Confidentiality2, Integrity: 1, Availability: 1}}}).ErrJa("x", "エラー"))
	require.Contains(t, ja(domain.PersonChangeRefusal(domain.RoleEditor, someone, true, domain.PersonInput{Email: "x@example.jp", Name: "山田"})), "管理者")
}
