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

var _ domain.ReviewService = (*DB)(nil)

type reviewRow struct {
	bun.BaseModel `bun:"table:reviews"`

	ID          string      `bun:"id,pk"`
	SubjectType string      `bun:"subject_type"`
	SubjectID   string      `bun:"subject_id"`
	Kind        string      `bun:"kind"`
	DueDate     domain.Date `bun:"due_date,type:date"`
	Outcome     string      `bun:"outcome"`
	Notes       string      `bun:"notes"`
	ReviewerID  string      `bun:"reviewer_id"`
	ReviewedOn  domain.Date `bun:"reviewed_on,type:date"`
	NewEndDate  domain.Date `bun:"new_end_date,type:date"`
	NextDueDate domain.Date `bun:"next_due_date,type:date"`
	CreatedAt   time.Time   `bun:"created_at"`
}

const entityReview = "review"

func (r *reviewRow) toDomain() *domain.Review {
	return &domain.Review{
		ID: r.ID, SubjectType: domain.ReviewSubjectType(r.SubjectType), SubjectID: r.SubjectID, Kind: r.Kind, DueDate: r.DueDate,
		Outcome: domain.ReviewOutcome(r.Outcome), Notes: r.Notes, ReviewerID: r.ReviewerID, ReviewedOn: r.ReviewedOn,
		NewEndDate: r.NewEndDate, NextDueDate: r.NextDueDate, CreatedAt: r.CreatedAt.UTC(),
	}
}

// CreateReview implements domain.ReviewService.
func (db *DB) CreateReview(ctx context.Context, in domain.ReviewInput) (*domain.Review, error) {
	if err := domain.Validate(in); err != nil {
		return nil, err
	}
	var out *domain.Review
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var fe domain.FieldErrors
		switch {
		case in.ReviewedOn.IsZero():
			fe.AddJa("reviewed_on", "is required", "入力してください。", nil)
		case in.ReviewedOn.After(db.today()):
			fe.AddJa("reviewed_on", "must not be in the future", "未来の日付は指定できません。", in.ReviewedOn.String())
		}
		if in.Outcome == domain.OutcomeTerminate && strings.TrimSpace(in.Notes) == "" {
			fe.AddJa("notes", "say why the subject is ended", "終了とする理由を入力してください。", nil)
		}
		if !in.NewEndDate.IsZero() && (in.SubjectType != domain.ReviewContract || in.Outcome == domain.OutcomeTerminate) {
			fe.AddJa("new_end_date", "only a contract that continues or is modified takes a new end date",
				"新しい終了日を指定できるのは、継続又は変更とする契約だけです。", in.NewEndDate.String())
		}
		if err := requirePerson(ctx, tx, &fe, "reviewer_id", in.ReviewerID); err != nil {
			return err
		}
		if err := fe.ErrJa("the review cannot be recorded as sent", "この内容では、見直しを記録できません。"); err != nil {
			return err
		}
		row := &reviewRow{ID: uuid.Must(uuid.NewV7()).String(), SubjectType: string(in.SubjectType), SubjectID: in.SubjectID,
			Kind: "periodic", Outcome: string(in.Outcome), Notes: strings.TrimSpace(in.Notes), ReviewerID: in.ReviewerID,
			ReviewedOn: in.ReviewedOn, NewEndDate: in.NewEndDate, CreatedAt: db.Now()}
		var err error
		switch in.SubjectType {
		case domain.ReviewContract:
			row.Kind = "renewal"
			err = db.reviewContract(ctx, tx, row)
		case domain.ReviewCloudService:
			err = db.reviewCloudService(ctx, tx, row)
		case domain.ReviewSocialAccount:
			err = db.reviewSocialAccount(ctx, tx, row)
		}
		if err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return fmt.Errorf("store: insert review: %w", err)
		}
		out = row.toDomain()
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditCreate, EntityType: entityReview, EntityID: row.ID, After: out})
	})
	return out, err
}

// subjectNotFound reports a review subject that does not exist as a field
// error: the caller named it in the body.
func subjectNotFound(err error, id string) error {
	if domain.ErrorCodeOf(err) == domain.ENOTFOUND {
		return domain.Invalid("the review's subject does not exist",
			domain.FieldError{Field: "subject_id", Message: "no subject of this type has this id", Ja: "この種類の対象は登録されていません。", Value: id}).
			WithJa("見直しの対象が登録されていません。")
	}
	return err
}

func (db *DB) reviewContract(ctx context.Context, tx bun.Tx, r *reviewRow) error {
	c, err := db.changeContractTx(ctx, tx, r.SubjectID, nil, func(ctx context.Context, tx bun.Tx, row *contractRow) (string, string, error) {
		if row.Status != string(domain.ContractActive) {
			return "", "", domain.Errorf(domain.ECONFLICT, "the contract is %s; only an active contract is reviewed for renewal", row.Status).
				WithJa("この契約は%sです。更新の見直しは実施中の契約についてだけ行います。", statusJa(entityContract, row.Status))
		}
		r.DueDate = row.RenewalReviewDue
		if r.Outcome == string(domain.OutcomeTerminate) {
			row.Status, row.TerminationReason = string(domain.ContractTerminated), r.Notes
			return "terminate", "renewal review " + r.ID + ": " + r.Notes, db.dropScheduledConfirmations(ctx, tx, row.ID)
		}
		if !r.NewEndDate.IsZero() && !r.NewEndDate.After(row.EndDate) {
			return "", "", domain.Invalid("the new end date must extend the contract",
				domain.FieldError{Field: "new_end_date", Message: "must be after the current end date " + row.EndDate.String(),
					Ja: "現在の終了日（" + row.EndDate.String() + "）より後の日付を指定してください。", Value: r.NewEndDate.String()}).
				WithJa("新しい終了日は、契約を延長する日付にしてください。")
		}
		row.RenewalReviewedFor = row.EndDate
		if !r.NewEndDate.IsZero() {
			row.EndDate = r.NewEndDate
		}
		return "renewal_review", "renewal review " + r.ID + ": " + r.Outcome, nil
	})
	if err != nil {
		return subjectNotFound(err, r.SubjectID)
	}
	r.NextDueDate = c.RenewalReviewDue
	return nil
}

func (db *DB) reviewCloudService(ctx context.Context, tx bun.Tx, r *reviewRow) error {
	c, err := db.changeCloudServiceTx(ctx, tx, r.SubjectID, nil, func(_ context.Context, _ bun.Tx, row *cloudServiceRow) (string, string, error) {
		if row.Status != string(domain.CloudApproved) {
			return "", "", domain.Errorf(domain.ECONFLICT, "the cloud service is %s; only an approved service is reviewed", row.Status).
				WithJa("このサービスは%sです。見直しは承認済みのサービスについてだけ行います。", statusJa(entityCloudService, row.Status))
		}
		r.DueDate = row.NextReviewDue
		if r.Outcome == string(domain.OutcomeTerminate) {
			row.Status, row.StatusReason = string(domain.CloudRetired), r.Notes
			return "retire", "periodic review " + r.ID + ": " + r.Notes, nil
		}
		row.LastReviewedOn = r.ReviewedOn
		return "periodic_review", "periodic review " + r.ID + ": " + r.Outcome, nil
	})
	if err != nil {
		return subjectNotFound(err, r.SubjectID)
	}
	r.NextDueDate = c.NextReviewDue
	return nil
}

func (db *DB) reviewSocialAccount(ctx context.Context, tx bun.Tx, r *reviewRow) error {
	a, err := db.changeSocialAccountTx(ctx, tx, r.SubjectID, nil, func(_ context.Context, _ bun.Tx, row *socialAccountRow) (string, string, error) {
		if row.Status == string(domain.SocialRetired) {
			return "", "", domain.Errorf(domain.ECONFLICT, "the account is retired; there is nothing left to review").
				WithJa("このアカウントは廃止されているため、見直す対象がありません。")
		}
		r.DueDate = row.NextReviewDue
		if r.Outcome == string(domain.OutcomeTerminate) {
			row.Status, row.StatusReason = string(domain.SocialRetired), r.Notes
			return "retire", "periodic review " + r.ID + ": " + r.Notes, nil
		}
		row.LastReviewedOn = r.ReviewedOn
		return "periodic_review", "periodic review " + r.ID + ": " + r.Outcome, nil
	})
	if err != nil {
		return subjectNotFound(err, r.SubjectID)
	}
	r.NextDueDate = a.NextReviewDue
	return nil
}

// FindReview implements domain.ReviewService.
func (db *DB) FindReview(ctx context.Context, id string) (*domain.Review, error) {
	var row reviewRow
	if err := loadRow(ctx, db.bun, &row, entityReview, id); err != nil {
		return nil, err
	}
	return row.toDomain(), nil
}

// ListReviews implements domain.ReviewService.
func (db *DB) ListReviews(ctx context.Context, f domain.ReviewFilter, p domain.PageRequest) (domain.Page[*domain.Review], error) {
	var rows []*reviewRow
	q := db.bun.NewSelect().Model(&rows)
	if f.SubjectType != "" {
		q = q.Where("subject_type = ?", string(f.SubjectType))
	}
	if f.SubjectID != "" {
		q = q.Where("subject_id = ?", f.SubjectID)
	}
	q, err := whereFiscalYear(q, "reviewed_on", f.FiscalYear)
	if err != nil {
		return domain.Page[*domain.Review]{}, err
	}
	return listPage(ctx, q, &rows, p, "list reviews",
		(*reviewRow).toDomain,
		func(r *domain.Review) string { return r.ID })
}
