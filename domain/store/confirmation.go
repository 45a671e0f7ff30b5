package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.ConfirmationService = (*DB)(nil)

type confirmationRow struct {
	bun.BaseModel `bun:"table:confirmations"`

	ID         string      `bun:"id,pk"`
	ContractID string      `bun:"contract_id"`
	VendorID   string      `bun:"vendor_id"`
	DueDate    domain.Date `bun:"due_date,type:date"`
	// DueDateNominal is the date asked for, before the move to a business day.
	DueDateNominal domain.Date `bun:"due_date_nominal,type:date"`
	Status         string      `bun:"status"`
	Checklist      string      `bun:"checklist"`
	Result         string      `bun:"result"`
	PerformedBy    *string     `bun:"performed_by"`
	PerformedOn    domain.Date `bun:"performed_on,type:date"`
	Notes          string      `bun:"notes"`
	Version        int         `bun:"version"`
	CreatedAt      time.Time   `bun:"created_at"`
	UpdatedAt      time.Time   `bun:"updated_at"`
}

const entityConfirmation = "confirmation"

func (r *confirmationRow) checklist() []domain.ChecklistItem {
	out := []domain.ChecklistItem{}
	_ = json.Unmarshal([]byte(r.Checklist), &out)
	return out
}

func (r *confirmationRow) toDomain(today domain.Date) *domain.Confirmation {
	c := &domain.Confirmation{
		ID: r.ID, ContractID: r.ContractID, VendorID: r.VendorID, DueDate: r.DueDate, DueDateNominal: nominalOr(r.DueDateNominal, r.DueDate),
		Status: domain.ConfirmationStatus(r.Status), Checklist: r.checklist(), Result: domain.ConfirmationResult(r.Result),
		PerformedOn: r.PerformedOn, Notes: r.Notes, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.PerformedBy != nil {
		c.PerformedBy = *r.PerformedBy
	}
	c.Status = c.StatusOn(today)
	return c
}

// FindConfirmation implements domain.ConfirmationService.
func (db *DB) FindConfirmation(ctx context.Context, id string) (*domain.Confirmation, error) {
	var row confirmationRow
	if err := loadRow(ctx, db.bun, &row, entityConfirmation, id); err != nil {
		return nil, err
	}
	return row.toDomain(db.today()), nil
}

// ListConfirmations implements domain.ConfirmationService.
func (db *DB) ListConfirmations(ctx context.Context, f domain.ConfirmationFilter, p domain.PageRequest) (domain.Page[*domain.Confirmation], error) {
	today := db.today()
	var rows []*confirmationRow
	q := db.bun.NewSelect().Model(&rows)
	if f.ContractID != "" {
		q = q.Where("contract_id = ?", f.ContractID)
	}
	if f.VendorID != "" {
		q = q.Where("vendor_id = ?", f.VendorID)
	}
	switch f.Status {
	case domain.ConfirmationCompleted:
		q = q.Where("status = ?", string(domain.ConfirmationCompleted))
	case domain.ConfirmationScheduled:
		q = q.Where("status = ? AND due_date >= ?", string(domain.ConfirmationScheduled), today)
	case domain.ConfirmationOverdue:
		q = q.Where("status = ? AND due_date < ?", string(domain.ConfirmationScheduled), today)
	}
	if !f.DueBefore.IsZero() {
		q = q.Where("due_date < ?", f.DueBefore)
	}
	q, err := whereFiscalYear(q, "due_date", f.FiscalYear)
	if err != nil {
		return domain.Page[*domain.Confirmation]{}, err
	}
	return listPage(ctx, q, &rows, p, "list confirmations",
		func(r *confirmationRow) *domain.Confirmation { return r.toDomain(today) },
		func(c *domain.Confirmation) string { return c.ID })
}

// CreateConfirmation implements domain.ConfirmationService.
func (db *DB) CreateConfirmation(ctx context.Context, in domain.ConfirmationInput) (*domain.Confirmation, error) {
	if err := domain.Validate(in); err != nil {
		return nil, err
	}
	var out *domain.Confirmation
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = db.scheduleConfirmation(ctx, tx, in.ContractID, in.DueDate, nil)
		return err
	})
	return out, err
}

// scheduleConfirmation creates a scheduled confirmation of an active
// contract inside tx, snapshotting the clauses included on it now. clauses
// is the clause catalogue when the caller has it loaded, else nil.
func (db *DB) scheduleConfirmation(ctx context.Context, tx bun.Tx, contractID string, due domain.Date, clauses []*domain.CatalogueItem) (*domain.Confirmation, error) {
	var contract contractRow
	err := tx.NewSelect().Model(&contract).Where("id = ?", contractID).Scan(ctx)
	if isNoRows(err) {
		return nil, domain.Invalid("the confirmation must be for an existing contract",
			domain.FieldError{Field: "contract_id", Message: "no contract has this id", Ja: "この契約は登録されていません。", Value: contractID}).
			WithJa("遵守状況の確認は、登録されている契約について行ってください。")
	}
	if err != nil {
		return nil, fmt.Errorf("store: load contract: %w", err)
	}
	if contract.Status != string(domain.ContractActive) {
		return nil, domain.Errorf(domain.ECONFLICT, "the contract is %s; only an active contract is confirmed", contract.Status).
			WithJa("この契約は%sです。遵守状況の確認は実施中の契約についてだけ行います。", statusJa(entityContract, contract.Status))
	}
	open, err := tx.NewSelect().Table("confirmations").Where("contract_id = ? AND status = ?", contractID, string(domain.ConfirmationScheduled)).Exists(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: check scheduled confirmations: %w", err)
	}
	if open {
		return nil, domain.Errorf(domain.ECONFLICT, "the contract already has a scheduled confirmation; complete that one first").WithJa(confirmationScheduledJa)
	}
	nominal := due
	if due.IsZero() {
		due, nominal = contract.NextConfirmationDue, nominalOr(contract.NextConfirmationNom, contract.NextConfirmationDue)
		if due.IsZero() {
			return nil, domain.Errorf(domain.ECONFLICT, "no confirmation of this contract is due in its term (the one before its end is done); give a due_date to schedule another").
				WithJa("この契約の期間内に予定される遵守状況の確認はありません（終了前の確認は実施済みです）。別の確認を予定するには、期限を指定してください。")
		}
	} else {
		cal, err := db.calendar(ctx, tx)
		if err != nil {
			return nil, err
		}
		due = cal.BusinessDueDate(due)
	}
	if clauses == nil {
		if clauses, err = db.catalogueItems(ctx, tx, domain.CatalogueClauses, true); err != nil {
			return nil, err
		}
	}
	coverage, err := contractCoverage(ctx, tx, clauses, contractID)
	if err != nil {
		return nil, err
	}
	row, err := db.newScheduledConfirmation(contractID, contract.VendorID, due, nominal, coverage)
	if err != nil {
		return nil, err
	}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		if domain.ErrorCodeOf(translate(err)) == domain.ECONFLICT {
			return nil, domain.Errorf(domain.ECONFLICT, "the contract already has a scheduled confirmation; complete that one first").WithJa(confirmationScheduledJa)
		}
		return nil, fmt.Errorf("store: insert confirmation: %w", err)
	}
	c := row.toDomain(db.today())
	return c, db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditCreate, EntityType: entityConfirmation, EntityID: c.ID, After: c})
}

// newScheduledConfirmation builds the row of a scheduled confirmation of
// the contract, due on due (nominal: the date asked for), whose checklist
// is the clauses included on the contract now (coverage). A contract that
// includes none has nothing to confirm, and is refused.
func (db *DB) newScheduledConfirmation(contractID, vendorID string, due, nominal domain.Date, coverage []domain.ClauseCoverage) (*confirmationRow, error) {
	checklist := []domain.ChecklistItem{}
	for _, c := range coverage {
		if c.Status == domain.ClauseIncluded {
			checklist = append(checklist, domain.ChecklistItem{Code: c.Code, TitleJa: c.TitleJa, TitleEn: c.TitleEn, ArticleRef: c.ArticleRef})
		}
	}
	if len(checklist) == 0 {
		return nil, domain.Invalid("the contract includes no security clause, so there is nothing to confirm",
			domain.FieldError{Field: "contract_id", Message: "include clauses on the contract first", Ja: "先に、契約に条項を含めてください。", Value: contractID}).
			WithJa("この契約にはセキュリティ条項が含まれていないため、確認する事項がありません。")
	}
	body, _ := json.Marshal(checklist)
	now := db.Now()
	return &confirmationRow{ID: uuid.Must(uuid.NewV7()).String(), ContractID: contractID, VendorID: vendorID, DueDate: due, DueDateNominal: nominal,
		Status: string(domain.ConfirmationScheduled), Checklist: string(body), Version: 1, CreatedAt: now, UpdatedAt: now}, nil
}

// CompleteConfirmation implements domain.ConfirmationService.
func (db *DB) CompleteConfirmation(ctx context.Context, id string, ifVersion *int, in domain.ConfirmationCompletion) (*domain.Confirmation, error) {
	if err := domain.Validate(&in); err != nil {
		return nil, err
	}
	var out *domain.Confirmation
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row confirmationRow
		if err := loadRow(ctx, tx, &row, entityConfirmation, id); err != nil {
			return err
		}
		if err := checkVersion(entityConfirmation, row.Version, ifVersion); err != nil {
			return err
		}
		if row.Status != string(domain.ConfirmationScheduled) {
			return domain.Errorf(domain.ECONFLICT, "the confirmation is already %s", row.Status).
				WithJa("この遵守状況の確認は既に%sです。", statusJa(entityConfirmation, row.Status))
		}
		var contract contractRow
		if err := loadRow(ctx, tx, &contract, entityContract, row.ContractID); err != nil {
			return err
		}
		today := db.today()
		checklist := row.checklist()
		fe := domain.CompletionProblems(checklist, in, today)
		if err := requirePerson(ctx, tx, &fe, "performed_by", in.PerformedBy); err != nil {
			return err
		}
		for i, r := range in.Results {
			if err := requirePerson(ctx, tx, &fe, fmt.Sprintf("results[%d].action_owner_id", i), r.ActionOwnerID); err != nil {
				return err
			}
		}
		if err := fe.ErrJa("the confirmation cannot be completed as sent", "この内容では、遵守状況の確認を完了できません。"); err != nil {
			return err
		}
		before := row.toDomain(today)

		results := map[string]domain.ItemResultInput{}
		for _, r := range in.Results {
			results[r.Code] = r
		}
		for i, item := range checklist {
			r := results[item.Code]
			item.Result, item.Note, item.Evidence = r.Result, r.Note, r.Evidence
			if r.Result == domain.ItemFinding {
				action, err := db.openCorrectiveAction(ctx, tx, &row, &contract, item.Code, r)
				if err != nil {
					return err
				}
				item.CorrectiveActionID = action.ID
			}
			checklist[i] = item
		}
		body, _ := json.Marshal(checklist)
		read := row.Version
		row.Checklist, row.Status, row.Result = string(body), string(domain.ConfirmationCompleted), string(domain.ResultOf(in.Results))
		row.PerformedBy, row.PerformedOn, row.Notes = &in.PerformedBy, in.PerformedOn, in.Notes
		row.Version, row.UpdatedAt = read+1, db.Now()
		if err := updateRow(ctx, tx, &row, entityConfirmation, id, read, ifVersion); err != nil {
			return err
		}
		out = row.toDomain(today)
		if err := db.cancelQueuedReminders(ctx, tx, id); err != nil {
			return err
		}
		if err := db.appendAudit(ctx, tx, auditEntry{Action: "complete", EntityType: entityConfirmation, EntityID: id, Before: before, After: out}); err != nil {
			return err
		}
		return db.recordConfirmationOnContract(ctx, tx, &contract, in.PerformedOn, nominalOr(row.DueDateNominal, row.DueDate))
	})
	return out, err
}

// recordConfirmationOnContract moves the contract's last confirmation date
// (and the date that confirmation was due) and with it
// next_confirmation_due, in the completing transaction.
func (db *DB) recordConfirmationOnContract(ctx context.Context, tx bun.Tx, contract *contractRow, on, due domain.Date) error {
	if !contract.LastConfirmedOn.IsZero() && !on.After(contract.LastConfirmedOn) {
		return nil
	}
	before := contract.toDomain()
	read := contract.Version
	contract.LastConfirmedOn, contract.LastConfirmationDue, contract.Version, contract.UpdatedAt = on, due, read+1, db.Now()
	if err := updateRow(ctx, tx, contract, entityContract, contract.ID, read, nil); err != nil {
		return err
	}
	if err := db.refreshVendor(ctx, tx, contract.VendorID, contract.ID); err != nil {
		return err
	}
	if err := loadRow(ctx, tx, contract, entityContract, contract.ID); err != nil {
		return err
	}
	return db.appendAudit(ctx, tx, auditEntry{Action: "record_confirmation", EntityType: entityContract, EntityID: contract.ID,
		Reason: "security confirmation completed on " + on.String(), Before: before, After: contract.toDomain()})
}
