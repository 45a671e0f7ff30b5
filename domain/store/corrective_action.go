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

var _ domain.CorrectiveActionService = (*DB)(nil)

type correctiveActionRow struct {
	bun.BaseModel `bun:"table:corrective_actions"`

	ID             string      `bun:"id,pk"`
	Source         string      `bun:"source"`
	SourceID       string      `bun:"source_id"`
	ConfirmationID string      `bun:"confirmation_id,nullzero"`
	ContractID     string      `bun:"contract_id,nullzero"`
	VendorID       string      `bun:"vendor_id,nullzero"`
	ClauseCode     string      `bun:"clause_code"`
	Description    string      `bun:"description"`
	Severity       string      `bun:"severity"`
	OwnerID        string      `bun:"owner_id"`
	DueDate        domain.Date `bun:"due_date,type:date"`
	DueDateNominal domain.Date `bun:"due_date_nominal,type:date"`
	Status         string      `bun:"status"`
	Resolution     string      `bun:"resolution"`
	ClosedBy       *string     `bun:"closed_by"`
	ClosedAt       *time.Time  `bun:"closed_at"`
	AcceptedUntil  domain.Date `bun:"accepted_until,type:date"`
	Version        int         `bun:"version"`
	CreatedAt      time.Time   `bun:"created_at"`
	UpdatedAt      time.Time   `bun:"updated_at"`
}

const entityCorrectiveAction = "corrective_action"

func (r *correctiveActionRow) toDomain(today domain.Date) *domain.CorrectiveAction {
	a := &domain.CorrectiveAction{
		ID: r.ID, Source: domain.ActionSource(r.Source), SourceID: r.SourceID, ConfirmationID: r.ConfirmationID, ContractID: r.ContractID, VendorID: r.VendorID, ClauseCode: r.ClauseCode,
		Description: r.Description, Severity: domain.Severity(r.Severity), OwnerID: r.OwnerID, DueDate: r.DueDate,
		DueDateNominal: nominalOr(r.DueDateNominal, r.DueDate),
		Status:         domain.ActionStatus(r.Status), Resolution: r.Resolution, ClosedAt: utcPtr(r.ClosedAt), AcceptedUntil: r.AcceptedUntil,
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.ClosedBy != nil {
		a.ClosedBy = *r.ClosedBy
	}
	a.Overdue = a.Status == domain.ActionOpen && a.DueDate.Before(today)
	return a
}

// newAction is a corrective action to open: what opened it (Source,
// SourceID), what it concerns, and what must be done by when.
type newAction struct {
	Source   domain.ActionSource
	SourceID string
	// ConfirmationID, ContractID, VendorID and ClauseCode say what it
	// concerns; empty when not a contract's (VendorID alone for a vendor).
	ConfirmationID, ContractID, VendorID, ClauseCode string
	Description                                      string
	Severity                                         domain.Severity
	OwnerID                                          string
	// DueDate is the date given; the action is due on the business day on
	// or before it.
	DueDate domain.Date
	// Reason goes into the audit event ("finding on clause …").
	Reason string
}

// openActionFor opens a corrective action inside tx, due on a business day,
// with its audit event. Every source opens its actions here, so they are
// all reminded, listed and closed alike.
func (db *DB) openActionFor(ctx context.Context, tx bun.Tx, in newAction) (*domain.CorrectiveAction, error) {
	now := db.Now()
	cal, err := db.calendar(ctx, tx)
	if err != nil {
		return nil, err
	}
	row := &correctiveActionRow{
		ID: uuid.Must(uuid.NewV7()).String(), Source: string(in.Source), SourceID: in.SourceID,
		ConfirmationID: in.ConfirmationID, ContractID: in.ContractID, VendorID: in.VendorID,
		ClauseCode: in.ClauseCode, Description: strings.TrimSpace(in.Description), Severity: string(in.Severity), OwnerID: in.OwnerID,
		DueDate: cal.BusinessDueDate(in.DueDate), DueDateNominal: in.DueDate, Status: string(domain.ActionOpen), Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return nil, wrap("insert corrective action", translate(err))
	}
	a := row.toDomain(db.today())
	return a, db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditCreate, EntityType: entityCorrectiveAction, EntityID: a.ID,
		Reason: in.Reason, After: a})
}

// openCorrectiveAction opens the action for one confirmation finding inside tx.
func (db *DB) openCorrectiveAction(ctx context.Context, tx bun.Tx, conf *confirmationRow, contract *contractRow, code string, r domain.ItemResultInput) (*domain.CorrectiveAction, error) {
	owner := r.ActionOwnerID
	if owner == "" {
		owner = contract.OwnerID
	}
	return db.openActionFor(ctx, tx, newAction{Source: domain.SourceConfirmation, SourceID: conf.ID,
		ConfirmationID: conf.ID, ContractID: contract.ID, VendorID: contract.VendorID, ClauseCode: code,
		Description: r.Note, Severity: r.Severity, OwnerID: owner, DueDate: r.ActionDueDate, Reason: "finding on clause " + code})
}

// FindCorrectiveAction implements domain.CorrectiveActionService.
func (db *DB) FindCorrectiveAction(ctx context.Context, id string) (*domain.CorrectiveAction, error) {
	var row correctiveActionRow
	if err := loadRow(ctx, db.bun, &row, entityCorrectiveAction, id); err != nil {
		return nil, err
	}
	return row.toDomain(db.today()), nil
}

// ListCorrectiveActions implements domain.CorrectiveActionService.
func (db *DB) ListCorrectiveActions(ctx context.Context, f domain.CorrectiveActionFilter, p domain.PageRequest) (domain.Page[*domain.CorrectiveAction], error) {
	var rows []*correctiveActionRow
	q := db.bun.NewSelect().Model(&rows)
	if f.Source != "" {
		q = q.Where("source = ?", string(f.Source))
	}
	if f.SourceID != "" {
		q = q.Where("source_id = ?", f.SourceID)
	}
	if f.ContractID != "" {
		q = q.Where("contract_id = ?", f.ContractID)
	}
	if f.VendorID != "" {
		q = q.Where("vendor_id = ?", f.VendorID)
	}
	if f.OwnerID != "" {
		q = q.Where("owner_id = ?", f.OwnerID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if !f.DueBefore.IsZero() {
		q = q.Where("due_date < ?", f.DueBefore)
	}
	today := db.today()
	q, err := whereFiscalYear(q, "due_date", f.FiscalYear)
	if err != nil {
		return domain.Page[*domain.CorrectiveAction]{}, err
	}
	return listPage(ctx, q, &rows, p, "list corrective actions",
		func(r *correctiveActionRow) *domain.CorrectiveAction { return r.toDomain(today) },
		func(a *domain.CorrectiveAction) string { return a.ID })
}

// changeOpenAction runs the steps shared by every change of an open action.
func (db *DB) changeOpenAction(ctx context.Context, id string, ifVersion *int, change func(ctx context.Context, tx bun.Tx, row *correctiveActionRow) (action, reason string, err error)) (*domain.CorrectiveAction, error) {
	var out *domain.CorrectiveAction
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row correctiveActionRow
		if err := loadRow(ctx, tx, &row, entityCorrectiveAction, id); err != nil {
			return err
		}
		if err := checkVersion(entityCorrectiveAction, row.Version, ifVersion); err != nil {
			return err
		}
		if row.Status != string(domain.ActionOpen) {
			return domain.Errorf(domain.ECONFLICT, "the corrective action is already %s", row.Status).
				WithJa("この是正措置は既に%sです。", statusJa(entityCorrectiveAction, row.Status))
		}
		today := db.today()
		before := row.toDomain(today)
		action, reason, err := change(ctx, tx, &row)
		if err != nil {
			return err
		}
		read := row.Version
		row.Version, row.UpdatedAt = read+1, db.Now()
		if err := updateRow(ctx, tx, &row, entityCorrectiveAction, id, read, ifVersion); err != nil {
			return err
		}
		out = row.toDomain(today)
		if out.Status != before.Status || out.DueDate != before.DueDate {
			if err := db.cancelQueuedReminders(ctx, tx, id); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, tx, auditEntry{Action: action, EntityType: entityCorrectiveAction, EntityID: id, Reason: reason, Before: before, After: out})
	})
	return out, err
}

// ReplaceCorrectiveAction implements domain.CorrectiveActionService.
func (db *DB) ReplaceCorrectiveAction(ctx context.Context, id string, ifVersion *int, in domain.CorrectiveActionInput) (*domain.CorrectiveAction, error) {
	if err := domain.Validate(in); err != nil {
		return nil, err
	}
	return db.changeOpenAction(ctx, id, ifVersion, func(ctx context.Context, tx bun.Tx, row *correctiveActionRow) (string, string, error) {
		var fe domain.FieldErrors
		if in.DueDate.IsZero() {
			fe.AddJa("due_date", "is required", "入力してください。", nil)
		}
		if err := requirePerson(ctx, tx, &fe, "owner_id", in.OwnerID); err != nil {
			return "", "", err
		}
		if err := fe.ErrJa("the corrective action breaks one or more rules", "是正措置の内容に誤りがあります。"); err != nil {
			return "", "", err
		}
		cal, err := db.calendar(ctx, tx)
		if err != nil {
			return "", "", err
		}
		row.Description, row.Severity, row.OwnerID = in.Description, string(in.Severity), in.OwnerID
		row.DueDate, row.DueDateNominal = cal.BusinessDueDate(in.DueDate), in.DueDate
		return domain.AuditUpdate, "", nil
	})
}

// CompleteCorrectiveAction implements domain.CorrectiveActionService.
func (db *DB) CompleteCorrectiveAction(ctx context.Context, id string, ifVersion *int, in domain.ActionClosure) (*domain.CorrectiveAction, error) {
	return db.closeAction(ctx, id, ifVersion, in, domain.ActionDone, domain.RiskAcceptance{})
}

// AcceptCorrectiveActionRisk implements domain.CorrectiveActionService.
func (db *DB) AcceptCorrectiveActionRisk(ctx context.Context, id string, ifVersion *int, in domain.RiskAcceptance) (*domain.CorrectiveAction, error) {
	return db.closeAction(ctx, id, ifVersion, domain.ActionClosure{Resolution: in.Resolution}, domain.ActionRiskAccepted, in)
}

// closeAction closes an open action as done or risk_accepted.
func (db *DB) closeAction(ctx context.Context, id string, ifVersion *int, in domain.ActionClosure, to domain.ActionStatus, acceptance domain.RiskAcceptance) (*domain.CorrectiveAction, error) {
	if err := domain.Validate(in); err != nil {
		return nil, err
	}
	resolution := strings.TrimSpace(in.Resolution)
	if resolution == "" {
		return nil, domain.Invalid("a resolution is required", domain.FieldError{Field: "resolution", Message: "say what was done, or why the risk is accepted",
			Ja: "行った対応、又はリスクを受容する理由を入力してください。"}).WithJa("対応の内容を入力してください。")
	}
	actor := actorOf(ctx)
	return db.changeOpenAction(ctx, id, ifVersion, func(ctx context.Context, tx bun.Tx, row *correctiveActionRow) (string, string, error) {
		action, reason := "complete", resolution
		if to == domain.ActionRiskAccepted {
			action = "accept_risk"
			acceptor, err := callerPerson(ctx, tx)
			if err != nil {
				return "", "", err
			}
			settings, err := db.settings(ctx, tx)
			if err != nil {
				return "", "", err
			}
			until, err := domain.RiskAcceptanceRefusal(acceptor, row.toDomain(db.today()), acceptance, db.today(), settings.PolicySettings)
			if err != nil {
				return "", "", err
			}
			row.AcceptedUntil = until
			reason = resolution + " (accepted until " + until.String() + ")"
		}
		now := db.Now()
		row.Status, row.Resolution, row.ClosedAt = string(to), resolution, &now
		if actor.PersonID != "" {
			row.ClosedBy = &actor.PersonID
		}
		return action, reason, nil
	})
}

// reopenExpiredRiskAcceptances reopens the risk-accepted actions whose
// acceptance ended before today, due on its last day, so the due-scan
// reminds them again (the acceptance expired; someone must act or accept
// anew). It returns how many reopened.
func (db *DB) reopenExpiredRiskAcceptances(ctx context.Context, tx bun.Tx, today domain.Date) (int, error) {
	cal, err := db.calendar(ctx, tx)
	if err != nil {
		return 0, err
	}
	var rows []*correctiveActionRow
	if err := tx.NewSelect().Model(&rows).Where("status = ? AND accepted_until < ?", string(domain.ActionRiskAccepted), today).
		Scan(ctx); err != nil {
		return 0, fmt.Errorf("store: find expired risk acceptances: %w", err)
	}
	for _, row := range rows {
		before := row.toDomain(today)
		read := row.Version
		row.Status, row.DueDate, row.DueDateNominal, row.Version, row.UpdatedAt = string(domain.ActionOpen), cal.BusinessDueDate(row.AcceptedUntil), row.AcceptedUntil, read+1, db.Now()
		row.ClosedBy, row.ClosedAt = nil, nil
		if err := updateRow(ctx, tx, row, entityCorrectiveAction, row.ID, read, nil); err != nil {
			return 0, err
		}
		if err := db.appendAudit(ctx, tx, auditEntry{Action: "risk_acceptance_expired", EntityType: entityCorrectiveAction, EntityID: row.ID,
			Reason: "the risk was accepted until " + row.AcceptedUntil.String() + "; the action is open again", Before: before, After: row.toDomain(today)}); err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}
