package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// ConfirmationOutput is one confirmation with its ETag.
type ConfirmationOutput struct {
	ETag string `header:"ETag" doc:"The confirmation's version as a strong ETag; send it back in If-Match."`
	Body *domain.Confirmation
}

func confirmationOutput(c *domain.Confirmation) *ConfirmationOutput {
	return &ConfirmationOutput{ETag: etag(c.Version), Body: c}
}

func (s *Server) registerConfirmations() {
	const tag = "Confirmations"
	huma.Register(s.api, operation{
		ID: "list-confirmations", Method: http.MethodGet, Path: "/v1/confirmations", Tag: tag,
		Summary:     "List security confirmations",
		Description: "Lists security confirmations (遵守状況の確認), oldest first. status overdue means scheduled and past its due date. fiscal_year selects the confirmations due in that fiscal year (年度). Any role may read.",
		Permission:  domain.PermRead, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		PageParams
		ContractID string                    `query:"contract_id" format:"uuid" doc:"Only confirmations of this contract."`
		VendorID   string                    `query:"vendor_id" format:"uuid" doc:"Only confirmations of this vendor's contracts."`
		Status     domain.ConfirmationStatus `query:"status" enum:"scheduled,completed,overdue" doc:"Only confirmations in this status."`
		DueBefore  string                    `query:"due_before" format:"date" doc:"Only confirmations due before this date."`
		FiscalYear int                       `query:"fiscal_year" minimum:"1900" maximum:"2998" doc:"Only confirmations whose due_date is in this fiscal year (年度, April to March): 2026 is 2026-04-01 to 2027-03-31, both included."`
	}) (*ListOutput[*domain.Confirmation], error) {
		var dp dateParams
		f := domain.ConfirmationFilter{ContractID: in.ContractID, VendorID: in.VendorID, Status: in.Status, DueBefore: dp.parse("due_before", in.DueBefore),
			FiscalYear: in.FiscalYear}
		if err := dp.err(); err != nil {
			return nil, err
		}
		return listed(ctx, s, in.PageParams, func(page domain.PageRequest) (domain.Page[*domain.Confirmation], error) {
			return s.Confirmations.ListConfirmations(ctx, f, page)
		})
	})

	huma.Register(s.api, operation{
		ID: "get-confirmation", Method: http.MethodGet, Path: "/v1/confirmations/{id}", Tag: tag,
		Summary: "Get a security confirmation", Description: "Returns one confirmation with its checklist.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*ConfirmationOutput, error) {
		c, err := s.Confirmations.FindConfirmation(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return confirmationOutput(c), nil
	})

	huma.Register(s.api, operation{
		ID: "create-confirmation", Method: http.MethodPost, Path: "/v1/confirmations", Tag: tag,
		Summary: "Schedule a security confirmation",
		Description: "Schedules a confirmation of an active contract. Its checklist is a snapshot of the clauses included on the " +
			"contract now; later edits of the catalogue or the contract do not change it. The due date defaults to the contract's " +
			"next_confirmation_due. 409 unless the contract is active or when one is already scheduled. Needs the editor or admin role.",
		Permission: domain.PermWrite, Status: http.StatusCreated, Errors: errsCreate,
	}.huma(), func(ctx context.Context, in *struct {
		Body domain.ConfirmationInput
	}) (*ConfirmationOutput, error) {
		c, err := s.Confirmations.CreateConfirmation(ctx, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return confirmationOutput(c), nil
	})

	huma.Register(s.api, operation{
		ID: "complete-confirmation", Method: http.MethodPost, Path: "/v1/confirmations/{id}/complete", Tag: tag,
		Summary: "Complete a security confirmation",
		Description: "Records an answer (ok, finding, not_applicable) with note and evidence for every checklist item, who performed " +
			"it and when. The result is satisfactory without findings, else findings; each finding opens a corrective action " +
			"(措置) and needs a note, a severity and an action due date. The contract's next_confirmation_due moves in the same " +
			"transaction. 422 names every missing or bad item; 409 when already completed. Needs the editor or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.ConfirmationCompletion
	}) (*ConfirmationOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		c, err := s.Confirmations.CompleteConfirmation(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return confirmationOutput(c), nil
	})
}
