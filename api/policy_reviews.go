package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// PolicyReviewOutput is one policy review with its ETag.
type PolicyReviewOutput struct {
	ETag string `header:"ETag" doc:"The review's version as a strong ETag; send it back in If-Match."`
	Body *domain.PolicyReview
}

func policyReviewOutput(r *domain.PolicyReview) *PolicyReviewOutput {
	return &PolicyReviewOutput{ETag: etag(r.Version), Body: r}
}

// describePolicyReviewLists states what the items of two string lists
// are, which the Go tags cannot: each change is an audit event's UUID, and
// each changed field a snake_case name.
func (s *Server) describePolicyReviewLists() {
	schemas := s.api.OpenAPI().Components.Schemas.Map()
	if in := schemas["PolicyReviewInput"]; in != nil {
		if c := in.Properties["changes"]; c != nil && c.Items != nil {
			c.Items.Format = "uuid"
		}
	}
	if ch := schemas["PolicyChange"]; ch != nil {
		if f := ch.Properties["fields"]; f != nil && f.Items != nil {
			f.Items.Pattern = "^[a-z][a-z0-9_]*$"
		}
	}
}

func (s *Server) registerPolicyReviews() {
	const tag = "Policy reviews"
	defer s.describePolicyReviewLists()
	huma.Register(s.api, operation{
		ID: "list-policy-reviews", Method: http.MethodGet, Path: "/v1/policy-reviews", Tag: tag,
		Summary: "List reviews of the information security policy",
		Description: "Lists the reviews of the information security policy itself (情報セキュリティポリシーの見直し, 第8), oldest " +
			"first, each with the settings and catalogue changes it made. fiscal_year selects the reviews whose next review falls " +
			"in that fiscal year (年度). Any role may read.",
		Permission: domain.PermRead, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		PageParams
		Status     domain.PolicyReviewStatus  `query:"status" enum:"draft,approved" doc:"Only reviews in this status."`
		Trigger    domain.PolicyReviewTrigger `query:"trigger" enum:"audit_result,self_inspection_result,incident,circumstances" doc:"Only reviews with this trigger."`
		OwnerID    string                     `query:"owner_id" format:"uuid" doc:"Only reviews this person follows up."`
		FiscalYear int                        `query:"fiscal_year" minimum:"1900" maximum:"2998" doc:"Only reviews whose next_review_due is in this fiscal year (年度, April to March): 2026 is 2026-04-01 to 2027-03-31, both included."`
	}) (*ListOutput[*domain.PolicyReview], error) {
		f := domain.PolicyReviewFilter{Status: in.Status, Trigger: in.Trigger, OwnerID: in.OwnerID, FiscalYear: in.FiscalYear}
		return listed(ctx, s, in.PageParams, func(page domain.PageRequest) (domain.Page[*domain.PolicyReview], error) {
			return s.PolicyReviews.ListPolicyReviews(ctx, f, page)
		})
	})

	huma.Register(s.api, operation{
		ID: "list-policy-review-candidate-changes", Method: http.MethodGet, Path: "/v1/policy-reviews/candidate-changes", Tag: tag,
		Summary: "List the changes a new policy review may link",
		Description: "Lists the settings and catalogue changes (their audit events; the seeding of a new database left out) made " +
			"since the latest approved policy review was approved, or all of them when none is, in chain order, each with what it " +
			"changed: the audit_event_id values a review's changes may name. Any role may read.",
		Permission: domain.PermRead, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		PageParams
	}) (*ListOutput[*domain.PolicyChange], error) {
		return listed(ctx, s, in.PageParams, func(page domain.PageRequest) (domain.Page[*domain.PolicyChange], error) {
			return s.PolicyReviews.ListPolicyChangeCandidates(ctx, page)
		})
	})

	huma.Register(s.api, operation{
		ID: "get-policy-review", Method: http.MethodGet, Path: "/v1/policy-reviews/{id}", Tag: tag,
		Summary: "Get a policy review", Description: "Returns one review of the policy with each linked change and its audit event's summary.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*PolicyReviewOutput, error) {
		r, err := s.PolicyReviews.FindPolicyReview(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return policyReviewOutput(r), nil
	})

	huma.Register(s.api, operation{
		ID: "create-policy-review", Method: http.MethodPost, Path: "/v1/policy-reviews", Tag: tag,
		Summary: "Draft a policy review",
		Description: "Drafts a review of the policy: its trigger (audit_result, self_inspection_result and incident name their " +
			"record in trigger_id; circumstances, such as a new national guideline, names none), what happened, what was decided, " +
			"and the changes it made as the ids of their audit events (see list-policy-review-candidate-changes): each must be a " +
			"settings or catalogue change, else 422 at changes[i]. The caller's person drafted it (drafted_by) and owns it unless " +
			"owner_id names another. Needs the editor or admin role.",
		Permission: domain.PermWrite, Status: http.StatusCreated, Errors: errsCreate,
	}.huma(), func(ctx context.Context, in *struct {
		Body domain.PolicyReviewInput
	}) (*PolicyReviewOutput, error) {
		r, err := s.PolicyReviews.CreatePolicyReview(ctx, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return policyReviewOutput(r), nil
	})

	huma.Register(s.api, operation{
		ID: "replace-policy-review", Method: http.MethodPut, Path: "/v1/policy-reviews/{id}", Tag: tag,
		Summary: "Edit a draft policy review",
		Description: "Replaces a draft's fields and changes under the rules of create; the caller becomes changed_by, who cannot " +
			"approve it. An omitted owner_id keeps the owner. 409 once approved: a later review is recorded instead. Needs the " +
			"editor or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.PolicyReviewInput
	}) (*PolicyReviewOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		r, err := s.PolicyReviews.ReplacePolicyReview(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return policyReviewOutput(r), nil
	})

	huma.Register(s.api, operation{
		ID: "delete-policy-review", Method: http.MethodDelete, Path: "/v1/policy-reviews/{id}", Tag: tag,
		Summary:     "Delete a draft policy review",
		Description: "Deletes a draft that will not be approved, with its links to changes (the changes themselves stay). 409 once approved: an approved review is history. Needs the editor or admin role.",
		Permission:  domain.PermWrite, Status: http.StatusNoContent, Errors: errsDelete,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
	}) (*struct{}, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		if err := s.PolicyReviews.DeletePolicyReview(ctx, in.ID, v); err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return nil, nil
	})

	huma.Register(s.api, operation{
		ID: "approve-policy-review", Method: http.MethodPost, Path: "/v1/policy-reviews/{id}/approve", Tag: tag,
		Summary: "Approve a policy review",
		Description: "Approves a draft. The policy is the CISO's: the caller's person must hold the ciso (最高情報セキュリティ責任者) " +
			"security role (403 otherwise, whatever the token's role) and, for separation of duties (職務の分離), must be neither " +
			"the person who drafted it (drafted_by) nor the one who last changed it (changed_by): 403. It needs a decision, and " +
			"fixes next_review_due (the date given, or today plus policy_review_interval_months, moved to the previous business " +
			"day), which must be after today (422). From then on that date is reminded to the owner and escalated like every " +
			"other, and the earlier approved review is superseded: its queued reminders are cancelled. 409 once approved. Needs " +
			"the editor or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
	}) (*PolicyReviewOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		r, err := s.PolicyReviews.ApprovePolicyReview(ctx, in.ID, v)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return policyReviewOutput(r), nil
	})
}
