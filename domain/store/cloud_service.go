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

var _ domain.CloudServiceService = (*DB)(nil)

type cloudServiceRow struct {
	bun.BaseModel `bun:"table:cloud_services"`

	ID                   string      `bun:"id,pk"`
	Name                 string      `bun:"name"`
	Provider             string      `bun:"provider"`
	ServiceURL           string      `bun:"service_url"`
	TermsURL             string      `bun:"terms_url"`
	TermsVersion         string      `bun:"terms_version"`
	TermsReviewedAt      domain.Date `bun:"terms_reviewed_at,type:date"`
	PermittedUses        string      `bun:"permitted_uses"`
	InformationAssets    string      `bun:"information_assets"`
	ResponsiblePersonID  string      `bun:"responsible_person_id"`
	DepartmentID         string      `bun:"department_id"`
	Status               string      `bun:"status"`
	RequesterID          *string     `bun:"requester_id"`
	RequestChangedBy     *string     `bun:"request_changed_by"`
	ApproverID           *string     `bun:"approver_id"`
	ApprovedOn           domain.Date `bun:"approved_on,type:date"`
	StatusReason         string      `bun:"status_reason"`
	TermsChecks          string      `bun:"terms_checks"`
	ReviewIntervalMonths int         `bun:"review_interval_months"`
	LastReviewedOn       domain.Date `bun:"last_reviewed_on,type:date"`
	NextReviewDue        domain.Date `bun:"next_review_due,type:date"`
	NextReviewNominal    domain.Date `bun:"next_review_nominal,type:date"`
	Version              int         `bun:"version"`
	CreatedAt            time.Time   `bun:"created_at"`
	UpdatedAt            time.Time   `bun:"updated_at"`
	SearchText           *string     `bun:"search_text"`
}

const entityCloudService = "cloud_service"

func (r *cloudServiceRow) toDomain() *domain.CloudService {
	c := &domain.CloudService{
		ID: r.ID, Name: r.Name, Provider: r.Provider, ServiceURL: r.ServiceURL, TermsURL: r.TermsURL, TermsVersion: r.TermsVersion,
		TermsReviewedAt: r.TermsReviewedAt, ResponsiblePersonID: r.ResponsiblePersonID, DepartmentID: r.DepartmentID,
		Status: domain.CloudServiceStatus(r.Status), ApprovedOn: r.ApprovedOn, StatusReason: r.StatusReason,
		ReviewIntervalMonths: r.ReviewIntervalMonths, LastReviewedOn: r.LastReviewedOn, NextReviewDue: r.NextReviewDue, NextReviewDueNominal: nominalOr(r.NextReviewNominal, r.NextReviewDue),
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		PermittedUses: []string{}, InformationAssets: []domain.InformationAsset{}, TermsChecks: []domain.TermsCheck{},
	}
	_ = json.Unmarshal([]byte(r.PermittedUses), &c.PermittedUses)
	_ = json.Unmarshal([]byte(r.InformationAssets), &c.InformationAssets)
	_ = json.Unmarshal([]byte(r.TermsChecks), &c.TermsChecks)
	domain.MarkStaleTermsChecks(c.TermsChecks, r.terms())
	if r.RequesterID != nil {
		c.RequesterID = *r.RequesterID
	}
	if r.ApproverID != nil {
		c.ApproverID = *r.ApproverID
	}
	return c
}

// terms names the terms the service refers to now.
func (r *cloudServiceRow) terms() domain.TermsRef {
	return domain.TermsRef{Version: r.TermsVersion, URL: r.TermsURL}
}

// apply writes an input over the row. Each answer is stored with the terms
// it was given for (domain.StampTermsChecks): a change of the terms leaves
// every answer stale.
// prev is the terms the row referred to before, zero for a new row.
func (r *cloudServiceRow) apply(in domain.CloudServiceInput, prev domain.TermsRef) {
	stamped := domain.StampTermsChecks(in.TermsChecks, prev, domain.TermsRef{Version: in.TermsVersion, URL: in.TermsURL})
	for i := range stamped {
		stamped[i].Stale = false // derived on every read, never stored
	}
	uses, _ := json.Marshal(in.PermittedUses)
	assets, _ := json.Marshal(in.InformationAssets)
	checks, _ := json.Marshal(stamped)
	r.Name, r.Provider, r.ServiceURL, r.TermsURL, r.TermsVersion = in.Name, in.Provider, in.ServiceURL, in.TermsURL, in.TermsVersion
	r.TermsReviewedAt, r.PermittedUses, r.InformationAssets, r.TermsChecks = in.TermsReviewedAt, string(uses), string(assets), string(checks)
	r.ResponsiblePersonID, r.DepartmentID, r.ReviewIntervalMonths = in.ResponsiblePersonID, in.DepartmentID, in.ReviewIntervalMonths
}

// setReviewDue derives next_review_due, moved to a business day by cal.
func (r *cloudServiceRow) setReviewDue(cal domain.BusinessCalendar) {
	r.NextReviewNominal = domain.NextReviewDue(r.Status == string(domain.CloudApproved), r.ApprovedOn, r.LastReviewedOn, r.ReviewIntervalMonths)
	r.NextReviewDue = cal.BusinessDueDate(r.NextReviewNominal)
}

// FindCloudService implements domain.CloudServiceService.
func (db *DB) FindCloudService(ctx context.Context, id string) (*domain.CloudService, error) {
	var row cloudServiceRow
	if err := loadRow(ctx, db.bun, &row, entityCloudService, id); err != nil {
		return nil, err
	}
	return row.toDomain(), nil
}

// ListCloudServices implements domain.CloudServiceService.
func (db *DB) ListCloudServices(ctx context.Context, f domain.CloudServiceFilter, p domain.PageRequest) (domain.Page[*domain.CloudService], error) {
	var rows []*cloudServiceRow
	q := db.bun.NewSelect().Model(&rows)
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.ResponsiblePersonID != "" {
		q = q.Where("responsible_person_id = ?", f.ResponsiblePersonID)
	}
	if !f.ReviewDueBefore.IsZero() {
		q = q.Where("next_review_due < ?", f.ReviewDueBefore)
	}
	if f.Q != "" {
		q = whereSearch(q, f.Q)
	}
	q, err := whereFiscalYear(q, "next_review_due", f.FiscalYear)
	if err != nil {
		return domain.Page[*domain.CloudService]{}, err
	}
	return listPage(ctx, q, &rows, p, "list cloud services",
		(*cloudServiceRow).toDomain,
		func(c *domain.CloudService) string { return c.ID })
}

// checkCloudServiceInput normalises and validates an input, its references,
// the confidentiality rule and the checklist codes.
func (db *DB) checkCloudServiceInput(ctx context.Context, tx bun.Tx, in *domain.CloudServiceInput) error {
	settings, err := db.settings(ctx, tx)
	if err != nil {
		return err
	}
	in.Normalize(settings.PolicySettings)
	if err := domain.Validate(in); err != nil {
		return err
	}
	fe := domain.CloudConfidentialityProblems(in.InformationAssets)
	if len(fe) > 0 {
		// The policy's rule comes first and alone, so its sentence is the
		// message the caller reads.
		return fe.ErrJa("a service used under standard terms (約款による外部サービス) must never handle information of confidentiality 2 or above; keep such information out of it or contract the work with security clauses instead",
			"約款による外部サービスでは、機密性2以上の情報を取り扱うことはできません。そのような情報を取り扱わないようにするか、セキュリティ条項を含む契約により業務を委託してください。")
	}
	if err := requirePerson(ctx, tx, &fe, "responsible_person_id", in.ResponsiblePersonID); err != nil {
		return err
	}
	if err := requireDepartment(ctx, tx, &fe, "department_id", in.DepartmentID); err != nil {
		return err
	}
	items, err := db.catalogueItems(ctx, tx, domain.CatalogueTermsChecks, true)
	if err != nil {
		return err
	}
	for _, p := range domain.TermsCheckProblems(in.TermsChecks, items) {
		if p.Field != "terms_checks" { // unanswered items are fine until approval
			fe = append(fe, p)
		}
	}
	return fe.ErrJa("the cloud service breaks one or more rules", "約款による外部サービスの内容に誤りがあります。")
}

// requireDepartment adds a field error when no department has the id.
func requireDepartment(ctx context.Context, tx bun.IDB, fe *domain.FieldErrors, field, id string) error {
	ok, err := tx.NewSelect().Table("departments").Where("id = ?", id).Exists(ctx)
	if err != nil {
		return fmt.Errorf("store: check department: %w", err)
	}
	if !ok {
		fe.AddJa(field, "no department has this id", "この部署は登録されていません。", id)
	}
	return nil
}

// CreateCloudService implements domain.CloudServiceService.
func (db *DB) CreateCloudService(ctx context.Context, in domain.CloudServiceInput) (*domain.CloudService, error) {
	var out *domain.CloudService
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = db.createCloudServiceTx(ctx, tx, in)
		return err
	})
	return out, err
}

// createCloudServiceTx is CreateCloudService inside an open transaction, so that an
// import commits all its rows in one.
func (db *DB) createCloudServiceTx(ctx context.Context, tx bun.Tx, in domain.CloudServiceInput) (*domain.CloudService, error) {
	var out *domain.CloudService
	err := func() error {
		if err := db.checkCloudServiceInput(ctx, tx, &in); err != nil {
			return err
		}
		now := db.Now()
		row := &cloudServiceRow{ID: uuid.Must(uuid.NewV7()).String(), Status: string(domain.CloudRequested), Version: 1, CreatedAt: now, UpdatedAt: now}
		if a := actorOf(ctx); a.PersonID != "" {
			row.RequesterID = &a.PersonID
		}
		row.apply(in, domain.TermsRef{})
		cal, err := db.calendar(ctx, tx)
		if err != nil {
			return err
		}
		row.setReviewDue(cal)
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return wrap("insert cloud service", translate(err))
		}
		out = row.toDomain()
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditCreate, EntityType: entityCloudService, EntityID: row.ID, After: out})
	}()
	return out, err
}

// changeCloudService runs the read–check–write steps shared by changes.
func (db *DB) changeCloudService(ctx context.Context, id string, ifVersion *int, change func(ctx context.Context, tx bun.Tx, row *cloudServiceRow) (action, reason string, err error)) (*domain.CloudService, error) {
	var out *domain.CloudService
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = db.changeCloudServiceTx(ctx, tx, id, ifVersion, change)
		return err
	})
	return out, err
}

// changeCloudServiceTx is changeCloudService inside an open transaction, so that a
// review can make the change part of its own.
func (db *DB) changeCloudServiceTx(ctx context.Context, tx bun.Tx, id string, ifVersion *int, change func(ctx context.Context, tx bun.Tx, row *cloudServiceRow) (action, reason string, err error)) (*domain.CloudService, error) {
	var row cloudServiceRow
	if err := loadRow(ctx, tx, &row, entityCloudService, id); err != nil {
		return nil, err
	}
	if err := checkVersion(entityCloudService, row.Version, ifVersion); err != nil {
		return nil, err
	}
	before := row.toDomain()
	action, reason, err := change(ctx, tx, &row)
	if err != nil {
		return nil, err
	}
	cal, err := db.calendar(ctx, tx)
	if err != nil {
		return nil, err
	}
	row.setReviewDue(cal)
	read := row.Version
	row.Version, row.UpdatedAt = read+1, db.Now()
	if err := updateRow(ctx, tx, &row, entityCloudService, id, read, ifVersion); err != nil {
		return nil, err
	}
	out := row.toDomain()
	if out.NextReviewDue != before.NextReviewDue {
		if err := db.cancelQueuedReminders(ctx, tx, id); err != nil {
			return nil, err
		}
	}
	return out, db.appendAudit(ctx, tx, auditEntry{Action: action, EntityType: entityCloudService, EntityID: id, Reason: reason, Before: before, After: out})
}

// ReplaceCloudService implements domain.CloudServiceService.
func (db *DB) ReplaceCloudService(ctx context.Context, id string, ifVersion *int, in domain.CloudServiceInput) (*domain.CloudService, error) {
	return db.changeCloudService(ctx, id, ifVersion, db.cloudServiceReplacement(in))
}

// replaceCloudServiceTx is ReplaceCloudService inside an open transaction, so that an
// import commits all its rows in one.
func (db *DB) replaceCloudServiceTx(ctx context.Context, tx bun.Tx, id string, ifVersion *int, in domain.CloudServiceInput) (*domain.CloudService, error) {
	return db.changeCloudServiceTx(ctx, tx, id, ifVersion, db.cloudServiceReplacement(in))
}

// cloudServiceReplacement is the change of ReplaceCloudService.
func (db *DB) cloudServiceReplacement(in domain.CloudServiceInput) func(ctx context.Context, tx bun.Tx, row *cloudServiceRow) (string, string, error) {
	return func(ctx context.Context, tx bun.Tx, row *cloudServiceRow) (string, string, error) {
		if row.Status == string(domain.CloudRetired) {
			return "", "", domain.Errorf(domain.ECONFLICT, "the cloud service is retired and can no longer change").
				WithJa("この約款による外部サービスは利用を終了しているため、変更できません。")
		}
		if err := db.checkCloudServiceInput(ctx, tx, &in); err != nil {
			return "", "", err
		}
		old := row.terms()
		row.apply(in, old)
		if row.Status == string(domain.CloudRequested) {
			// Whoever changes a request shapes it, and may not approve it.
			row.RequestChangedBy = nullable(actorOf(ctx).PersonID)
		}
		if !row.terms().Changed(old) {
			return domain.AuditUpdate, "", nil
		}
		change := fmt.Sprintf("terms of service changed from %q (%s) to %q (%s): every checklist answer is stale and must be given again for the new terms",
			old.Version, old.URL, row.TermsVersion, row.TermsURL)
		if row.Status != string(domain.CloudApproved) {
			return "terms_changed", change, nil
		}
		// Back to requested: whoever brought the new terms asks for the
		// approval again, and so cannot give it.
		reason := change + "; the service must be approved again"
		row.Status, row.StatusReason, row.ApproverID, row.ApprovedOn = string(domain.CloudRequested), reason, nil, domain.Date{}
		row.RequesterID, row.RequestChangedBy = nil, nil
		if a := actorOf(ctx); a.PersonID != "" {
			row.RequesterID = &a.PersonID
		}
		return "terms_changed", reason, nil
	}
}

// callerPerson loads the person behind the caller, or nil for the system.
func callerPerson(ctx context.Context, tx bun.IDB) (*domain.Person, error) {
	a := actorOf(ctx)
	if a.PersonID == "" {
		return nil, nil
	}
	var p personRow
	if err := loadRow(ctx, tx, &p, entityPerson, a.PersonID); err != nil {
		return nil, fmt.Errorf("store: load caller: %w", err)
	}
	return p.toDomain(), nil
}

// ApproveCloudService implements domain.CloudServiceService.
func (db *DB) ApproveCloudService(ctx context.Context, id string, ifVersion *int) (*domain.CloudService, error) {
	return db.changeCloudService(ctx, id, ifVersion, func(ctx context.Context, tx bun.Tx, row *cloudServiceRow) (string, string, error) {
		caller, err := callerPerson(ctx, tx)
		if err != nil {
			return "", "", err
		}
		requester := ""
		if row.RequesterID != nil {
			requester = *row.RequesterID
		}
		if err := domain.CloudApprovalRefusal(actorOf(ctx), caller, requester); err != nil {
			return "", "", err
		}
		if err := domain.CloudRequestChangeRefusal(actorOf(ctx), caller, deref(row.RequestChangedBy)); err != nil {
			return "", "", err
		}
		if row.Status != string(domain.CloudRequested) {
			return "", "", domain.Errorf(domain.ECONFLICT, "only a requested service can be approved; this one is %s", row.Status).
				WithJa("承認できるのは申請中のサービスだけです。このサービスは%sです。", statusJa(entityCloudService, row.Status))
		}
		items, err := db.catalogueItems(ctx, tx, domain.CatalogueTermsChecks, true)
		if err != nil {
			return "", "", err
		}
		checks := row.toDomain().TermsChecks
		unanswered := domain.TermsCheckProblems(checks, items)
		stale := domain.StaleTermsCheckProblems(checks, row.terms())
		if len(stale) > 0 {
			return "", "", append(unanswered, stale...).ErrJa("the service cannot be approved: its terms changed, so every stale answer of the terms-of-service risk checklist must be given again for the current terms (and every item answered)",
				"約款が変更されたため、承認できません。約款のリスク確認項目のうち以前の約款に対する回答を、現在の約款に対して改めて回答してください（すべての項目への回答が必要です）。")
		}
		if err := unanswered.ErrJa("the service cannot be approved: answer every item of the terms-of-service risk checklist first",
			"承認できません。先に、約款のリスク確認項目のすべてに回答してください。"); err != nil {
			return "", "", err
		}
		row.Status, row.ApproverID, row.ApprovedOn, row.StatusReason = string(domain.CloudApproved), &caller.ID, db.today(), ""
		return "approve", "", nil
	})
}

// RejectCloudService implements domain.CloudServiceService.
func (db *DB) RejectCloudService(ctx context.Context, id string, ifVersion *int, reason string) (*domain.CloudService, error) {
	return db.moveCloudService(ctx, id, ifVersion, reason, domain.CloudRejected, "reject", domain.CloudRequested)
}

// RetireCloudService implements domain.CloudServiceService.
func (db *DB) RetireCloudService(ctx context.Context, id string, ifVersion *int, reason string) (*domain.CloudService, error) {
	return db.moveCloudService(ctx, id, ifVersion, reason, domain.CloudRetired, "retire", domain.CloudApproved, domain.CloudRejected)
}

func (db *DB) moveCloudService(ctx context.Context, id string, ifVersion *int, reason string, to domain.CloudServiceStatus, action string, from ...domain.CloudServiceStatus) (*domain.CloudService, error) {
	if err := domain.CheckText("reason", reason, true); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, domain.Invalid("a reason is required", domain.FieldError{Field: "reason", Message: "say why the service becomes " + string(to),
			Ja: statusJa(entityCloudService, to) + "にする理由を入力してください。"}).WithJa(reasonRequiredJa)
	}
	return db.changeCloudService(ctx, id, ifVersion, func(_ context.Context, _ bun.Tx, row *cloudServiceRow) (string, string, error) {
		allowed := false
		for _, f := range from {
			allowed = allowed || row.Status == string(f)
		}
		if !allowed {
			return "", "", domain.Errorf(domain.ECONFLICT, "a %s service cannot become %s", row.Status, to).
				WithJa("%sのサービスを%sにすることはできません。", statusJa(entityCloudService, row.Status), statusJa(entityCloudService, to))
		}
		row.Status, row.StatusReason = string(to), reason
		return action, reason, nil
	})
}
