package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// ReviewOutput is one review.
type ReviewOutput struct {
	Body *domain.Review
}

// ReminderScanOutput is the report of a due-scan run on demand.
type ReminderScanOutput struct {
	Body domain.ScanReport
}

func (s *Server) registerReviews() {
	const tag = "Reviews"
	huma.Register(s.api, operation{
		ID: "list-reviews", Method: http.MethodGet, Path: "/v1/reviews", Tag: tag,
		Summary: "List reviews", Description: "Lists renewal and periodic reviews, oldest first. fiscal_year selects the reviews held in that fiscal year (年度). Any role may read.",
		Permission: domain.PermRead, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		PageParams
		SubjectType domain.ReviewSubjectType `query:"subject_type" enum:"contract,cloud_service,social_account" doc:"Only reviews of this kind of subject."`
		SubjectID   string                   `query:"subject_id" format:"uuid" doc:"Only reviews of this subject."`
		FiscalYear  int                      `query:"fiscal_year" minimum:"1900" maximum:"2998" doc:"Only reviews whose reviewed_on is in this fiscal year (年度, April to March): 2026 is 2026-04-01 to 2027-03-31, both included."`
	}) (*ListOutput[*domain.Review], error) {
		f := domain.ReviewFilter{SubjectType: in.SubjectType, SubjectID: in.SubjectID, FiscalYear: in.FiscalYear}
		return listed(ctx, s, in.PageParams, func(page domain.PageRequest) (domain.Page[*domain.Review], error) {
			return s.Reviews.ListReviews(ctx, f, page)
		})
	})

	huma.Register(s.api, operation{
		ID: "get-review", Method: http.MethodGet, Path: "/v1/reviews/{id}", Tag: tag,
		Summary: "Get a review", Description: "Returns one review.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*ReviewOutput, error) {
		r, err := s.Reviews.FindReview(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return &ReviewOutput{Body: r}, nil
	})

	huma.Register(s.api, operation{
		ID: "create-review", Method: http.MethodPost, Path: "/v1/reviews", Tag: tag,
		Summary: "Record a review",
		Description: "Records a renewal review of an active contract or a periodic review of an approved cloud service or a " +
			"social-media account. continue and modify move the subject's next due date (a contract may get a new end date); " +
			"terminate ends the subject (contract terminated, service or account retired) and needs notes. Reminders queued for " +
			"the old date are cancelled in the same transaction. 409 when the subject has already ended. Needs the editor or admin role.",
		Permission: domain.PermWrite, Status: http.StatusCreated, Errors: errsCreate,
	}.huma(), func(ctx context.Context, in *struct {
		Body domain.ReviewInput
	}) (*ReviewOutput, error) {
		r, err := s.Reviews.CreateReview(ctx, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &ReviewOutput{Body: r}, nil
	})
}

func (s *Server) registerReminders() {
	const tag = "Reminders"
	huma.Register(s.api, operation{
		ID: "list-reminders", Method: http.MethodGet, Path: "/v1/reminders", Tag: tag,
		Summary: "List the reminder ledger",
		Description: "Lists the reminder ledger: one row per subject, due date, stage, repeat and recipient, with its status: queued; " +
			"sending (its e-mail was handed to the mail server and the answer is not yet recorded); sent; failed with the mail " +
			"server's answer; or cancelled, with cancel_reason (subject_changed when the date moved or the subject was resolved or " +
			"ended, superseded when it would have been sent on a later day than scanned after a later stage of its date was reached, " +
			"recipient_inactive). attempts counts the hand-overs to the mail server and error keeps the last delivery error, so a " +
			"row queued while the server is unreachable says why. A row sent again after an attempt whose outcome was unknown (the " +
			"answer to the message was lost) has possible_duplicate true: the recipient may have two copies, with the same " +
			"Message-ID. An overdue item has one overdue row " +
			"per reminder: repeat 0 at escalation_delay_days after the date, then 1, 2, … every overdue_repeat_days after the previous " +
			"one until it is resolved; escalated_as says whether a recipient is told as supervisor or, from the " +
			"ciso_escalation_after_repeats-th repeat, as ciso. Titles use display names (ISO/IEC 27001, プライバシーマーク) in the " +
			"recipient's language. fiscal_year selects the rows whose due date falls in that fiscal year (年度). Any role may read.",
		Permission: domain.PermRead, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		PageParams
		Status      domain.ReminderStatus `query:"status" enum:"queued,sending,sent,failed,cancelled" doc:"Only rows in this status."`
		RecipientID string                `query:"recipient_id" format:"uuid" doc:"Only rows for this person."`
		SubjectType domain.SubjectType    `query:"subject_type" enum:"confirmation,contract_renewal,cloud_service_review,social_account_review,certification,corrective_action,policy_review,incident_step,inspection" doc:"Only rows about this kind of date."`
		SubjectID   string                `query:"subject_id" format:"uuid" doc:"Only rows about this subject."`
		Stage       string                `query:"stage" maxLength:"20" pattern:"^(before_[0-9]{1,3}|due|overdue|notice)$" doc:"Only rows of this stage: before_<days>, due, overdue or notice."`
		FiscalYear  int                   `query:"fiscal_year" minimum:"1900" maximum:"2998" doc:"Only rows whose due_date is in this fiscal year (年度, April to March): 2026 is 2026-04-01 to 2027-03-31, both included."`
	}) (*ListOutput[*domain.Reminder], error) {
		f := domain.ReminderFilter{Status: in.Status, RecipientID: in.RecipientID, SubjectType: in.SubjectType, SubjectID: in.SubjectID, Stage: in.Stage,
			FiscalYear: in.FiscalYear}
		return listed(ctx, s, in.PageParams, func(page domain.PageRequest) (domain.Page[*domain.Reminder], error) {
			return s.Reminders.ListReminders(ctx, f, page)
		})
	})

	huma.Register(s.api, operation{
		ID: "run-due-scan", Method: http.MethodPost, Path: "/v1/jobs/due-scan", Tag: tag,
		Summary: "Run a due-scan now",
		Description: "Runs the due-scan at once instead of waiting for its schedule, and reports what it did. It is idempotent: " +
			"a reminder already in the ledger for the same subject, due date, stage, repeat and recipient is not queued again. " +
			"Every unresolved date up to the farthest lead time is looked at, however old. Admin only.",
		Permission: domain.PermAdmin, Errors: []int{http.StatusServiceUnavailable},
	}.huma(), func(ctx context.Context, _ *struct{}) (*ReminderScanOutput, error) {
		if s.Jobs == nil {
			return nil, huma.Error503ServiceUnavailable("the job runner is not running in this process")
		}
		rep, err := s.Jobs.RunDueScan(ctx)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &ReminderScanOutput{Body: rep}, nil
	})
}
