package domain

import (
	"context"
	"time"
)

// ReviewSubjectType names what a review is of.
type ReviewSubjectType string

// Review subjects.
const (
	ReviewContract      ReviewSubjectType = "contract"
	ReviewCloudService  ReviewSubjectType = "cloud_service"
	ReviewSocialAccount ReviewSubjectType = "social_account"
)

// ReviewOutcome is the decision of a review.
type ReviewOutcome string

// Review outcomes.
const (
	OutcomeContinue  ReviewOutcome = "continue"
	OutcomeModify    ReviewOutcome = "modify"
	OutcomeTerminate ReviewOutcome = "terminate"
)

// Review records a renewal review of a contract or a periodic review of a
// cloud service or social-media account (第8: review when circumstances call
// for it).
type Review struct {
	ID          string            `json:"id" doc:"UUIDv7 of the review."`
	SubjectType ReviewSubjectType `json:"subject_type" enum:"contract,cloud_service,social_account" doc:"What was reviewed."`
	SubjectID   string            `json:"subject_id" doc:"ID of the subject."`
	Kind        string            `json:"kind" enum:"renewal,periodic" doc:"renewal for contracts, periodic otherwise."`
	DueDate     Date              `json:"due_date,omitzero" format:"date" doc:"The due date the review answered."`
	Outcome     ReviewOutcome     `json:"outcome" enum:"continue,modify,terminate" doc:"continue, modify, or terminate (which ends the subject)."`
	Notes       string            `json:"notes,omitempty" doc:"What was considered and decided."`
	ReviewerID  string            `json:"reviewer_id" doc:"Who reviewed."`
	ReviewedOn  Date              `json:"reviewed_on" format:"date" doc:"When the review took place."`
	NewEndDate  Date              `json:"new_end_date,omitzero" format:"date" doc:"For a contract that continues: its new end date."`
	NextDueDate Date              `json:"next_due_date,omitzero" format:"date" doc:"The subject's next due date after the review; absent when it ended."`
	CreatedAt   time.Time         `json:"created_at" doc:"When it was recorded (RFC 3339, UTC)."`
}

// ReviewInput records a review.
type ReviewInput struct {
	SubjectType ReviewSubjectType `json:"subject_type" enum:"contract,cloud_service,social_account" doc:"What is reviewed." validate:"required,oneof=contract cloud_service social_account"`
	SubjectID   string            `json:"subject_id" format:"uuid" doc:"ID of the subject." validate:"required,uuid"`
	Outcome     ReviewOutcome     `json:"outcome" enum:"continue,modify,terminate" doc:"continue, modify, or terminate (ends the subject)." validate:"required,oneof=continue modify terminate"`
	Notes       string            `json:"notes,omitempty" maxLength:"4000" doc:"What was considered and decided; required for terminate." example:"利用状況を確認し継続を決定" validate:"max=4000" text:"multiline"`
	ReviewerID  string            `json:"reviewer_id" format:"uuid" doc:"Who reviewed." validate:"required,uuid"`
	ReviewedOn  Date              `json:"reviewed_on" format:"date" doc:"When the review took place; not in the future." example:"2026-11-20"`
	NewEndDate  Date              `json:"new_end_date,omitzero" format:"date" doc:"For a contract that continues or is modified: its new end date. Without it the contract's renewal review is simply marked done for the current end date." example:"2028-03-31"`
}

// ReviewFilter narrows ListReviews.
type ReviewFilter struct {
	SubjectType ReviewSubjectType
	SubjectID   string
	// FiscalYear keeps the reviews held in that fiscal year (年度, April to March); 0 for all.
	FiscalYear int
}

// ReviewService records reviews.
type ReviewService interface {
	// CreateReview records a review, moves the subject's next due date (or
	// ends the subject for terminate) and cancels the queued reminders for
	// the old date, in one transaction. EINVALID, ENOTFOUND for the subject,
	// ECONFLICT when the subject has already ended.
	CreateReview(ctx context.Context, in ReviewInput) (*Review, error)
	// FindReview returns one review. ENOTFOUND.
	FindReview(ctx context.Context, id string) (*Review, error)
	// ListReviews returns a page of reviews. EINVALID.
	ListReviews(ctx context.Context, f ReviewFilter, p PageRequest) (Page[*Review], error)
}
