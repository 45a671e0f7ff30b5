package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// CorrectiveActionOutput is one corrective action with its ETag.
type CorrectiveActionOutput struct {
	ETag string `header:"ETag" doc:"The action's version as a strong ETag; send it back in If-Match."`
	Body *domain.CorrectiveAction
}

func correctiveActionOutput(a *domain.CorrectiveAction) *CorrectiveActionOutput {
	return &CorrectiveActionOutput{ETag: etag(a.Version), Body: a}
}

func (s *Server) registerCorrectiveActions() {
	const tag = "Corrective actions"
	huma.Register(s.api, operation{
		ID: "list-corrective-actions", Method: http.MethodGet, Path: "/v1/corrective-actions", Tag: tag,
		Summary:     "List corrective actions",
		Description: "Lists corrective actions (措置) opened by confirmation findings, incidents, audit findings and self-inspection answers, oldest first. source and source_id select those opened by one kind of source or one record. fiscal_year selects the actions due in that fiscal year (年度). Any role may read.",
		Permission:  domain.PermRead, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		PageParams
		Source     domain.ActionSource `query:"source" enum:"confirmation,incident,audit_finding,inspection_answer" doc:"Only actions opened by this kind of source."`
		SourceID   string              `query:"source_id" format:"uuid" doc:"Only actions opened by this record (a confirmation, incident, audit finding or inspection answer)."`
		ContractID string              `query:"contract_id" format:"uuid" doc:"Only actions on this contract."`
		VendorID   string              `query:"vendor_id" format:"uuid" doc:"Only actions on this vendor."`
		OwnerID    string              `query:"owner_id" format:"uuid" doc:"Only actions this person follows up."`
		Status     domain.ActionStatus `query:"status" enum:"open,done,risk_accepted" doc:"Only actions in this status."`
		DueBefore  string              `query:"due_before" format:"date" doc:"Only actions due before this date."`
		FiscalYear int                 `query:"fiscal_year" minimum:"1900" maximum:"2998" doc:"Only actions whose due_date is in this fiscal year (年度, April to March): 2026 is 2026-04-01 to 2027-03-31, both included."`
	}) (*ListOutput[*domain.CorrectiveAction], error) {
		var dp dateParams
		f := domain.CorrectiveActionFilter{Source: in.Source, SourceID: in.SourceID, ContractID: in.ContractID, VendorID: in.VendorID, OwnerID: in.OwnerID, Status: in.Status,
			DueBefore: dp.parse("due_before", in.DueBefore), FiscalYear: in.FiscalYear}
		if err := dp.err(); err != nil {
			return nil, err
		}
		return listed(ctx, s, in.PageParams, func(page domain.PageRequest) (domain.Page[*domain.CorrectiveAction], error) {
			return s.CorrectiveActions.ListCorrectiveActions(ctx, f, page)
		})
	})

	huma.Register(s.api, operation{
		ID: "get-corrective-action", Method: http.MethodGet, Path: "/v1/corrective-actions/{id}", Tag: tag,
		Summary: "Get a corrective action", Description: "Returns one corrective action.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*CorrectiveActionOutput, error) {
		a, err := s.CorrectiveActions.FindCorrectiveAction(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return correctiveActionOutput(a), nil
	})

	huma.Register(s.api, operation{
		ID: "replace-corrective-action", Method: http.MethodPut, Path: "/v1/corrective-actions/{id}", Tag: tag,
		Summary:     "Edit a corrective action",
		Description: "Edits an open action's description, severity, owner and due date. 409 once closed. Needs the editor or admin role.",
		Permission:  domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.CorrectiveActionInput
	}) (*CorrectiveActionOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		a, err := s.CorrectiveActions.ReplaceCorrectiveAction(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return correctiveActionOutput(a), nil
	})

	huma.Register(s.api, operation{
		ID: "complete-corrective-action", Method: http.MethodPost, Path: "/v1/corrective-actions/{id}/complete", Tag: tag,
		Summary:     "Mark a corrective action done",
		Description: "Closes an open action as done, saying what was done. 409 once closed. Needs the editor or admin role.",
		Permission:  domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.ActionClosure
	}) (*CorrectiveActionOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		a, err := s.CorrectiveActions.CompleteCorrectiveAction(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return correctiveActionOutput(a), nil
	})

	huma.Register(s.api, operation{
		ID: "accept-corrective-action-risk", Method: http.MethodPost, Path: "/v1/corrective-actions/{id}/accept-risk", Tag: tag,
		Summary: "Accept the risk instead of correcting",
		Description: "Closes an open action as risk_accepted, with the reason, until `accepted_until` (at most, and by default, " +
			"risk_acceptance_months from today; 422 beyond). closed_by records who accepted. When the acceptance ends, the due-scan " +
			"reopens the action, due on its last day, and reminds it again. Only a caller whose person holds the supervisor " +
			"(統括情報セキュリティ責任者) or ciso (最高情報セキュリティ責任者) security role and does not own the action may " +
			"(403 otherwise: separation of duties). Needs the editor or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.RiskAcceptance
	}) (*CorrectiveActionOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		a, err := s.CorrectiveActions.AcceptCorrectiveActionRisk(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return correctiveActionOutput(a), nil
	})
}
