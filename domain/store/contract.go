package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.ContractService = (*DB)(nil)

type contractRow struct {
	bun.BaseModel `bun:"table:contracts"`

	ID                    string      `bun:"id,pk"`
	VendorID              string      `bun:"vendor_id"`
	Title                 string      `bun:"title"`
	Scope                 string      `bun:"scope"`
	StartDate             domain.Date `bun:"start_date,type:date"`
	EndDate               domain.Date `bun:"end_date,type:date"`
	AutoRenew             bool        `bun:"auto_renew"`
	RenewalTermMonths     int         `bun:"renewal_term_months"`
	NoticePeriodDays      int         `bun:"notice_period_days"`
	WorkLocation          string      `bun:"work_location"`
	VendorManagerName     string      `bun:"vendor_manager_name"`
	SubcontractingAllowed bool        `bun:"subcontracting_allowed"`
	Subcontractors        string      `bun:"subcontractors"`
	OwnerID               string      `bun:"owner_id"`
	InformationAssets     string      `bun:"information_assets"`
	Status                string      `bun:"status"`
	TerminationReason     string      `bun:"termination_reason"`
	LastConfirmedOn       domain.Date `bun:"last_confirmed_on,type:date"`
	LastConfirmationDue   domain.Date `bun:"last_confirmation_due,type:date"`
	NextConfirmationDue   domain.Date `bun:"next_confirmation_due,type:date"`
	RenewalReviewDue      domain.Date `bun:"renewal_review_due,type:date"`
	NextConfirmationNom   domain.Date `bun:"next_confirmation_nominal,type:date"`
	RenewalReviewNom      domain.Date `bun:"renewal_review_nominal,type:date"`
	RenewalReviewedFor    domain.Date `bun:"renewal_reviewed_for,type:date"`
	Version               int         `bun:"version"`
	CreatedAt             time.Time   `bun:"created_at"`
	UpdatedAt             time.Time   `bun:"updated_at"`
	SearchText            *string     `bun:"search_text"`
}

type contractClauseRow struct {
	bun.BaseModel `bun:"table:contract_clauses"`

	ContractID   string    `bun:"contract_id,pk"`
	Code         string    `bun:"code,pk"`
	Status       string    `bun:"status"`
	ArticleRef   string    `bun:"article_ref"`
	WaiverReason string    `bun:"waiver_reason"`
	UpdatedAt    time.Time `bun:"updated_at"`
	// The waiver's request and approval; the pending waiver is one asked for
	// on an active contract while the clause keeps its status (an amendment).
	WaiverRequestedBy        *string    `bun:"waiver_requested_by"`
	WaiverRequestedAt        *time.Time `bun:"waiver_requested_at"`
	WaiverApprovedBy         *string    `bun:"waiver_approved_by"`
	WaiverApprovedAt         *time.Time `bun:"waiver_approved_at"`
	PendingWaiverReason      string     `bun:"pending_waiver_reason"`
	PendingWaiverRequestedBy *string    `bun:"pending_waiver_requested_by"`
	PendingWaiverRequestedAt *time.Time `bun:"pending_waiver_requested_at"`
}

// waiver returns the waiver behind status waived, or nil.
func (r *contractClauseRow) waiver() *domain.ClauseWaiver {
	if r.Status != string(domain.ClauseWaived) {
		return nil
	}
	return &domain.ClauseWaiver{Reason: r.WaiverReason, RequestedBy: deref(r.WaiverRequestedBy), RequestedAt: utcPtr(r.WaiverRequestedAt),
		ApprovedBy: deref(r.WaiverApprovedBy), ApprovedAt: utcPtr(r.WaiverApprovedAt), Pending: r.WaiverApprovedAt == nil}
}

// amendment returns the waiver waiting beside the clause's status, or nil.
func (r *contractClauseRow) amendment() *domain.ClauseWaiver {
	if r.PendingWaiverReason == "" {
		return nil
	}
	return &domain.ClauseWaiver{Reason: r.PendingWaiverReason, RequestedBy: deref(r.PendingWaiverRequestedBy),
		RequestedAt: utcPtr(r.PendingWaiverRequestedAt), Pending: true}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// coverage renders the row as the domain shows it, with its clause.
func (r *contractClauseRow) coverage(c *domain.CatalogueItem) domain.ClauseCoverage {
	cov := domain.ClauseCoverage{Code: c.Code, TitleJa: c.TitleJa, TitleEn: c.TitleEn, Mandatory: c.Mandatory,
		Retired: c.RetiredAt != nil, Status: domain.ClauseMissing}
	if r != nil {
		cov.Status, cov.ArticleRef, cov.WaiverReason = domain.ClauseStatus(r.Status), r.ArticleRef, r.WaiverReason
		cov.Waiver, cov.Amendment = r.waiver(), r.amendment()
	}
	return cov
}

// covered reports whether the clause counts toward the activation gate:
// included, or waived with an approved waiver.
func (r *contractClauseRow) covered() bool {
	return r.Status == string(domain.ClauseIncluded) || (r.Status == string(domain.ClauseWaived) && r.WaiverApprovedAt != nil)
}

const entityContract = "contract"

// The memos of the contracts' JSON columns (jsonmemo.go).
var (
	assetsMemo         jsonMemo[domain.InformationAsset]
	subcontractorsMemo jsonMemo[string]
)

func (r *contractRow) assets() []domain.InformationAsset {
	if emptyJSONList(r.InformationAssets) {
		return []domain.InformationAsset{}
	}
	if out := assetsMemo.decode(r.InformationAssets); out != nil {
		return out
	}
	return []domain.InformationAsset{}
}

// emptyJSONList reports whether a JSON column holds no list items, which
// lists show often enough to skip decoding.
func emptyJSONList(s string) bool { return s == "" || s == "[]" || s == "null" }

func (r *contractRow) toDomain() *domain.Contract {
	c := &domain.Contract{
		ID: r.ID, VendorID: r.VendorID, Title: r.Title, Scope: r.Scope, StartDate: r.StartDate, EndDate: r.EndDate,
		AutoRenew: r.AutoRenew, RenewalTermMonths: r.RenewalTermMonths, NoticePeriodDays: r.NoticePeriodDays, WorkLocation: r.WorkLocation,
		VendorManagerName: r.VendorManagerName, SubcontractingAllowed: r.SubcontractingAllowed, Subcontractors: []string{},
		OwnerID: r.OwnerID, InformationAssets: r.assets(), Status: domain.ContractStatus(r.Status),
		TerminationReason: r.TerminationReason, LastConfirmedOn: r.LastConfirmedOn, NextConfirmationDue: r.NextConfirmationDue,
		RenewalReviewDue: r.RenewalReviewDue, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	c.FiscalYear = domain.FiscalYearOf(r.StartDate)
	c.NextConfirmationDueNominal = nominalOr(r.NextConfirmationNom, r.NextConfirmationDue)
	c.RenewalReviewDueNominal = nominalOr(r.RenewalReviewNom, r.RenewalReviewDue)
	if !emptyJSONList(r.Subcontractors) {
		if subs := subcontractorsMemo.decode(r.Subcontractors); subs != nil {
			c.Subcontractors = subs
		}
	}
	return c
}

func (r *contractRow) apply(in domain.ContractInput) {
	subs, _ := json.Marshal(in.Subcontractors)
	assets, _ := json.Marshal(in.InformationAssets)
	r.VendorID, r.Title, r.Scope, r.StartDate, r.EndDate = in.VendorID, in.Title, in.Scope, in.StartDate, in.EndDate
	r.AutoRenew, r.NoticePeriodDays, r.WorkLocation, r.VendorManagerName = in.AutoRenew, in.NoticePeriodDays, in.WorkLocation, in.VendorManagerName
	r.RenewalTermMonths = in.RenewalTermMonths
	r.SubcontractingAllowed, r.Subcontractors, r.OwnerID, r.InformationAssets = in.SubcontractingAllowed, string(subs), in.OwnerID, string(assets)
}

func (r *contractRow) schedule(tier domain.RiskTier) domain.ContractSchedule {
	return domain.ContractSchedule{Status: domain.ContractStatus(r.Status), StartDate: r.StartDate, EndDate: r.EndDate,
		NoticePeriodDays: r.NoticePeriodDays, LastConfirmedOn: r.LastConfirmedOn, LastConfirmationDue: r.LastConfirmationDue, Tier: tier, RenewalReviewedFor: r.RenewalReviewedFor,
		AutoRenew: r.AutoRenew, RenewalTermMonths: r.RenewalTermMonths}
}

// setDueDates derives the stored due dates, each moved to a business day
// by cal, with their nominal dates; it reports whether any changed.
func (r *contractRow) setDueDates(tier domain.RiskTier, p domain.PolicySettings, cal domain.BusinessCalendar) bool {
	s := r.schedule(tier)
	nextNom, renewalNom := s.NextConfirmationDue(p), s.RenewalReviewDue(p)
	next, renewal := cal.BusinessDueDate(nextNom), cal.BusinessDueDate(renewalNom)
	changed := next != r.NextConfirmationDue || renewal != r.RenewalReviewDue || nextNom != r.NextConfirmationNom || renewalNom != r.RenewalReviewNom
	r.NextConfirmationDue, r.RenewalReviewDue, r.NextConfirmationNom, r.RenewalReviewNom = next, renewal, nextNom, renewalNom
	return changed
}

// FindContract implements domain.ContractService.
func (db *DB) FindContract(ctx context.Context, id string) (*domain.Contract, error) {
	var row contractRow
	// loadRow's query, run parameterised (prepared.go): a hot path.
	err := db.selectOne(ctx, db.bun.NewSelect().Model(&row).Where("id = ?", id), &row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(entityContract, id)
	}
	if err != nil {
		return nil, wrap("load "+entityContract, err)
	}
	return row.toDomain(), nil
}

// ListContracts implements domain.ContractService.
func (db *DB) ListContracts(ctx context.Context, f domain.ContractFilter, p domain.PageRequest) (domain.Page[*domain.Contract], error) {
	var rows []*contractRow
	q := db.bun.NewSelect().Model(&rows)
	if f.VendorID != "" {
		q = q.Where("vendor_id = ?", f.VendorID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", enumLiteral(string(f.Status)))
	}
	if f.OwnerID != "" {
		q = q.Where("owner_id = ?", f.OwnerID)
	}
	if !f.ConfirmationDueBefore.IsZero() {
		q = q.Where("next_confirmation_due < ?", f.ConfirmationDueBefore)
	}
	if !f.RenewalReviewDueBefore.IsZero() {
		q = q.Where("renewal_review_due < ?", f.RenewalReviewDueBefore)
	}
	keyColumn := "id"
	if f.MissingClause != "" {
		known, err := db.isClauseCode(ctx, f.MissingClause)
		if err != nil {
			return domain.Page[*domain.Contract]{}, err
		}
		after, err := decodeCursor(p.Cursor)
		if err != nil {
			return domain.Page[*domain.Contract]{}, err
		}
		q, keyColumn = whereMissingClause(q, f.MissingClause, after, known)
	}
	if f.Q != "" {
		q = whereSearch(q, f.Q)
	}
	q, err := whereFiscalYear(q, "start_date", f.FiscalYear)
	if err != nil {
		return domain.Page[*domain.Contract]{}, err
	}
	return listPagePreparedOn(ctx, db, q, keyColumn, &rows, p, "list contracts",
		(*contractRow).toDomain,
		func(c *domain.Contract) string { return c.ID })
}

// checkContractInput validates a contract input and its references.
func (db *DB) checkContractInput(ctx context.Context, tx bun.Tx, in *domain.ContractInput) error {
	if err := domain.Validate(in); err != nil {
		return err
	}
	fe := in.Check()
	settings, err := db.settings(ctx, tx)
	if err != nil {
		return err
	}
	fe = append(fe, domain.NoticePeriodRefusal(*in, settings.PolicySettings)...)
	if err := requirePerson(ctx, tx, &fe, "owner_id", in.OwnerID); err != nil {
		return err
	}
	var vendor vendorRow
	err = tx.NewSelect().Model(&vendor).Column("id", "status", "name").Where("id = ?", in.VendorID).Scan(ctx)
	switch {
	case isNoRows(err):
		fe.AddJa("vendor_id", "no vendor has this id", "この委託事業者は登録されていません。", in.VendorID)
	case err != nil:
		return fmt.Errorf("store: check vendor: %w", err)
	case vendor.Status == string(domain.VendorTerminated):
		return domain.Errorf(domain.ECONFLICT, "vendor %s is terminated and can have no new contracts", vendor.Name).
			WithJa("委託事業者「%s」は取引終了のため、新しい契約を登録できません。", vendor.Name)
	}
	return fe.ErrJa("the contract breaks one or more rules", "契約の内容に誤りがあります。")
}

// CreateContract implements domain.ContractService.
func (db *DB) CreateContract(ctx context.Context, in domain.ContractInput) (*domain.Contract, error) {
	var out *domain.Contract
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = db.createContractTx(ctx, tx, in)
		return err
	})
	return out, err
}

// createContractTx is CreateContract inside an open transaction, so that an
// import commits all its rows in one.
func (db *DB) createContractTx(ctx context.Context, tx bun.Tx, in domain.ContractInput) (*domain.Contract, error) {
	var out *domain.Contract
	err := func() error {
		if err := db.checkContractInput(ctx, tx, &in); err != nil {
			return err
		}
		now := db.Now()
		row := &contractRow{ID: uuid.Must(uuid.NewV7()).String(), Status: string(domain.ContractDraft), Version: 1, CreatedAt: now, UpdatedAt: now}
		row.apply(in)
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return wrap("insert contract", translate(err))
		}
		if err := db.noteNewContract(ctx, tx, row.ID); err != nil {
			return err
		}
		out = row.toDomain()
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditCreate, EntityType: entityContract, EntityID: row.ID, After: out})
	}()
	return out, err
}

// changeContract runs the read–check–write steps shared by contract changes,
// then refreshes the vendor's tier and the due dates that follow from it.
func (db *DB) changeContract(ctx context.Context, id string, ifVersion *int, change func(ctx context.Context, tx bun.Tx, row *contractRow) (action, reason string, err error)) (*domain.Contract, error) {
	var out *domain.Contract
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = db.changeContractTx(ctx, tx, id, ifVersion, change)
		return err
	})
	return out, err
}

// changeContractTx is changeContract inside an open transaction, so that a
// review can make the change part of its own.
func (db *DB) changeContractTx(ctx context.Context, tx bun.Tx, id string, ifVersion *int, change func(ctx context.Context, tx bun.Tx, row *contractRow) (action, reason string, err error)) (*domain.Contract, error) {
	var row contractRow
	if err := loadRow(ctx, tx, &row, entityContract, id); err != nil {
		return nil, err
	}
	if err := checkVersion(entityContract, row.Version, ifVersion); err != nil {
		return nil, err
	}
	before := row.toDomain()
	action, reason, err := change(ctx, tx, &row)
	if err != nil {
		return nil, err
	}
	read := row.Version
	row.Version, row.UpdatedAt = read+1, db.Now()
	if err := updateRow(ctx, tx, &row, entityContract, id, read, ifVersion); err != nil {
		return nil, err
	}
	if err := db.refreshVendor(ctx, tx, row.VendorID, id); err != nil {
		return nil, err
	}
	if err := loadRow(ctx, tx, &row, entityContract, id); err != nil {
		return nil, err
	}
	// refreshVendor stored the due dates that follow from the change and
	// stopped what was queued for the old ones.
	out := row.toDomain()
	return out, db.appendAudit(ctx, tx, auditEntry{Action: action, EntityType: entityContract, EntityID: id, Reason: reason, Before: before, After: out})
}

// dropScheduledConfirmations removes the scheduled confirmations of an ended
// contract, and stops the reminders about them.
func (db *DB) dropScheduledConfirmations(ctx context.Context, tx bun.Tx, contractID string) error {
	return db.dropScheduledConfirmationsOf(ctx, tx, []string{contractID})
}

// dropScheduledConfirmationsOf is dropScheduledConfirmations for many
// contracts, in a few statements per reminderBatch contracts.
func (db *DB) dropScheduledConfirmationsOf(ctx context.Context, tx bun.Tx, contractIDs []string) error {
	today := db.today()
	for start := 0; start < len(contractIDs); start += reminderBatch {
		ids := contractIDs[start:min(start+reminderBatch, len(contractIDs))]
		var rows []*confirmationRow
		if err := tx.NewSelect().Model(&rows).
			Where("contract_id IN (?) AND status = ?", bun.In(ids), string(domain.ConfirmationScheduled)).Order("contract_id", "id").Scan(ctx); err != nil {
			return fmt.Errorf("store: find scheduled confirmations: %w", err)
		}
		if len(rows) == 0 {
			continue
		}
		confirmations := make([]string, len(rows))
		entries := make([]auditEntry, len(rows))
		for i, r := range rows {
			confirmations[i] = r.ID
			entries[i] = auditEntry{Action: domain.AuditDelete, EntityType: entityConfirmation, EntityID: r.ID,
				Reason: "its contract ended", Before: r.toDomain(today)}
		}
		if err := db.cancelQueuedRemindersOf(ctx, tx, confirmations); err != nil {
			return err
		}
		if err := db.appendAuditMany(ctx, tx, entries); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Table("confirmations").Where("contract_id IN (?) AND status = ?", bun.In(ids), string(domain.ConfirmationScheduled)).Exec(ctx); err != nil {
			return fmt.Errorf("store: drop scheduled confirmations: %w", err)
		}
	}
	return nil
}

func contractEnded(row *contractRow) error {
	switch domain.ContractStatus(row.Status) {
	case domain.ContractExpired, domain.ContractTerminated:
		return domain.Errorf(domain.ECONFLICT, "the contract is %s and can no longer change", row.Status).
			WithJa("この契約は%sのため、変更できません。", statusJa(entityContract, row.Status))
	}
	return nil
}

// ReplaceContract implements domain.ContractService.
func (db *DB) ReplaceContract(ctx context.Context, id string, ifVersion *int, in domain.ContractInput) (*domain.Contract, error) {
	return db.changeContract(ctx, id, ifVersion, db.contractReplacement(in))
}

// replaceContractTx is ReplaceContract inside an open transaction.
func (db *DB) replaceContractTx(ctx context.Context, tx bun.Tx, id string, ifVersion *int, in domain.ContractInput) (*domain.Contract, error) {
	return db.changeContractTx(ctx, tx, id, ifVersion, db.contractReplacement(in))
}

// contractReplacement is the change of ReplaceContract.
func (db *DB) contractReplacement(in domain.ContractInput) func(ctx context.Context, tx bun.Tx, row *contractRow) (string, string, error) {
	return func(ctx context.Context, tx bun.Tx, row *contractRow) (string, string, error) {
		if err := contractEnded(row); err != nil {
			return "", "", err
		}
		if in.VendorID != row.VendorID {
			return "", "", domain.Invalid("a contract cannot move to another vendor",
				domain.FieldError{Field: "vendor_id", Message: "must stay " + row.VendorID + "; register a new contract instead",
					Ja: "委託事業者は変更できません（" + row.VendorID + "のままにしてください）。新しい契約として登録してください。", Value: in.VendorID}).
				WithJa("契約の委託事業者を別の事業者に変えることはできません。")
		}
		if err := db.checkContractInput(ctx, tx, &in); err != nil {
			return "", "", err
		}
		row.apply(in)
		return domain.AuditUpdate, "", nil
	}
}

// DeleteContract implements domain.ContractService.
func (db *DB) DeleteContract(ctx context.Context, id string, ifVersion *int) error {
	return db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row contractRow
		if err := loadRow(ctx, tx, &row, entityContract, id); err != nil {
			return err
		}
		if err := checkVersion(entityContract, row.Version, ifVersion); err != nil {
			return err
		}
		if row.Status != string(domain.ContractDraft) {
			return domain.Errorf(domain.ECONFLICT, "only a draft contract can be deleted; this one is %s (terminate it instead)", row.Status).
				WithJa("削除できるのは下書きの契約だけです。この契約は%sです（削除せずに解約してください）。", statusJa(entityContract, row.Status))
		}
		// An incident that involves the contract keeps it.
		if n, err := tx.NewSelect().Table("incident_records").Where("record_id = ?", id).Count(ctx); err != nil {
			return fmt.Errorf("store: count incidents: %w", err)
		} else if n > 0 {
			return domain.Errorf(domain.ECONFLICT, "%d incidents involve this contract: it cannot be deleted", n).
				WithJa("この契約には関係するインシデントが%d件あるため、削除できません。", n)
		}
		if err := deleteRow(ctx, tx, &row, entityContract, row.Version, ifVersion); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditDelete, EntityType: entityContract, EntityID: id, Before: row.toDomain()})
	})
}

// contractClauses lists the catalogue clauses with their status on the
// contract; retired clauses appear only where the contract covers them.
func (db *DB) contractClauses(ctx context.Context, tx bun.IDB, contractID string) ([]domain.ClauseCoverage, error) {
	clauses, err := db.catalogueItems(ctx, tx, domain.CatalogueClauses, true)
	if err != nil {
		return nil, err
	}
	return contractCoverage(ctx, tx, clauses, contractID)
}

// contractCoverage is contractClauses with the clause catalogue (retired
// items included) already loaded, for callers that cover many contracts.
func contractCoverage(ctx context.Context, tx bun.IDB, clauses []*domain.CatalogueItem, contractID string) ([]domain.ClauseCoverage, error) {
	var rows []contractClauseRow
	if err := tx.NewSelect().Model(&rows).Where("contract_id = ?", contractID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: load contract clauses: %w", err)
	}
	return coverageOf(clauses, rows), nil
}

// coverageOf is a contract's coverage from the clause catalogue (retired
// items included) and the contract's clause rows: one entry per catalogue
// clause, a retired one only where the contract has a row for it that is not
// missing. It
// reads nothing, so a caller covering many contracts reads their clause
// rows in one query.
func coverageOf(clauses []*domain.CatalogueItem, rows []contractClauseRow) []domain.ClauseCoverage {
	have := map[string]*contractClauseRow{}
	for i := range rows {
		have[rows[i].Code] = &rows[i]
	}
	out := []domain.ClauseCoverage{}
	for _, c := range clauses {
		r := have[c.Code]
		if c.RetiredAt != nil && (r == nil || r.Status == string(domain.ClauseMissing)) {
			continue
		}
		out = append(out, r.coverage(c))
	}
	return out
}

// ContractClauses implements domain.ContractService.
func (db *DB) ContractClauses(ctx context.Context, id string) ([]domain.ClauseCoverage, error) {
	var row contractRow
	if err := loadRow(ctx, db.bun, &row, entityContract, id); err != nil {
		return nil, err
	}
	return db.contractClauses(ctx, db.bun, id)
}

// SetContractClause implements domain.ContractService. It also increases the
// contract's version, since the coverage is part of the contract.
//
// A waiver of a mandatory clause is a request: it takes effect when a second
// person approves it (ApproveClauseWaiver). On an active contract, a waiver
// asked for a clause that is covered waits beside the clause's current
// status, so the coverage never falls below the activation gate; any other
// change that would is refused.
func (db *DB) SetContractClause(ctx context.Context, id, code string, in domain.ClauseCoverageInput) (*domain.ClauseCoverage, error) {
	var out *domain.ClauseCoverage
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = db.setContractClauseTx(ctx, tx, id, code, in)
		return err
	})
	return out, err
}

// setContractClauseTx is SetContractClause inside an open transaction, so
// that an import sets a contract's clauses in the commit's transaction.
func (db *DB) setContractClauseTx(ctx context.Context, tx bun.Tx, id, code string, in domain.ClauseCoverageInput) (*domain.ClauseCoverage, error) {
	if err := domain.Validate(in); err != nil {
		return nil, err
	}
	if err := in.Check().ErrJa("the clause status breaks a rule", "条項の記載状況に誤りがあります。"); err != nil {
		return nil, err
	}
	actor := actorOf(ctx)
	var out *domain.ClauseCoverage
	_, err := db.changeContractTx(ctx, tx, id, nil, func(ctx context.Context, tx bun.Tx, row *contractRow) (string, string, error) {
		if err := contractEnded(row); err != nil {
			return "", "", err
		}
		clause, err := loadCatalogueItem(ctx, tx, domain.CatalogueClauses, code)
		if err != nil {
			return "", "", err
		}
		if clause.RetiredAt != nil && in.Status != domain.ClauseMissing {
			return "", "", domain.Errorf(domain.ECONFLICT, "clause %s is retired and cannot be newly set on a contract", code).
				WithJa("条項%sは廃止されているため、新たに契約に設定することはできません。", code)
		}
		item := clause.toDomain()
		before, err := db.contractClauses(ctx, tx, id)
		if err != nil {
			return "", "", err
		}
		cur, err := loadContractClause(ctx, tx, id, code)
		if err != nil {
			return "", "", err
		}
		now := db.Now()
		cr := &contractClauseRow{ContractID: id, Code: code, Status: string(in.Status), UpdatedAt: now}
		active := row.Status == string(domain.ContractActive)
		curCovered := cur.covered()
		switch in.Status {
		case domain.ClauseIncluded:
			cr.ArticleRef = strings.TrimSpace(in.ArticleRef)
		case domain.ClauseWaived:
			reason := strings.TrimSpace(in.WaiverReason)
			switch {
			case active && curCovered:
				// An amendment: the clause keeps what it has until the
				// waiver is approved.
				*cr = cur
				cr.UpdatedAt = now
				cr.PendingWaiverReason, cr.PendingWaiverRequestedBy, cr.PendingWaiverRequestedAt = reason, nullable(actor.PersonID), &now
			case !clause.Mandatory:
				// Only mandatory clauses need a second person.
				cr.WaiverReason, cr.WaiverRequestedBy, cr.WaiverRequestedAt, cr.WaiverApprovedAt = reason, nullable(actor.PersonID), &now, &now
			default:
				cr.WaiverReason, cr.WaiverRequestedBy, cr.WaiverRequestedAt = reason, nullable(actor.PersonID), &now
			}
		}
		if active {
			after := make([]domain.ClauseCoverage, 0, len(before))
			for _, c := range before {
				if c.Code == code {
					c = cr.coverage(item)
				}
				after = append(after, c)
			}
			if err := domain.ActiveCoverageRefusal(before, after); err != nil {
				return "", "", err
			}
		}
		if err := upsertContractClause(ctx, tx, cr); err != nil {
			return "", "", err
		}
		cov := cr.coverage(item)
		out = &cov
		reason := code + ": " + string(in.Status)
		if (cov.Waiver != nil && cov.Waiver.Pending) || cov.Amendment != nil {
			reason += " (waiver asked for, waiting for approval by a second person)"
		}
		return "set_clause", reason, nil
	})
	return out, err
}

// loadContractClause reads one clause row of a contract; a clause the
// contract never set comes back as a row with no status (missing).
func loadContractClause(ctx context.Context, tx bun.Tx, contractID, code string) (contractClauseRow, error) {
	var r contractClauseRow
	err := tx.NewSelect().Model(&r).Where("contract_id = ? AND code = ?", contractID, code).Scan(ctx)
	if err != nil && !isNoRows(err) {
		return r, fmt.Errorf("store: load contract clause: %w", err)
	}
	return r, nil
}

// upsertContractClause writes one clause row of a contract, and whether
// the contract misses the clause (missing_clauses.go). Every write of a
// clause row goes through it.
func upsertContractClause(ctx context.Context, tx bun.Tx, cr *contractClauseRow) error {
	if _, err := tx.NewInsert().Model(cr).On("CONFLICT (contract_id, code) DO UPDATE").
		Set("status = EXCLUDED.status, article_ref = EXCLUDED.article_ref, waiver_reason = EXCLUDED.waiver_reason, updated_at = EXCLUDED.updated_at").
		Set("waiver_requested_by = EXCLUDED.waiver_requested_by, waiver_requested_at = EXCLUDED.waiver_requested_at").
		Set("waiver_approved_by = EXCLUDED.waiver_approved_by, waiver_approved_at = EXCLUDED.waiver_approved_at").
		Set("pending_waiver_reason = EXCLUDED.pending_waiver_reason, pending_waiver_requested_by = EXCLUDED.pending_waiver_requested_by").
		Set("pending_waiver_requested_at = EXCLUDED.pending_waiver_requested_at").
		Exec(ctx); err != nil {
		return fmt.Errorf("store: set contract clause: %w", err)
	}
	return noteClauseStatus(ctx, tx, cr.ContractID, cr.Code, domain.ClauseStatus(cr.Status))
}

// ApproveClauseWaiver implements domain.ContractService.
func (db *DB) ApproveClauseWaiver(ctx context.Context, id, code string) (*domain.ClauseCoverage, error) {
	var out *domain.ClauseCoverage
	_, err := db.changeContract(ctx, id, nil, func(ctx context.Context, tx bun.Tx, row *contractRow) (string, string, error) {
		if err := contractEnded(row); err != nil {
			return "", "", err
		}
		clause, err := loadCatalogueItem(ctx, tx, domain.CatalogueClauses, code)
		if err != nil {
			return "", "", err
		}
		cr, err := loadContractClause(ctx, tx, id, code)
		if err != nil {
			return "", "", err
		}
		w := cr.amendment()
		if w == nil {
			w = cr.waiver()
		}
		if w == nil || !w.Pending {
			return "", "", domain.Errorf(domain.ECONFLICT, "clause %s has no waiver waiting for approval on this contract", code).
				WithJa("この契約には、承認待ちの条項%sの適用除外はありません。", code)
		}
		approver, err := callerPerson(ctx, tx)
		if err != nil {
			return "", "", err
		}
		if err := domain.MayApproveWaiver(approver, w.RequestedBy); err != nil {
			return "", "", err
		}
		now := db.Now()
		if cr.PendingWaiverReason != "" {
			cr.Status, cr.ArticleRef, cr.WaiverReason = string(domain.ClauseWaived), "", cr.PendingWaiverReason
			cr.WaiverRequestedBy, cr.WaiverRequestedAt = cr.PendingWaiverRequestedBy, cr.PendingWaiverRequestedAt
			cr.PendingWaiverReason, cr.PendingWaiverRequestedBy, cr.PendingWaiverRequestedAt = "", nil, nil
		}
		cr.WaiverApprovedBy, cr.WaiverApprovedAt, cr.UpdatedAt = &approver.ID, &now, now
		if err := upsertContractClause(ctx, tx, &cr); err != nil {
			return "", "", err
		}
		cov := cr.coverage(clause.toDomain())
		out = &cov
		return "approve_waiver", code + ": waiver asked by " + w.RequestedBy + " approved by " + approver.ID, nil
	})
	return out, err
}

// nullable returns nil for "", else a pointer to s.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// ActivateContract implements domain.ContractService.
func (db *DB) ActivateContract(ctx context.Context, id string, ifVersion *int) (*domain.Contract, error) {
	return db.changeContract(ctx, id, ifVersion, func(ctx context.Context, tx bun.Tx, row *contractRow) (string, string, error) {
		if row.Status != string(domain.ContractDraft) {
			return "", "", domain.Errorf(domain.ECONFLICT, "only a draft contract can be activated; this one is %s", row.Status).
				WithJa("実施にできるのは下書きの契約だけです。この契約は%sです。", statusJa(entityContract, row.Status))
		}
		if today := db.today(); !row.EndDate.IsZero() && row.EndDate.Before(today) {
			return "", "", domain.Errorf(domain.ECONFLICT, "the contract ended on %s and cannot be activated; register the new contract instead", row.EndDate).
				WithJa("この契約は%sに終了しているため、実施にできません。新しい契約を登録してください。", row.EndDate)
		}
		var vendor vendorRow
		if err := tx.NewSelect().Model(&vendor).Column("status", "name").Where("id = ?", row.VendorID).Scan(ctx); err != nil {
			return "", "", fmt.Errorf("store: load vendor: %w", err)
		}
		if vendor.Status != string(domain.VendorApproved) {
			return "", "", domain.Errorf(domain.ECONFLICT, "vendor %s is %s; a contract can be activated only with an approved vendor (select and approve it first)", vendor.Name, vendor.Status).
				WithJa("委託事業者「%s」は%sです。契約を実施にできるのは、承認済みの委託事業者の契約だけです（先に選定し、承認を受けてください）。", vendor.Name, statusJa(entityVendor, vendor.Status))
		}
		coverage, err := db.contractClauses(ctx, tx, id)
		if err != nil {
			return "", "", err
		}
		if err := domain.ActivationRefusal(coverage); err != nil {
			return "", "", err
		}
		row.Status = string(domain.ContractActive)
		return "activate", "", nil
	})
}

// TerminateContract implements domain.ContractService.
func (db *DB) TerminateContract(ctx context.Context, id string, ifVersion *int, reason string) (*domain.Contract, error) {
	if err := domain.CheckText("reason", reason, true); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, domain.Invalid("a reason is required", domain.FieldError{Field: "reason", Message: "say why the contract is terminated", Ja: "解約する理由を入力してください。"}).WithJa(reasonRequiredJa)
	}
	return db.changeContract(ctx, id, ifVersion, func(ctx context.Context, tx bun.Tx, row *contractRow) (string, string, error) {
		if err := contractEnded(row); err != nil {
			return "", "", err
		}
		row.Status, row.TerminationReason = string(domain.ContractTerminated), reason
		// Scheduled confirmations of an ended contract have nothing left to check.
		if err := db.dropScheduledConfirmations(ctx, tx, row.ID); err != nil {
			return "", "", err
		}
		return "terminate", reason, nil
	})
}

// refreshVendor derives the vendor's risk tier from its contracts, stores it
// when it changed (with an audit event), and re-derives the due dates of the
// vendor's contracts, which depend on the tier. The contract being changed,
// changedID, is audited by its caller; every other contract whose dates move
// gets an audit event of its own.
func (db *DB) refreshVendor(ctx context.Context, tx bun.Tx, vendorID, changedID string) error {
	return db.refreshVendorChanged(ctx, tx, vendorID, map[string]bool{changedID: true})
}

// refreshVendorChanged is refreshVendor after a change of several of the
// vendor's contracts (changed), each audited by the caller.
func (db *DB) refreshVendorChanged(ctx context.Context, tx bun.Tx, vendorID string, changed map[string]bool) error {
	var contracts []*contractRow
	if err := tx.NewSelect().Model(&contracts).Where("vendor_id = ?", vendorID).Scan(ctx); err != nil {
		return fmt.Errorf("store: load vendor contracts: %w", err)
	}
	inputs := make([]domain.ContractRiskInput, len(contracts))
	for i, c := range contracts {
		inputs[i] = domain.ContractRiskInput{Active: c.Status == string(domain.ContractActive), Assets: c.assets(), SubcontractingAllowed: c.SubcontractingAllowed}
	}
	tier := domain.DeriveRiskTier(inputs)
	var vendor vendorRow
	if err := loadRow(ctx, tx, &vendor, entityVendor, vendorID); err != nil {
		return err
	}
	if vendor.RiskTier != string(tier) {
		_, before, err := db.loadVendor(ctx, tx, vendorID)
		if err != nil {
			return err
		}
		read := vendor.Version
		vendor.RiskTier, vendor.Version, vendor.UpdatedAt = string(tier), read+1, db.Now()
		if err := updateRow(ctx, tx, &vendor, entityVendor, vendorID, read, nil); err != nil {
			return err
		}
		_, after, err := db.loadVendor(ctx, tx, vendorID)
		if err != nil {
			return err
		}
		if err := db.appendAudit(ctx, tx, auditEntry{Action: "derive_risk_tier", EntityType: entityVendor, EntityID: vendorID,
			Reason: "risk tier follows the vendor's active contracts", Before: before, After: after}); err != nil {
			return err
		}
	}
	settings, err := db.settings(ctx, tx)
	if err != nil {
		return err
	}
	cal := domain.NewBusinessCalendar(settings.PolicySettings)
	for _, c := range contracts {
		before := dueDates{c.NextConfirmationDue, c.RenewalReviewDue}
		moved, err := db.storeDueDates(ctx, tx, c, tier, settings.PolicySettings, cal)
		if err != nil {
			return err
		}
		if moved && !changed[c.ID] {
			if err := db.appendAudit(ctx, tx, auditEntry{Action: "derive_due_dates", EntityType: entityContract, EntityID: c.ID,
				Reason: "the vendor's risk tier is now " + string(tier), Before: before, After: dueDates{c.NextConfirmationDue, c.RenewalReviewDue}}); err != nil {
				return err
			}
		}
	}
	return nil
}

// dueDates is what an audit event of derived due dates records.
type dueDates struct {
	NextConfirmationDue domain.Date `json:"next_confirmation_due,omitzero"`
	RenewalReviewDue    domain.Date `json:"renewal_review_due,omitzero"`
}

// storeDueDates writes a contract's derived due dates when they changed,
// and reports whether they did. What hangs on the old dates follows: the
// reminders queued for the old renewal review stop, and a scheduled
// confirmation that was due on the old confirmation date moves to the new
// one (one given another date by hand stays where it is).
func (db *DB) storeDueDates(ctx context.Context, tx bun.Tx, c *contractRow, tier domain.RiskTier, p domain.PolicySettings, cal domain.BusinessCalendar) (bool, error) {
	old := dueDates{c.NextConfirmationDue, c.RenewalReviewDue}
	if !c.setDueDates(tier, p, cal) {
		return false, nil
	}
	read := c.Version
	c.Version, c.UpdatedAt = read+1, db.Now()
	res, err := tx.NewUpdate().Model(c).Column("next_confirmation_due", "renewal_review_due", "next_confirmation_nominal", "renewal_review_nominal", "version", "updated_at").
		WherePK().Where("version = ?", read).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("store: store due dates: %w", err)
	}
	if err := checkAffected(res, entityContract, nil, read); err != nil {
		return false, err
	}
	if old.RenewalReviewDue != c.RenewalReviewDue {
		if err := db.cancelQueuedReminders(ctx, tx, c.ID); err != nil {
			return false, err
		}
	}
	if old.NextConfirmationDue.IsZero() || c.NextConfirmationDue.IsZero() || old.NextConfirmationDue == c.NextConfirmationDue {
		return true, nil // an ended contract's scheduled confirmations are dropped where it ends
	}
	return true, db.moveScheduledConfirmations(ctx, tx, c.ID, old.NextConfirmationDue, c.NextConfirmationDue, c.NextConfirmationNom)
}

// moveScheduledConfirmations moves the contract's scheduled confirmations
// due on from to the date to, each with a new version and an audit event;
// what was queued for the old date stops. An overdue one stays.
func (db *DB) moveScheduledConfirmations(ctx context.Context, tx bun.Tx, contractID string, from, to, toNominal domain.Date) error {
	var rows []*confirmationRow
	if err := tx.NewSelect().Model(&rows).Where("contract_id = ? AND status = ? AND due_date = ?",
		contractID, string(domain.ConfirmationScheduled), from).Scan(ctx); err != nil {
		return fmt.Errorf("store: find scheduled confirmations: %w", err)
	}
	today := db.today()
	for _, r := range rows {
		if r.DueDate.Before(today) {
			// Overdue: it stays due where it was and goes on being
			// reminded; a renewal or a new tier must not silence it.
			continue
		}
		before := r.toDomain(today)
		read := r.Version
		r.DueDate, r.DueDateNominal, r.Version, r.UpdatedAt = to, toNominal, read+1, db.Now()
		if err := updateRow(ctx, tx, r, entityConfirmation, r.ID, read, nil); err != nil {
			return err
		}
		if err := db.cancelQueuedReminders(ctx, tx, r.ID); err != nil {
			return err
		}
		if err := db.appendAudit(ctx, tx, auditEntry{Action: "move_due_date", EntityType: entityConfirmation, EntityID: r.ID,
			Reason: "follows the contract's next confirmation date, " + from.String() + " → " + to.String(),
			Before: before, After: r.toDomain(today)}); err != nil {
			return err
		}
	}
	return nil
}

// recomputeBatch is how many contracts a settings change re-derives at a time.
const recomputeBatch = 500

// recomputeAllContractDates re-derives every active contract's due dates
// after a settings change, in batches so memory stays flat, and returns how
// many moved. The settings change's audit event names that number rather
// than writing one event per contract.
func (db *DB) recomputeAllContractDates(ctx context.Context, tx bun.Tx, p domain.PolicySettings) (int, error) {
	after, moved := "", 0
	cal := domain.NewBusinessCalendar(p)
	for {
		var rows []*contractRow
		err := tx.NewSelect().Model(&rows).Where("status = ?", string(domain.ContractActive)).
			Where("id > ?", after).Order("id ASC").Limit(recomputeBatch).Scan(ctx)
		if err != nil {
			return moved, fmt.Errorf("store: load contracts to recompute: %w", err)
		}
		tiers, err := vendorTiers(ctx, tx, rows)
		if err != nil {
			return moved, err
		}
		for _, r := range rows {
			changed, err := db.storeDueDates(ctx, tx, r, tiers[r.VendorID], p, cal)
			if err != nil {
				return moved, err
			}
			if changed {
				moved++
			}
			after = r.ID
		}
		if len(rows) < recomputeBatch {
			return moved, nil
		}
	}
}

// vendorTiers returns the stored risk tier of each vendor of the contracts.
func vendorTiers(ctx context.Context, tx bun.IDB, contracts []*contractRow) (map[string]domain.RiskTier, error) {
	tiers := map[string]domain.RiskTier{}
	if len(contracts) == 0 {
		return tiers, nil
	}
	ids := make([]string, 0, len(contracts))
	for _, c := range contracts {
		ids = append(ids, c.VendorID)
	}
	var vendors []vendorRow
	if err := tx.NewSelect().Model(&vendors).Column("id", "risk_tier").Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: load vendor tiers: %w", err)
	}
	for _, v := range vendors {
		tiers[v.ID] = domain.RiskTier(v.RiskTier)
	}
	return tiers, nil
}

// renewContracts extends every active auto-renewing contract whose end date
// passed by whole renewal terms, so that its reviews and confirmations go on
// for the new term, and returns how many renewed. Each renewal is audited.
func (db *DB) renewContracts(ctx context.Context, tx bun.Tx, today domain.Date) (int, error) {
	var rows []*contractRow
	if err := tx.NewSelect().Model(&rows).Where("status = ? AND auto_renew = ? AND end_date < ?", string(domain.ContractActive), true, today).
		Order("id").Scan(ctx); err != nil {
		return 0, fmt.Errorf("store: find contracts to renew: %w", err)
	}
	// Each contract gets its own end date (one UPDATE each); the vendors
	// are refreshed once each, and the audit events appended together.
	type renewal struct {
		before *domain.Contract
		terms  int
	}
	renewed := map[string]renewal{}
	var changed []*contractRow
	for _, row := range rows {
		end, terms := row.schedule("").RenewedEnd(today)
		if terms == 0 {
			continue
		}
		renewed[row.ID] = renewal{before: row.toDomain(), terms: terms}
		read := row.Version
		row.EndDate, row.Version, row.UpdatedAt = end, read+1, db.Now()
		if err := updateRow(ctx, tx, row, entityContract, row.ID, read, nil); err != nil {
			return 0, err
		}
		changed = append(changed, row)
	}
	if len(changed) == 0 {
		return len(rows), nil
	}
	after, err := db.refreshVendorsOf(ctx, tx, changed)
	if err != nil {
		return 0, err
	}
	entries := make([]auditEntry, len(changed))
	for i, row := range changed {
		r, now := renewed[row.ID], after[row.ID]
		entries[i] = auditEntry{Action: "renew", EntityType: entityContract, EntityID: row.ID,
			Reason: fmt.Sprintf("end date %s passed; renewed automatically by %d × %d months to %s", r.before.EndDate, r.terms, now.RenewalTermMonths, now.EndDate),
			Before: r.before, After: now.toDomain()}
	}
	return len(rows), db.appendAuditMany(ctx, tx, entries)
}
