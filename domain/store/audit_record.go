package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.AuditRecordService = (*DB)(nil)

const (
	entityAudit        = "audit"
	entityAuditFinding = "audit_finding"
)

type auditRow struct {
	bun.BaseModel `bun:"table:audits"`

	ID              string      `bun:"id,pk"`
	FiscalYear      int         `bun:"fiscal_year"`
	Title           string      `bun:"title"`
	Scope           string      `bun:"scope"`
	AuditorPersonID *string     `bun:"auditor_person_id"`
	AuditorName     string      `bun:"auditor_name"`
	StartDate       domain.Date `bun:"start_date,type:date"`
	EndDate         domain.Date `bun:"end_date,type:date"`
	Status          string      `bun:"status"`
	Summary         string      `bun:"summary"`
	Version         int         `bun:"version"`
	CreatedAt       time.Time   `bun:"created_at"`
	UpdatedAt       time.Time   `bun:"updated_at"`
}

func (r *auditRow) toDomain(findings int) *domain.Audit {
	return &domain.Audit{
		ID: r.ID, FiscalYear: r.FiscalYear, Title: r.Title, Scope: r.Scope, AuditorPersonID: deref(r.AuditorPersonID), AuditorName: r.AuditorName,
		StartDate: r.StartDate, EndDate: r.EndDate, Status: domain.AuditStatus(r.Status), Summary: r.Summary, Findings: findings,
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

func (r *auditRow) apply(in domain.AuditInput) {
	r.FiscalYear, r.Title, r.Scope = in.FiscalYear, strings.TrimSpace(in.Title), strings.TrimSpace(in.Scope)
	r.AuditorPersonID, r.AuditorName = nil, strings.TrimSpace(in.AuditorName)
	if in.AuditorPersonID != "" {
		id := in.AuditorPersonID
		r.AuditorPersonID = &id
	}
	r.StartDate, r.EndDate, r.Summary = in.StartDate, in.EndDate, strings.TrimSpace(in.Summary)
	r.Status = string(in.Status)
	if r.Status == "" {
		r.Status = string(domain.AuditPlanned)
	}
}

type findingRow struct {
	bun.BaseModel `bun:"table:audit_findings"`

	ID                 string    `bun:"id,pk"`
	AuditID            string    `bun:"audit_id"`
	Description        string    `bun:"description"`
	Severity           string    `bun:"severity"`
	SubjectType        string    `bun:"subject_type"`
	SubjectID          string    `bun:"subject_id"`
	CorrectiveActionID *string   `bun:"corrective_action_id"`
	RecordedBy         *string   `bun:"recorded_by"`
	CreatedAt          time.Time `bun:"created_at"`
}

func (r *findingRow) toDomain() *domain.AuditFinding {
	return &domain.AuditFinding{
		ID: r.ID, AuditID: r.AuditID, Description: r.Description, Severity: domain.Severity(r.Severity),
		SubjectType: domain.FindingSubjectType(r.SubjectType), SubjectID: r.SubjectID, CorrectiveActionID: deref(r.CorrectiveActionID),
		RecordedBy: deref(r.RecordedBy), CreatedAt: r.CreatedAt.UTC(),
	}
}

func findingCount(ctx context.Context, tx bun.IDB, auditID string) (int, error) {
	n, err := tx.NewSelect().Model((*findingRow)(nil)).Where("audit_id = ?", auditID).Count(ctx)
	return int(n), wrap("count findings", err)
}

// checkAudit applies the rules of an audit's fields inside tx.
func checkAudit(ctx context.Context, tx bun.IDB, in domain.AuditInput) error {
	if err := checkFiscalYear(in.FiscalYear); err != nil {
		return err
	}
	if err := domain.AuditRefusal(in); err != nil {
		return err
	}
	var fe domain.FieldErrors
	if err := requirePerson(ctx, tx, &fe, "auditor_person_id", in.AuditorPersonID); err != nil {
		return err
	}
	return fe.ErrJa("the audit breaks one or more rules", "監査の内容に誤りがあります。")
}

// CreateAudit implements domain.AuditRecordService.
func (db *DB) CreateAudit(ctx context.Context, in domain.AuditInput) (*domain.Audit, error) {
	if err := domain.Validate(in); err != nil {
		return nil, err
	}
	var out *domain.Audit
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := checkAudit(ctx, tx, in); err != nil {
			return err
		}
		now := db.Now()
		row := &auditRow{ID: uuid.Must(uuid.NewV7()).String(), Version: 1, CreatedAt: now, UpdatedAt: now}
		row.apply(in)
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return wrap("insert audit", translate(err))
		}
		out = row.toDomain(0)
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditCreate, EntityType: entityAudit, EntityID: row.ID, After: out})
	})
	return out, err
}

// FindAudit implements domain.AuditRecordService.
func (db *DB) FindAudit(ctx context.Context, id string) (*domain.Audit, error) {
	var row auditRow
	if err := loadRow(ctx, db.bun, &row, entityAudit, id); err != nil {
		return nil, err
	}
	n, err := findingCount(ctx, db.bun, id)
	if err != nil {
		return nil, err
	}
	return row.toDomain(n), nil
}

// ListAudits implements domain.AuditRecordService.
func (db *DB) ListAudits(ctx context.Context, f domain.AuditRecordFilter, p domain.PageRequest) (domain.Page[*domain.Audit], error) {
	var rows []*auditRow
	q := db.bun.NewSelect().Model(&rows)
	if f.FiscalYear != 0 {
		if err := checkFiscalYear(f.FiscalYear); err != nil {
			return domain.Page[*domain.Audit]{}, err
		}
		q = q.Where("fiscal_year = ?", f.FiscalYear)
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	page, err := listPage(ctx, q, &rows, p, "list audits", func(r *auditRow) *domain.Audit { return r.toDomain(0) },
		func(a *domain.Audit) string { return a.ID })
	if err != nil || len(page.Items) == 0 {
		return page, err
	}
	ids := make([]string, len(page.Items))
	for i, a := range page.Items {
		ids[i] = a.ID
	}
	var counts []struct {
		AuditID string `bun:"audit_id"`
		N       int    `bun:"n"`
	}
	if err := db.bun.NewRaw(`SELECT audit_id, count(*) AS n FROM audit_findings WHERE audit_id IN (?) GROUP BY audit_id`, bun.In(ids)).Scan(ctx, &counts); err != nil {
		return page, wrap("count findings", err)
	}
	for _, c := range counts {
		for _, a := range page.Items {
			if a.ID == c.AuditID {
				a.Findings = c.N
			}
		}
	}
	return page, nil
}

// ReplaceAudit implements domain.AuditRecordService.
func (db *DB) ReplaceAudit(ctx context.Context, id string, ifVersion *int, in domain.AuditInput) (*domain.Audit, error) {
	if err := domain.Validate(in); err != nil {
		return nil, err
	}
	var out *domain.Audit
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row auditRow
		if err := loadRow(ctx, tx, &row, entityAudit, id); err != nil {
			return err
		}
		if err := checkVersion(entityAudit, row.Version, ifVersion); err != nil {
			return err
		}
		if err := checkAudit(ctx, tx, in); err != nil {
			return err
		}
		n, err := findingCount(ctx, tx, id)
		if err != nil {
			return err
		}
		before := row.toDomain(n)
		row.apply(in)
		read := row.Version
		row.Version, row.UpdatedAt = read+1, db.Now()
		if err := updateRow(ctx, tx, &row, entityAudit, id, read, ifVersion); err != nil {
			return err
		}
		out = row.toDomain(n)
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditUpdate, EntityType: entityAudit, EntityID: id, Before: before, After: out})
	})
	return out, err
}

// ListAuditFindings implements domain.AuditRecordService.
func (db *DB) ListAuditFindings(ctx context.Context, auditID string) ([]*domain.AuditFinding, error) {
	var a auditRow
	if err := loadRow(ctx, db.bun, &a, entityAudit, auditID); err != nil {
		return nil, err
	}
	return findingsOf(ctx, db.bun, auditID)
}

// FindAuditFinding implements domain.AuditRecordService.
func (db *DB) FindAuditFinding(ctx context.Context, id string) (*domain.AuditFinding, error) {
	var row findingRow
	if err := loadRow(ctx, db.bun, &row, entityAuditFinding, id); err != nil {
		return nil, err
	}
	return row.toDomain(), nil
}

func findingsOf(ctx context.Context, tx bun.IDB, auditID string) ([]*domain.AuditFinding, error) {
	var rows []*findingRow
	if err := tx.NewSelect().Model(&rows).Where("audit_id = ?", auditID).Order("created_at", "id").Scan(ctx); err != nil {
		return nil, wrap("list findings", err)
	}
	out := make([]*domain.AuditFinding, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// findingSubjectTables are the tables of the records a finding may concern.
var findingSubjectTables = map[domain.FindingSubjectType]string{
	domain.FindingContract: "contracts", domain.FindingVendor: "vendors", domain.FindingConfirmation: "confirmations",
	domain.FindingCloudService: "cloud_services", domain.FindingSocialAccount: "social_accounts",
}

// CreateAuditFinding implements domain.AuditRecordService. Editors and
// admins record findings, and so do auditors: recording what an audit
// found is the auditor's work (the role otherwise only reads).
func (db *DB) CreateAuditFinding(ctx context.Context, auditID string, in domain.AuditFindingInput) (*domain.AuditFinding, error) {
	actor := actorOf(ctx)
	if !actor.Role.Allows(domain.PermWrite) && actor.Role != domain.RoleAuditor {
		return nil, domain.Errorf(domain.EFORBIDDEN, "a finding is recorded by an auditor, editor or admin").
			WithJa("監査の指摘事項を記録できるのは、監査人、編集者又は管理者だけです。")
	}
	if err := domain.Validate(in); err != nil {
		return nil, err
	}
	if in.Action != nil {
		if err := domain.Validate(in.Action); err != nil {
			return nil, err
		}
	}
	if err := domain.FindingRefusal(in); err != nil {
		return nil, err
	}
	var out *domain.AuditFinding
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var a auditRow
		if err := loadRow(ctx, tx, &a, entityAudit, auditID); err != nil {
			return err
		}
		var fe domain.FieldErrors
		contractID, vendorID := "", ""
		if in.SubjectType != "" {
			var ref struct {
				ContractID string `bun:"contract_id"`
				VendorID   string `bun:"vendor_id"`
			}
			var q string
			switch in.SubjectType {
			case domain.FindingContract:
				q = `SELECT id AS contract_id, vendor_id FROM contracts WHERE id = ?`
			case domain.FindingVendor:
				q = `SELECT '' AS contract_id, id AS vendor_id FROM vendors WHERE id = ?`
			case domain.FindingConfirmation:
				q = `SELECT contract_id, vendor_id FROM confirmations WHERE id = ?`
			default:
				q = `SELECT '' AS contract_id, '' AS vendor_id FROM ` + findingSubjectTables[in.SubjectType] + ` WHERE id = ?`
			}
			err := tx.NewRaw(q, in.SubjectID).Scan(ctx, &ref)
			switch {
			case isNoRows(err):
				fe.AddJa("subject_id", "no "+string(in.SubjectType)+" has this id", "この対象は登録されていません。", in.SubjectID)
			case err != nil:
				return wrap("load finding subject", err)
			}
			contractID, vendorID = ref.ContractID, ref.VendorID
		}
		if in.Action != nil {
			if err := requirePerson(ctx, tx, &fe, "action.owner_id", in.Action.OwnerID); err != nil {
				return err
			}
		}
		if err := fe.ErrJa("the finding breaks one or more rules", "指摘事項の内容に誤りがあります。"); err != nil {
			return err
		}
		row := &findingRow{ID: uuid.Must(uuid.NewV7()).String(), AuditID: auditID, Description: strings.TrimSpace(in.Description),
			Severity: string(in.Severity), SubjectType: string(in.SubjectType), SubjectID: in.SubjectID, CreatedAt: db.Now()}
		if actor.PersonID != "" {
			row.RecordedBy = &actor.PersonID
		}
		if in.Action != nil {
			desc := strings.TrimSpace(in.Action.Description)
			if desc == "" {
				desc = row.Description
			}
			sev := in.Action.Severity
			if sev == "" {
				sev = in.Severity
			}
			ca, err := db.openActionFor(ctx, tx, newAction{Source: domain.SourceAuditFinding, SourceID: row.ID, ContractID: contractID, VendorID: vendorID,
				Description: desc, Severity: sev, OwnerID: in.Action.OwnerID, DueDate: in.Action.DueDate,
				Reason: fmt.Sprintf("audit %s finding", auditID)})
			if err != nil {
				return err
			}
			row.CorrectiveActionID = &ca.ID
		}
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return wrap("insert finding", translate(err))
		}
		out = row.toDomain()
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditCreate, EntityType: entityAuditFinding, EntityID: row.ID, After: out})
	})
	return out, err
}
