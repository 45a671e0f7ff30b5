package store

import (
	"strings"

	"github.com/vendorwatch/vendorwatch/domain"
)

// The staff pages show the store's refusals in Japanese (domain.Error.Ja);
// these name the values the refusals interpolate, with the same words as
// the pages' labels.

// statusLabelsJa are the Japanese labels of each entity's statuses.
var statusLabelsJa = map[string]map[string]string{
	entityContract: {
		string(domain.ContractDraft): "下書き", string(domain.ContractActive): "実施中",
		string(domain.ContractExpired): "期間満了", string(domain.ContractTerminated): "解約",
	},
	entityVendor: {
		string(domain.VendorCandidate): "候補", string(domain.VendorApproved): "承認済み",
		string(domain.VendorSuspended): "一時停止中", string(domain.VendorTerminated): "取引終了",
	},
	entityConfirmation: {
		string(domain.ConfirmationScheduled): "未実施", string(domain.ConfirmationOverdue): "期限超過",
		string(domain.ConfirmationCompleted): "実施済み",
	},
	entityCorrectiveAction: {
		string(domain.ActionOpen): "対応中", string(domain.ActionDone): "完了",
		string(domain.ActionRiskAccepted): "リスク受容",
	},
	entityCloudService: {
		string(domain.CloudRequested): "申請中", string(domain.CloudApproved): "承認済み",
		string(domain.CloudRejected): "却下", string(domain.CloudRetired): "利用終了",
	},
	entitySocialAccount: {
		string(domain.SocialActive): "運用中", string(domain.SocialSuspended): "休止中",
		string(domain.SocialRetired): "廃止",
	},
	entityPolicyReview: {
		string(domain.PolicyReviewDraft): "起案中", string(domain.PolicyReviewApproved): "承認済み",
	},
	entityIncident: {
		string(domain.StepDetected): "検知", string(domain.StepReportedToCISO): "CISOへ報告済み",
		string(domain.StepContained): "封じ込め済み", string(domain.StepRecovered): "復旧済み", string(domain.StepClosed): "終結",
	},
}

// statusJa returns the Japanese label of status of an entity kind, in
// 「」, or the code itself when there is none.
func statusJa[S ~string](kind string, status S) string {
	if l, ok := statusLabelsJa[kind][string(status)]; ok {
		return "「" + l + "」"
	}
	return string(status)
}

// catalogueJa names a catalogue in Japanese.
func catalogueJa(c domain.Catalogue) string {
	switch c {
	case domain.CatalogueClauses:
		return "セキュリティ条項の一覧"
	case domain.CatalogueSelectionCriteria:
		return "選定基準の一覧"
	case domain.CatalogueTermsChecks:
		return "約款の確認項目の一覧"
	case domain.CatalogueInspectionChecklist:
		return "自己点検項目の一覧"
	}
	return string(c)
}

// joinReasonsJa joins the Japanese reasons of blockingReferences.
func joinReasonsJa(reasons []string) string { return strings.Join(reasons, "、") }

// noPersonJa is the Japanese of "no person has this id".
const noPersonJa = "この職員は登録されていません。"

// reasonRequiredJa is the Japanese of "a reason is required".
const reasonRequiredJa = "理由を入力してください。"

// confirmationScheduledJa is the Japanese of the refusal of a second
// scheduled confirmation.
const confirmationScheduledJa = "この契約には既に予定されている遵守状況の確認があります。先にその確認を完了してください。"

// badCursorJa is the Japanese of "the cursor is not one this API issued".
const badCursorJa = "ページの指定が正しくありません。"

// sessionEndedJa says in Japanese why SessionEnded ended a session.
func sessionEndedJa(why string) string {
	switch why {
	case "expired":
		return "サインインしてから決められた時間を過ぎた"
	case "idle":
		return "決められた時間、操作がなかった"
	}
	return why + "の"
}
