package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// CloudServiceOutput is one service with its ETag.
type CloudServiceOutput struct {
	ETag string `header:"ETag" doc:"The service's version as a strong ETag; send it back in If-Match."`
	Body *domain.CloudService
}

func cloudServiceOutput(c *domain.CloudService) *CloudServiceOutput {
	return &CloudServiceOutput{ETag: etag(c.Version), Body: c}
}

func (s *Server) registerCloudServices() {
	const tag = "Cloud services"
	huma.Register(s.api, operation{
		ID: "list-cloud-services", Method: http.MethodGet, Path: "/v1/cloud-services", Tag: tag,
		Summary:     "List services under standard terms",
		Description: "Lists external services used under the provider's standard terms (約款による外部サービス), oldest first. fiscal_year selects the services whose next review falls in that fiscal year (年度). Any role may read.",
		Permission:  domain.PermRead, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		PageParams
		Status              domain.CloudServiceStatus `query:"status" enum:"requested,approved,rejected,retired" doc:"Only services in this status."`
		ResponsiblePersonID string                    `query:"responsible_person_id" format:"uuid" doc:"Only services this person is responsible for."`
		ReviewDueBefore     string                    `query:"review_due_before" format:"date" doc:"Only services whose next review is due before this date."`
		Q                   string                    `query:"q" maxLength:"200" doc:"Part of the name or provider; width, hiragana/katakana and case do not matter."`
		FiscalYear          int                       `query:"fiscal_year" minimum:"1900" maximum:"2998" doc:"Only services whose next_review_due is in this fiscal year (年度, April to March): 2026 is 2026-04-01 to 2027-03-31, both included."`
	}) (*ListOutput[*domain.CloudService], error) {
		var dp dateParams
		f := domain.CloudServiceFilter{Status: in.Status, ResponsiblePersonID: in.ResponsiblePersonID, Q: in.Q, FiscalYear: in.FiscalYear,
			ReviewDueBefore: dp.parse("review_due_before", in.ReviewDueBefore)}
		if err := dp.err(); err != nil {
			return nil, err
		}
		return listed(ctx, s, in.PageParams, func(page domain.PageRequest) (domain.Page[*domain.CloudService], error) {
			return s.CloudServices.ListCloudServices(ctx, f, page)
		})
	})

	huma.Register(s.api, operation{
		ID: "get-cloud-service", Method: http.MethodGet, Path: "/v1/cloud-services/{id}", Tag: tag,
		Summary: "Get a service under standard terms", Description: "Returns one service with its terms checklist and review dates.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*CloudServiceOutput, error) {
		c, err := s.CloudServices.FindCloudService(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return cloudServiceOutput(c), nil
	})

	huma.Register(s.api, operation{
		ID: "create-cloud-service", Method: http.MethodPost, Path: "/v1/cloud-services", Tag: tag,
		Summary: "Request a service under standard terms",
		Description: "Registers a service as requested; the caller's person is the requester (requester_id), who cannot approve it. " +
			"Each terms_checks answer is recorded with the terms it was given for (the current terms_version and terms_url when " +
			"the answer names none). The policy's hard rule: such a service must " +
			"never handle information of confidentiality 2 or above — any such information asset is refused with 422, with no " +
			"override. Needs the editor or admin role.",
		Permission: domain.PermWrite, Status: http.StatusCreated, Errors: errsCreate,
	}.huma(), func(ctx context.Context, in *struct {
		Body domain.CloudServiceInput
	}) (*CloudServiceOutput, error) {
		c, err := s.CloudServices.CreateCloudService(ctx, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return cloudServiceOutput(c), nil
	})

	huma.Register(s.api, operation{
		ID: "replace-cloud-service", Method: http.MethodPut, Path: "/v1/cloud-services/{id}", Tag: tag,
		Summary: "Replace a service under standard terms",
		Description: "Replaces the fields (the confidentiality rule applies). A new terms_version or terms_url resets the " +
			"checklist: every terms_checks answer is kept but becomes stale (stale: true, with the terms it was answered for), " +
			"including answers sent in the same request, and on an approved service the change sends it back to requested with " +
			"the caller as its requester: the new terms must be read and the service approved again, and the audit event says so. " +
			"In a later replace, an answer that names no terms (leave out terms_version and terms_url) is given for the current " +
			"terms; an answer sent back as read keeps its terms, so a stale one stays stale. 409 once retired. Needs the editor " +
			"or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.CloudServiceInput
	}) (*CloudServiceOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		c, err := s.CloudServices.ReplaceCloudService(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return cloudServiceOutput(c), nil
	})

	huma.Register(s.api, operation{
		ID: "approve-cloud-service", Method: http.MethodPost, Path: "/v1/cloud-services/{id}/approve", Tag: tag,
		Summary: "Approve a service under standard terms",
		Description: "Approves a requested service. The caller's person must hold the supervisor (統括情報セキュリティ責任者) or " +
			"ciso security role (403 otherwise, whatever the token's role) and, for separation of duties (職務の分離), must not be " +
			"the requester (requester_id: who registered it, or who last changed its terms): 403. Every terms-of-service " +
			"checklist item must be answered for the current terms (422 naming the missing ones, and each stale answer at " +
			"terms_checks[i]). 409 unless requested. Needs the editor or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
	}) (*CloudServiceOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		c, err := s.CloudServices.ApproveCloudService(ctx, in.ID, v)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return cloudServiceOutput(c), nil
	})

	for _, st := range []struct {
		id, path, summary, description string
		call                           func(domain.CloudServiceService, context.Context, string, *int, string) (*domain.CloudService, error)
	}{
		{"reject-cloud-service", "reject", "Reject a service under standard terms", "Rejects a requested service, with a reason. 409 unless requested.", domain.CloudServiceService.RejectCloudService},
		{"retire-cloud-service", "retire", "Retire a service under standard terms", "Stops the use of an approved (or closes a rejected) service, with a reason; its history is kept. 409 from other statuses.", domain.CloudServiceService.RetireCloudService},
	} {
		huma.Register(s.api, operation{
			ID: st.id, Method: http.MethodPost, Path: "/v1/cloud-services/{id}/" + st.path, Tag: tag,
			Summary: st.summary, Description: st.description + " Needs the editor or admin role.",
			Permission: domain.PermWrite, Errors: errsWrite,
		}.huma(), func(ctx context.Context, in *struct {
			IDParam
			IfMatchParam
			Body ReasonBody
		}) (*CloudServiceOutput, error) {
			v, err := in.version()
			if err != nil {
				return nil, err
			}
			c, err := st.call(s.CloudServices, ctx, in.ID, v, in.Body.Reason)
			if err != nil {
				return nil, s.problem(ctx, "body", err)
			}
			return cloudServiceOutput(c), nil
		})
	}
}
