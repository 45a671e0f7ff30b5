package api

import (
	"context"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/api/reportxlsx"
	"github.com/vendorwatch/vendorwatch/domain"
)

// InspectionCampaignOutput is one campaign with its ETag.
type InspectionCampaignOutput struct {
	ETag string `header:"ETag" doc:"The campaign's version as a strong ETag; send it back in If-Match."`
	Body *domain.InspectionCampaign
}

// InspectionAnswerOutput is one answer with its ETag.
type InspectionAnswerOutput struct {
	ETag string `header:"ETag" doc:"The answer's version as a strong ETag; send it back in If-Match."`
	Body *domain.InspectionAnswer
}

// AuditOutput is one audit with its ETag.
type AuditOutput struct {
	ETag string `header:"ETag" doc:"The audit's version as a strong ETag; send it back in If-Match."`
	Body *domain.Audit
}

// AuditFindingList is an audit's findings; an audit has few, so they come
// in one page.
type AuditFindingList struct {
	Items []*domain.AuditFinding `json:"items" doc:"The findings, oldest first."`
}

// ReportOutput is a report as JSON or as an XLSX workbook.
type ReportOutput struct {
	ContentType        string `header:"Content-Type" pattern:"^[a-z]+/[a-z0-9.+-]+$" doc:"application/json, or the XLSX media type."`
	ContentDisposition string `header:"Content-Disposition" pattern:"^attachment; filename=\"[A-Za-z0-9._-]+\"$" doc:"For the workbook: attachment, with its file name."`
	Body               any
}

// ReportParams choose a report's format.
type ReportParams struct {
	IDParam
	Format string `query:"format" enum:"json,xlsx" doc:"json (the default) or xlsx; the Accept header application/vnd.openxmlformats-officedocument.spreadsheetml.sheet asks for xlsx too."`
	Accept string `header:"Accept" maxLength:"500" pattern:"^[\\x20-\\x7e]*$" doc:"application/json (the default) or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet."`
}

// wantsXLSX reports whether the caller asked for the workbook.
func (p ReportParams) wantsXLSX() bool {
	if p.Format != "" {
		return p.Format == "xlsx"
	}
	for _, part := range strings.Split(p.Accept, ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == reportxlsx.MediaType {
			return true
		}
	}
	return false
}

// Bounds of the report's workbook in the document.
var maxFileName, maxWorkbook = 200, 64 << 20

// reportOperation documents a report's two representations.
func (s *Server) reportOperation(o operation) huma.Operation {
	op := o.huma()
	ref := s.api.OpenAPI().Components.Schemas.Schema(reflect.TypeOf(domain.InspectionReport{}), true, "InspectionReport")
	op.Responses = map[string]*huma.Response{
		"200": {
			Description: "The report: JSON by default, or the XLSX workbook (sheets 概要, 部署別, 不適合).",
			Headers: map[string]*huma.Param{
				"Content-Disposition": {Description: "For the workbook: attachment, with its file name.",
					Schema: &huma.Schema{Type: huma.TypeString, MaxLength: &maxFileName, Pattern: `^attachment; filename="[A-Za-z0-9._-]+"$`}},
			},
			Content: map[string]*huma.MediaType{
				"application/json":   {Schema: ref},
				reportxlsx.MediaType: {Schema: &huma.Schema{Type: huma.TypeString, Format: "binary", MaxLength: &maxWorkbook}},
			},
		},
	}
	return op
}

func (s *Server) reportResponse(ctx context.Context, rep *domain.InspectionReport, p ReportParams) (*ReportOutput, error) {
	if !p.wantsXLSX() {
		return &ReportOutput{ContentType: "application/json", Body: rep}, nil
	}
	settings, err := s.Settings.GetSettings(ctx)
	if err != nil {
		return nil, s.problem(ctx, "query", err)
	}
	b, err := reportxlsx.Write(rep, reportxlsx.Options{Era: settings.JapaneseEraDates})
	if err != nil {
		return nil, s.problem(ctx, "query", err)
	}
	return &ReportOutput{ContentType: reportxlsx.MediaType, ContentDisposition: `attachment; filename="` + reportxlsx.FileName(rep) + `"`, Body: b}, nil
}

func (s *Server) registerInspections() {
	const tag = "Self-inspections"
	huma.Register(s.api, operation{
		ID: "list-inspection-campaigns", Method: http.MethodGet, Path: "/v1/inspection-campaigns", Tag: tag,
		Summary:     "List self-inspection campaigns",
		Description: "Lists self-inspection campaigns (自己点検, the policy's 第7), oldest first, each with its assignees and their progress. Any role may read.",
		Permission:  domain.PermRead, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		PageParams
		FiscalYear int                   `query:"fiscal_year" minimum:"1900" maximum:"2998" doc:"Only campaigns of this fiscal year (年度)."`
		Status     domain.CampaignStatus `query:"status" enum:"open,closed" doc:"Only campaigns in this status."`
	}) (*ListOutput[*domain.InspectionCampaign], error) {
		return listed(ctx, s, in.PageParams, func(page domain.PageRequest) (domain.Page[*domain.InspectionCampaign], error) {
			return s.Inspections.ListInspectionCampaigns(ctx, domain.InspectionCampaignFilter{FiscalYear: in.FiscalYear, Status: in.Status}, page)
		})
	})

	huma.Register(s.api, operation{
		ID: "create-inspection-campaign", Method: http.MethodPost, Path: "/v1/inspection-campaigns", Tag: tag,
		Summary: "Open a self-inspection campaign",
		Description: "Opens a campaign for a fiscal year: the checklist items (every live inspection_checklist item by default) assigned to " +
			"each named department's information security managers (people holding the manager security role) and to each named person. " +
			"Every answer is pre-filled from the register where it can check the item, saying what it found and when. The due date is moved " +
			"to the previous business day and is reminded, to each assignee with items unanswered, like every other date (subject type " +
			"inspection). 422 for unknown items, a department without a manager, or no assignee. Needs the editor or admin role.",
		Permission: domain.PermWrite, Status: http.StatusCreated, Errors: errsCreate,
	}.huma(), func(ctx context.Context, in *struct {
		Body domain.InspectionCampaignInput
	}) (*InspectionCampaignOutput, error) {
		c, err := s.Inspections.CreateInspectionCampaign(ctx, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &InspectionCampaignOutput{ETag: etag(c.Version), Body: c}, nil
	})

	huma.Register(s.api, operation{
		ID: "get-inspection-campaign", Method: http.MethodGet, Path: "/v1/inspection-campaigns/{id}", Tag: tag,
		Summary: "Get a self-inspection campaign", Description: "Returns one campaign with its assignees and their progress.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*InspectionCampaignOutput, error) {
		c, err := s.Inspections.FindInspectionCampaign(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return &InspectionCampaignOutput{ETag: etag(c.Version), Body: c}, nil
	})

	huma.Register(s.api, operation{
		ID: "replace-inspection-campaign", Method: http.MethodPut, Path: "/v1/inspection-campaigns/{id}", Tag: tag,
		Summary: "Edit a self-inspection campaign",
		Description: "Replaces an open campaign's title, fiscal year, due date, items and assignees. Added items and assignees get " +
			"pre-filled answers; removed ones lose their unanswered answers (409 when one is answered). 409 once closed. Needs the editor or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.InspectionCampaignInput
	}) (*InspectionCampaignOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		c, err := s.Inspections.ReplaceInspectionCampaign(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &InspectionCampaignOutput{ETag: etag(c.Version), Body: c}, nil
	})

	huma.Register(s.api, operation{
		ID: "close-inspection-campaign", Method: http.MethodPost, Path: "/v1/inspection-campaigns/{id}/close", Tag: tag,
		Summary:     "Close a self-inspection campaign",
		Description: "Closes an open campaign: its answers no longer change and its reminders stop. 409 once closed. Needs the editor or admin role.",
		Permission:  domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
	}) (*InspectionCampaignOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		c, err := s.Inspections.CloseInspectionCampaign(ctx, in.ID, v)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return &InspectionCampaignOutput{ETag: etag(c.Version), Body: c}, nil
	})

	huma.Register(s.api, operation{
		ID: "list-inspection-answers", Method: http.MethodGet, Path: "/v1/inspection-campaigns/{id}/answers", Tag: tag,
		Summary:     "List a campaign's answers",
		Description: "Lists a campaign's answers with their pre-fills, in the order they were created. Any role may read.",
		Permission:  domain.PermRead, Errors: errsWithNotFound(errsList),
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		PageParams
		PersonID     string `query:"person_id" format:"uuid" doc:"Only this assignee's answers."`
		DepartmentID string `query:"department_id" format:"uuid" doc:"Only the answers for this department."`
		ItemCode     string `query:"item_code" maxLength:"80" pattern:"^[a-z][a-z0-9_]{1,79}$" doc:"Only the answers to this item."`
		Answer       string `query:"answer" enum:"compliant,not_compliant,not_applicable,unanswered" doc:"Only answers with this answer, or unanswered."`
	}) (*ListOutput[*domain.InspectionAnswer], error) {
		return listed(ctx, s, in.PageParams, func(page domain.PageRequest) (domain.Page[*domain.InspectionAnswer], error) {
			return s.Inspections.ListInspectionAnswers(ctx, in.ID, domain.InspectionAnswerFilter{PersonID: in.PersonID, DepartmentID: in.DepartmentID,
				ItemCode: in.ItemCode, Answer: in.Answer}, page)
		})
	})

	huma.Register(s.api, operation{
		ID: "get-inspection-answer", Method: http.MethodGet, Path: "/v1/inspection-answers/{id}", Tag: tag,
		Summary: "Get an inspection answer", Description: "Returns one answer with its pre-fill.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*InspectionAnswerOutput, error) {
		a, err := s.Inspections.FindInspectionAnswer(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return &InspectionAnswerOutput{ETag: etag(a.Version), Body: a}, nil
	})

	huma.Register(s.api, operation{
		ID: "answer-inspection-item", Method: http.MethodPut, Path: "/v1/inspection-answers/{id}", Tag: tag,
		Summary: "Answer an inspection item",
		Description: "Answers one item: compliant, not_compliant or not_applicable, with a note (required when not_compliant or when the " +
			"answer departs from the register's suggestion; kept_prefill records which). The first not_compliant answer opens a corrective " +
			"action (action.due_date required; owner the assignee by default), linked as corrective_action_id. The assignee answers their own " +
			"items whatever their token's role; an editor or admin may answer any (403 otherwise). 409 once the campaign is closed.",
		Permission: domain.PermRead, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.InspectionAnswerInput
	}) (*InspectionAnswerOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		a, err := s.Inspections.AnswerInspectionItem(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &InspectionAnswerOutput{ETag: etag(a.Version), Body: a}, nil
	})

	huma.Register(s.api, operation{
		ID: "get-inspection-assignment", Method: http.MethodGet, Path: "/v1/inspection-assignments/{id}", Tag: tag,
		Summary: "Get an assignee's part of a campaign",
		Description: "Returns one assignee's part of a campaign with their answers in checklist order: the subject of the campaign's " +
			"reminders (subject type inspection). Any role may read.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*struct{ Body *domain.InspectionAssignment }, error) {
		a, err := s.Inspections.FindInspectionAssignment(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return &struct{ Body *domain.InspectionAssignment }{Body: a}, nil
	})

	huma.Register(s.api, operation{
		ID: "refresh-inspection-prefills", Method: http.MethodPost, Path: "/v1/inspection-assignments/{id}/refresh-prefills", Tag: tag,
		Summary: "Read the register again for unanswered items",
		Description: "Recomputes the pre-fill of the assignee's unanswered items from the register as it is now (answered items keep " +
			"the pre-fill they were answered against). The assignee whatever their token's role, or an editor or admin (403 otherwise). " +
			"409 once the campaign is closed.",
		Permission: domain.PermRead, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *IDParam) (*struct{ Body *domain.InspectionAssignment }, error) {
		a, err := s.Inspections.RefreshInspectionPrefills(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return &struct{ Body *domain.InspectionAssignment }{Body: a}, nil
	})

	huma.Register(s.api, s.reportOperation(operation{
		ID: "get-inspection-report", Method: http.MethodGet, Path: "/v1/inspection-campaigns/{id}/report", Tag: tag,
		Summary: "A campaign's report",
		Description: "The self-inspection report: coverage by department, every not_compliant answer with its corrective action and " +
			"that action's status, and the register's own figures for the campaign's fiscal year. JSON by default; the XLSX workbook " +
			"with ?format=xlsx or Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet. Any role may read.",
		Permission: domain.PermRead, Errors: errsGet,
	}), func(ctx context.Context, in *ReportParams) (*ReportOutput, error) {
		rep, err := s.Inspections.InspectionReport(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return s.reportResponse(ctx, rep, *in)
	})
}

func (s *Server) registerAudits() {
	const tag = "Audits"
	huma.Register(s.api, operation{
		ID: "list-audits", Method: http.MethodGet, Path: "/v1/audits", Tag: tag,
		Summary: "List audits", Description: "Lists audits (監査, the policy's 第7), oldest first. Any role may read.",
		Permission: domain.PermRead, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		PageParams
		FiscalYear int                `query:"fiscal_year" minimum:"1900" maximum:"2998" doc:"Only audits of this fiscal year (年度)."`
		Status     domain.AuditStatus `query:"status" enum:"planned,in_progress,completed" doc:"Only audits in this status."`
	}) (*ListOutput[*domain.Audit], error) {
		return listed(ctx, s, in.PageParams, func(page domain.PageRequest) (domain.Page[*domain.Audit], error) {
			return s.Audits.ListAudits(ctx, domain.AuditRecordFilter{FiscalYear: in.FiscalYear, Status: in.Status}, page)
		})
	})

	huma.Register(s.api, operation{
		ID: "create-audit", Method: http.MethodPost, Path: "/v1/audits", Tag: tag,
		Summary: "Record an audit",
		Description: "Records an audit: its fiscal year, scope, auditor (one of our people, or an external name), dates and status. " +
			"Needs the editor or admin role.",
		Permission: domain.PermWrite, Status: http.StatusCreated, Errors: errsCreate,
	}.huma(), func(ctx context.Context, in *struct {
		Body domain.AuditInput
	}) (*AuditOutput, error) {
		a, err := s.Audits.CreateAudit(ctx, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &AuditOutput{ETag: etag(a.Version), Body: a}, nil
	})

	huma.Register(s.api, operation{
		ID: "get-audit", Method: http.MethodGet, Path: "/v1/audits/{id}", Tag: tag,
		Summary: "Get an audit", Description: "Returns one audit.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*AuditOutput, error) {
		a, err := s.Audits.FindAudit(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return &AuditOutput{ETag: etag(a.Version), Body: a}, nil
	})

	huma.Register(s.api, operation{
		ID: "replace-audit", Method: http.MethodPut, Path: "/v1/audits/{id}", Tag: tag,
		Summary:     "Edit an audit",
		Description: "Replaces an audit's fields, its status and conclusion included. Needs the editor or admin role.",
		Permission:  domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.AuditInput
	}) (*AuditOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		a, err := s.Audits.ReplaceAudit(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &AuditOutput{ETag: etag(a.Version), Body: a}, nil
	})

	huma.Register(s.api, operation{
		ID: "list-audit-findings", Method: http.MethodGet, Path: "/v1/audits/{id}/findings", Tag: tag,
		Summary: "List an audit's findings", Description: "Lists an audit's findings, oldest first. Any role may read.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		ExportParams
	}) (*struct{ Body AuditFindingList }, error) {
		items, err := s.Audits.ListAuditFindings(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		if done, err := exportAll(ctx, s, in.ExportParams, items); done {
			return &struct{ Body AuditFindingList }{}, err
		}
		return &struct{ Body AuditFindingList }{Body: AuditFindingList{Items: items}}, nil
	})

	huma.Register(s.api, operation{
		ID: "create-audit-finding", Method: http.MethodPost, Path: "/v1/audits/{id}/findings", Tag: tag,
		Summary: "Record an audit finding",
		Description: "Records a finding of an audit, optionally about one register record (subject_type and subject_id), and with " +
			"action opens its corrective action (owner and due date required), linked as corrective_action_id. Recording findings is " +
			"the auditor's work: a token with the auditor role may, as editors and admins may (403 for viewers).",
		Permission: domain.PermRead, Status: http.StatusCreated, Errors: errsWithNotFound(errsCreate),
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		Body domain.AuditFindingInput
	}) (*struct{ Body *domain.AuditFinding }, error) {
		f, err := s.Audits.CreateAuditFinding(ctx, in.ID, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &struct{ Body *domain.AuditFinding }{Body: f}, nil
	})

	huma.Register(s.api, s.reportOperation(operation{
		ID: "get-audit-report", Method: http.MethodGet, Path: "/v1/audits/{id}/report", Tag: tag,
		Summary: "An audit's report",
		Description: "The audit report: every finding with its corrective action and that action's status, and the register's own " +
			"figures for the audit's fiscal year. JSON by default; XLSX with ?format=xlsx or the XLSX Accept header. Any role may read.",
		Permission: domain.PermRead, Errors: errsGet,
	}), func(ctx context.Context, in *ReportParams) (*ReportOutput, error) {
		rep, err := s.Audits.AuditReport(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return s.reportResponse(ctx, rep, *in)
	})
}

// errsWithNotFound adds 404 to a list of documented statuses.
func errsWithNotFound(errs []int) []int {
	return append(append([]int(nil), errs...), http.StatusNotFound)
}
