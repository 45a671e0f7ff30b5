package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// reference is a column of another table that points at an entity and stops
// it from being deleted while a row matches.
type reference struct {
	Table string
	// Where selects the referring rows; every ? is the entity's id.
	Where string
	// What names the referring rows in the refusal, e.g. "people".
	What string
	// WhatJa is What in Japanese, a format with %d for the count.
	WhatJa string
}

// Later registers add their owner and responsible-person columns here, so
// that a delete is refused with every reason at once.
var (
	departmentReferences = []reference{
		{Table: "people", Where: "department_id = ?", What: "people belong to it", WhatJa: "所属する職員%d人"},
		{Table: "cloud_services", Where: "department_id = ?", What: "cloud services are used by it", WhatJa: "利用する約款による外部サービス%d件"},
		{Table: "social_accounts", Where: "department_id = ?", What: "social-media accounts are run by it", WhatJa: "運用するソーシャルメディアのアカウント%d件"},
	}
	personReferences = []reference{
		{Table: "people", Where: "supervisor_id = ?", What: "people name them as supervisor", WhatJa: "上司として指定している職員%d人"},
		{Table: "tokens", Where: "person_id = ? AND revoked_at IS NULL", What: "API tokens are not revoked", WhatJa: "失効していないAPIトークン%d件"},
		{Table: "vendors", Where: "owner_id = ?", What: "vendors name them as owner", WhatJa: "担当者として指定している委託事業者%d件"},
		{Table: "contracts", Where: "owner_id = ?", What: "contracts name them as owner", WhatJa: "担当者として指定している契約%d件"},
		{Table: "corrective_actions", Where: "owner_id = ?", What: "corrective actions name them as owner", WhatJa: "担当者として指定している是正措置%d件"},
		{Table: "vendors", Where: "selected_by = ?", What: "vendor selections name them", WhatJa: "選定者として記録している委託事業者の選定%d件"},
		{Table: "confirmations", Where: "performed_by = ?", What: "confirmations name them as performer", WhatJa: "実施者として記録している遵守状況の確認%d件"},
		{Table: "cloud_services", Where: "responsible_person_id = ? OR requester_id = ? OR approver_id = ?", What: "cloud services name them", WhatJa: "この職員を指定している約款による外部サービス%d件"},
		{Table: "social_accounts", Where: "responsible_person_id = ? OR credential_custodian_id = ?", What: "social-media accounts name them as responsible person or credential custodian", WhatJa: "責任者又は認証情報の管理者として指定しているソーシャルメディアのアカウント%d件"},
		{Table: "social_account_operators", Where: "person_id = ?", What: "social-media accounts name them as operator", WhatJa: "投稿者として指定しているソーシャルメディアのアカウント%d件"},
		{Table: "policy_reviews", Where: "owner_id = ? OR drafted_by = ? OR changed_by = ? OR approver_id = ?", What: "policy reviews name them", WhatJa: "この職員を記録している情報セキュリティポリシーの見直し%d件"},
		{Table: "incidents", Where: "owner_id = ? OR reporter_id = ?", What: "incidents name them as owner or reporter", WhatJa: "担当者又は報告者として指定しているインシデント%d件"},
	}
	vendorReferences = []reference{
		{Table: "contracts", Where: "vendor_id = ?", What: "contracts are registered with it", WhatJa: "登録されている契約%d件"},
		{Table: "incident_records", Where: "record_id = ?", What: "incidents involve it", WhatJa: "関係するインシデント%d件"},
		{Table: "evidence_files", Where: "subject_type = 'vendor' AND subject_id = ? AND deleted_at IS NULL", What: "evidence files are attached to it", WhatJa: "添付されている証跡ファイル%d件"},
	}
)

// blockingReferences returns one sentence per reference that still points at
// id, such as "3 people belong to it", and the same in Japanese.
func blockingReferences(ctx context.Context, tx bun.Tx, refs []reference, id string) (out, ja []string, err error) {
	for _, r := range refs {
		args := make([]any, strings.Count(r.Where, "?"))
		for i := range args {
			args[i] = id
		}
		n, err := tx.NewSelect().Table(r.Table).Where(r.Where, args...).Count(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("store: count %s: %w", r.Table, err)
		}
		if n > 0 {
			out = append(out, fmt.Sprintf("%d %s", n, r.What))
			ja = append(ja, fmt.Sprintf(r.WhatJa, n))
		}
	}
	return out, ja, nil
}

func joinReasons(reasons []string) string { return strings.Join(reasons, "; ") }
