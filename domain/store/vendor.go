package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.VendorService = (*DB)(nil)

type vendorRow struct {
	bun.BaseModel `bun:"table:vendors"`

	ID               string      `bun:"id,pk"`
	Name             string      `bun:"name"`
	Kana             string      `bun:"kana"`
	CorporateNumber  *string     `bun:"corporate_number"`
	Address          string      `bun:"address"`
	Website          string      `bun:"website"`
	ContactName      string      `bun:"contact_name"`
	ContactEmail     string      `bun:"contact_email"`
	ContactPhone     string      `bun:"contact_phone"`
	OwnerID          string      `bun:"owner_id"`
	Notes            string      `bun:"notes"`
	Status           string      `bun:"status"`
	RiskTier         string      `bun:"risk_tier"`
	SelectedBy       *string     `bun:"selected_by"`
	SelectedOn       domain.Date `bun:"selected_on,type:date"`
	SelectionResults *string     `bun:"selection_results"`
	StatusReason     string      `bun:"status_reason"`
	StatusChangedAt  *time.Time  `bun:"status_changed_at"`
	ApprovedBy       *string     `bun:"approved_by"`
	SelectionAt      *time.Time  `bun:"selection_recorded_at"`
	SelectionBy      *string     `bun:"selection_recorded_by"`
	Version          int         `bun:"version"`
	CreatedAt        time.Time   `bun:"created_at"`
	UpdatedAt        time.Time   `bun:"updated_at"`
	SearchText       *string     `bun:"search_text"`
}

type certificationRow struct {
	bun.BaseModel `bun:"table:vendor_certifications"`

	VendorID   string      `bun:"vendor_id,pk"`
	Position   int         `bun:"position,pk"`
	Kind       string      `bun:"kind"`
	Name       string      `bun:"name"`
	Number     string      `bun:"number"`
	ValidUntil domain.Date `bun:"valid_until,type:date"`
}

const entityVendor = "vendor"

func (r *vendorRow) apply(in domain.VendorInput) {
	r.Name, r.Kana, r.Address, r.Website = in.Name, in.Kana, in.Address, in.Website
	r.CorporateNumber = nil
	if in.CorporateNumber != "" {
		cn := in.CorporateNumber
		r.CorporateNumber = &cn
	}
	r.ContactName, r.ContactEmail, r.ContactPhone = in.Contact.Name, in.Contact.Email, in.Contact.Phone
	r.OwnerID, r.Notes = in.OwnerID, in.Notes
}

func (r *vendorRow) toDomain(certs []certificationRow, today domain.Date) *domain.Vendor {
	v := &domain.Vendor{
		ID: r.ID, Name: r.Name, Kana: r.Kana, Address: r.Address, Website: r.Website,
		Contact: domain.VendorContact{Name: r.ContactName, Email: r.ContactEmail, Phone: r.ContactPhone},
		OwnerID: r.OwnerID, Notes: r.Notes, Status: domain.VendorStatus(r.Status), RiskTier: domain.RiskTier(r.RiskTier),
		StatusReason: r.StatusReason, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		Certifications: make([]domain.Certification, 0, len(certs)),
	}
	if r.CorporateNumber != nil {
		v.CorporateNumber = *r.CorporateNumber
	}
	v.StatusChangedAt, v.SelectionRecordedAt, v.ApprovedBy = utcPtr(r.StatusChangedAt), utcPtr(r.SelectionAt), deref(r.ApprovedBy)
	for _, c := range certs {
		v.Certifications = append(v.Certifications, domain.Certification{Kind: domain.CertificationKind(c.Kind), Name: c.Name,
			Number: c.Number, ValidUntil: c.ValidUntil, Expired: c.ValidUntil.Before(today)})
	}
	if r.SelectedBy != nil {
		v.Selection = &domain.SelectionRecord{SelectedBy: *r.SelectedBy, SelectedOn: r.SelectedOn, Results: []domain.SelectionResult{}}
		if r.SelectionResults != nil {
			_ = json.Unmarshal([]byte(*r.SelectionResults), &v.Selection.Results)
		}
	}
	return v
}

// today is the store clock's date in the body's time zone.
func (db *DB) today() domain.Date { return domain.DateOf(db.now(), db.location) }

// vendorsWithCertifications loads the certifications of rows and builds the
// domain vendors, with one query for all of them.
func (db *DB) vendorsWithCertifications(ctx context.Context, tx bun.IDB, rows []*vendorRow) ([]*domain.Vendor, error) {
	out := make([]*domain.Vendor, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var certs []certificationRow
	if err := tx.NewSelect().Model(&certs).Where("vendor_id IN (?)", bun.In(ids)).Order("vendor_id", "position").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: load certifications: %w", err)
	}
	byVendor := map[string][]certificationRow{}
	for _, c := range certs {
		byVendor[c.VendorID] = append(byVendor[c.VendorID], c)
	}
	today := db.today()
	for i, r := range rows {
		out[i] = r.toDomain(byVendor[r.ID], today)
	}
	return out, nil
}

func (db *DB) loadVendor(ctx context.Context, tx bun.IDB, id string) (*vendorRow, *domain.Vendor, error) {
	var row vendorRow
	if err := loadRow(ctx, tx, &row, entityVendor, id); err != nil {
		return nil, nil, err
	}
	vs, err := db.vendorsWithCertifications(ctx, tx, []*vendorRow{&row})
	if err != nil {
		return nil, nil, err
	}
	return &row, vs[0], nil
}

// FindVendor implements domain.VendorService.
func (db *DB) FindVendor(ctx context.Context, id string) (*domain.Vendor, error) {
	_, v, err := db.loadVendor(ctx, db.bun, id)
	return v, err
}

// ListVendors implements domain.VendorService.
func (db *DB) ListVendors(ctx context.Context, f domain.VendorFilter, p domain.PageRequest) (domain.Page[*domain.Vendor], error) {
	var rows []*vendorRow
	q := db.bun.NewSelect().Model(&rows)
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.OwnerID != "" {
		q = q.Where("owner_id = ?", f.OwnerID)
	}
	if f.RiskTier != "" {
		q = q.Where("risk_tier = ?", string(f.RiskTier))
	}
	if f.Q != "" {
		q = whereSearch(q, f.Q)
	}
	if !f.CertificationExpiringBefore.IsZero() {
		// IN, not a correlated EXISTS: SQLite then reads the expiring
		// certificates from their index instead of testing every vendor.
		q = q.Where("vendor_row.id IN (SELECT c.vendor_id FROM vendor_certifications c WHERE c.valid_until < ?)", f.CertificationExpiringBefore)
	}
	q, err := pageQuery(q, "id", p)
	if err != nil {
		return domain.Page[*domain.Vendor]{}, err
	}
	if err := q.Scan(ctx); err != nil {
		return domain.Page[*domain.Vendor]{}, wrap("list vendors", err)
	}
	out, err := db.vendorsWithCertifications(ctx, db.bun, rows)
	if err != nil {
		return domain.Page[*domain.Vendor]{}, err
	}
	return finishPage(out, p, func(v *domain.Vendor) string { return v.ID }), nil
}

// checkVendorInput validates a vendor input and its references.
func (db *DB) checkVendorInput(ctx context.Context, tx bun.Tx, in *domain.VendorInput) error {
	if err := domain.Validate(in); err != nil {
		return err
	}
	fe := in.Check()
	if err := requirePerson(ctx, tx, &fe, "owner_id", in.OwnerID); err != nil {
		return err
	}
	return fe.ErrJa("the vendor breaks one or more rules", "委託事業者の内容に誤りがあります。")
}

// requirePerson adds a field error when no person has the id.
func requirePerson(ctx context.Context, tx bun.IDB, fe *domain.FieldErrors, field, id string) error {
	if id == "" {
		return nil
	}
	ok, err := tx.NewSelect().Table("people").Where("id = ?", id).Exists(ctx)
	if err != nil {
		return fmt.Errorf("store: check person: %w", err)
	}
	if !ok {
		fe.AddJa(field, "no person has this id", noPersonJa, id)
	}
	return nil
}

// writeCertifications replaces a vendor's certifications.
func (db *DB) writeCertifications(ctx context.Context, tx bun.Tx, vendorID string, certs []domain.Certification) error {
	if _, err := tx.NewDelete().Model((*certificationRow)(nil)).Where("vendor_id = ?", vendorID).Exec(ctx); err != nil {
		return fmt.Errorf("store: clear certifications: %w", err)
	}
	_, err := insertCertifications(ctx, tx, vendorID, certs)
	return err
}

// insertCertifications inserts a vendor's certifications in one statement
// and returns the rows written.
func insertCertifications(ctx context.Context, tx bun.Tx, vendorID string, certs []domain.Certification) ([]certificationRow, error) {
	if len(certs) == 0 {
		return nil, nil
	}
	rows := make([]certificationRow, len(certs))
	for i, c := range certs {
		rows[i] = certificationRow{VendorID: vendorID, Position: i, Kind: string(c.Kind), Name: c.Name, Number: c.Number, ValidUntil: c.ValidUntil}
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: insert certifications: %w", err)
	}
	return rows, nil
}

func corporateNumberTaken(err error) error {
	if domain.ErrorCodeOf(translate(err)) == domain.ECONFLICT {
		return domain.Errorf(domain.ECONFLICT, "a vendor with this corporate number (法人番号) is already registered").
			WithJa("この法人番号の委託事業者は既に登録されています。")
	}
	return err
}

// CreateVendor implements domain.VendorService. A new vendor derives
// nothing from other rows (its owner is checked by the foreign key too, and
// its corporate number by the unique index), so creations run side by side
// (inConcurrentTx).
func (db *DB) CreateVendor(ctx context.Context, in domain.VendorInput) (*domain.Vendor, error) {
	var out *domain.Vendor
	err := db.inConcurrentTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = db.createVendorTx(ctx, tx, in)
		return err
	})
	return out, err
}

// createVendorTx is CreateVendor inside an open transaction, so that an
// import commits all its rows in one.
func (db *DB) createVendorTx(ctx context.Context, tx bun.Tx, in domain.VendorInput) (*domain.Vendor, error) {
	if err := db.checkVendorInput(ctx, tx, &in); err != nil {
		return nil, err
	}
	now := db.Now()
	row := &vendorRow{ID: uuid.Must(uuid.NewV7()).String(), Status: string(domain.VendorCandidate),
		RiskTier: string(domain.RiskUnassessed), Version: 1, CreatedAt: now, UpdatedAt: now}
	row.apply(in)
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return nil, wrap("insert vendor", corporateNumberTaken(err))
	}
	certs, err := insertCertifications(ctx, tx, row.ID, in.Certifications)
	if err != nil {
		return nil, err
	}
	// The vendor as written: reading it back would give the same.
	v := row.toDomain(certs, db.today())
	return v, db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditCreate, EntityType: entityVendor, EntityID: v.ID, After: v})
}

// changeVendor runs the read–check–write steps shared by every vendor
// change; change edits the row and returns the audit action and reason.
func (db *DB) changeVendor(ctx context.Context, id string, ifVersion *int, change func(ctx context.Context, tx bun.Tx, row *vendorRow, cur *domain.Vendor) (action, reason string, err error)) (*domain.Vendor, error) {
	var out *domain.Vendor
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = db.changeVendorTx(ctx, tx, id, ifVersion, change)
		return err
	})
	return out, err
}

// changeVendorTx is changeVendor inside an open transaction, so that an
// incident can make a vendor's suspension part of its own.
func (db *DB) changeVendorTx(ctx context.Context, tx bun.Tx, id string, ifVersion *int, change func(ctx context.Context, tx bun.Tx, row *vendorRow, cur *domain.Vendor) (action, reason string, err error)) (*domain.Vendor, error) {
	row, before, err := db.loadVendor(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := checkVersion(entityVendor, row.Version, ifVersion); err != nil {
		return nil, err
	}
	action, reason, err := change(ctx, tx, row, before)
	if err != nil {
		return nil, err
	}
	read := row.Version
	row.Version, row.UpdatedAt = read+1, db.Now()
	if err := updateRow(ctx, tx, row, entityVendor, id, read, ifVersion); err != nil {
		return nil, corporateNumberTaken(err)
	}
	_, out, err := db.loadVendor(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := db.cancelCertificationReminders(ctx, tx, id, before.Certifications, out.Certifications); err != nil {
		return nil, err
	}
	return out, db.appendAudit(ctx, tx, auditEntry{Action: action, EntityType: entityVendor, EntityID: id, Reason: reason, Before: before, After: out})
}

// ReplaceVendor implements domain.VendorService.
func (db *DB) ReplaceVendor(ctx context.Context, id string, ifVersion *int, in domain.VendorInput) (*domain.Vendor, error) {
	return db.changeVendor(ctx, id, ifVersion, db.vendorReplacement(id, in))
}

// replaceVendorTx is ReplaceVendor inside an open transaction.
func (db *DB) replaceVendorTx(ctx context.Context, tx bun.Tx, id string, ifVersion *int, in domain.VendorInput) (*domain.Vendor, error) {
	return db.changeVendorTx(ctx, tx, id, ifVersion, db.vendorReplacement(id, in))
}

// vendorReplacement is the change of ReplaceVendor.
func (db *DB) vendorReplacement(id string, in domain.VendorInput) func(ctx context.Context, tx bun.Tx, row *vendorRow, _ *domain.Vendor) (string, string, error) {
	return func(ctx context.Context, tx bun.Tx, row *vendorRow, _ *domain.Vendor) (string, string, error) {
		if err := db.checkVendorInput(ctx, tx, &in); err != nil {
			return "", "", err
		}
		row.apply(in)
		return domain.AuditUpdate, "", db.writeCertifications(ctx, tx, id, in.Certifications)
	}
}

// DeleteVendor implements domain.VendorService.
func (db *DB) DeleteVendor(ctx context.Context, id string, ifVersion *int) error {
	return db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row, before, err := db.loadVendor(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := checkVersion(entityVendor, row.Version, ifVersion); err != nil {
			return err
		}
		blocking, blockingJa, err := blockingReferences(ctx, tx, vendorReferences, id)
		if err != nil {
			return err
		}
		if len(blocking) > 0 {
			return domain.Errorf(domain.ECONFLICT, "vendor %s cannot be deleted while %s; terminate it instead", row.Name, joinReasons(blocking)).
				WithJa("委託事業者「%s」は、次の記録から参照されているため削除できません：%s。削除せずに取引を終了してください。", row.Name, joinReasonsJa(blockingJa))
		}
		if err := deleteRow(ctx, tx, row, entityVendor, row.Version, ifVersion); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditDelete, EntityType: entityVendor, EntityID: id, Before: before})
	})
}

// RecordSelection implements domain.VendorService.
func (db *DB) RecordSelection(ctx context.Context, id string, ifVersion *int, rec domain.SelectionRecord) (*domain.Vendor, error) {
	if err := domain.Validate(&rec); err != nil {
		return nil, err
	}
	return db.changeVendor(ctx, id, ifVersion, func(ctx context.Context, tx bun.Tx, row *vendorRow, _ *domain.Vendor) (string, string, error) {
		if row.Status == string(domain.VendorTerminated) {
			return "", "", domain.Errorf(domain.ECONFLICT, "vendor %s is terminated; its selection can no longer change", row.Name).
				WithJa("委託事業者「%s」は取引終了のため、選定の記録を変更できません。", row.Name)
		}
		var fe domain.FieldErrors
		if rec.SelectedOn.IsZero() {
			fe.AddJa("selected_on", "is required", "入力してください。", nil)
		} else if rec.SelectedOn.After(db.today()) {
			fe.AddJa("selected_on", "must not be in the future", "未来の日付は指定できません。", rec.SelectedOn.String())
		}
		if err := requirePerson(ctx, tx, &fe, "selected_by", rec.SelectedBy); err != nil {
			return "", "", err
		}
		criteria, err := db.catalogueItems(ctx, tx, domain.CatalogueSelectionCriteria, true)
		if err != nil {
			return "", "", err
		}
		known := map[string]bool{}
		for _, c := range criteria {
			known[c.Code] = true
		}
		for i, r := range rec.Results {
			if !known[r.Criterion] {
				fe.AddJa(fmt.Sprintf("results[%d].criterion", i), "is not a selection criterion", "選定基準ではありません。", r.Criterion)
			}
		}
		if err := fe.ErrJa("the selection record breaks one or more rules", "選定の記録に誤りがあります。"); err != nil {
			return "", "", err
		}
		if rec.Results == nil {
			rec.Results = []domain.SelectionResult{}
		}
		results, _ := json.Marshal(rec.Results)
		s := string(results)
		now := db.Now()
		row.SelectedBy, row.SelectedOn, row.SelectionResults, row.SelectionAt = &rec.SelectedBy, rec.SelectedOn, &s, &now
		row.SelectionBy = nullable(actorOf(ctx).PersonID)
		return "record_selection", "", nil
	})
}

// ChangeVendorStatus implements domain.VendorService.
func (db *DB) ChangeVendorStatus(ctx context.Context, id string, ifVersion *int, to domain.VendorStatus, reason string) (*domain.Vendor, error) {
	if err := domain.CheckText("reason", reason, true); err != nil {
		return nil, err
	}
	return db.changeVendor(ctx, id, ifVersion, db.vendorStatusChange(ctx, id, to, strings.TrimSpace(reason)))
}

// changeVendorStatusTx is ChangeVendorStatus inside an open transaction.
func (db *DB) changeVendorStatusTx(ctx context.Context, tx bun.Tx, id string, to domain.VendorStatus, reason string) (*domain.Vendor, error) {
	if err := domain.CheckText("reason", reason, true); err != nil {
		return nil, err
	}
	return db.changeVendorTx(ctx, tx, id, nil, db.vendorStatusChange(ctx, id, to, strings.TrimSpace(reason)))
}

// vendorStatusChange is the change of ChangeVendorStatus.
func (db *DB) vendorStatusChange(_ context.Context, id string, to domain.VendorStatus, reason string) func(ctx context.Context, tx bun.Tx, row *vendorRow, cur *domain.Vendor) (string, string, error) {
	return func(ctx context.Context, tx bun.Tx, row *vendorRow, cur *domain.Vendor) (string, string, error) {
		from := domain.VendorStatus(row.Status)
		if !from.CanMoveTo(to) {
			return "", "", domain.Errorf(domain.ECONFLICT, "a %s vendor cannot become %s", from, to).
				WithJa("%sの委託事業者を%sにすることはできません。", statusJa(entityVendor, from), statusJa(entityVendor, to))
		}
		if to != domain.VendorApproved && reason == "" {
			return "", "", domain.Invalid("a reason is required", domain.FieldError{Field: "reason", Message: "say why the vendor becomes " + string(to),
				Ja: statusJa(entityVendor, to) + "にする理由を入力してください。"}).WithJa(reasonRequiredJa)
		}
		action := vendorAction[to]
		if to == domain.VendorApproved {
			if reason != "" && from != domain.VendorSuspended {
				return "", "", domain.Errorf(domain.ECONFLICT, "only a suspended vendor is reinstated; this one is %s (approve it instead)", from).
					WithJa("再開できるのは一時停止中の委託事業者だけです。この委託事業者は%sです（再開ではなく承認してください）。", statusJa(entityVendor, from))
			}
			if from == domain.VendorSuspended {
				action = "reinstate"
			}
			criteria, err := db.catalogueItems(ctx, tx, domain.CatalogueSelectionCriteria, false)
			if err != nil {
				return "", "", err
			}
			if fe := domain.SelectionProblems(cur.Selection, criteria); len(fe) > 0 {
				return "", "", fe.ErrJa("the vendor cannot be approved: the selection record is incomplete or unjustified",
					"委託事業者を承認できません。選定の記録に不足があるか、判断の理由が記入されていません。")
			}
			approver, err := callerPerson(ctx, tx)
			if err != nil {
				return "", "", err
			}
			if err := domain.MayApproveVendor(approver, cur.Selection, deref(row.SelectionBy)); err != nil {
				return "", "", err
			}
			if from == domain.VendorSuspended {
				if err := domain.ReinstatementRefusal(row.StatusChangedAt, row.SelectionAt, reason); err != nil {
					return "", "", err
				}
				if reason == "" {
					reason = "a new selection was recorded after the suspension"
				}
			}
			row.ApprovedBy = &approver.ID
		}
		if to == domain.VendorTerminated {
			n, err := tx.NewSelect().Table("contracts").Where("vendor_id = ? AND status = ?", id, string(domain.ContractActive)).Count(ctx)
			if err != nil {
				return "", "", fmt.Errorf("store: count active contracts: %w", err)
			}
			if n > 0 {
				return "", "", domain.Errorf(domain.ECONFLICT, "vendor %s still has %d active contracts: terminate them first", row.Name, n).
					WithJa("委託事業者「%s」には実施中の契約が%d件あります。先に契約を解約してください。", row.Name, n)
			}
			// A terminated vendor's certifications no longer matter.
			if err := db.cancelQueuedReminders(ctx, tx, id); err != nil {
				return "", "", err
			}
		}
		now := db.Now()
		row.Status, row.StatusReason, row.StatusChangedAt = string(to), reason, &now
		return action, reason, nil
	}
}

// vendorAction names the audit action of each status change.
var vendorAction = map[domain.VendorStatus]string{
	domain.VendorApproved:   "approve",
	domain.VendorSuspended:  "suspend",
	domain.VendorTerminated: "terminate",
}

// cancelCertificationReminders stops the reminders queued for a date on
// which none of the vendor's certifications expires any more. Those of
// certifications that kept their date go on: the vendor is the subject of
// them all.
func (db *DB) cancelCertificationReminders(ctx context.Context, tx bun.Tx, vendorID string, before, after []domain.Certification) error {
	still := map[domain.Date]bool{}
	for _, c := range after {
		still[c.ValidUntil] = true
	}
	var gone []domain.Date
	for _, c := range before {
		if !still[c.ValidUntil] {
			gone = append(gone, c.ValidUntil)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	_, err := tx.NewUpdate().Model((*reminderRow)(nil)).Set("status = ?", string(domain.ReminderCancelled)).
		Set("cancel_reason = ?", domain.CancelSubjectChanged).
		Where("subject_type = ? AND subject_id = ? AND status = ? AND due_date IN (?)",
			string(domain.SubjectCertification), vendorID, string(domain.ReminderQueued), bun.In(gone)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: cancel certification reminders: %w", err)
	}
	return nil
}
