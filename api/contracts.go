package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// ContractOutput is one contract with its ETag.
type ContractOutput struct {
	ETag string `header:"ETag" doc:"The contract's version as a strong ETag; send it back in If-Match."`
	Body *domain.Contract
}

func contractOutput(c *domain.Contract) *ContractOutput {
	return &ContractOutput{ETag: etag(c.Version), Body: c}
}

// ClauseCoverageListOutput is a contract's clause coverage.
type ClauseCoverageListOutput struct {
	Body struct {
		Items []domain.ClauseCoverage `json:"items" doc:"Every catalogue clause with its status on the contract."`
		// MissingMandatory lists what still blocks activation.
		MissingMandatory []string `json:"missing_mandatory" maxItems:"200" pattern:"^[a-z][a-z0-9_]{1,79}$" doc:"Codes of mandatory clauses neither included nor waived with a reason: what blocks activation."`
	}
}

// ClauseCoverageOutput is one clause's coverage.
type ClauseCoverageOutput struct {
	Body *domain.ClauseCoverage
}

func (s *Server) registerContracts() {
	const tag = "Contracts"
	huma.Register(s.api, operation{
		ID: "list-contracts", Method: http.MethodGet, Path: "/v1/contracts", Tag: tag,
		Summary:     "List contracts",
		Description: "Lists outsourcing contracts (委託契約), oldest first. fiscal_year selects the contracts that start in that fiscal year (年度); each contract shows its own as fiscal_year. Any role may read.",
		Permission:  domain.PermRead, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		PageParams
		VendorID               string                `query:"vendor_id" format:"uuid" doc:"Only contracts with this vendor."`
		Status                 domain.ContractStatus `query:"status" enum:"draft,active,expired,terminated" doc:"Only contracts in this status."`
		OwnerID                string                `query:"owner_id" format:"uuid" doc:"Only contracts this person is in charge of."`
		ConfirmationDueBefore  string                `query:"confirmation_due_before" format:"date" doc:"Only contracts whose next confirmation is due before this date."`
		RenewalReviewDueBefore string                `query:"renewal_review_due_before" format:"date" doc:"Only contracts whose renewal review is due before this date."`
		MissingClause          string                `query:"missing_clause" maxLength:"80" doc:"Only contracts that neither include nor waive this clause code."`
		Q                      string                `query:"q" maxLength:"200" doc:"Part of the title; width, hiragana/katakana and case do not matter."`
		FiscalYear             int                   `query:"fiscal_year" minimum:"1900" maximum:"2998" doc:"Only contracts whose start_date is in this fiscal year (年度, April to March): 2026 is 2026-04-01 to 2027-03-31, both included."`
	}) (*ListOutput[*domain.Contract], error) {
		var dp dateParams
		f := domain.ContractFilter{VendorID: in.VendorID, Status: in.Status, OwnerID: in.OwnerID, MissingClause: in.MissingClause, Q: in.Q, FiscalYear: in.FiscalYear,
			ConfirmationDueBefore:  dp.parse("confirmation_due_before", in.ConfirmationDueBefore),
			RenewalReviewDueBefore: dp.parse("renewal_review_due_before", in.RenewalReviewDueBefore)}
		if err := dp.err(); err != nil {
			return nil, err
		}
		return listed(ctx, s, in.PageParams, func(page domain.PageRequest) (domain.Page[*domain.Contract], error) {
			return s.Contracts.ListContracts(ctx, f, page)
		})
	})

	huma.Register(s.api, operation{
		ID: "get-contract", Method: http.MethodGet, Path: "/v1/contracts/{id}", Tag: tag,
		Summary: "Get a contract", Description: "Returns one contract with its derived due dates.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*ContractOutput, error) {
		c, err := s.Contracts.FindContract(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return contractOutput(c), nil
	})

	huma.Register(s.api, operation{
		ID: "create-contract", Method: http.MethodPost, Path: "/v1/contracts", Tag: tag,
		Summary: "Register a contract",
		Description: "Registers a draft contract with a vendor. Set its security clauses with set-contract-clause, then activate it. " +
			"The notice period must fit the term: longer than the term, or a renewal review (end date − notice − review lead) " +
			"before the start date, is a 422 naming notice_period_days. With auto_renew, the due-scan extends the end date by " +
			"renewal_term_months (12 by default) each time it passes. 409 for a terminated vendor. Needs the editor or admin role.",
		Permission: domain.PermWrite, Status: http.StatusCreated, Errors: errsCreate,
	}.huma(), func(ctx context.Context, in *struct {
		Body domain.ContractInput
	}) (*ContractOutput, error) {
		c, err := s.Contracts.CreateContract(ctx, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return contractOutput(c), nil
	})

	huma.Register(s.api, operation{
		ID: "replace-contract", Method: http.MethodPut, Path: "/v1/contracts/{id}", Tag: tag,
		Summary: "Replace a contract",
		Description: "Replaces a draft or active contract's fields; the vendor cannot change. The vendor's risk tier and the due " +
			"dates are recomputed in the same transaction: a confirmation falls due confirmation_before_end_days before the end " +
			"when the tier's interval would land after it, and every due date moves to the previous business day when it falls " +
			"on a weekend, holiday or closure day. The notice period must fit the term (422 naming notice_period_days). " +
			"409 once expired or terminated. Needs the editor or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.ContractInput
	}) (*ContractOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		c, err := s.Contracts.ReplaceContract(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return contractOutput(c), nil
	})

	huma.Register(s.api, operation{
		ID: "delete-contract", Method: http.MethodDelete, Path: "/v1/contracts/{id}", Tag: tag,
		Summary: "Delete a draft contract", Description: "Deletes a draft registered by mistake; 409 for any other status. Needs the editor or admin role.",
		Permission: domain.PermWrite, Status: http.StatusNoContent, Errors: errsDelete,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
	}) (*struct{}, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		if err := s.Contracts.DeleteContract(ctx, in.ID, v); err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return nil, nil
	})

	huma.Register(s.api, operation{
		ID: "list-contract-clauses", Method: http.MethodGet, Path: "/v1/contracts/{id}/clauses", Tag: tag,
		Summary: "List a contract's security clauses",
		Description: "Lists every catalogue clause with its status on this contract: included (with the article), missing, or " +
			"waived (with the reason), and which mandatory ones still block activation.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		ExportParams
	}) (*ClauseCoverageListOutput, error) {
		items, err := s.Contracts.ContractClauses(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		if done, err := exportAll(ctx, s, in.ExportParams, items); done {
			return &ClauseCoverageListOutput{}, err
		}
		out := &ClauseCoverageListOutput{}
		out.Body.Items = items
		out.Body.MissingMandatory = domain.MissingClauses(items)
		if out.Body.MissingMandatory == nil {
			out.Body.MissingMandatory = []string{}
		}
		return out, nil
	})

	huma.Register(s.api, operation{
		ID: "set-contract-clause", Method: http.MethodPut, Path: "/v1/contracts/{id}/clauses/{code}", Tag: tag,
		Summary: "Set a security clause on a contract",
		Description: "Sets one clause's status: included needs the article that states it (e.g. 第12条), waived needs a written " +
			"reason. Waiving a mandatory clause is a request by the caller (separation of duties, 職務の分離): it takes effect only " +
			"when a second person with the manager, supervisor or ciso security role approves it (approve-contract-clause-waiver); " +
			"until then the clause counts as missing, and `waiver` shows who asked. Once a contract is active its coverage cannot " +
			"fall below the activation gate: setting a covered mandatory clause back to missing is a 409 that says to amend or " +
			"terminate the contract instead, and a waiver asked for a covered clause (an amendment) waits beside the clause's " +
			"current status until approved. 409 on an ended contract, or for a retired clause. Needs the editor or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		CodeParam
		Body domain.ClauseCoverageInput
	}) (*ClauseCoverageOutput, error) {
		c, err := s.Contracts.SetContractClause(ctx, in.ID, in.Code, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &ClauseCoverageOutput{Body: c}, nil
	})

	huma.Register(s.api, operation{
		ID: "approve-contract-clause-waiver", Method: http.MethodPost, Path: "/v1/contracts/{id}/clauses/{code}/approve-waiver", Tag: tag,
		Summary: "Approve a clause waiver",
		Description: "Approves the waiver waiting on a mandatory clause, so that it counts toward activation; on an active contract " +
			"the clause becomes waived. Separation of duties (職務の分離): the caller's person must hold the manager " +
			"(情報セキュリティ責任者), supervisor or ciso security role and must not be the person who asked for the waiver (403 " +
			"otherwise). The clause coverage and the audit trail show who asked, who approved and when. 409 when no waiver waits " +
			"or the contract ended. Needs the editor or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		CodeParam
	}) (*ClauseCoverageOutput, error) {
		c, err := s.Contracts.ApproveClauseWaiver(ctx, in.ID, in.Code)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return &ClauseCoverageOutput{Body: c}, nil
	})

	huma.Register(s.api, operation{
		ID: "activate-contract", Method: http.MethodPost, Path: "/v1/contracts/{id}/activate", Tag: tag,
		Summary: "Activate a contract",
		Description: "Makes a draft active. Succeeds only when the vendor is approved (409 otherwise), the end date has not passed " +
			"(409), and every mandatory security clause is included or waived with an approved reason; otherwise 422 whose errors name each missing clause (location " +
			"body.clauses.<code>). Sets next_confirmation_due and renewal_review_due. Needs the editor or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
	}) (*ContractOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		c, err := s.Contracts.ActivateContract(ctx, in.ID, v)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return contractOutput(c), nil
	})

	huma.Register(s.api, operation{
		ID: "terminate-contract", Method: http.MethodPost, Path: "/v1/contracts/{id}/terminate", Tag: tag,
		Summary: "Terminate a contract",
		Description: "Ends a draft or active contract with a reason; scheduled confirmations of it are dropped and the vendor's " +
			"risk tier is recomputed. 409 when already ended. Needs the editor or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body ReasonBody
	}) (*ContractOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		c, err := s.Contracts.TerminateContract(ctx, in.ID, v, in.Body.Reason)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return contractOutput(c), nil
	})
}
