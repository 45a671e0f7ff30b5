package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

// prefillCheck reads the register for one checklist item and one
// department: how many records it checked and those that do not meet the
// item. Each reads the records the department answers for: contracts,
// vendors and corrective actions through their owner's department, cloud
// services and social-media accounts through their own.
type prefillCheck func(ctx context.Context, tx bun.IDB, departmentID string, today domain.Date) (int, []domain.PrefillRecord, error)

// prefillChecks are the register checks of the items the register can
// answer (domain.PrefilledItems).
var prefillChecks = map[string]prefillCheck{
	domain.InspContractClausesCovered:          prefillContractClauses,
	domain.InspConfirmationsOnTime:             prefillConfirmations,
	domain.InspCorrectiveActionsFollowed:       prefillCorrectiveActions,
	domain.InspVendorCertificationsValid:       prefillCertifications,
	domain.InspCloudReviewed:                   prefillCloudReviewed,
	domain.InspCloudNoConfidential:             prefillCloudConfidential,
	domain.InspSocialOneResponsibleAndProcedur: prefillSocialResponsible,
	domain.InspSocialReviewed:                  prefillSocialReviewed,
}

// prefills computes pre-fills once per department and item within one
// campaign change.
type prefills struct {
	db     *DB
	tx     bun.IDB
	today  domain.Date
	era    bool
	cached map[string]*domain.InspectionPrefill
}

func (db *DB) newPrefills(ctx context.Context, tx bun.IDB) (*prefills, error) {
	s, err := db.settings(ctx, tx)
	if err != nil {
		return nil, err
	}
	return &prefills{db: db, tx: tx, today: db.today(), era: s.JapaneseEraDates, cached: map[string]*domain.InspectionPrefill{}}, nil
}

// of returns the pre-fill of item code for department, nil for an item the
// register cannot answer.
func (p *prefills) of(ctx context.Context, code, departmentID string) (*domain.InspectionPrefill, error) {
	check, ok := prefillChecks[code]
	if !ok {
		return nil, nil
	}
	key := departmentID + "|" + code
	if c, ok := p.cached[key]; ok {
		return c, nil
	}
	checked, failing, err := check(ctx, p.tx, departmentID, p.today)
	if err != nil {
		return nil, fmt.Errorf("store: pre-fill %s: %w", code, translate(err))
	}
	pf := domain.NewPrefill(checked, failing, p.db.Now(), p.today, p.era)
	p.cached[key] = pf
	return pf, nil
}

func prefillContractClauses(ctx context.Context, tx bun.IDB, dept string, _ domain.Date) (int, []domain.PrefillRecord, error) {
	var rows []struct {
		ID      string `bun:"id"`
		Title   string `bun:"title"`
		Missing int    `bun:"missing"`
	}
	err := tx.NewRaw(`SELECT c.id, c.title,
			(SELECT count(*) FROM catalogue_items ci WHERE ci.catalogue = ? AND ci.mandatory = ? AND ci.retired_at IS NULL
				AND NOT EXISTS (SELECT 1 FROM contract_clauses cc WHERE cc.contract_id = c.id AND cc.code = ci.code
					AND (cc.status = 'included' OR (cc.status = 'waived' AND cc.waiver_approved_at IS NOT NULL)))) AS missing
		FROM contracts c JOIN people p ON p.id = c.owner_id
		WHERE c.status = 'active' AND p.department_id = ? ORDER BY c.id`, string(domain.CatalogueClauses), true, dept).Scan(ctx, &rows)
	if err != nil {
		return 0, nil, err
	}
	var out []domain.PrefillRecord
	for _, r := range rows {
		if r.Missing > 0 {
			out = append(out, domain.PrefillRecord{Type: "contract", ID: r.ID, Title: r.Title, Path: "/contracts/" + r.ID,
				Detail: fmt.Sprintf("必須の条項%d件が記載も承認された適用除外もありません。", r.Missing)})
		}
	}
	return len(rows), out, nil
}

func prefillConfirmations(ctx context.Context, tx bun.IDB, dept string, today domain.Date) (int, []domain.PrefillRecord, error) {
	var contracts int
	err := tx.NewRaw(`SELECT count(*) FROM contracts c JOIN people p ON p.id = c.owner_id WHERE c.status = 'active' AND p.department_id = ?`, dept).
		Scan(ctx, &contracts)
	if err != nil {
		return 0, nil, err
	}
	var rows []struct {
		ID      string      `bun:"id"`
		Title   string      `bun:"title"`
		DueDate domain.Date `bun:"due_date"`
	}
	err = tx.NewRaw(`SELECT f.id, c.title, f.due_date FROM confirmations f JOIN contracts c ON c.id = f.contract_id JOIN people p ON p.id = c.owner_id
		WHERE c.status = 'active' AND p.department_id = ? AND (f.status = 'overdue' OR (f.status = 'scheduled' AND f.due_date < ?))
		ORDER BY f.due_date, f.id`, dept, today).Scan(ctx, &rows)
	if err != nil {
		return 0, nil, err
	}
	var out []domain.PrefillRecord
	for _, r := range rows {
		out = append(out, domain.PrefillRecord{Type: "confirmation", ID: r.ID, Title: r.Title, Path: "/confirmations/" + r.ID,
			Detail: "遵守状況の確認の期限（" + r.DueDate.String() + "）を過ぎています。"})
	}
	return contracts, out, nil
}

func prefillCorrectiveActions(ctx context.Context, tx bun.IDB, dept string, today domain.Date) (int, []domain.PrefillRecord, error) {
	var rows []struct {
		ID          string      `bun:"id"`
		Description string      `bun:"description"`
		Status      string      `bun:"status"`
		DueDate     domain.Date `bun:"due_date"`
	}
	from, _ := domain.FiscalYearRange(domain.FiscalYearOf(today))
	err := tx.NewRaw(`SELECT a.id, a.description, a.status, a.due_date FROM corrective_actions a JOIN people p ON p.id = a.owner_id
		WHERE p.department_id = ? AND (a.status = 'open' OR a.due_date >= ?) ORDER BY a.due_date, a.id`, dept, from).Scan(ctx, &rows)
	if err != nil {
		return 0, nil, err
	}
	var out []domain.PrefillRecord
	for _, r := range rows {
		if r.Status == string(domain.ActionOpen) && r.DueDate.Before(today) {
			out = append(out, domain.PrefillRecord{Type: "corrective_action", ID: r.ID, Title: truncateRunes(r.Description, 80), Path: "/corrective-actions/" + r.ID,
				Detail: "是正の期限（" + r.DueDate.String() + "）を過ぎても完了していません。"})
		}
	}
	return len(rows), out, nil
}

func prefillCertifications(ctx context.Context, tx bun.IDB, dept string, today domain.Date) (int, []domain.PrefillRecord, error) {
	var rows []struct {
		ID         string      `bun:"id"`
		Vendor     string      `bun:"vendor"`
		Name       string      `bun:"name"`
		Kind       string      `bun:"kind"`
		ValidUntil domain.Date `bun:"valid_until"`
	}
	err := tx.NewRaw(`SELECT v.id, v.name AS vendor, c.name, c.kind, c.valid_until FROM vendor_certifications c JOIN vendors v ON v.id = c.vendor_id
		JOIN people p ON p.id = v.owner_id WHERE v.status <> 'terminated' AND p.department_id = ? ORDER BY v.id, c.position`, dept).Scan(ctx, &rows)
	if err != nil {
		return 0, nil, err
	}
	var out []domain.PrefillRecord
	for _, r := range rows {
		if r.ValidUntil.Before(today) {
			name := r.Name
			if name == "" {
				name = r.Kind
			}
			out = append(out, domain.PrefillRecord{Type: "vendor", ID: r.ID, Title: r.Vendor, Path: "/vendors/" + r.ID,
				Detail: "認証「" + name + "」の有効期限（" + r.ValidUntil.String() + "）が過ぎています。"})
		}
	}
	return len(rows), out, nil
}

func prefillCloudReviewed(ctx context.Context, tx bun.IDB, dept string, today domain.Date) (int, []domain.PrefillRecord, error) {
	var rows []struct {
		ID   string      `bun:"id"`
		Name string      `bun:"name"`
		Due  domain.Date `bun:"next_review_due"`
	}
	err := tx.NewRaw(`SELECT id, name, next_review_due FROM cloud_services WHERE status = 'approved' AND department_id = ? ORDER BY id`, dept).Scan(ctx, &rows)
	if err != nil {
		return 0, nil, err
	}
	var out []domain.PrefillRecord
	for _, r := range rows {
		if !r.Due.IsZero() && r.Due.Before(today) {
			out = append(out, domain.PrefillRecord{Type: "cloud_service", ID: r.ID, Title: r.Name, Path: "/cloud-services/" + r.ID,
				Detail: "定期見直しの期限（" + r.Due.String() + "）を過ぎています。"})
		}
	}
	return len(rows), out, nil
}

func prefillCloudConfidential(ctx context.Context, tx bun.IDB, dept string, _ domain.Date) (int, []domain.PrefillRecord, error) {
	var rows []struct {
		ID     string `bun:"id"`
		Name   string `bun:"name"`
		Assets string `bun:"information_assets"`
	}
	err := tx.NewRaw(`SELECT id, name, information_assets FROM cloud_services WHERE status IN ('requested', 'approved') AND department_id = ? ORDER BY id`, dept).
		Scan(ctx, &rows)
	if err != nil {
		return 0, nil, err
	}
	var out []domain.PrefillRecord
	for _, r := range rows {
		var assets []domain.InformationAsset
		_ = json.Unmarshal([]byte(r.Assets), &assets)
		if top := domain.HighestConfidentiality(assets); top != "" && top.Compare(domain.MaxCloudConfidentiality) > 0 {
			out = append(out, domain.PrefillRecord{Type: "cloud_service", ID: r.ID, Title: r.Name, Path: "/cloud-services/" + r.ID,
				Detail: "機密性" + string(top) + "の情報を取り扱っています。"})
		}
	}
	return len(rows), out, nil
}

func prefillSocialResponsible(ctx context.Context, tx bun.IDB, dept string, _ domain.Date) (int, []domain.PrefillRecord, error) {
	var rows []struct {
		ID        string `bun:"id"`
		Platform  string `bun:"platform"`
		Handle    string `bun:"handle"`
		Procedure string `bun:"operating_procedure"`
		Active    bool   `bun:"active"`
	}
	err := tx.NewRaw(`SELECT s.id, s.platform, s.handle, s.operating_procedure, p.active FROM social_accounts s JOIN people p ON p.id = s.responsible_person_id
		WHERE s.status IN ('active', 'suspended') AND s.department_id = ? ORDER BY s.id`, dept).Scan(ctx, &rows)
	if err != nil {
		return 0, nil, err
	}
	var out []domain.PrefillRecord
	for _, r := range rows {
		var why []string
		if !r.Active {
			why = append(why, "責任者が無効な職員です。")
		}
		var op domain.OperatingProcedure
		_ = json.Unmarshal([]byte(r.Procedure), &op)
		if domain.OperatingProcedureMissing(op) {
			why = append(why, "運用手順が定められていません。")
		}
		if len(why) > 0 {
			out = append(out, domain.PrefillRecord{Type: "social_account", ID: r.ID, Title: domain.Platform(r.Platform).DisplayName(domain.LocaleJa) + " @" + r.Handle,
				Path: "/social-accounts/" + r.ID, Detail: strings.Join(why, "")})
		}
	}
	return len(rows), out, nil
}

func prefillSocialReviewed(ctx context.Context, tx bun.IDB, dept string, today domain.Date) (int, []domain.PrefillRecord, error) {
	var rows []struct {
		ID       string      `bun:"id"`
		Platform string      `bun:"platform"`
		Handle   string      `bun:"handle"`
		Due      domain.Date `bun:"next_review_due"`
	}
	err := tx.NewRaw(`SELECT id, platform, handle, next_review_due FROM social_accounts WHERE status = 'active' AND department_id = ? ORDER BY id`, dept).
		Scan(ctx, &rows)
	if err != nil {
		return 0, nil, err
	}
	var out []domain.PrefillRecord
	for _, r := range rows {
		if !r.Due.IsZero() && r.Due.Before(today) {
			out = append(out, domain.PrefillRecord{Type: "social_account", ID: r.ID, Title: domain.Platform(r.Platform).DisplayName(domain.LocaleJa) + " @" + r.Handle,
				Path: "/social-accounts/" + r.ID, Detail: "定期見直しの期限（" + r.Due.String() + "）を過ぎています。"})
		}
	}
	return len(rows), out, nil
}
