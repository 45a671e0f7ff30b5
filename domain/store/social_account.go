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

var _ domain.SocialAccountService = (*DB)(nil)

type socialAccountRow struct {
	bun.BaseModel `bun:"table:social_accounts"`

	ID                    string      `bun:"id,pk"`
	Platform              string      `bun:"platform"`
	Handle                string      `bun:"handle"`
	ProfileURL            string      `bun:"profile_url"`
	Purpose               string      `bun:"purpose"`
	DepartmentID          string      `bun:"department_id"`
	ResponsiblePersonID   string      `bun:"responsible_person_id"`
	OperatorIDs           string      `bun:"operator_ids"`
	OperatingProcedure    string      `bun:"operating_procedure"`
	PublishingRules       string      `bun:"publishing_rules"`
	ImpersonationMeasures string      `bun:"impersonation_measures"`
	Authentication        string      `bun:"authentication"`
	CredentialCustodianID *string     `bun:"credential_custodian_id"`
	CarriesAvailability2  bool        `bun:"carries_availability_2"`
	MirrorSiteURL         string      `bun:"mirror_site_url"`
	Status                string      `bun:"status"`
	StatusReason          string      `bun:"status_reason"`
	ReviewIntervalMonths  int         `bun:"review_interval_months"`
	LastReviewedOn        domain.Date `bun:"last_reviewed_on,type:date"`
	NextReviewDue         domain.Date `bun:"next_review_due,type:date"`
	NextReviewNominal     domain.Date `bun:"next_review_nominal,type:date"`
	Version               int         `bun:"version"`
	CreatedAt             time.Time   `bun:"created_at"`
	UpdatedAt             time.Time   `bun:"updated_at"`
	SearchText            *string     `bun:"search_text"`
}

type socialAccountOperatorRow struct {
	bun.BaseModel `bun:"table:social_account_operators"`

	AccountID string `bun:"account_id,pk"`
	PersonID  string `bun:"person_id,pk"`
}

const entitySocialAccount = "social_account"

func (r *socialAccountRow) toDomain() *domain.SocialAccount {
	a := &domain.SocialAccount{
		ID: r.ID, Platform: domain.Platform(r.Platform), Handle: r.Handle, ProfileURL: r.ProfileURL, Purpose: r.Purpose,
		DepartmentID: r.DepartmentID, ResponsiblePersonID: r.ResponsiblePersonID, OperatorIDs: []string{},
		CarriesAvailability2: r.CarriesAvailability2, MirrorSiteURL: r.MirrorSiteURL, Status: domain.SocialAccountStatus(r.Status),
		StatusReason: r.StatusReason, ReviewIntervalMonths: r.ReviewIntervalMonths, LastReviewedOn: r.LastReviewedOn,
		NextReviewDue: r.NextReviewDue, NextReviewDueNominal: nominalOr(r.NextReviewNominal, r.NextReviewDue), Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	_ = json.Unmarshal([]byte(r.OperatorIDs), &a.OperatorIDs)
	_ = json.Unmarshal([]byte(r.OperatingProcedure), &a.OperatingProcedure)
	_ = json.Unmarshal([]byte(r.PublishingRules), &a.PublishingRules)
	_ = json.Unmarshal([]byte(r.ImpersonationMeasures), &a.ImpersonationMeasures)
	_ = json.Unmarshal([]byte(r.Authentication), &a.Authentication)
	a.PublishingRules = a.PublishingRules.Filled()
	a.OperatingProcedureMissing = domain.OperatingProcedureMissing(a.OperatingProcedure)
	return a
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (r *socialAccountRow) apply(in domain.SocialAccountInput) {
	r.Platform, r.Handle, r.ProfileURL, r.Purpose = string(in.Platform), in.Handle, in.ProfileURL, in.Purpose
	r.DepartmentID, r.OperatorIDs = in.DepartmentID, mustJSON(in.OperatorIDs)
	r.OperatingProcedure, r.PublishingRules = mustJSON(in.OperatingProcedure), mustJSON(in.PublishingRules.Rules())
	r.ImpersonationMeasures, r.Authentication = mustJSON(in.ImpersonationMeasures), mustJSON(in.Authentication)
	r.CredentialCustodianID = nil
	if in.Authentication.CredentialCustodianID != "" {
		id := in.Authentication.CredentialCustodianID
		r.CredentialCustodianID = &id
	}
	r.CarriesAvailability2, r.MirrorSiteURL, r.ReviewIntervalMonths = in.CarriesAvailability2, in.MirrorSiteURL, in.ReviewIntervalMonths
}

// setReviewDue derives next_review_due from the last review or, before the
// first, the registration date.
// The date is moved to a business day by cal.
func (r *socialAccountRow) setReviewDue(loc *time.Location, cal domain.BusinessCalendar) {
	from := domain.DateOf(r.CreatedAt, loc)
	r.NextReviewNominal = domain.NextReviewDue(r.Status == string(domain.SocialActive), from, r.LastReviewedOn, r.ReviewIntervalMonths)
	r.NextReviewDue = cal.BusinessDueDate(r.NextReviewNominal)
}

// FindSocialAccount implements domain.SocialAccountService.
func (db *DB) FindSocialAccount(ctx context.Context, id string) (*domain.SocialAccount, error) {
	var row socialAccountRow
	if err := loadRow(ctx, db.bun, &row, entitySocialAccount, id); err != nil {
		return nil, err
	}
	return row.toDomain(), nil
}

// ListSocialAccounts implements domain.SocialAccountService.
func (db *DB) ListSocialAccounts(ctx context.Context, f domain.SocialAccountFilter, p domain.PageRequest) (domain.Page[*domain.SocialAccount], error) {
	var rows []*socialAccountRow
	q := db.bun.NewSelect().Model(&rows)
	if f.Platform != "" {
		q = q.Where("platform = ?", string(f.Platform))
	}
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
		return domain.Page[*domain.SocialAccount]{}, err
	}
	return listPage(ctx, q, &rows, p, "list social accounts",
		(*socialAccountRow).toDomain,
		func(a *domain.SocialAccount) string { return a.ID })
}

// checkSocialAccountInput normalises and validates an input and its people;
// an account that is (or becomes) active must also carry its operating
// procedure.
func (db *DB) checkSocialAccountInput(ctx context.Context, tx bun.Tx, in *domain.SocialAccountInput, active bool) error {
	settings, err := db.settings(ctx, tx)
	if err != nil {
		return err
	}
	if err := domain.Validate(in); err != nil {
		return err
	}
	fe := in.Normalize(settings.PolicySettings)
	if active {
		fe = append(fe, domain.OperatingProcedureProblems(in.OperatingProcedure, db.today())...)
	}
	if err := requireActivePerson(ctx, tx, &fe, "responsible_person_id", in.ResponsiblePersonID); err != nil {
		return err
	}
	for i, op := range in.OperatorIDs {
		if err := requirePerson(ctx, tx, &fe, fmt.Sprintf("operator_ids[%d]", i), op); err != nil {
			return err
		}
	}
	if err := requirePerson(ctx, tx, &fe, "authentication.credential_custodian_id", in.Authentication.CredentialCustodianID); err != nil {
		return err
	}
	if err := requireDepartment(ctx, tx, &fe, "department_id", in.DepartmentID); err != nil {
		return err
	}
	return fe.ErrJa("the social-media account breaks one or more rules", "ソーシャルメディアのアカウントの内容に誤りがあります。")
}

// requireActivePerson adds a field error unless an active person has the id.
func requireActivePerson(ctx context.Context, tx bun.IDB, fe *domain.FieldErrors, field, id string) error {
	var p personRow
	err := tx.NewSelect().Model(&p).Column("id", "active").Where("id = ?", id).Scan(ctx)
	switch {
	case isNoRows(err):
		fe.AddJa(field, "no person has this id", noPersonJa, id)
	case err != nil:
		return fmt.Errorf("store: check person: %w", err)
	case !p.Active:
		fe.AddJa(field, "the person is inactive and cannot be responsible", "在職でない職員は責任者にできません。", id)
	}
	return nil
}

func handleTaken(err error) error {
	if domain.ErrorCodeOf(translate(err)) == domain.ECONFLICT {
		return domain.Errorf(domain.ECONFLICT, "an account with this platform and handle is already registered").
			WithJa("このサービスとアカウント名のアカウントは既に登録されています。")
	}
	return err
}

func (db *DB) writeOperators(ctx context.Context, tx bun.Tx, accountID string, ids []string) error {
	if _, err := tx.NewDelete().Model((*socialAccountOperatorRow)(nil)).Where("account_id = ?", accountID).Exec(ctx); err != nil {
		return fmt.Errorf("store: clear operators: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	rows := make([]socialAccountOperatorRow, len(ids))
	for i, id := range ids {
		rows[i] = socialAccountOperatorRow{AccountID: accountID, PersonID: id}
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("store: insert operators: %w", err)
	}
	return nil
}

// CreateSocialAccount implements domain.SocialAccountService.
func (db *DB) CreateSocialAccount(ctx context.Context, in domain.SocialAccountInput) (*domain.SocialAccount, error) {
	var out *domain.SocialAccount
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = db.createSocialAccountTx(ctx, tx, in)
		return err
	})
	return out, err
}

// createSocialAccountTx is CreateSocialAccount inside an open transaction, so that an
// import commits all its rows in one.
func (db *DB) createSocialAccountTx(ctx context.Context, tx bun.Tx, in domain.SocialAccountInput) (*domain.SocialAccount, error) {
	var out *domain.SocialAccount
	err := func() error {
		if err := db.checkSocialAccountInput(ctx, tx, &in, true); err != nil {
			return err
		}
		now := db.Now()
		row := &socialAccountRow{ID: uuid.Must(uuid.NewV7()).String(), ResponsiblePersonID: in.ResponsiblePersonID,
			Status: string(domain.SocialActive), Version: 1, CreatedAt: now, UpdatedAt: now}
		row.apply(in)
		cal, err := db.calendar(ctx, tx)
		if err != nil {
			return err
		}
		row.setReviewDue(db.location, cal)
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return wrap("insert social account", handleTaken(err))
		}
		if err := db.writeOperators(ctx, tx, row.ID, in.OperatorIDs); err != nil {
			return err
		}
		out = row.toDomain()
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditCreate, EntityType: entitySocialAccount, EntityID: row.ID, After: out})
	}()
	return out, err
}

// changeSocialAccount runs the read–check–write steps shared by changes.
func (db *DB) changeSocialAccount(ctx context.Context, id string, ifVersion *int, change func(ctx context.Context, tx bun.Tx, row *socialAccountRow) (action, reason string, err error)) (*domain.SocialAccount, error) {
	var out *domain.SocialAccount
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = db.changeSocialAccountTx(ctx, tx, id, ifVersion, change)
		return err
	})
	return out, err
}

// changeSocialAccountTx is changeSocialAccount inside an open transaction, so that a
// review can make the change part of its own.
func (db *DB) changeSocialAccountTx(ctx context.Context, tx bun.Tx, id string, ifVersion *int, change func(ctx context.Context, tx bun.Tx, row *socialAccountRow) (action, reason string, err error)) (*domain.SocialAccount, error) {
	var row socialAccountRow
	if err := loadRow(ctx, tx, &row, entitySocialAccount, id); err != nil {
		return nil, err
	}
	if err := checkVersion(entitySocialAccount, row.Version, ifVersion); err != nil {
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
	row.setReviewDue(db.location, cal)
	read := row.Version
	row.Version, row.UpdatedAt = read+1, db.Now()
	if err := updateRow(ctx, tx, &row, entitySocialAccount, id, read, ifVersion); err != nil {
		return nil, handleTaken(err)
	}
	out := row.toDomain()
	if out.NextReviewDue != before.NextReviewDue {
		if err := db.cancelQueuedReminders(ctx, tx, id); err != nil {
			return nil, err
		}
	}
	return out, db.appendAudit(ctx, tx, auditEntry{Action: action, EntityType: entitySocialAccount, EntityID: id, Reason: reason, Before: before, After: out})
}

func accountRetired(row *socialAccountRow) error {
	if row.Status == string(domain.SocialRetired) {
		return domain.Errorf(domain.ECONFLICT, "the account is retired; its history is kept but it can no longer change").
			WithJa("このアカウントは廃止されています。履歴は残りますが、変更はできません。")
	}
	return nil
}

// ReplaceSocialAccount implements domain.SocialAccountService.
func (db *DB) ReplaceSocialAccount(ctx context.Context, id string, ifVersion *int, in domain.SocialAccountInput) (*domain.SocialAccount, error) {
	return db.changeSocialAccount(ctx, id, ifVersion, db.socialAccountReplacement(in))
}

// replaceSocialAccountTx is ReplaceSocialAccount inside an open transaction, so that an
// import commits all its rows in one.
func (db *DB) replaceSocialAccountTx(ctx context.Context, tx bun.Tx, id string, ifVersion *int, in domain.SocialAccountInput) (*domain.SocialAccount, error) {
	return db.changeSocialAccountTx(ctx, tx, id, ifVersion, db.socialAccountReplacement(in))
}

// socialAccountReplacement is the change of ReplaceSocialAccount.
func (db *DB) socialAccountReplacement(in domain.SocialAccountInput) func(ctx context.Context, tx bun.Tx, row *socialAccountRow) (string, string, error) {
	return func(ctx context.Context, tx bun.Tx, row *socialAccountRow) (string, string, error) {
		if err := accountRetired(row); err != nil {
			return "", "", err
		}
		if in.ResponsiblePersonID != row.ResponsiblePersonID {
			return "", "", domain.Invalid("the responsible person changes only through its own operation",
				domain.FieldError{Field: "responsible_person_id", Message: "must stay " + row.ResponsiblePersonID +
					"; use PUT /v1/social-accounts/{id}/responsible-person to hand the account over",
					Ja: "ここでは責任者を変更できません。責任者の引継ぎの操作で変更してください。", Value: in.ResponsiblePersonID}).
				WithJa("責任者は、責任者の引継ぎの操作でだけ変更できます。")
		}
		if err := db.checkSocialAccountInput(ctx, tx, &in, row.Status == string(domain.SocialActive)); err != nil {
			return "", "", err
		}
		row.apply(in)
		return domain.AuditUpdate, "", db.writeOperators(ctx, tx, row.ID, in.OperatorIDs)
	}
}

// ChangeResponsiblePerson implements domain.SocialAccountService.
func (db *DB) ChangeResponsiblePerson(ctx context.Context, id string, ifVersion *int, in domain.ResponsiblePersonChange) (*domain.SocialAccount, error) {
	if err := domain.Validate(in); err != nil {
		return nil, err
	}
	return db.changeSocialAccount(ctx, id, ifVersion, func(ctx context.Context, tx bun.Tx, row *socialAccountRow) (string, string, error) {
		if err := accountRetired(row); err != nil {
			return "", "", err
		}
		var fe domain.FieldErrors
		if in.PersonID == row.ResponsiblePersonID {
			fe.AddJa("person_id", "is already the responsible person", "既にこのアカウントの責任者です。", in.PersonID)
		} else if err := requireActivePerson(ctx, tx, &fe, "person_id", in.PersonID); err != nil {
			return "", "", err
		}
		if err := fe.ErrJa("the responsible person cannot change as sent", "この内容では、責任者を引き継げません。"); err != nil {
			return "", "", err
		}
		names, err := personNames(ctx, tx, row.ResponsiblePersonID, in.PersonID)
		if err != nil {
			return "", "", err
		}
		reason := fmt.Sprintf("responsible person changed from %s (%s) to %s (%s)",
			names[row.ResponsiblePersonID], row.ResponsiblePersonID, names[in.PersonID], in.PersonID)
		if r := strings.TrimSpace(in.Reason); r != "" {
			reason += ": " + r
		}
		row.ResponsiblePersonID = in.PersonID
		return "change_responsible_person", reason, nil
	})
}

func personNames(ctx context.Context, tx bun.IDB, ids ...string) (map[string]string, error) {
	var rows []personRow
	if err := tx.NewSelect().Model(&rows).Column("id", "name").Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: load names: %w", err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}

// socialTransitions lists the statuses each account status may move to.
var socialTransitions = map[domain.SocialAccountStatus][]domain.SocialAccountStatus{
	domain.SocialActive:    {domain.SocialSuspended, domain.SocialRetired},
	domain.SocialSuspended: {domain.SocialActive, domain.SocialRetired},
}

// ChangeSocialAccountStatus implements domain.SocialAccountService.
func (db *DB) ChangeSocialAccountStatus(ctx context.Context, id string, ifVersion *int, to domain.SocialAccountStatus, reason string) (*domain.SocialAccount, error) {
	if err := domain.CheckText("reason", reason, true); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, domain.Invalid("a reason is required", domain.FieldError{Field: "reason", Message: "say why the account becomes " + string(to),
			Ja: statusJa(entitySocialAccount, to) + "にする理由を入力してください。"}).WithJa(reasonRequiredJa)
	}
	return db.changeSocialAccount(ctx, id, ifVersion, db.socialStatusChange(to, reason))
}

// changeSocialAccountStatusTx is ChangeSocialAccountStatus inside an open
// transaction, so that an incident can make a suspension part of its own.
func (db *DB) changeSocialAccountStatusTx(ctx context.Context, tx bun.Tx, id string, to domain.SocialAccountStatus, reason string) (*domain.SocialAccount, error) {
	if err := domain.CheckText("reason", reason, true); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, domain.Invalid("a reason is required", domain.FieldError{Field: "reason", Message: "say why the account becomes " + string(to),
			Ja: statusJa(entitySocialAccount, to) + "にする理由を入力してください。"}).WithJa(reasonRequiredJa)
	}
	return db.changeSocialAccountTx(ctx, tx, id, nil, db.socialStatusChange(to, reason))
}

// socialStatusChange is the change of ChangeSocialAccountStatus.
func (db *DB) socialStatusChange(to domain.SocialAccountStatus, reason string) func(context.Context, bun.Tx, *socialAccountRow) (string, string, error) {
	return func(_ context.Context, _ bun.Tx, row *socialAccountRow) (string, string, error) {
		from := domain.SocialAccountStatus(row.Status)
		allowed := false
		for _, s := range socialTransitions[from] {
			allowed = allowed || s == to
		}
		if !allowed {
			return "", "", domain.Errorf(domain.ECONFLICT, "a %s account cannot become %s", from, to).
				WithJa("%sのアカウントを%sにすることはできません。", statusJa(entitySocialAccount, from), statusJa(entitySocialAccount, to))
		}
		if to == domain.SocialActive {
			fe := domain.OperatingProcedureProblems(row.toDomain().OperatingProcedure, db.today())
			if err := fe.ErrJa("the account cannot become active without its operating procedure (運用手順): record it with PUT /v1/social-accounts/{id} first",
				"運用手順がないため、アカウントを運用中にできません。先に運用手順を登録してください。"); err != nil {
				return "", "", err
			}
		}
		row.Status, row.StatusReason = string(to), reason
		action := map[domain.SocialAccountStatus]string{domain.SocialActive: "reactivate", domain.SocialSuspended: "suspend", domain.SocialRetired: "retire"}[to]
		return action, reason, nil
	}
}

// CheckPost implements domain.SocialAccountService.
func (db *DB) CheckPost(ctx context.Context, id string, in domain.PostCheckInput) (*domain.PostCheckResult, error) {
	if err := domain.Validate(in); err != nil {
		return nil, err
	}
	var out *domain.PostCheckResult
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row socialAccountRow
		if err := loadRow(ctx, tx, &row, entitySocialAccount, id); err != nil {
			return err
		}
		if row.Status != string(domain.SocialActive) {
			return domain.Errorf(domain.ECONFLICT, "the account is %s; nothing may be published on it", row.Status).
				WithJa("このアカウントは%sのため、投稿できません。", statusJa(entitySocialAccount, row.Status))
		}
		findings := domain.CheckPost(in.Text, in.Category, row.toDomain().PublishingRules)
		out = &domain.PostCheckResult{Publishable: len(findings) == 0, Findings: findings}
		// The draft itself is not kept: only that a check happened and what it found.
		codes := make([]string, len(findings))
		for i, f := range findings {
			codes[i] = f.Code
		}
		return db.appendAudit(ctx, tx, auditEntry{Action: "post_check", EntityType: entitySocialAccount, EntityID: id,
			Reason: fmt.Sprintf("category %s: publishable=%t findings=%s", in.Category, out.Publishable, strings.Join(codes, ","))})
	})
	return out, err
}
